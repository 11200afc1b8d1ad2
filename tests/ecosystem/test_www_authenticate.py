"""``WWW-Authenticate`` on error answers (RFC 6750 section 3); bodies stay as the contract says."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from flask_jwt_kit import JWTManager, jwt_required, revoke_token
from tests.conftest import AppFactory, Clock, bearer
from tests.ecosystem.conftest import access_token, refresh_token

CHALLENGE = "Bearer"
INVALID = 'Bearer error="invalid_token"'


@dataclass
class Case:
    config: dict[str, Any]
    send: Callable[[Flask, FlaskClient, Clock], TestResponse]
    status: int
    message: str
    challenge: str | None
    setup: Callable[[JWTManager], None] = field(default=lambda manager: None)


def no_header(app: Flask, client: FlaskClient, clock: Clock) -> TestResponse:
    return client.get("/protected")


def other_scheme(app: Flask, client: FlaskClient, clock: Clock) -> TestResponse:
    return client.get("/protected", headers={"Authorization": "Basic YWxpY2U6cHc="})


def no_cookie(app: Flask, client: FlaskClient, clock: Clock) -> TestResponse:
    return client.get("/protected")


def cookie_without_csrf(app: Flask, client: FlaskClient, clock: Clock) -> TestResponse:
    client.set_cookie("access_token_cookie", access_token(app))
    return client.post("/protected")


def expired(app: Flask, client: FlaskClient, clock: Clock) -> TestResponse:
    token = access_token(app, expires_delta=10)
    clock.advance(11)
    return client.get("/protected", headers=bearer(token))


def revoked(app: Flask, client: FlaskClient, clock: Clock) -> TestResponse:
    token = access_token(app)
    with app.app_context():
        revoke_token(token)
    return client.get("/protected", headers=bearer(token))


def not_fresh(app: Flask, client: FlaskClient, clock: Clock) -> TestResponse:
    return client.get("/fresh", headers=bearer(access_token(app)))


def good_token(app: Flask, client: FlaskClient, clock: Clock) -> TestResponse:
    return client.get("/protected", headers=bearer(access_token(app)))


def bad_signature(app: Flask, client: FlaskClient, clock: Clock) -> TestResponse:
    claims = jwt.decode(access_token(app), options={"verify_signature": False})
    forged = jwt.encode(claims, "another secret, as long as ours: " + "y" * 32, "HS256")
    return client.get("/protected", headers=bearer(forged))


def bad_shape(app: Flask, client: FlaskClient, clock: Clock) -> TestResponse:
    return client.get("/protected", headers={"Authorization": "Bearer a b"})


def refresh_for_access(app: Flask, client: FlaskClient, clock: Clock) -> TestResponse:
    return client.get("/protected", headers=bearer(refresh_token(app)))


def missing_scope(app: Flask, client: FlaskClient, clock: Clock) -> TestResponse:
    return client.get("/scoped", headers=bearer(access_token(app)))


def no_user(manager: JWTManager) -> None:
    manager.user_lookup_loader(lambda header, claims: None)


def claims_refused(manager: JWTManager) -> None:
    manager.token_verification_loader(lambda header, claims: False)


COOKIES = {"JWT_TOKEN_LOCATION": ["cookies"]}

CASES = {
    "no token": Case({}, no_header, 401, "Missing Authorization Header", CHALLENGE),
    "no bearer credential": Case(
        {},
        other_scheme,
        401,
        "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'",
        CHALLENGE,
    ),
    "no cookie": Case(COOKIES, no_cookie, 401, 'Missing cookie "access_token_cookie"', CHALLENGE),
    "no CSRF value": Case(COOKIES, cookie_without_csrf, 401, "Missing CSRF token", CHALLENGE),
    "expired": Case({}, expired, 401, "Token has expired", INVALID),
    "revoked": Case(
        {"JWT_REVOCATION_STORE": "memory://"}, revoked, 401, "Token has been revoked", INVALID
    ),
    "not fresh": Case({}, not_fresh, 401, "Fresh token required", INVALID),
    "unknown user": Case({}, good_token, 401, "Error loading the user alice", INVALID, no_user),
    "claims refused": Case(
        {}, good_token, 400, "User claims verification failed", None, claims_refused
    ),
    "bad signature": Case({}, bad_signature, 422, "Signature verification failed", None),
    "bad header shape": Case(
        {}, bad_shape, 422, "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'", None
    ),
    "wrong token type": Case(
        {}, refresh_for_access, 422, "Only non-refresh tokens are allowed", None
    ),
    "missing scope": Case(
        {},
        missing_scope,
        403,
        "Missing required scope: admin",
        'Bearer error="insufficient_scope", scope="admin"',
    ),
}


def build(make_app: AppFactory, case: Case, **config: Any) -> Flask:
    app = make_app(**case.config, **config)
    app.add_url_rule("/scoped", "scoped", jwt_required(scopes="admin")(lambda: "ok"))
    case.setup(app.extensions["flask-jwt-kit"])
    return app


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_challenge_and_body(make_app: AppFactory, clock: Clock, case: Case) -> None:
    app = build(make_app, case)
    response = case.send(app, app.test_client(), clock)
    assert response.status_code == case.status
    assert response.json == {"msg": case.message}
    assert response.headers.get("WWW-Authenticate") == case.challenge


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_message_key_changes_the_body_not_the_challenge(
    make_app: AppFactory, clock: Clock, case: Case
) -> None:
    app = build(make_app, case, JWT_ERROR_MESSAGE_KEY="error")
    response = case.send(app, app.test_client(), clock)
    assert response.json == {"error": case.message}
    assert response.headers.get("WWW-Authenticate") == case.challenge


def test_a_token_presented_is_never_answered_with_a_bare_challenge(
    make_app: AppFactory, clock: Clock
) -> None:
    # RFC 6750 3.1: "invalid_token" tells clients that retrying with the same
    # token is pointless; a bare "Bearer" only asks for credentials.
    for name in ("expired", "revoked", "not fresh", "unknown user"):
        app = build(make_app, CASES[name])
        response = CASES[name].send(app, app.test_client(), clock)
        assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_callback_responses_are_left_alone(make_app: AppFactory, clock: Clock) -> None:
    app = make_app()
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    manager.unauthorized_loader(lambda message: (jsonify(why=message), 401))

    @manager.expired_token_loader
    def expired_answer(header: dict[str, Any], claims: dict[str, Any]) -> Any:
        return jsonify(expired=claims["sub"]), 401, {"WWW-Authenticate": 'Bearer realm="api"'}

    client = app.test_client()
    missing = client.get("/protected")
    assert (missing.status_code, missing.json) == (401, {"why": "Missing Authorization Header"})
    assert "WWW-Authenticate" not in missing.headers
    late = expired(app, client, clock)
    assert (late.status_code, late.json) == (401, {"expired": "alice"})
    assert late.headers.getlist("WWW-Authenticate") == ['Bearer realm="api"']
