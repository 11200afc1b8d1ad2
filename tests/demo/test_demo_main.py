"""``python -m examples.demo``: the start-up path, in-process and as a real process."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from examples.demo.__main__ import banner, main
from flask_jwt_kit.keys import generate_jwk
from tests.conftest import SECRET
from tests.demo.conftest import PASSWORDS, DemoFactory

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = "   alice  password 'wonderland-42'  (admin)\n   bob    password 'builder-42'\n"
STARTUP_TIMEOUT = 30.0


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def post_json(url: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.load(response)


def test_main_serves_and_prints_the_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    servers: queue.Queue[BaseWSGIServer] = queue.Queue()

    def server_factory(*args: Any, **kwargs: Any) -> BaseWSGIServer:
        server = make_server(*args, **kwargs)
        servers.put(server)
        return server

    environ = {
        "JWT_SECRET_KEY": SECRET,
        "DEMO_PORT": "0",
        "DEMO_INSTANCE_PATH": str(tmp_path),
    }
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(main(environ, server_factory)))
    thread.start()
    server = servers.get(timeout=STARTUP_TIMEOUT)
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        assert get(f"{url}/login")[0] == 200
        status, tokens = post_json(
            f"{url}/api/login", {"username": "bob", "password": PASSWORDS["bob"]}
        )
        assert status == 200 and tokens["token_type"] == "Bearer"
    finally:
        server.shutdown()
        thread.join(STARTUP_TIMEOUT)
    assert result == [0]
    out = capsys.readouterr().out
    assert out.startswith(f"Flask-JWT-Kit demo on {url}\n")
    assert CREDENTIALS in out
    assert f" * Revocations: sqlite:///{tmp_path / 'revocations.db'}\n" in out
    assert f"(public: {url}/.well-known/jwks.json)" in out
    state = server.app.extensions["flask-jwt-kit.state"]  # type: ignore[attr-defined]
    state.close()


def test_main_rejects_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert main({"DEMO_PORT": "http"}) == 2
    assert capsys.readouterr().err == "DEMO_PORT must be a port number, not 'http'\n"


def lines_of(stream: IO[str]) -> queue.Queue[str]:
    """The lines of *stream*, read by a thread, so that waits can time out."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


@pytest.fixture
def demo_process(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """``python -m examples.demo`` on a free port, as ``make demo`` runs it."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if name not in {"JWT_SECRET_KEY", "DEMO_SECRET_KEY", "REDIS_URL", "JWT_KEYS"}
    }
    environ.update(DEMO_PORT="0", DEMO_INSTANCE_PATH=str(tmp_path / "instance"))
    process = subprocess.Popen(
        [sys.executable, "-m", "examples.demo"],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(STARTUP_TIMEOUT)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        process.stderr.close()


def test_python_m_examples_demo(demo_process: subprocess.Popen[str]) -> None:
    assert demo_process.stdout is not None and demo_process.stderr is not None
    out, err = lines_of(demo_process.stdout), lines_of(demo_process.stderr)
    first = out.get(timeout=STARTUP_TIMEOUT)
    match = re.fullmatch(r"Flask-JWT-Kit demo on (http://127\.0\.0\.1:\d+)\n", first)
    assert match, first
    url = match[1]
    banner = first + "".join(out.get(timeout=STARTUP_TIMEOUT) for _ in range(8))
    assert CREDENTIALS in banner
    assert banner.endswith(" * Press Ctrl+C to stop\n")
    # No secret in the environment: a random one, and a warning.
    assert "WARNING: neither JWT_SECRET_KEY nor DEMO_SECRET_KEY is set" in err.get(
        timeout=STARTUP_TIMEOUT
    )

    assert get(f"{url}/login")[0] == 200
    status, body = get(f"{url}/.well-known/jwks.json")
    assert status == 200 and json.loads(body)["keys"][0]["alg"] == "ES256"
    status, tokens = post_json(
        f"{url}/api/login", {"username": "alice", "password": PASSWORDS["alice"]}
    )
    assert status == 200 and "access_token" in tokens

    # Ctrl+C stops it cleanly.
    demo_process.send_signal(signal.SIGINT)
    assert demo_process.wait(STARTUP_TIMEOUT) == 0


def test_banner_shows_no_secret(make_demo: DemoFactory) -> None:
    jwks = json.dumps({"keys": [generate_jwk("ES256", "k")]})
    app = make_demo(environ={"JWT_KEYS": jwks, "REDIS_URL": "redis://user:hunter2@127.0.0.1:1/0"})
    shown = banner(app, "http://127.0.0.1:5000")
    assert " * Revocations: redis://user:***@127.0.0.1:1/0\n" in shown
    assert " * Keys:        the JWK Set in JWT_KEYS (public: " in shown
    assert "hunter2" not in shown and jwks not in shown
    app = make_demo(environ={"JWT_KEYS": "off", "REDIS_URL": "redis://127.0.0.1:1/0"})
    shown = banner(app, "http://127.0.0.1:5000")
    assert " * Revocations: redis://127.0.0.1:1/0\n" in shown
    assert " * Keys:        HS256 with the secret key (public: " in shown
