"""Shared fixtures: an app factory taking config overrides, a controllable clock."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient

from flask_jwt_kit import (
    JWTManager,
    get_jwt,
    get_jwt_identity,
    get_jwt_request_location,
    jwt_required,
)

pytest_plugins = ["tests.plugins.stores", "tests.plugins.oidc"]

#: A 64-byte secret: strong enough for every HMAC algorithm.
SECRET = "s3cr3t-" + "x" * 57

IN_CI = os.environ.get("CI") == "true"


class Clock:
    """A clock tests move by hand: no sleeping."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def add_views(app: Flask) -> None:
    """The views most tests call."""

    def payload() -> Any:
        return jsonify(
            identity=get_jwt_identity(),
            claims=get_jwt(),
            location=get_jwt_request_location(),
        )

    app.add_url_rule("/protected", "protected", jwt_required()(payload), methods=["GET", "POST"])
    app.add_url_rule(
        "/optional", "optional", jwt_required(optional=True)(payload), methods=["GET", "POST"]
    )
    app.add_url_rule("/fresh", "fresh", jwt_required(fresh=True)(payload), methods=["GET", "POST"])
    app.add_url_rule(
        "/refresh", "refresh", jwt_required(refresh=True)(payload), methods=["GET", "POST"]
    )
    app.add_url_rule(
        "/any", "any", jwt_required(verify_type=False)(payload), methods=["GET", "POST"]
    )


AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app(clock: Clock) -> Iterator[AppFactory]:
    """``make_app(**config)``: a Flask app with a JWTManager and the standard views.

    The manager is ``app.extensions["flask-jwt-kit"]``; its clock is the
    ``clock`` fixture.
    """
    made: list[Flask] = []

    def factory(**config: Any) -> Flask:
        app = Flask("tests")
        app.config["TESTING"] = True
        app.config["JWT_SECRET_KEY"] = SECRET
        app.config.update(config)
        JWTManager(app, clock=clock)
        add_views(app)
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["flask-jwt-kit.state"].close()


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
