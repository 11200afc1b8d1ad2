"""Decoding tokens: decode_token and friends, claim checks, strict claim types."""

from __future__ import annotations

import datetime as dt
import inspect
from typing import Any

import jwt
import pytest
from flask import Flask

from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    decode_token,
    get_csrf_token,
    get_jti,
    get_unverified_jwt_headers,
)
from flask_jwt_kit.exceptions import CSRFError, JWTDecodeError
from tests.conftest import SECRET, AppFactory, Clock, bearer
from tests.core.conftest import raw_token

NOW = 1_800_000_000


#: Marks a claim to leave out in :func:`claims`.
_DROP: Any = object()


def claims(**extra: Any) -> dict[str, Any]:
    """Claims of a well-formed token at the test clock's time, with *extra* on top."""
    base: dict[str, Any] = {"sub": "alice", "iat": NOW, "nbf": NOW, "exp": NOW + 600}
    base.update(extra)
    return {k: v for k, v in base.items() if v is not _DROP}


def get(app: Flask, token: str, path: str = "/protected") -> tuple[int, Any]:
    response = app.test_client().get(path, headers=bearer(token))
    return response.status_code, response.json


def test_the_signatures_are_those_of_the_contract() -> None:
    parameters = inspect.signature(decode_token).parameters
    assert list(parameters) == ["encoded_token", "csrf_value", "allow_expired"]
    assert parameters["csrf_value"].default is None
    assert parameters["allow_expired"].default is False
    for function in (get_unverified_jwt_headers, get_jti, get_csrf_token):
        assert list(inspect.signature(function).parameters) == ["encoded_token"]


def test_decode_token_returns_the_claims(app: Flask) -> None:
    with app.app_context():
        token = create_access_token("alice", additional_claims={"roles": ["admin"]})
        decoded = decode_token(token)
        assert decoded == jwt.decode(
            token,
            SECRET,
            ["HS256"],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
        assert decoded["sub"] == "alice" and decoded["roles"] == ["admin"]
        assert decode_token(token.encode()) == decoded  # type: ignore[arg-type]


def test_decode_token_hands_out_copies(app: Flask) -> None:
    with app.app_context():
        token = create_access_token("alice", additional_claims={"roles": ["user"]})
        first = decode_token(token)
        first["sub"] = "mallory"
        first["roles"].append("admin")
        second = decode_token(token)
    assert second["sub"] == "alice"
    assert second["roles"] == ["user"]


def test_decode_token_needs_an_application_context(app: Flask) -> None:
    with app.app_context():
        token = create_access_token("alice")
    with pytest.raises(RuntimeError):
        decode_token(token)


def test_decode_token_does_not_check_revocation_or_load_the_user(app: Flask) -> None:
    jwt_manager: JWTManager = app.extensions["flask-jwt-kit"]
    calls: list[str] = []

    @jwt_manager.token_in_blocklist_loader
    def revoked(header: dict[str, Any], data: dict[str, Any]) -> bool:
        calls.append("blocklist")
        return True

    @jwt_manager.user_lookup_loader
    def user(header: dict[str, Any], data: dict[str, Any]) -> None:
        calls.append("user")

    with app.app_context():
        assert decode_token(create_access_token("alice"))["sub"] == "alice"
    assert calls == []


# --------------------------------------------------------------------------- missing claims


def test_a_missing_identity_claim_is_a_decode_error(make_app: AppFactory) -> None:
    app = make_app()
    token = raw_token(claims(sub=_DROP))
    with app.app_context(), pytest.raises(JWTDecodeError) as caught:
        decode_token(token)
    assert str(caught.value) == "Missing claim: sub"
    assert get(app, token) == (422, {"msg": "Missing claim: sub"})


def test_a_missing_custom_identity_claim_names_that_claim(make_app: AppFactory) -> None:
    app = make_app(JWT_IDENTITY_CLAIM="user_id")
    token = raw_token(claims())
    with app.app_context(), pytest.raises(JWTDecodeError, match="^Missing claim: user_id$"):
        decode_token(token)
    assert get(app, token) == (422, {"msg": "Missing claim: user_id"})
    status, body = get(app, raw_token(claims(user_id=5)))
    assert status == 200 and body["identity"] == 5


def test_tokens_without_type_fresh_or_jti_get_defaults(app: Flask) -> None:
    token = raw_token(claims())
    with app.app_context():
        decoded = decode_token(token)
        assert get_jti(token) is None
    assert decoded["type"] == "access"
    assert decoded["fresh"] is False
    assert decoded["jti"] is None
    status, body = get(app, token)
    assert status == 200
    assert body["claims"]["type"] == "access" and body["claims"]["jti"] is None
    assert get(app, token, "/fresh") == (401, {"msg": "Fresh token required"})
    assert get(app, token, "/refresh") == (422, {"msg": "Only refresh tokens are allowed"})


def test_a_token_with_only_the_identity_claim_is_valid(app: Flask) -> None:
    token = raw_token({"sub": "alice"})
    with app.app_context():
        assert decode_token(token) == {
            "sub": "alice",
            "type": "access",
            "fresh": False,
            "jti": None,
        }
    assert get(app, token)[0] == 200


def test_a_custom_token_type_decodes_and_passes_access_views(app: Flask) -> None:
    token = raw_token(claims(type="app"))
    with app.app_context():
        assert decode_token(token)["type"] == "app"
    status, body = get(app, token)
    assert status == 200 and body["claims"]["type"] == "app"
    assert get(app, token, "/any")[0] == 200
    assert get(app, token, "/refresh") == (422, {"msg": "Only refresh tokens are allowed"})


# --------------------------------------------------------------------------- csrf_value


def test_csrf_value_must_match_the_csrf_claim(app: Flask) -> None:
    with app.app_context():
        token = create_access_token("alice")
        csrf = get_csrf_token(token)
        assert csrf is not None
        assert decode_token(token, csrf_value=csrf)["sub"] == "alice"
        with pytest.raises(CSRFError) as caught:
            decode_token(token, csrf_value=csrf + "x")
        assert str(caught.value) == "CSRF double submit tokens do not match"
        with pytest.raises(CSRFError):
            decode_token(token, csrf_value="\udcff")
        # An empty value is no value: nothing to compare.
        assert decode_token(token, csrf_value="")["sub"] == "alice"
        assert decode_token(token, csrf_value=None)["sub"] == "alice"


def test_csrf_value_with_a_token_without_csrf_is_a_decode_error(make_app: AppFactory) -> None:
    app = make_app(JWT_COOKIE_CSRF_PROTECT=False)
    with app.app_context():
        token = create_access_token("alice")
        assert get_csrf_token(token) is None
        with pytest.raises(JWTDecodeError) as caught:
            decode_token(token, csrf_value="anything")
        assert str(caught.value) == "Missing claim: csrf"


def test_a_csrf_mismatch_wins_over_expiry(app: Flask, clock: Clock) -> None:
    with app.app_context():
        token = create_access_token("alice")
        clock.advance(3600)
        with pytest.raises(CSRFError):
            decode_token(token, csrf_value="wrong")
        with pytest.raises(jwt.ExpiredSignatureError):
            decode_token(token, csrf_value=get_csrf_token_unchecked(token))


def get_csrf_token_unchecked(token: str) -> str:
    value: str = jwt.decode(token, options={"verify_signature": False})["csrf"]
    return value


# --------------------------------------------------------------------------- expiry


def test_expired_tokens_raise_pyjwt_expired_signature_error(app: Flask, clock: Clock) -> None:
    with app.app_context():
        token = create_access_token("alice", additional_headers={"kid": "k1"})
        clock.advance(15 * 60)
        with pytest.raises(jwt.ExpiredSignatureError) as caught:
            decode_token(token)
    error: Any = caught.value
    assert error.jwt_header == {"alg": "HS256", "typ": "JWT", "kid": "k1"}
    assert error.jwt_data["sub"] == "alice"
    assert error.jwt_data["type"] == "access"
    assert get(app, token) == (401, {"msg": "Token has expired"})


def test_expired_token_data_has_defaults_filled_in(app: Flask, clock: Clock) -> None:
    token = raw_token(claims(exp=NOW - 1))
    with app.app_context(), pytest.raises(jwt.ExpiredSignatureError) as caught:
        decode_token(token)
    error: Any = caught.value
    assert error.jwt_data == {**claims(exp=NOW - 1), "type": "access", "fresh": False, "jti": None}


def test_allow_expired_returns_the_claims_of_an_expired_token(app: Flask, clock: Clock) -> None:
    with app.app_context():
        token = create_access_token("alice")
        clock.advance(10**6)
        assert decode_token(token, allow_expired=True)["sub"] == "alice"
        # Everything else is still checked.
        with pytest.raises(jwt.InvalidSignatureError):
            decode_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), allow_expired=True)


def test_exp_is_checked_against_the_clock_to_the_second(app: Flask, clock: Clock) -> None:
    token = raw_token(claims(exp=NOW + 60))
    clock.now = NOW + 59.999
    assert get(app, token)[0] == 200
    clock.now = NOW + 60
    assert get(app, token) == (401, {"msg": "Token has expired"})


def test_leeway_extends_exp_and_nbf(make_app: AppFactory, clock: Clock) -> None:
    app = make_app(JWT_DECODE_LEEWAY=10)
    token = raw_token(claims(exp=NOW + 60))
    clock.now = NOW + 69
    assert get(app, token)[0] == 200
    clock.now = NOW + 70
    assert get(app, token) == (401, {"msg": "Token has expired"})
    clock.now = NOW
    assert get(app, raw_token(claims(nbf=NOW + 10, iat=NOW + 10)))[0] == 200
    assert get(app, raw_token(claims(nbf=NOW + 11)))[0] == 422


def test_leeway_may_be_a_timedelta(make_app: AppFactory, clock: Clock) -> None:
    app = make_app(JWT_DECODE_LEEWAY=dt.timedelta(minutes=1))
    clock.now = NOW + 600 + 59
    assert get(app, raw_token(claims()))[0] == 200


def test_a_token_not_yet_valid_is_refused(app: Flask) -> None:
    future_nbf = raw_token(claims(nbf=NOW + 100))
    assert get(app, future_nbf) == (422, {"msg": "The token is not yet valid (nbf)"})
    future_iat = raw_token(claims(iat=NOW + 100, nbf=_DROP))
    assert get(app, future_iat) == (422, {"msg": "The token is not yet valid (iat)"})
    with app.app_context(), pytest.raises(jwt.ImmatureSignatureError):
        decode_token(future_nbf)


def test_a_fractional_iat_within_the_current_second_is_accepted(app: Flask, clock: Clock) -> None:
    clock.now = NOW + 0.25
    assert get(app, raw_token(claims(iat=NOW + 0.75)))[0] == 200


# --------------------------------------------------------------------------- PyJWT errors


def tamper(token: str) -> str:
    head, body, signature = token.split(".")
    swapped = "A" if signature[0] != "A" else "B"
    return ".".join((head, body, swapped + signature[1:]))


def test_pyjwt_errors_propagate_as_themselves(app: Flask) -> None:
    with app.app_context():
        token = create_access_token("alice")
        with pytest.raises(jwt.InvalidSignatureError, match="^Signature verification failed$"):
            decode_token(tamper(token))
        with pytest.raises(jwt.DecodeError, match="^Not enough segments$"):
            decode_token("abc")
        with pytest.raises(jwt.InvalidSignatureError):
            get_jti(tamper(token))
        with pytest.raises(jwt.InvalidSignatureError):
            get_csrf_token(tamper(token))
        with pytest.raises(jwt.DecodeError):
            decode_token(b"\xff.\xfe.\xfd")  # type: ignore[arg-type]
        with pytest.raises(jwt.DecodeError):
            decode_token(12345)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("abc", "Not enough segments"),
        ("a.b", "Not enough segments"),
        ("@@@.@@@.@@@", "Invalid header padding"),
        (
            raw_token({"sub": "a"}, key="another-secret-" + "y" * 40),
            "Signature verification failed",
        ),
        (raw_token({"sub": "a"}, algorithm="HS512"), "The specified alg value is not allowed"),
    ],
)
def test_invalid_tokens_are_422_with_the_library_message(
    app: Flask, token: str, message: str
) -> None:
    assert get(app, token) == (422, {"msg": message})


def test_a_payload_that_is_not_an_object_is_refused(app: Flask) -> None:
    token = jwt.api_jws.encode(b'["sub"]', SECRET, "HS256")
    assert get(app, token) == (422, {"msg": "Invalid payload string: must be a json object"})


def test_deeply_nested_json_is_refused_not_crashed(app: Flask) -> None:
    payload = b'{"sub": "a", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    token = jwt.api_jws.encode(payload, SECRET, "HS256")
    with app.app_context(), pytest.raises(jwt.DecodeError):
        decode_token(token)
    status, body = get(app, token)
    assert status == 422 and body["msg"].startswith("Invalid")


def test_oversized_tokens_are_refused_before_parsing(make_app: AppFactory) -> None:
    app = make_app(JWT_MAX_TOKEN_LENGTH=200)
    token = raw_token(claims(pad="x" * 200))
    assert get(app, token) == (422, {"msg": "Token is too large (over 200 characters)"})
    assert get(app, raw_token({"sub": "a"}))[0] == 200


def test_get_unverified_jwt_headers_does_not_verify(app: Flask) -> None:
    with app.app_context():
        token = create_access_token("alice", additional_headers={"kid": "k"})
    expected = {"alg": "HS256", "typ": "JWT", "kid": "k"}
    # Works without an application context, and on a token with a bad signature.
    assert get_unverified_jwt_headers(token) == expected
    assert get_unverified_jwt_headers(tamper(token)) == expected
    with pytest.raises(jwt.DecodeError):
        get_unverified_jwt_headers("not-a-token")


def test_get_jti_and_get_csrf_token_read_verified_tokens(app: Flask) -> None:
    with app.app_context():
        token = create_refresh_token("alice")
        decoded = decode_token(token)
        assert get_jti(token) == decoded["jti"]
        assert get_csrf_token(token) == decoded["csrf"]


# --------------------------------------------------------------------------- audience, issuer


def test_audience_is_not_checked_when_jwt_decode_audience_is_unset(app: Flask) -> None:
    for aud in ("somebody-else", ["x", "y"], 5):
        token = raw_token(claims(aud=aud))
        assert get(app, token)[0] == 200


def test_jwt_decode_audience_requires_a_matching_aud(make_app: AppFactory) -> None:
    app = make_app(JWT_DECODE_AUDIENCE="api")
    assert get(app, raw_token(claims())) == (422, {"msg": 'Token is missing the "aud" claim'})
    assert get(app, raw_token(claims(aud="web"))) == (422, {"msg": "Audience doesn't match"})
    assert get(app, raw_token(claims(aud="api")))[0] == 200
    assert get(app, raw_token(claims(aud=["web", "api"])))[0] == 200
    with app.app_context():
        with pytest.raises(jwt.InvalidAudienceError):
            decode_token(raw_token(claims(aud="web")))
        with pytest.raises(jwt.MissingRequiredClaimError):
            decode_token(raw_token(claims()))


def test_jwt_decode_audience_may_list_several(make_app: AppFactory) -> None:
    app = make_app(JWT_DECODE_AUDIENCE=["api", "web"])
    assert get(app, raw_token(claims(aud="web")))[0] == 200
    assert get(app, raw_token(claims(aud="cli")))[0] == 422


def test_encode_and_decode_audience_together(make_app: AppFactory) -> None:
    app = make_app(JWT_ENCODE_AUDIENCE="api", JWT_DECODE_AUDIENCE="api")
    with app.app_context():
        assert decode_token(create_access_token("alice"))["aud"] == "api"


def test_jwt_decode_issuer(make_app: AppFactory) -> None:
    app = make_app(JWT_DECODE_ISSUER="https://me.example")
    assert get(app, raw_token(claims(iss="https://me.example")))[0] == 200
    assert get(app, raw_token(claims(iss="https://evil.example"))) == (
        422,
        {"msg": "Invalid issuer"},
    )
    assert get(app, raw_token(claims())) == (422, {"msg": 'Token is missing the "iss" claim'})
    with app.app_context(), pytest.raises(jwt.InvalidIssuerError):
        decode_token(raw_token(claims(iss="https://evil.example")))


def test_issuer_is_not_checked_when_unset(app: Flask) -> None:
    assert get(app, raw_token(claims(iss="anyone")))[0] == 200


# --------------------------------------------------------------------------- sub


def test_a_non_string_sub_is_created_but_refused_when_used(app: Flask) -> None:
    with app.app_context():
        token = create_access_token(42)
        with pytest.raises(jwt.exceptions.InvalidSubjectError, match="^Subject must be a string$"):
            decode_token(token)
    assert get(app, token) == (422, {"msg": "Subject must be a string"})


def test_jwt_verify_sub_false_accepts_a_non_string_sub(make_app: AppFactory) -> None:
    app = make_app(JWT_VERIFY_SUB=False)
    with app.app_context():
        token = create_access_token(42)
        assert decode_token(token)["sub"] == 42
    status, body = get(app, token)
    assert status == 200 and body["identity"] == 42


def test_verify_sub_checks_only_sub(make_app: AppFactory) -> None:
    app = make_app(JWT_IDENTITY_CLAIM="uid")
    assert get(app, raw_token({"uid": 42}))[0] == 200


# --------------------------------------------------------------------------- strict types


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"exp": str(NOW + 600)}, "Invalid claim: 'exp' must be a number"),
        ({"exp": True}, "Invalid claim: 'exp' must be a number"),
        ({"exp": None}, "Invalid claim: 'exp' must be a number"),
        ({"exp": float("nan")}, "Invalid claim: 'exp' must be a number"),
        ({"exp": float("inf")}, "Invalid claim: 'exp' must be a number"),
        ({"exp": 10**400}, "Invalid claim: 'exp' must be a number"),
        ({"nbf": "0"}, "Invalid claim: 'nbf' must be a number"),
        ({"nbf": False}, "Invalid claim: 'nbf' must be a number"),
        ({"nbf": float("-inf")}, "Invalid claim: 'nbf' must be a number"),
        ({"iat": "now"}, "Invalid claim: 'iat' must be a number"),
        ({"iat": [NOW]}, "Invalid claim: 'iat' must be a number"),
        ({"type": ["refresh"]}, "Invalid claim: 'type' must be a string"),
        ({"type": None}, "Invalid claim: 'type' must be a string"),
        ({"fresh": "true"}, "Invalid claim: 'fresh' must be a boolean or a number"),
        ({"fresh": None}, "Invalid claim: 'fresh' must be a boolean or a number"),
        ({"fresh": float("nan")}, "Invalid claim: 'fresh' must be a boolean or a number"),
        ({"csrf": 5}, "Invalid claim: 'csrf' must be a string"),
        ({"sid": 5}, "Invalid claim: 'sid' must be a string"),
        ({"jti": 5}, "JWT ID must be a string"),
    ],
    ids=repr,
)
@pytest.mark.parametrize("path", ["/protected", "/optional", "/refresh", "/any", "/fresh"])
def test_claims_of_the_wrong_type_are_422_never_500(
    app: Flask, extra: dict[str, Any], message: str, path: str
) -> None:
    token = raw_token(claims(**extra))
    assert get(app, token, path) == (422, {"msg": message})


@pytest.mark.parametrize(
    "extra",
    [
        {"exp": NOW + 600.5, "nbf": NOW - 0.5, "iat": NOW - 1.5},
        {"fresh": 0},
        {"fresh": NOW + 5.5},
        {"csrf": "abc", "sid": "s1", "jti": "j1", "type": "access"},
    ],
    ids=repr,
)
def test_claims_of_the_right_type_are_accepted(app: Flask, extra: dict[str, Any]) -> None:
    assert get(app, raw_token(claims(**extra)))[0] == 200


def test_strict_types_apply_to_decode_token(app: Flask) -> None:
    with app.app_context(), pytest.raises(JWTDecodeError, match="'exp' must be a number"):
        decode_token(raw_token(claims(exp="soon")))
