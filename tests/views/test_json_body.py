"""Tokens in a JSON request body (contract: "Query string and JSON body")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import AppFactory
from tests.views.conftest import access_token, answer, refresh_token

WRONG_TYPE = (401, {"msg": "Invalid content-type. Must be application/json."})
MISSING_KEY = (401, {"msg": 'Missing "access_token" key in json data.'})


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app(JWT_TOKEN_LOCATION=["json"])


def post(client: FlaskClient, data: Any, content_type: str = "application/json") -> Any:
    raw = data if isinstance(data, (bytes, str)) else json.dumps(data)
    return client.post("/protected", data=raw, content_type=content_type)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/vnd.api+json",
        "application/merge-patch+json",
    ],
)
def test_token_in_json_body(client: FlaskClient, token: str, content_type: str) -> None:
    status, data = answer(post(client, {"access_token": token}, content_type))
    assert status == 200
    assert data["identity"] == "alice"
    assert data["location"] == "json"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/jsonx"]
)
def test_other_content_types(client: FlaskClient, token: str, content_type: str) -> None:
    response = post(client, {"access_token": token}, content_type)
    assert answer(response) == WRONG_TYPE
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_request_without_body(client: FlaskClient) -> None:
    assert answer(client.get("/protected")) == WRONG_TYPE


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"null", b"[]", b'["x"]', b'"token"', b"5", b"{}", b'{"other": "x"}'],
    ids=["empty", "malformed", "null", "empty-list", "list", "string", "number", "{}", "other"],
)
def test_body_without_the_key(client: FlaskClient, raw: bytes) -> None:
    assert answer(post(client, raw)) == MISSING_KEY


@pytest.mark.parametrize("value", ["", None])
def test_empty_value_is_missing(client: FlaskClient, value: Any) -> None:
    assert answer(post(client, {"access_token": value})) == MISSING_KEY


def test_missing_key_lets_optional_views_run(client: FlaskClient) -> None:
    response = client.post("/optional", json={})
    assert answer(response) == (200, {"identity": None, "claims": {}, "location": None})
    response = client.post("/optional", data="x", content_type="text/plain")
    assert response.status_code == 200


@pytest.mark.parametrize("value", [5, 1.5, True, ["a.b.c"], {"token": "a.b.c"}])
def test_non_string_value_is_an_invalid_token(client: FlaskClient, value: Any) -> None:
    response = post(client, {"access_token": value})
    assert answer(response) == (
        422,
        {"msg": 'Invalid "access_token" in json data: the token must be a string'},
    )
    assert "WWW-Authenticate" not in response.headers


def test_invalid_token_string(client: FlaskClient) -> None:
    assert answer(post(client, {"access_token": "abc"})) == (
        422,
        {"msg": "Not enough segments"},
    )


def test_refresh_views_read_the_refresh_key(app: Flask, client: FlaskClient) -> None:
    refresh = refresh_token(app)
    response = client.post("/refresh", json={"access_token": refresh})
    assert answer(response) == (401, {"msg": 'Missing "refresh_token" key in json data.'})
    status, data = answer(client.post("/refresh", json={"refresh_token": refresh}))
    assert status == 200
    assert data["claims"]["type"] == "refresh"


def test_verify_type_false_reads_the_access_key(app: Flask, client: FlaskClient) -> None:
    refresh = refresh_token(app)
    response = client.post("/any", json={"refresh_token": refresh})
    assert answer(response) == MISSING_KEY
    assert client.post("/any", json={"access_token": refresh}).status_code == 200


def test_custom_keys(make_app: AppFactory) -> None:
    app = make_app(JWT_TOKEN_LOCATION="json", JWT_JSON_KEY="at", JWT_REFRESH_JSON_KEY="rt")
    client = app.test_client()
    assert client.post("/protected", json={"at": access_token(app)}).status_code == 200
    assert answer(client.post("/protected", json={"access_token": access_token(app)})) == (
        401,
        {"msg": 'Missing "at" key in json data.'},
    )
    assert client.post("/refresh", json={"rt": refresh_token(app)}).status_code == 200
    assert answer(client.post("/refresh", json={"at": refresh_token(app)})) == (
        401,
        {"msg": 'Missing "rt" key in json data.'},
    )
