"""Helpers for revocation tests through apps: views, tokens, answers, app processes.

``revocation_app(**config)`` makes an app (see ``make_app``) whose store is
the ``store_url`` fixture, so every test using it runs on every back end,
with the views of :func:`tests.revocation_app.server.add_revocation_views`.

``redis_cluster`` (session) is a Redis Cluster of three primaries on free
loopback ports, each in a temporary directory with append-only persistence
(see :class:`RedisClusterNodes`).
"""

from __future__ import annotations

import json
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from flask_jwt_kit import create_access_token
from flask_jwt_kit.revocation import RevocationStore
from tests.conftest import AppFactory, bearer
from tests.plugins.stores import free_port, missing
from tests.revocation_app.server import add_revocation_views

RevocationAppFactory = Callable[..., Flask]
#: ``start(store_url, count)``: see :func:`app_processes`.
StartApps = Callable[[str, int], list["AppProcess"]]

#: The answer to a revoked token.
REVOKED = (401, {"msg": "Token has been revoked"})
#: The answer when the store cannot be read.
UNAVAILABLE = (503, {"msg": "Token revocation status unavailable"})

#: The repository root, where ``python -m tests...`` finds the test package.
ROOT = Path(__file__).resolve().parents[2]

#: Seconds an app process gets to print its port.
STARTUP_TIMEOUT = 30.0


@pytest.fixture
def revocation_app(make_app: AppFactory, store_url: str) -> RevocationAppFactory:
    """``revocation_app(**config)``: an app on the ``store_url`` back end."""

    def factory(**config: Any) -> Flask:
        app = make_app(**{"JWT_REVOCATION_STORE": store_url, **config})
        add_revocation_views(app)
        return app

    return factory


def token_for(app: Flask, identity: Any = "alice", **kwargs: Any) -> str:
    """An access token made by *app*'s extension."""
    with app.app_context():
        return create_access_token(identity, **kwargs)


def store_of(app: Flask) -> RevocationStore:
    """The store *app* checks (built from its ``JWT_REVOCATION_STORE``)."""
    store: RevocationStore | None = app.extensions["flask-jwt-kit.state"].store
    assert store is not None
    return store


def answer(response: TestResponse) -> tuple[int, Any]:
    """``(status, JSON body)`` of *response*."""
    return response.status_code, response.get_json(silent=True)


def get(client: FlaskClient, token: str, path: str = "/protected") -> TestResponse:
    """GET *path* with *token* as a bearer token."""
    return client.get(path, headers=bearer(token))


class AppProcess:
    """An app process (:mod:`tests.revocation_app.server`) on a loopback port.

    :param store_url: the ``JWT_REVOCATION_STORE`` of the app.
    """

    def __init__(self, store_url: str):
        command = [sys.executable, "-W", "error", "-m", "tests.revocation_app.server", store_url]
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The port the app listens on, once it printed it."""
        if self._port is None:
            stdout = self.process.stdout
            assert stdout is not None
            with selectors.DefaultSelector() as selector:
                selector.register(stdout, selectors.EVENT_READ)
                ready = selector.select(STARTUP_TIMEOUT)
            line = stdout.readline() if ready else b""
            if not line.strip().isdigit():
                raise RuntimeError(f"app process did not start: {self.errors()}")
            self._port = int(line)
        return self._port

    def call(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        """One request on a new connection: ``(status, JSON body)``."""
        headers = {} if token is None else bearer(token)
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        connection = HTTPConnection("127.0.0.1", self.port, timeout=STARTUP_TIMEOUT)
        try:
            connection.request(method, path, data, headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def login(self, identity: Any) -> str:
        status, body = self.call("POST", "/login", body={"identity": identity})
        assert status == 200, body
        token: str = body["access_token"]
        return token

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(STARTUP_TIMEOUT)

    def errors(self) -> str:
        """What the process wrote to stderr (after :meth:`stop`)."""
        self.stop()
        stderr = self.process.stderr
        assert stderr is not None
        return stderr.read().decode(errors="replace")


@pytest.fixture
def app_processes() -> Iterator[StartApps]:
    """``start(store_url, count)``: *count* new app processes, all listening.

    They start side by side, and are killed after the test.
    """
    started: list[AppProcess] = []

    def start(store_url: str, count: int) -> list[AppProcess]:
        made = [AppProcess(store_url) for _ in range(count)]
        started.extend(made)
        for process in made:
            assert process.port
        return made

    yield start
    for process in started:
        process.stop()
        for stream in (process.process.stdout, process.process.stderr):
            if stream is not None:
                stream.close()


class RedisClusterNodes:
    """Three ``redis-server`` cluster nodes the tests own, joined by ``redis-cli``.

    :param server: path to ``redis-server``.
    :param cli: path to ``redis-cli``.
    :param directory: where each node keeps its files, in a directory of its own.
    """

    def __init__(self, server: str, cli: str, directory: Path):
        self.server = server
        self.cli = cli
        self.dir = directory
        #: Client port and cluster bus port of each node: the bus port is set
        #: explicitly, as the default (port + 10000) may be taken or too large.
        self.ports = [(free_port(), free_port()) for _ in range(3)]
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        """``redis+cluster://127.0.0.1:<port of the first node>``."""
        return f"redis+cluster://127.0.0.1:{self.ports[0][0]}"

    def start(self, index: int) -> None:
        """Start node *index* (again), with its own directory and ports."""
        port, bus = self.ports[index]
        home = self.dir / str(port)
        home.mkdir(exist_ok=True)
        options = {
            "port": port,
            "cluster-port": bus,
            "bind": "127.0.0.1",
            "cluster-enabled": "yes",
            "cluster-config-file": home / "nodes.conf",
            "dir": home,
            "appendonly": "yes",
            # Every write on disk before it is answered: a killed node loses none.
            "appendfsync": "always",
            "save": "",
            "logfile": home / "redis.log",
        }
        command = [self.server]
        for name, value in options.items():
            command += [f"--{name}", str(value)]
        self.processes[index] = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(lambda: self._answers(port, b"PING", b"+PONG"), STARTUP_TIMEOUT)

    def stop(self, index: int) -> None:
        """Kill node *index* (``SIGKILL``: a crash)."""
        process = self.processes.pop(index)
        process.kill()
        process.wait(STARTUP_TIMEOUT)

    def _answers(self, port: int, command: bytes, expected: bytes) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(command + b"\r\n")
                return expected in sock.recv(4096)
        except OSError:
            return False

    def wait_healthy(self) -> None:
        """Wait until every node says the cluster is up."""
        wait_until(
            lambda: all(
                self._answers(port, b"CLUSTER INFO", b"cluster_state:ok") for port, _ in self.ports
            ),
            STARTUP_TIMEOUT,
        )

    def create(self) -> None:
        """Start the nodes and join them: every slot assigned, no replicas."""
        for index in range(len(self.ports)):
            self.start(index)
        nodes = [f"127.0.0.1:{port}" for port, _ in self.ports]
        command = [self.cli, "--cluster", "create", *nodes, "--cluster-replicas", "0"]
        subprocess.run(
            [*command, "--cluster-yes"], check=True, capture_output=True, timeout=STARTUP_TIMEOUT
        )
        self.wait_healthy()

    def flush(self) -> None:
        """Empty every node."""
        for port, _ in self.ports:
            assert self._answers(port, b"FLUSHALL", b"+OK")

    def close(self) -> None:
        for index in list(self.processes):
            self.stop(index)


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisClusterNodes]:
    """A Redis Cluster for the whole session (see :class:`RedisClusterNodes`)."""
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if server is None or cli is None:
        missing("redis-server and redis-cli are needed for Redis Cluster")
    nodes = RedisClusterNodes(server, cli, Path(tempfile.mkdtemp(prefix="jwtkit-cluster-")))
    try:
        nodes.create()
        yield nodes
    finally:
        nodes.close()
        shutil.rmtree(nodes.dir, ignore_errors=True)


def wait_until(ready: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll *ready* (a real event) until it is true, for at most *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"not ready after {timeout} s")
        time.sleep(0.001)


__all__ = [
    "REVOKED",
    "UNAVAILABLE",
    "AppProcess",
    "RedisClusterNodes",
    "RevocationAppFactory",
    "StartApps",
    "answer",
    "get",
    "store_of",
    "token_for",
    "wait_until",
]
