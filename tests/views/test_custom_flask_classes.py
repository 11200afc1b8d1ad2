"""Applications that replace Flask's request or ``g`` classes keep working.

The extension reads the token header through ``request.headers`` (which a
request class may rewrite) and keeps the verified token on ``g`` whatever
class implements it, ``__slots__`` included.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, jsonify
from werkzeug.datastructures import Headers

from flask_jwt_kit import JWTManager, create_access_token, get_jwt_identity, jwt_required
from tests.conftest import SECRET


def _app(flask_class: type[Flask] = Flask) -> Flask:
    app = flask_class("custom")
    app.config["JWT_SECRET_KEY"] = SECRET
    JWTManager(app)
    app.add_url_rule("/who", "who", jwt_required()(lambda: jsonify(get_jwt_identity())))
    app.add_url_rule(
        "/maybe", "maybe", jwt_required(optional=True)(lambda: jsonify(get_jwt_identity()))
    )
    return app


class MappedRequest(Request):
    """Takes the token from ``X-Auth`` when the client sends it there."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        headers = Headers(self.headers)
        if "X-Auth" in headers:
            headers["Authorization"] = "Bearer " + headers["X-Auth"]
        self.headers = headers


class MappedApp(Flask):
    request_class = MappedRequest


def test_the_header_is_read_through_the_request_class() -> None:
    app = _app(MappedApp)
    with app.app_context():
        token = create_access_token("alice")
    client = app.test_client()
    assert client.get("/who", headers={"X-Auth": token}).json == "alice"
    assert client.get("/who").status_code == 401


class SlotsGlobals:
    """A ``g`` without ``__dict__``: attributes live in a dict of its own."""

    __slots__ = ("_data",)

    def __init__(self) -> None:
        object.__setattr__(self, "_data", {})

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._data[name] = value

    def get(self, name: str, default: Any = None) -> Any:
        return self._data.get(name, default)


class SlotsApp(Flask):
    app_ctx_globals_class = SlotsGlobals  # type: ignore[assignment]


def test_a_g_class_without_dict_keeps_the_token() -> None:
    app = _app(SlotsApp)
    with app.app_context():
        token = create_access_token("alice")
    client = app.test_client()
    assert client.get("/who", headers={"Authorization": f"Bearer {token}"}).json == "alice"
    assert client.get("/maybe").json is None
    assert client.get("/who").status_code == 401
