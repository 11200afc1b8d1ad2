"""Real revocation back ends for tests: Redis and PostgreSQL servers.

Fixtures:

``redis_server`` (session)
    a ``redis-server`` on a free loopback port (``.url``) and a Unix socket
    (``.unix_url``), append-only file in a temporary directory (``.dir``);
    a :class:`RedisServer` whose ``stop()`` and ``start()`` kill and
    restart it on the same port and directory.
``postgres_server`` (session)
    a PostgreSQL cluster made by ``initdb`` in a temporary directory (run
    as an unprivileged user when the tests run as root), listening on a
    free loopback port, with a database ``jwtkit``; a :class:`PostgresServer`.
``store_url`` (function, parametrised over :data:`BACKENDS`)
    a URL for ``JWT_REVOCATION_STORE`` naming an empty back end.
``store`` (function, same parameters)
    the store that URL selects, closed after the test.

A missing server binary skips the tests that need it, except when the
environment variable ``CI`` is ``"true"``: then it fails them.

Load with ``pytest_plugins = ["tests.plugins.stores"]`` in the root conftest.
Nothing from ``flask_jwt_kit`` is imported at module level, so that
coverage, started after plugins load, sees the package's imports.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    import psycopg

    from flask_jwt_kit.revocation import RevocationStore

#: The back ends every store test runs on.
BACKENDS = ("memory", "sqlite", "redis", "postgresql")

#: Seconds a server gets to start or stop.
STARTUP_TIMEOUT = 30.0


def missing(reason: str) -> NoReturn:
    """Skip the test for want of *reason*; in CI, fail it instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required when CI=true)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _until(ready: Callable[[], bool], what: str, log: Path) -> None:
    """Poll *ready* until it is true; after :data:`STARTUP_TIMEOUT`, fail with *log*."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not ready():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{what} did not start in {STARTUP_TIMEOUT} s:\n{tail}")
        time.sleep(0.02)


class RedisServer:
    """A ``redis-server`` process the tests own.

    :param binary: path to ``redis-server``.
    :param directory: where the append-only file and the log go.
    """

    def __init__(self, binary: str, directory: Path):
        self.binary = binary
        self.dir = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def socket(self) -> Path:
        """The server's Unix socket."""
        return self.dir / "redis.sock"

    @property
    def unix_url(self) -> str:
        """``unix://<dir>/redis.sock?db=0``."""
        return f"unix://{self.socket}?db=0"

    @property
    def log(self) -> Path:
        return self.dir / "redis.log"

    def _ping(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited:\n{self.log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        """Start the server (again) on the same port and directory."""
        options = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "unixsocket": str(self.socket),
            "unixsocketperm": "700",
            "dir": str(self.dir),
            "appendonly": "yes",
            "save": "",
            "daemonize": "no",
            "logfile": str(self.log),
        }
        command = [self.binary]
        for name, value in options.items():
            command += [f"--{name}", value]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _until(self._ping, "redis-server", self.log)

    def stop(self, kill: bool = True) -> None:
        """Stop the server: ``SIGKILL`` by default (a crash), else ``SIGTERM``."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        self.process.wait(STARTUP_TIMEOUT)
        self.process = None

    def flush(self) -> None:
        """Empty every database."""
        import redis

        with redis.Redis.from_url(self.url) as client:
            client.flushall()


def _postgres_bindir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    """A PostgreSQL cluster the tests own.

    :param bindir: the directory holding ``initdb``, ``pg_ctl``, ``postgres``.
    :param directory: the cluster's home (data, socket, log).
    :param run_as: the OS user to run the server as, when the tests run as root.
    """

    #: The database role and the database the tests use.
    user = database = "jwtkit"

    def __init__(self, bindir: Path, directory: Path, run_as: str | None):
        self.bindir = bindir
        self.dir = directory
        self.run_as = run_as
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.port = free_port()
        self._admin: psycopg.Connection[Any] | None = None

    @property
    def url(self) -> str:
        """A SQLAlchemy URL for the test database."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{self.database}"

    @property
    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={self.database}"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        subprocess.run(command, cwd=self.dir, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        """Create the cluster and the test database."""
        options = ["-U", self.user, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]
        self._run("initdb", "-D", str(self.data), *options)
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.dir}'",
            # A throwaway cluster: no need to survive power loss. Commits
            # still reach the OS before they return, so a crash (pg_ctl
            # stop -m immediate) loses nothing, as in production.
            "fsync": "off",
            "full_page_writes": "off",
            # Tests read the log to count statements.
            "log_statement": "'all'",
            "max_connections": "100",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        self.start()
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {self.database}")

    def start(self) -> None:
        """Start the server (again)."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "start")

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server; ``immediate`` is a crash, ``fast`` a clean shutdown."""
        if self._admin is not None:
            self._admin.close()
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def reset(self) -> None:
        """Empty every table of the test database, in one round trip."""
        import psycopg

        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(self.conninfo, autocommit=True)
        # DELETE is cheaper than TRUNCATE for the few rows a test writes.
        self._admin.execute(_EMPTY_ALL_TABLES)


_EMPTY_ALL_TABLES = """
DO $$
DECLARE name text;
BEGIN
  FOR name IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('DELETE FROM %I', name);
  END LOOP;
END $$
"""


def _unprivileged_user() -> str | None:
    """Who runs PostgreSQL: nobody special unless we are root."""
    if os.geteuid() != 0:
        return None
    import pwd

    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    missing("running as root and no unprivileged user for PostgreSQL")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A Redis server for the whole session (see :class:`RedisServer`)."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server is not installed")
    server = RedisServer(binary, Path(tempfile.mkdtemp(prefix="jwtkit-redis-")))
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session (see :class:`PostgresServer`)."""
    bindir = _postgres_bindir()
    if bindir is None:
        missing("PostgreSQL (initdb, pg_ctl) is not installed")
    run_as = _unprivileged_user()
    if run_as is not None and shutil.which("runuser") is None:
        missing("running as root and runuser is not available")
    directory = Path(tempfile.mkdtemp(prefix="jwtkit-pg-"))
    if run_as is not None:
        shutil.chown(directory, run_as)
    server = PostgresServer(bindir, directory, run_as)
    try:
        server.init()
        yield server
    finally:
        if server.is_running():
            with contextlib.suppress(subprocess.SubprocessError):
                server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A ``JWT_REVOCATION_STORE`` URL naming an empty back end of each kind."""
    kind: str = request.param
    if kind == "memory":
        return "memory://"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'revocations.db'}"
    if kind == "redis":
        redis_server: RedisServer = request.getfixturevalue("redis_server")
        redis_server.flush()
        return redis_server.url
    postgres_server: PostgresServer = request.getfixturevalue("postgres_server")
    postgres_server.reset()
    return postgres_server.url


@pytest.fixture
def store(store_url: str) -> Iterator[RevocationStore]:
    """An empty store of each kind, closed after the test."""
    from flask_jwt_kit.revocation import store_from_config

    made = store_from_config(store_url)
    assert made is not None
    try:
        yield made
    finally:
        made.close()
