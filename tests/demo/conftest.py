"""Fixtures for the demo's tests: the app factory with a temporary instance directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from examples.demo import create_app
from examples.demo.users import DEMO_USERS
from tests.conftest import SECRET

#: Cheap password hashing: the tests log in often.
FAST_HASHING = {"DEMO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}

#: The demo users' passwords.
PASSWORDS = {name: password for name, password, _ in DEMO_USERS}

DemoFactory = Callable[..., Flask]


@pytest.fixture
def make_demo(tmp_path: Path) -> Iterator[DemoFactory]:
    """``make_demo(config=None, environ=None)``: the demo app in ``tmp_path/instance``.

    The environment holds only ``JWT_SECRET_KEY`` unless *environ* adds to it.
    """
    made: list[Flask] = []

    def factory(
        config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Flask:
        app = create_app(
            {"TESTING": True, **FAST_HASHING, **(config or {})},
            instance_path=tmp_path / "instance",
            environ={"JWT_SECRET_KEY": SECRET, **(environ or {})},
        )
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["flask-jwt-kit.state"].close()


@pytest.fixture
def demo(make_demo: DemoFactory) -> Flask:
    """The demo app with its default settings."""
    return make_demo()


@pytest.fixture
def demo_client(demo: Flask) -> FlaskClient:
    return demo.test_client()
