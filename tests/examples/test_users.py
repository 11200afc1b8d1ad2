"""examples/user_objects.py and the stand-in user database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from examples.users import USERS, User, authenticate
from flask_jwt_kit import create_access_token, decode_token
from tests.conftest import bearer
from tests.examples.conftest import example_app, login


@pytest.fixture
def app() -> Iterator[Flask]:
    yield example_app("user_objects")


def test_the_identity_claim_is_the_user_id(app: Flask) -> None:
    token = login(app.test_client(), "alice")["access_token"]
    with app.app_context():
        assert decode_token(token)["sub"] == "1"


def test_current_user(app: Flask) -> None:
    client = app.test_client()
    token = login(client, "alice")["access_token"]
    assert client.get("/me", headers=bearer(token)).json == {
        "id": "1",
        "username": "alice",
        "roles": ["admin"],
    }


def test_current_user_in_templates(app: Flask) -> None:
    client = app.test_client()
    token = login(client, "bob")["access_token"]
    assert client.get("/hello", headers=bearer(token)).text == "Hello, bob!"


def test_a_deleted_user(app: Flask) -> None:
    with app.app_context():
        token = create_access_token(User("99", "ghost"))
    response = app.test_client().get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json == {"msg": "This account no longer exists"}


def test_bad_login(app: Flask) -> None:
    assert app.test_client().post("/login", json={"username": "bob"}).status_code == 401


def test_authenticate() -> None:
    assert authenticate("alice", "correct horse battery staple") == USERS["1"]
    assert authenticate("alice", "wrong") is None
    assert authenticate("alice", "\ud800") is None
    assert authenticate("nobody", "x") is None
    assert authenticate(None, None) is None
