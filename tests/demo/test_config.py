"""The demo's configuration: environment variables, instance files, keys, the CLI."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import jwt
import pytest
from flask import Flask

from examples.demo import create_app
from flask_jwt_kit.keys import generate_jwk
from tests.conftest import SECRET
from tests.demo.conftest import FAST_HASHING, PASSWORDS, DemoFactory
from tests.plugins.stores import RedisServer


def login_token(app: Flask, username: str = "bob") -> str:
    response = app.test_client().post(
        "/api/login", json={"username": username, "password": PASSWORDS[username]}
    )
    assert response.status_code == 200, response.json
    token: str = response.json["access_token"]  # type: ignore[index]
    return token


def test_instance_files(demo: Flask) -> None:
    instance = Path(demo.instance_path)
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert (instance / "demo.db").exists()
    assert stat.S_IMODE((instance / "jwks.json").stat().st_mode) == 0o600
    assert demo.config["JWT_REVOCATION_STORE"] == f"sqlite:///{instance / 'revocations.db'}"
    login_token(demo)
    assert (instance / "revocations.db").exists()


def test_secret_from_the_environment(make_demo: DemoFactory) -> None:
    assert make_demo().config["JWT_SECRET_KEY"] == SECRET
    app = make_demo(environ={"JWT_SECRET_KEY": "", "DEMO_SECRET_KEY": "d" * 64})
    assert app.config["JWT_SECRET_KEY"] == app.config["SECRET_KEY"] == "d" * 64


def test_generated_secret_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app(FAST_HASHING, instance_path=tmp_path, environ={})
    try:
        assert len(app.config["JWT_SECRET_KEY"]) >= 64
        err = capsys.readouterr().err
        assert "WARNING: neither JWT_SECRET_KEY nor DEMO_SECRET_KEY is set" in err
        other = create_app(FAST_HASHING, instance_path=tmp_path, environ={})
        assert other.config["JWT_SECRET_KEY"] != app.config["JWT_SECRET_KEY"]
        other.extensions["flask-jwt-kit.state"].close()
    finally:
        app.extensions["flask-jwt-kit.state"].close()


def test_instance_path_from_the_environment(tmp_path: Path) -> None:
    environ = {"JWT_SECRET_KEY": SECRET, "DEMO_INSTANCE_PATH": str(tmp_path / "here")}
    app = create_app(FAST_HASHING, environ=environ)
    try:
        assert app.instance_path == str(tmp_path / "here")
        assert (tmp_path / "here" / "demo.db").exists()
    finally:
        app.extensions["flask-jwt-kit.state"].close()


def test_key_set_is_kept_across_restarts(make_demo: DemoFactory) -> None:
    first = make_demo()
    token = login_token(first)
    keys = Path(first.instance_path) / "jwks.json"
    keys.chmod(0o644)
    second = make_demo()
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    client = second.test_client()
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert (
        client.get("/.well-known/jwks.json").json
        == first.test_client().get("/.well-known/jwks.json").json
    )


def test_jwt_keys_from_the_environment(make_demo: DemoFactory, tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"keys": [generate_jwk("EdDSA", "mine")]}))
    app = make_demo(environ={"JWT_KEYS": str(path)})
    assert not (Path(app.instance_path) / "jwks.json").exists()
    jwks = app.test_client().get("/.well-known/jwks.json").json
    assert [k["kid"] for k in jwks["keys"]] == ["mine"]  # type: ignore[index]


def test_jwt_keys_off_signs_with_the_secret(make_demo: DemoFactory) -> None:
    app = make_demo(environ={"JWT_KEYS": "off"})
    token = login_token(app)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    assert app.test_client().get("/.well-known/jwks.json").json == {"keys": []}


def test_redis_url_selects_redis(make_demo: DemoFactory, redis_server: RedisServer) -> None:
    redis_server.flush()
    app = make_demo(environ={"REDIS_URL": redis_server.url})
    assert app.config["JWT_REVOCATION_STORE"] == redis_server.url
    token = login_token(app)
    client = app.test_client()
    sessions = client.get("/api/sessions", headers={"Authorization": f"Bearer {token}"}).json
    assert len(sessions["sessions"]) == 1  # type: ignore[index]


def test_flask_jwt_commands_on_the_demo(demo: Flask) -> None:
    login_token(demo, "alice")
    result = demo.test_cli_runner().invoke(args=["jwt", "sessions", "alice"])
    assert result.exit_code == 0
    assert "  metadata:       " in result.output
    assert '"client": "api"' in result.output
