"""Tokens in the query string (contract: "Query string and JSON body")."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import AppFactory
from tests.views.conftest import access_token, answer, refresh_token


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app(JWT_TOKEN_LOCATION="query_string")


def test_token_in_query_string(client: FlaskClient, token: str) -> None:
    status, data = answer(client.get("/protected", query_string={"jwt": token}))
    assert status == 200
    assert data["identity"] == "alice"
    assert data["location"] == "query_string"


@pytest.mark.parametrize("query", [{}, {"jwt": ""}, {"token": "x"}])
def test_absent_or_empty_parameter_is_missing(client: FlaskClient, query: dict[str, str]) -> None:
    response = client.get("/protected", query_string=query)
    assert answer(response) == (401, {"msg": "Missing 'jwt' query paramater"})
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_empty_parameter_lets_optional_views_run(client: FlaskClient) -> None:
    status, data = answer(client.get("/optional?jwt="))
    assert status == 200
    assert data == {"identity": None, "claims": {}, "location": None}


def test_invalid_token(client: FlaskClient) -> None:
    response = client.get("/protected", query_string={"jwt": "abc"})
    assert answer(response) == (422, {"msg": "Not enough segments"})


def test_refresh_token_uses_the_same_parameter(app: Flask, client: FlaskClient) -> None:
    response = client.get("/refresh", query_string={"jwt": refresh_token(app)})
    status, data = answer(response)
    assert status == 200
    assert data["claims"]["type"] == "refresh"


def test_custom_parameter_name(make_app: AppFactory) -> None:
    app = make_app(JWT_TOKEN_LOCATION=["query_string"], JWT_QUERY_STRING_NAME="access")
    client = app.test_client()
    assert client.get("/protected", query_string={"access": access_token(app)}).status_code == 200
    response = client.get("/protected", query_string={"jwt": access_token(app)})
    assert answer(response) == (401, {"msg": "Missing 'access' query paramater"})


class TestPrefix:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        return make_app(JWT_TOKEN_LOCATION="query_string", JWT_QUERY_STRING_VALUE_PREFIX="Bearer ")

    def test_prefixed_value(self, client: FlaskClient, token: str) -> None:
        response = client.get("/protected", query_string={"jwt": f"Bearer {token}"})
        status, data = answer(response)
        assert status == 200
        assert data["identity"] == "alice"

    @pytest.mark.parametrize("value", ["{t}", "bearer {t}", "Bearer{t}", " Bearer {t}"])
    def test_value_without_prefix(self, client: FlaskClient, token: str, value: str) -> None:
        response = client.get("/protected", query_string={"jwt": value.format(t=token)})
        assert answer(response) == (
            422,
            {
                "msg": "Invalid value for query parameter 'jwt'. "
                "Expected the value to start with 'Bearer '"
            },
        )
        # A bad prefix is not a missing token: optional views refuse it too.
        optional = client.get("/optional", query_string={"jwt": value.format(t=token)})
        assert optional.status_code == 422

    def test_prefix_alone(self, client: FlaskClient) -> None:
        response = client.get("/protected", query_string={"jwt": "Bearer "})
        assert answer(response) == (422, {"msg": "Not enough segments"})
