"""Attacks with claims: time, types, issuer, audience, token kind, revocation.

Every token here is signed with the app's own secret (or made by the app),
so the claims alone decide; each is refused (RFC 8725 3.8-3.10, 3.12).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from flask_jwt_kit import JWTManager, get_jti, revoke_all_tokens, revoke_token
from tests.conftest import AppFactory, Clock, bearer
from tests.security.conftest import (
    ALL_LOCATIONS,
    DROP,
    HS256_HEADER,
    access_token,
    add_scoped_view,
    app_signed,
    assert_refused,
    claims_at,
    csrf_of,
    refresh_token,
    send,
)


def _status(app: Flask, token: str, path: str = "/protected") -> int:
    return app.test_client().get(path, headers=bearer(token)).status_code


def _refused(app: Flask, token: str, path: str = "/protected") -> str:
    response = app.test_client().get(path, headers=bearer(token))
    return assert_refused(response, token=token)


def _signed(clock: Clock, **claims: Any) -> str:
    return app_signed(HS256_HEADER, claims_at(clock, **claims))


# --------------------------------------------------------------------------- time


def test_expired_token(app: Flask, clock: Clock) -> None:
    token = access_token(app)
    clock.advance(15 * 60)
    assert _refused(app, token) == "Token has expired"
    refresh = refresh_token(app, expires_delta=dt.timedelta(seconds=1))
    clock.advance(1)
    assert _refused(app, refresh, "/refresh") == "Token has expired"


@pytest.mark.parametrize("offset", [0, -1, -3600, -(10**9)])
def test_exp_at_or_before_now(app: Flask, clock: Clock, offset: int) -> None:
    token = _signed(clock, exp=int(clock()) + offset)
    assert _refused(app, token) == "Token has expired"


def test_expired_beyond_the_leeway(make_app: AppFactory, clock: Clock) -> None:
    app = make_app(JWT_DECODE_LEEWAY=30)
    assert _status(app, _signed(clock, exp=int(clock()) - 29)) == 200
    assert _refused(app, _signed(clock, exp=int(clock()) - 30)) == "Token has expired"


@pytest.mark.parametrize("claim", ["nbf", "iat"])
@pytest.mark.parametrize("ahead", [1, 60, 10**9])
def test_not_yet_valid(app: Flask, clock: Clock, claim: str, ahead: int) -> None:
    token = _signed(clock, **{claim: int(clock()) + ahead})
    assert "not yet valid" in _refused(app, token)


def test_future_iat_cannot_outlive_a_revoke_all(make_app: AppFactory, clock: Clock) -> None:
    # A token dated in the future would survive "log out everywhere" if it
    # were accepted; it is not.
    app = make_app(JWT_REVOCATION_STORE="memory://")
    token = _signed(clock, iat=int(clock()) + 3600)
    with app.app_context():
        revoke_all_tokens("alice")
    _refused(app, token)


# --------------------------------------------------------------------------- JSON types

_NOT_NUMBERS: tuple[Any, ...] = ("1800000600", "", True, False, None, [1800000600], {"t": 1}, "NaN")
_NOT_STRINGS: tuple[Any, ...] = (5, 0, 1.5, True, None, ["x"], {"x": "y"}, [])


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("value", _NOT_NUMBERS, ids=repr)
def test_time_claim_of_the_wrong_type(app: Flask, clock: Clock, claim: str, value: Any) -> None:
    _refused(app, _signed(clock, **{claim: value}))


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat", "fresh"])
@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), float("-inf")], ids=["NaN", "Infinity", "-Infinity"]
)
def test_nan_and_infinity_literals(app: Flask, clock: Clock, claim: str, value: float) -> None:
    # Python's json writes and reads the NaN and Infinity literals.
    token = _signed(clock, **{claim: value})
    for path in ("/protected", "/fresh"):
        _refused(app, token, path)


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat", "fresh"])
@pytest.mark.parametrize("value", [10**400, -(10**400), 1e308 * 10], ids=["1e400", "-1e400", "inf"])
def test_numbers_beyond_a_float(app: Flask, clock: Clock, claim: str, value: float) -> None:
    token = _signed(clock, **{claim: value})
    for path in ("/protected", "/fresh"):
        _refused(app, token, path)


@pytest.mark.parametrize("value", _NOT_STRINGS, ids=repr)
def test_sub_of_the_wrong_type(app: Flask, clock: Clock, value: Any) -> None:
    _refused(app, _signed(clock, sub=value))


def test_sub_missing(app: Flask, clock: Clock) -> None:
    assert _refused(app, _signed(clock, sub=DROP)) == "Missing claim: sub"


@pytest.mark.parametrize("value", [5, 1.5, True, ["x"], {"x": "y"}, []], ids=repr)
def test_jti_of_the_wrong_type(app: Flask, clock: Clock, value: Any) -> None:
    _refused(app, _signed(clock, jti=value))


@pytest.mark.parametrize("value", _NOT_STRINGS, ids=repr)
def test_type_of_the_wrong_type(app: Flask, clock: Clock, value: Any) -> None:
    token = _signed(clock, type=value)
    for path in ("/protected", "/refresh", "/any"):
        _refused(app, token, path)


@pytest.mark.parametrize("value", ["true", "yes", "", None, [], {}, [True]], ids=repr)
def test_fresh_of_the_wrong_type(app: Flask, clock: Clock, value: Any) -> None:
    token = _signed(clock, fresh=value)
    for path in ("/protected", "/fresh"):
        _refused(app, token, path)


@pytest.mark.parametrize("claim", ["csrf", "sid"])
@pytest.mark.parametrize("value", _NOT_STRINGS, ids=repr)
def test_csrf_and_sid_of_the_wrong_type(app: Flask, clock: Clock, claim: str, value: Any) -> None:
    _refused(app, _signed(clock, **{claim: value}))


@pytest.mark.parametrize(
    "value",
    [5, True, None, {"read": True}, ["read", 5], [["read"]], "", "reader", "READ", "read-only"],
    ids=repr,
)
def test_scope_of_the_wrong_type_or_value(app: Flask, clock: Clock, value: Any) -> None:
    add_scoped_view(app)
    token = _signed(clock, scope=value)
    assert_refused(app.test_client().get("/scoped", headers=bearer(token)), token=token)
    # The genuine scope passes: the refusals are about the values above.
    assert _status(app, _signed(clock, scope="write read"), "/scoped") == 200


@pytest.mark.parametrize("value", _NOT_STRINGS, ids=repr)
def test_iss_of_the_wrong_type(make_app: AppFactory, clock: Clock, value: Any) -> None:
    app = make_app(JWT_DECODE_ISSUER="https://issuer.example")
    _refused(app, _signed(clock, iss=value))


@pytest.mark.parametrize("value", [5, True, None, [5], {"api": 1}, [["api"]], [None], ""], ids=repr)
def test_aud_of_the_wrong_type(make_app: AppFactory, clock: Clock, value: Any) -> None:
    app = make_app(JWT_DECODE_AUDIENCE="api")
    _refused(app, _signed(clock, aud=value))


def test_identity_claim_of_the_wrong_type_with_a_custom_identity_claim(
    make_app: AppFactory, clock: Clock
) -> None:
    app = make_app(JWT_IDENTITY_CLAIM="user_id")
    assert _refused(app, _signed(clock, sub=DROP)) == "Missing claim: user_id"


# --------------------------------------------------------------------------- issuer

ISSUER = "https://issuer.example"

_NEAR_ISSUERS = (
    "https://issuer.example.evil",
    "https://issuer.example.evil.com",
    "https://issuer.example/",
    "https://issuer.example/evil",
    "https://issuer.example:443",
    "https://issuer.example@evil.example",
    "https://issuer.example#",
    "https://issuer.example?",
    "https://issuer.exampl",
    "https://issuer.",
    "https://",
    "issuer.example",
    "http://issuer.example",
    "HTTPS://ISSUER.EXAMPLE",
    "https://Issuer.example",
    " https://issuer.example",
    "https://issuer.example ",
    "https://issuer.example\x00",
    "https://issuer.example\n",
    "https://evil.example/https://issuer.example",
    "https://evil.example?https://issuer.example",
    "https://issuer.example" + "\u200b",
    "https://іssuer.example",  # Cyrillic і
    "",
)


@pytest.mark.parametrize("iss", _NEAR_ISSUERS, ids=repr)
def test_issuer_that_only_resembles_the_configured_one(
    make_app: AppFactory, clock: Clock, iss: str
) -> None:
    app = make_app(JWT_DECODE_ISSUER=ISSUER)
    assert _refused(app, _signed(clock, iss=iss)) == "Invalid issuer"


def test_issuer_as_a_list_or_missing(make_app: AppFactory, clock: Clock) -> None:
    app = make_app(JWT_DECODE_ISSUER=ISSUER)
    assert _status(app, _signed(clock, iss=ISSUER)) == 200
    for iss in ([ISSUER], [ISSUER, "https://evil.example"], {"iss": ISSUER}):
        _refused(app, _signed(clock, iss=iss))
    _refused(app, _signed(clock, iss=DROP))


def test_list_of_issuers_is_matched_exactly(make_app: AppFactory, clock: Clock) -> None:
    issuers = ["https://a.example", "https://b.example"]
    app = make_app(JWT_DECODE_ISSUER=issuers)
    for iss in issuers:
        assert _status(app, _signed(clock, iss=iss)) == 200
    wrong: tuple[Any, ...] = (
        "https://a.example,https://b.example",
        "https://a.example https://b.example",
        "https://a.example.evil",
        "https://a",
        "a.example",
        "https://",
        "",
        issuers,
        [issuers[0]],
    )
    for value in wrong:
        _refused(app, _signed(clock, iss=value))


# --------------------------------------------------------------------------- audience


@pytest.mark.parametrize(
    "aud",
    [DROP, "api2", "ap", "API", " api", "api ", "api\x00", ["other"], [], "", "api,web", ["ap"]],
    ids=repr,
)
def test_missing_or_wrong_audience(make_app: AppFactory, clock: Clock, aud: Any) -> None:
    app = make_app(JWT_DECODE_AUDIENCE="api")
    _refused(app, _signed(clock, aud=aud))


def test_list_of_audiences_is_matched_exactly(make_app: AppFactory, clock: Clock) -> None:
    app = make_app(JWT_DECODE_AUDIENCE=["api", "web"])
    assert _status(app, _signed(clock, aud="web")) == 200
    assert _status(app, _signed(clock, aud=["other", "api"])) == 200
    for aud in ("apiweb", "api web", "api,web", "w", ["apiweb"], []):
        _refused(app, _signed(clock, aud=aud))


def test_tokens_for_another_audience_of_the_same_issuer(make_app: AppFactory) -> None:
    # Same secret, two services: a token for "billing" does not open "api".
    billing = make_app(JWT_ENCODE_AUDIENCE="billing", JWT_DECODE_AUDIENCE="billing")
    api = make_app(JWT_ENCODE_AUDIENCE="api", JWT_DECODE_AUDIENCE="api")
    assert _refused(api, access_token(billing)) == "Audience doesn't match"


# --------------------------------------------------------------------------- kind and freshness


def test_refresh_token_where_an_access_token_is_needed(app: Flask) -> None:
    add_scoped_view(app)
    token = refresh_token(app)
    for path in ("/protected", "/fresh", "/optional", "/scoped"):
        _refused(app, token, path)


def test_access_token_where_a_refresh_token_is_needed(app: Flask) -> None:
    assert _refused(app, access_token(app, fresh=True), "/refresh") == (
        "Only refresh tokens are allowed"
    )


@pytest.mark.parametrize("kind", ["Refresh", "REFRESH", "refresh ", " refresh", "refresh\x00"])
def test_lookalike_refresh_type(app: Flask, clock: Clock, kind: str) -> None:
    _refused(app, _signed(clock, type=kind), "/refresh")


def test_fresh_refresh_token_is_not_a_fresh_access_token(app: Flask, clock: Clock) -> None:
    token = _signed(clock, type="refresh", fresh=True)
    _refused(app, token, "/fresh")


@pytest.mark.parametrize("fresh", [False, 0, DROP])
def test_not_fresh_on_a_fresh_view(app: Flask, clock: Clock, fresh: Any) -> None:
    assert _refused(app, _signed(clock, fresh=fresh), "/fresh") == "Fresh token required"


def test_freshness_that_ran_out(app: Flask, clock: Clock) -> None:
    token = access_token(app, fresh=dt.timedelta(seconds=10))
    assert _status(app, token, "/fresh") == 200
    clock.advance(10)
    assert _refused(app, token, "/fresh") == "Fresh token required"
    # A fresh-until timestamp in the past, signed by the app.
    assert _refused(app, _signed(clock, fresh=clock() - 1), "/fresh") == "Fresh token required"


def test_a_trusted_issuers_token_is_never_fresh_nor_refresh(
    make_app: AppFactory, clock: Clock, oidc_provider: Any
) -> None:
    app = make_app(
        JWT_TRUSTED_ISSUERS=[
            {
                "issuer": oidc_provider.issuer,
                "jwks_uri": oidc_provider.jwks_uri,
                "audience": "my-api",
                "algorithms": ["RS256"],
            }
        ]
    )
    token = oidc_provider.sign({"sub": "alice", "aud": "my-api", "type": "refresh", "fresh": True})
    assert _status(app, token) == 200
    _refused(app, token, "/refresh")
    _refused(app, token, "/fresh")


# --------------------------------------------------------------------------- revocation


def _revocation_app(make_app: AppFactory, mechanism: str) -> tuple[Flask, set[str]]:
    """An app reading every location, revoking through a store or the loader."""
    revoked: set[str] = set()
    if mechanism == "store":
        app = make_app(JWT_TOKEN_LOCATION=list(ALL_LOCATIONS), JWT_REVOCATION_STORE="memory://")
    else:
        app = make_app(JWT_TOKEN_LOCATION=list(ALL_LOCATIONS))
        manager: JWTManager = app.extensions["flask-jwt-kit"]
        manager.token_in_blocklist_loader(lambda header, claims: claims["jti"] in revoked)
    return app, revoked


def _revoke(app: Flask, revoked: set[str], token: str, mechanism: str) -> None:
    if mechanism == "store":
        with app.app_context():
            revoke_token(token)
    else:
        with app.app_context():
            jti = get_jti(token)
        assert jti is not None
        revoked.add(jti)


@pytest.mark.parametrize("mechanism", ["store", "loader"])
@pytest.mark.parametrize("location", ALL_LOCATIONS)
@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_revoked_token_in_every_location(
    make_app: AppFactory, mechanism: str, location: str, kind: str
) -> None:
    app, revoked = _revocation_app(make_app, mechanism)
    refresh = kind == "refresh"
    token = refresh_token(app) if refresh else access_token(app)
    path = "/refresh" if refresh else "/protected"
    methods = ("GET", "POST") if location == "cookies" else ("GET",)

    def attempt(method: str) -> Any:
        client = app.test_client()
        return send(
            client, token, location, path=path, method=method, csrf=csrf_of(token), refresh=refresh
        )

    for method in methods:
        assert attempt(method).status_code == 200
    _revoke(app, revoked, token, mechanism)
    for method in methods:
        response = attempt(method)
        assert assert_refused(response, token=token) == "Token has been revoked"
        assert response.status_code == 401


@pytest.mark.parametrize("location", ALL_LOCATIONS)
def test_revoke_all_tokens_in_every_location(make_app: AppFactory, location: str) -> None:
    app, _ = _revocation_app(make_app, "store")
    access, refresh = access_token(app), refresh_token(app)
    with app.app_context():
        revoke_all_tokens("alice")
    for token, path in ((access, "/protected"), (refresh, "/refresh")):
        response = send(app.test_client(), token, location, path=path, refresh=path == "/refresh")
        assert assert_refused(response, token=token) == "Token has been revoked"


def test_store_revocation_is_not_undone_by_the_loader(make_app: AppFactory) -> None:
    app, _ = _revocation_app(make_app, "store")
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    manager.token_in_blocklist_loader(lambda header, claims: False)
    token = access_token(app)
    with app.app_context():
        revoke_token(token)
    assert _refused(app, token) == "Token has been revoked"


def test_revoked_token_with_skip_revocation_is_only_for_views_that_ask(
    make_app: AppFactory,
) -> None:
    app, _ = _revocation_app(make_app, "store")
    token = access_token(app)
    with app.app_context():
        revoke_token(token)
    for path in ("/protected", "/optional", "/fresh", "/any"):
        _refused(app, token, path)


def test_revoked_token_cannot_be_respelled(make_app: AppFactory) -> None:
    # The same token with altered spelling (padding, case) is a different
    # string but not a different token: it is refused, never un-revoked.
    app, _ = _revocation_app(make_app, "store")
    token = access_token(app)
    with app.app_context():
        revoke_token(token)
    header, payload, signature = token.split(".")
    for variant in (f"{header}.{payload}.{signature}=", f"{header}=.{payload}.{signature}"):
        _refused(app, variant)
