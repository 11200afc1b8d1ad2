"""The demo's JSON API (``/api``, header tokens) through the Flask test client."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_jwt_kit import create_access_token
from tests.conftest import bearer
from tests.demo.conftest import PASSWORDS, DemoFactory


def login(client: FlaskClient, username: str = "alice") -> dict[str, str]:
    response = client.post(
        "/api/login", json={"username": username, "password": PASSWORDS[username]}
    )
    assert response.status_code == 200, response.json
    tokens: dict[str, str] = response.json  # type: ignore[assignment]
    return tokens


def call(client: FlaskClient, method: str, path: str, token: str, **kwargs: Any) -> tuple[int, Any]:
    response = client.open(path, method=method, headers=bearer(token), **kwargs)
    return response.status_code, response.json


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def test_login_returns_a_token_pair_of_one_session(demo_client: FlaskClient) -> None:
    tokens = login(demo_client)
    assert tokens["token_type"] == "Bearer"
    access, refresh = claims(tokens["access_token"]), claims(tokens["refresh_token"])
    assert (access["type"], refresh["type"]) == ("access", "refresh")
    assert access["sid"] == refresh["sid"]
    assert access["fresh"] is True
    assert access["sub"] == "alice"
    assert access["scope"] == "admin"
    assert claims(login(demo_client, "bob")["access_token"])["scope"] == ""


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"username": "alice", "password": "wrong"}, 401, "Bad username or password"),
        ({"username": "mallory", "password": "x"}, 401, "Bad username or password"),
        ({"username": "alice"}, 400, 'Send JSON: {"username": "...", "password": "..."}'),
        ({"username": "alice", "password": 5}, 400, "Send JSON"),
        (["alice", "x"], 400, "Send JSON"),
        (None, 400, "Send JSON"),
    ],
)
def test_login_refused(demo_client: FlaskClient, body: Any, status: int, message: str) -> None:
    response = demo_client.post("/api/login", json=body)
    assert response.status_code == status
    assert message in response.json["msg"]  # type: ignore[index]


def test_me(demo_client: FlaskClient) -> None:
    tokens = login(demo_client)
    status, me = call(demo_client, "GET", "/api/me", tokens["access_token"])
    assert status == 200
    assert me["identity"] == "alice"
    assert me["is_admin"] is True
    assert me["sid"] == claims(tokens["access_token"])["sid"]
    assert me["access_expires_at"] == claims(tokens["access_token"])["exp"]
    assert me["fresh"] is True


def test_api_takes_headers_and_web_api_takes_cookies(demo_client: FlaskClient) -> None:
    tokens = login(demo_client)
    demo_client.set_cookie("access_token_cookie", tokens["access_token"])
    assert demo_client.get("/api/me").json == {"msg": "Missing Authorization Header"}
    status, body = call(demo_client, "GET", "/web/api/me", tokens["access_token"])
    assert status == 200  # from the cookie, not the header
    demo_client.delete_cookie("access_token_cookie")
    status, body = call(demo_client, "GET", "/web/api/me", tokens["access_token"])
    assert (status, body) == (401, {"msg": 'Missing cookie "access_token_cookie"'})


def test_refresh_rotates_and_detects_reuse(demo_client: FlaskClient) -> None:
    first = login(demo_client)
    status, second = call(demo_client, "POST", "/api/refresh", first["refresh_token"])
    assert status == 200
    assert claims(second["refresh_token"])["sid"] == claims(first["refresh_token"])["sid"]
    assert claims(second["access_token"])["fresh"] is False
    assert call(demo_client, "GET", "/api/me", second["access_token"])[0] == 200

    # The first refresh token was consumed: presenting it again means it leaked.
    status, body = call(demo_client, "POST", "/api/refresh", first["refresh_token"])
    assert (status, body) == (401, {"msg": "Refresh token reuse detected"})
    # ... and the whole session, the legitimate client's tokens included, is over.
    for token, path, method in (
        (second["refresh_token"], "/api/refresh", "POST"),
        (second["access_token"], "/api/me", "GET"),
    ):
        assert call(demo_client, method, path, token) == (401, {"msg": "Token has been revoked"})


def test_refresh_needs_a_refresh_token(demo_client: FlaskClient) -> None:
    tokens = login(demo_client)
    assert call(demo_client, "POST", "/api/refresh", tokens["access_token"]) == (
        422,
        {"msg": "Only refresh tokens are allowed"},
    )


def test_logout_ends_the_session(demo_client: FlaskClient) -> None:
    tokens, other = login(demo_client), login(demo_client)
    assert call(demo_client, "POST", "/api/logout", tokens["access_token"]) == (
        200,
        {"msg": "Logged out"},
    )
    assert call(demo_client, "GET", "/api/me", tokens["access_token"])[0] == 401
    assert call(demo_client, "POST", "/api/refresh", tokens["refresh_token"])[0] == 401
    assert call(demo_client, "GET", "/api/me", other["access_token"])[0] == 200


def test_logout_of_a_token_without_session(demo: Flask) -> None:
    with demo.app_context():
        token = create_access_token("bob")
    client = demo.test_client()
    assert call(client, "POST", "/api/logout", token)[0] == 200
    assert call(client, "GET", "/api/me", token) == (401, {"msg": "Token has been revoked"})


def test_logout_all(demo_client: FlaskClient) -> None:
    first, second, bob = login(demo_client), login(demo_client), login(demo_client, "bob")
    status, body = call(demo_client, "POST", "/api/logout-all", first["access_token"])
    assert (status, body) == (200, {"msg": "Logged out everywhere"})
    for tokens in (first, second):
        assert call(demo_client, "GET", "/api/me", tokens["access_token"])[0] == 401
        assert call(demo_client, "POST", "/api/refresh", tokens["refresh_token"])[0] == 401
    assert call(demo_client, "GET", "/api/me", bob["access_token"])[0] == 200
    # Logging in again works.
    assert call(demo_client, "GET", "/api/me", login(demo_client)["access_token"])[0] == 200


def test_admin_view_needs_the_admin_scope(demo_client: FlaskClient) -> None:
    status, body = call(demo_client, "GET", "/api/admin", login(demo_client)["access_token"])
    assert (status, body) == (200, {"msg": "Welcome to the admin area", "users": ["alice", "bob"]})
    status, body = call(demo_client, "GET", "/api/admin", login(demo_client, "bob")["access_token"])
    assert (status, body) == (403, {"msg": "Missing required scope: admin"})


def test_change_password_needs_a_fresh_token(demo_client: FlaskClient) -> None:
    tokens, other = login(demo_client, "bob"), login(demo_client, "bob")
    body = {"new_password": "a much better password"}
    status, answer = call(
        demo_client, "POST", "/api/change-password", tokens["access_token"], json=body
    )
    assert (status, answer) == (200, {"msg": "Password changed; 1 other session(s) signed out"})
    # The other session ends; this one goes on.
    assert call(demo_client, "GET", "/api/me", other["access_token"])[0] == 401
    assert call(demo_client, "GET", "/api/me", tokens["access_token"])[0] == 200
    wrong = {"username": "bob", "password": PASSWORDS["bob"]}
    assert demo_client.post("/api/login", json=wrong).status_code == 401
    right = {"username": "bob", "password": "a much better password"}
    assert demo_client.post("/api/login", json=right).status_code == 200

    # After a refresh the access token is no longer fresh.
    _, rotated = call(demo_client, "POST", "/api/refresh", tokens["refresh_token"])
    status, answer = call(
        demo_client, "POST", "/api/change-password", rotated["access_token"], json=body
    )
    assert (status, answer) == (401, {"msg": "Fresh token required"})


@pytest.mark.parametrize("body", [{"new_password": "short"}, {"new_password": 12345678}, [], None])
def test_change_password_bad_input(demo_client: FlaskClient, body: Any) -> None:
    tokens = login(demo_client, "bob")
    status, answer = call(
        demo_client, "POST", "/api/change-password", tokens["access_token"], json=body
    )
    assert status == 400
    assert "at least 8 characters" in answer["msg"]


def test_sessions_list_and_revoke(demo_client: FlaskClient) -> None:
    tokens, other = login(demo_client), login(demo_client)
    status, body = call(demo_client, "GET", "/api/sessions", tokens["access_token"])
    assert status == 200
    listed = body["sessions"]
    mine, theirs = claims(tokens["access_token"])["sid"], claims(other["access_token"])["sid"]
    assert [s["sid"] for s in listed] == [theirs, mine]
    assert [s["current"] for s in listed] == [False, True]
    assert listed[0]["metadata"]["client"] == "api"
    assert listed[0]["expires_at"] > listed[0]["created_at"]

    path = f"/api/sessions/{theirs}/revoke"
    assert call(demo_client, "POST", path, tokens["access_token"]) == (
        200,
        {"msg": "Session revoked", "current": False},
    )
    assert call(demo_client, "GET", "/api/me", other["access_token"])[0] == 401
    assert call(demo_client, "POST", path, tokens["access_token"]) == (
        404,
        {"msg": "No such session"},
    )
    bob = login(demo_client, "bob")
    path = f"/api/sessions/{claims(bob['access_token'])['sid']}/revoke"
    assert call(demo_client, "POST", path, tokens["access_token"])[0] == 404
    assert call(demo_client, "GET", "/api/me", bob["access_token"])[0] == 200

    path = f"/api/sessions/{mine}/revoke"
    assert call(demo_client, "POST", path, tokens["access_token"]) == (
        200,
        {"msg": "This session was revoked", "current": True},
    )
    assert call(demo_client, "GET", "/api/me", tokens["access_token"])[0] == 401


def test_jwks_verifies_the_tokens(demo_client: FlaskClient) -> None:
    token = login(demo_client)["access_token"]
    response = demo_client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    (key,) = response.json["keys"]  # type: ignore[index]
    assert (key["kty"], key["alg"], key["crv"]) == ("EC", "ES256", "P-256")
    assert "d" not in key
    assert jwt.get_unverified_header(token)["kid"] == key["kid"]
    verified = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["ES256"])
    assert verified["sub"] == "alice"


def test_store_unavailable_is_503(make_demo: DemoFactory) -> None:
    app = make_demo(environ={"REDIS_URL": "redis://127.0.0.1:1/0"})
    client = app.test_client()
    response = client.post("/api/login", json={"username": "bob", "password": PASSWORDS["bob"]})
    assert (response.status_code, response.json) == (
        503,
        {"msg": "Token revocation status unavailable"},
    )
    with app.app_context():
        token = create_access_token("bob")
    assert call(client, "GET", "/api/me", token) == (
        503,
        {"msg": "Token revocation status unavailable"},
    )
