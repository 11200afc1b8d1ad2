"""examples/quickstart.py: the requests of docs/getting-started.rst."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import bearer
from tests.examples.conftest import body, credentials, example_app


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    yield example_app("quickstart")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_login_then_call_the_protected_view(client: FlaskClient) -> None:
    response = client.post("/login", json=credentials("alice"))
    assert response.status_code == 200
    token = body(response)["access_token"]
    assert client.get("/me", headers=bearer(token)).json == {"logged_in_as": "alice"}


def test_without_a_token(client: FlaskClient) -> None:
    response = client.get("/me")
    assert response.status_code == 401
    assert response.json == {"msg": "Missing Authorization Header"}


@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice", "password": "wrong"},
        {"username": "mallory", "password": "correct horse battery staple"},
        {"username": "alice"},
        {"username": ["alice"], "password": 1},
        ["alice"],
    ],
)
def test_bad_logins(client: FlaskClient, body: object) -> None:
    response = client.post("/login", json=body)
    assert response.status_code == 401
    assert response.json == {"msg": "Bad username or password"}


def test_a_forged_token_is_refused(client: FlaskClient) -> None:
    token = body(client.post("/login", json=credentials()))["access_token"]
    header, claims, signature = token.split(".")
    forged = f"{header}.{claims}.{signature[::-1]}"
    assert client.get("/me", headers=bearer(forged)).status_code == 422
