"""Fixtures of the project: the flask_jwt_kit pytest plugin uses ``app``."""

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from examples.testing.app import create_app


@pytest.fixture
def app() -> Iterator[Flask]:
    app = create_app({"TESTING": True})
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
