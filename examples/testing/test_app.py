"""Tests of the application, written with the helpers of Flask-JWT-Kit."""

import datetime as dt
from collections.abc import Callable

from flask.testing import FlaskClient

from flask_jwt_kit.testing import JWTAuth, auth_headers, refresh_headers


def test_profile_needs_a_token(client: FlaskClient) -> None:
    assert client.get("/profile").status_code == 401


def test_profile_with_a_header_token(client: FlaskClient) -> None:
    # The app fixture pushed an application context: the helpers need one.
    response = client.get("/profile", headers=auth_headers("alice"))
    assert response.json == {"username": "alice"}


def test_updating_needs_a_fresh_token(client: FlaskClient) -> None:
    assert client.post("/profile", headers=auth_headers("alice")).status_code == 401
    assert client.post("/profile", headers=auth_headers("alice", fresh=True)).status_code == 200


def test_expired_tokens_are_refused(client: FlaskClient) -> None:
    headers = auth_headers("alice", expires_delta=dt.timedelta(seconds=-1))
    assert client.get("/profile", headers=headers).json == {"msg": "Token has expired"}


def test_refresh(client: FlaskClient) -> None:
    response = client.post("/token/refresh", headers=refresh_headers("alice"))
    assert response.json == {"refreshed": "alice"}


def test_scopes(client: FlaskClient) -> None:
    headers = auth_headers("alice", additional_claims={"scope": "admin"})
    assert client.get("/admin", headers=headers).status_code == 200
    assert client.get("/admin", headers=auth_headers("alice")).status_code == 403


# The fixtures of the pytest plugin: no application context needed.


def test_with_the_plugin_fixtures(
    client: FlaskClient, jwt_headers: Callable[..., dict[str, str]]
) -> None:
    assert client.get("/profile", headers=jwt_headers("bob")).json == {"username": "bob"}


def test_cookies_and_csrf(client: FlaskClient, jwt_cookies: Callable[..., dict[str, str]]) -> None:
    # Stores the token cookies in the client; returns the CSRF header to send.
    csrf = jwt_cookies(client, "carol", fresh=True)
    assert client.get("/profile").json == {"username": "carol"}
    assert client.post("/profile").status_code == 401  # no CSRF header
    assert client.post("/profile", headers=csrf).status_code == 200


def test_tokens_for_other_clients(jwt_auth: JWTAuth) -> None:
    token = jwt_auth.access_token("dave")
    assert token.count(".") == 2
