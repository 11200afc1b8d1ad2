"""The secure defaults of SECURITY.md, and how each is turned off.

Weak HMAC secrets (warned once, refused with ``JWT_REJECT_WEAK_SECRETS``),
explicit typing of access tokens (``JWT_ACCESS_TOKEN_TYP``), zero expiry,
the token length limit, revocation failing closed, and the cookie flags.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import warnings
from typing import Any

import jwt
import pytest
from flask import Flask, Response

from flask_jwt_kit import (
    create_access_token,
    revoke_token,
    set_access_cookies,
    set_refresh_cookies,
)
from flask_jwt_kit.state import WeakSecretWarning
from tests.conftest import SECRET, AppFactory, Clock, bearer
from tests.security.conftest import (
    access_token,
    app_signed,
    assert_refused,
    claims_at,
    refresh_token,
)

# --------------------------------------------------------------------------- weak secrets

#: Shorter than the hash output of HS256 (32 bytes).
WEAK = "correct-horse-battery"


def _weak_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, WeakSecretWarning)]


@pytest.mark.parametrize(
    ("alg", "secret"),
    [
        ("HS256", WEAK),
        ("HS256", "x" * 31),
        ("HS256", b"\x00" * 16),
        ("HS384", "y" * 47),
        ("HS512", "z" * 63),
        ("HS512", "s" * 40),
    ],
    ids=["words", "31-bytes", "16-bytes", "hs384-47", "hs512-63", "hs512-40"],
)
def test_weak_secret_warns_once(make_app: AppFactory, alg: str, secret: str | bytes) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        app = make_app(JWT_ALGORITHM=alg, JWT_SECRET_KEY=secret)
        # Rebuilding the settings, issuing and using tokens: no second warning,
        # and none of PyJWT's per-token key length warnings either.
        app.config["JWT_DECODE_LEEWAY"] = 1
        token = access_token(app)
        assert app.test_client().get("/protected", headers=bearer(token)).status_code == 200
    messages = _weak_warnings(record)
    assert len(messages) == 1, messages
    assert [w for w in record if not issubclass(w.category, WeakSecretWarning)] == []
    text = secret if isinstance(secret, str) else secret.decode("latin-1")
    assert text not in messages[0]
    assert "JWT_SECRET_KEY" in messages[0]


def test_weak_flask_secret_key_fallback_warns(make_app: AppFactory) -> None:
    with pytest.warns(WeakSecretWarning):
        make_app(JWT_SECRET_KEY=None, SECRET_KEY="dev")


@pytest.mark.parametrize(
    ("alg", "secret"), [("HS256", "a" * 32), ("HS384", "b" * 48), ("HS512", SECRET)]
)
def test_strong_secret_does_not_warn(make_app: AppFactory, alg: str, secret: str) -> None:
    # Warnings are errors in this suite: creating the app is the assertion.
    app = make_app(JWT_ALGORITHM=alg, JWT_SECRET_KEY=secret)
    assert app.test_client().get("/protected", headers=bearer(access_token(app))).status_code == 200


def test_reject_weak_secrets_refuses_to_start(make_app: AppFactory) -> None:
    with pytest.raises(RuntimeError, match="JWT_REJECT_WEAK_SECRETS") as caught:
        make_app(JWT_SECRET_KEY=WEAK, JWT_REJECT_WEAK_SECRETS=True)
    assert WEAK not in str(caught.value)
    with pytest.raises(RuntimeError, match="JWT_REJECT_WEAK_SECRETS"):
        make_app(JWT_SECRET_KEY=None, SECRET_KEY="dev", JWT_REJECT_WEAK_SECRETS=True)


def test_reject_weak_secrets_also_when_the_secret_changes_later(make_app: AppFactory) -> None:
    app = make_app(JWT_REJECT_WEAK_SECRETS=True)
    app.config["JWT_SECRET_KEY"] = WEAK
    with app.app_context(), pytest.raises(RuntimeError, match="JWT_REJECT_WEAK_SECRETS"):
        create_access_token("alice")


def test_reject_weak_secrets_accepts_strong_ones(make_app: AppFactory) -> None:
    app = make_app(JWT_REJECT_WEAK_SECRETS=True)
    assert app.test_client().get("/protected", headers=bearer(access_token(app))).status_code == 200


def test_reject_weak_secrets_must_be_a_boolean(make_app: AppFactory) -> None:
    with pytest.raises(RuntimeError, match="JWT_REJECT_WEAK_SECRETS"):
        make_app(JWT_REJECT_WEAK_SECRETS="yes")


def test_weak_secret_is_not_checked_for_asymmetric_algorithms(
    make_app: AppFactory, server_keys: Any
) -> None:
    pair = server_keys["RS256"]
    make_app(
        JWT_ALGORITHM="RS256",
        JWT_PRIVATE_KEY=pair.private_pem,
        JWT_PUBLIC_KEY=pair.public_pem,
        JWT_SECRET_KEY="short",
        JWT_REJECT_WEAK_SECRETS=True,
    )


# --------------------------------------------------------------------------- explicit typing


@pytest.fixture
def typed_app(make_app: AppFactory) -> Flask:
    return make_app(JWT_ACCESS_TOKEN_TYP="at+jwt")


def test_access_tokens_carry_the_configured_typ(typed_app: Flask) -> None:
    assert jwt.get_unverified_header(access_token(typed_app))["typ"] == "at+jwt"
    # Refresh tokens keep the generic type; they are told apart by "type".
    assert jwt.get_unverified_header(refresh_token(typed_app))["typ"] == "JWT"


def test_typed_access_token_passes(typed_app: Flask) -> None:
    client = typed_app.test_client()
    assert client.get("/protected", headers=bearer(access_token(typed_app))).status_code == 200
    assert client.get("/refresh", headers=bearer(refresh_token(typed_app))).status_code == 200


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"])
def test_typ_is_compared_as_a_media_type(typed_app: Flask, clock: Clock, typ: str) -> None:
    # RFC 7515 4.1.9: "application/" may be left out; media types ignore case.
    token = app_signed({"alg": "HS256", "typ": typ}, claims_at(clock))
    assert typed_app.test_client().get("/protected", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize(
    "typ",
    [
        "JWT",
        "jwt",
        "",
        "at+jwt ",
        "at+jwt\x00",
        "at-jwt",
        "application/jwt",
        "x-at+jwt",
        "at",
        5,
        None,
        ["at+jwt"],
        {"typ": "at+jwt"},
        True,
    ],
    ids=repr,
)
def test_access_token_with_another_typ_is_refused(typed_app: Flask, clock: Clock, typ: Any) -> None:
    # Signed with the app's key: e.g. an ID token or another JWT of the
    # same issuer, which must not be usable as an access token.
    token = app_signed({"alg": "HS256", "typ": typ}, claims_at(clock))
    response = typed_app.test_client().get("/protected", headers=bearer(token))
    assert_refused(response, token=token)


def test_access_token_without_typ_is_refused(typed_app: Flask, clock: Clock) -> None:
    token = app_signed({"alg": "HS256"}, claims_at(clock))
    message = assert_refused(
        typed_app.test_client().get("/protected", headers=bearer(token)), token=token
    )
    assert message == "Invalid header: 'typ' must be 'at+jwt'"


def test_tokens_issued_before_typing_was_enabled_are_refused(
    make_app: AppFactory,
) -> None:
    app = make_app()
    untyped = access_token(app)
    app.config["JWT_ACCESS_TOKEN_TYP"] = "at+jwt"
    assert_refused(app.test_client().get("/protected", headers=bearer(untyped)), token=untyped)
    assert app.test_client().get("/protected", headers=bearer(access_token(app))).status_code == 200


def test_typ_overridden_by_additional_headers_is_refused(typed_app: Flask) -> None:
    token = access_token(typed_app, additional_headers={"typ": "JWT"})
    assert_refused(typed_app.test_client().get("/protected", headers=bearer(token)), token=token)


def test_typing_is_off_by_default(app: Flask, clock: Clock) -> None:
    assert jwt.get_unverified_header(access_token(app))["typ"] == "JWT"
    token = app_signed({"alg": "HS256"}, claims_at(clock))
    assert app.test_client().get("/protected", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("value", [5, True, ["at+jwt"]], ids=repr)
def test_access_token_typ_must_be_a_string(make_app: AppFactory, value: Any) -> None:
    with pytest.raises(RuntimeError, match="JWT_ACCESS_TOKEN_TYP"):
        make_app(JWT_ACCESS_TOKEN_TYP=value)


# --------------------------------------------------------------------------- expiry


@pytest.mark.parametrize("value", [0, dt.timedelta(0), dt.timedelta(seconds=0)], ids=repr)
@pytest.mark.parametrize("key", ["JWT_ACCESS_TOKEN_EXPIRES", "JWT_REFRESH_TOKEN_EXPIRES"])
def test_zero_expiry_is_refused(make_app: AppFactory, key: str, value: Any) -> None:
    with pytest.raises(RuntimeError, match=key):
        make_app(**{key: value})


def test_zero_expires_delta_is_refused(app: Flask) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="expires_delta"):
        create_access_token("alice", expires_delta=0)


def test_false_expiry_is_the_explicit_opt_out(make_app: AppFactory, clock: Clock) -> None:
    app = make_app(JWT_ACCESS_TOKEN_EXPIRES=False)
    token = access_token(app)
    assert "exp" not in jwt.decode(token, options={"verify_signature": False})
    clock.advance(10 * 365 * 24 * 3600)
    assert app.test_client().get("/protected", headers=bearer(token)).status_code == 200


# --------------------------------------------------------------------------- length limit


@pytest.mark.parametrize("value", [0, -1, 1.5, "16384", True, None], ids=repr)
def test_max_token_length_must_be_a_positive_integer(make_app: AppFactory, value: Any) -> None:
    with pytest.raises(RuntimeError, match="JWT_MAX_TOKEN_LENGTH"):
        make_app(JWT_MAX_TOKEN_LENGTH=value)


def test_max_token_length_can_be_raised_for_big_tokens(make_app: AppFactory) -> None:
    claims = {"roles": [f"role-{n}" for n in range(2_000)]}
    app = make_app()
    big = access_token(app, additional_claims=claims)
    assert len(big) > 16_384
    response = app.test_client().get("/protected", headers=bearer(big))
    assert "too large" in assert_refused(response, token=big)
    app.config["JWT_MAX_TOKEN_LENGTH"] = 100_000
    assert app.test_client().get("/protected", headers=bearer(big)).status_code == 200


# --------------------------------------------------------------------------- revocation


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port: int = server.getsockname()[1]
    return port


def test_revocation_fails_closed_when_the_store_is_down(make_app: AppFactory) -> None:
    app = make_app(JWT_REVOCATION_STORE=f"redis://127.0.0.1:{_closed_port()}/0")
    token = access_token(app)
    response = app.test_client().get("/protected", headers=bearer(token))
    assert response.status_code == 503
    assert response.get_json() == {"msg": "Token revocation status unavailable"}
    assert token not in response.get_data(as_text=True)


def test_revocation_fail_open_is_an_explicit_choice(
    make_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(
        JWT_REVOCATION_STORE=f"redis://127.0.0.1:{_closed_port()}/0",
        JWT_REVOCATION_FAIL_OPEN=True,
    )
    with caplog.at_level(logging.WARNING, logger="flask_jwt_kit"):
        response = app.test_client().get("/protected", headers=bearer(access_token(app)))
    assert response.status_code == 200
    assert "JWT_REVOCATION_FAIL_OPEN" in caplog.text


def test_revoked_token_stays_revoked_after_expiry_with_allow_expired(make_app: AppFactory) -> None:
    app = make_app(JWT_REVOCATION_STORE="memory://")
    token = access_token(app)
    with app.app_context():
        revoke_token(token)
    assert_refused(app.test_client().get("/protected", headers=bearer(token)), token=token)


# --------------------------------------------------------------------------- cookies


def _cookie_headers(app: Flask, refresh: bool = False) -> dict[str, str]:
    token = refresh_token(app) if refresh else access_token(app)
    with app.test_request_context():
        response = Response()
        (set_refresh_cookies if refresh else set_access_cookies)(response, token)
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0]
        cookies[name] = header
    return cookies


@pytest.mark.parametrize("refresh", [False, True])
def test_token_cookie_is_http_only_and_csrf_cookie_is_readable(app: Flask, refresh: bool) -> None:
    cookies = _cookie_headers(app, refresh)
    token_name = "refresh_token_cookie" if refresh else "access_token_cookie"
    csrf_name = "csrf_refresh_token" if refresh else "csrf_access_token"
    assert "HttpOnly" in cookies[token_name]
    assert "HttpOnly" not in cookies[csrf_name]


def test_cookie_flags_follow_the_configuration(make_app: AppFactory) -> None:
    app = make_app(JWT_COOKIE_SECURE=True, JWT_COOKIE_SAMESITE="Strict")
    for header in _cookie_headers(app).values():
        assert "Secure" in header
        assert "SameSite=Strict" in header


def test_no_csrf_cookie_without_csrf_protection(make_app: AppFactory) -> None:
    app = make_app(JWT_COOKIE_CSRF_PROTECT=False)
    assert list(_cookie_headers(app)) == ["access_token_cookie"]
    token = access_token(app)
    assert "csrf" not in jwt.decode(token, options={"verify_signature": False})
