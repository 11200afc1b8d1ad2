"""Helpers for the tests of examples/: fresh imports of an example, logging in."""

from __future__ import annotations

import importlib
import sys
from typing import Any, cast

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from examples.users import PASSWORDS


def load_example(name: str) -> Any:
    """``examples.<name>`` imported anew: its own app, store and callbacks.

    Returns the module (typed ``Any``: its attributes are the example's).
    """
    sys.modules.pop(f"examples.{name}", None)
    return importlib.import_module(f"examples.{name}")


def example_app(name: str) -> Flask:
    """The ``app`` of a freshly imported example, in testing mode."""
    app = cast(Flask, load_example(name).app)
    app.config["TESTING"] = True
    return app


def close(app: Flask) -> None:
    """Release the revocation store the example's manager opened."""
    app.extensions["flask-jwt-kit.state"].close()


def credentials(username: str = "alice", password: str | None = None) -> dict[str, str]:
    """The JSON body of a login."""
    return {"username": username, "password": PASSWORDS[username] if password is None else password}


def login(client: FlaskClient, username: str = "alice", path: str = "/login") -> dict[str, Any]:
    """Log in through the example's login view; return its JSON answer."""
    response = client.post(path, json=credentials(username))
    assert response.status_code == 200, response.json
    body: dict[str, Any] = response.json or {}
    return body


def body(response: TestResponse) -> Any:
    """The JSON body of *response* (there must be one)."""
    data = response.get_json(silent=True)
    assert data is not None, response.data
    return data
