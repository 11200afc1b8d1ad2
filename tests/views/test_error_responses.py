"""The default error responses: every row of the contract's table, and who answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from flask import Blueprint, Flask, jsonify, request

from flask_jwt_kit import decode_token, get_jwt, jwt_required, verify_jwt_in_request
from flask_jwt_kit.exceptions import (
    CSRFError,
    FreshTokenRequired,
    InsufficientScopeError,
    InvalidHeaderError,
    InvalidKeyIdError,
    InvalidQueryParamError,
    JWTDecodeError,
    JWTExtendedException,
    NoAuthorizationError,
    RefreshTokenReusedError,
    RevocationStoreUnavailable,
    RevokedTokenError,
    SigningKeysUnavailable,
    UserClaimsVerificationError,
    UserLookupError,
    WrongTokenError,
)
from tests.conftest import SECRET, AppFactory, Clock
from tests.views.conftest import (
    INVALID_TOKEN,
    access_token,
    answer,
    forge,
    manager_of,
    refresh_token,
)

OTHER_SECRET = "another-secret-" + "z" * 50

#: Builds ``(path, request kwargs)`` for an app, with the test clock.
Call = Callable[[Flask, Clock], tuple[str, dict[str, Any]]]


def header(token: str) -> dict[str, Any]:
    return {"headers": {"Authorization": f"Bearer {token}"}}


def bearer_call(path: str, make: Callable[[Flask, Clock], str]) -> Call:
    return lambda app, clock: (path, header(make(app, clock)))


def expired(app: Flask, clock: Clock) -> str:
    token = access_token(app)
    clock.advance(901)
    return token


def revoked_app(app: Flask) -> None:
    manager_of(app).token_in_blocklist_loader(lambda h, c: True)


def failing_verification(app: Flask) -> None:
    manager_of(app).token_verification_loader(lambda h, c: False)


def no_user(app: Flask) -> None:
    manager_of(app).user_lookup_loader(lambda h, c: None)


@dataclass
class Row:
    id: str
    call: Call
    status: int
    message: str
    www: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    setup: Callable[[Flask], None] | None = None


ROWS = [
    # No token.
    Row(
        "no-header", lambda a, c: ("/protected", {}), 401, "Missing Authorization Header", "Bearer"
    ),
    Row(
        "no-bearer",
        lambda a, c: ("/protected", {"headers": {"Authorization": "Basic x"}}),
        401,
        "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'",
        "Bearer",
    ),
    Row(
        "no-cookie",
        lambda a, c: ("/protected", {}),
        401,
        'Missing cookie "access_token_cookie"',
        "Bearer",
        {"JWT_TOKEN_LOCATION": "cookies"},
    ),
    Row(
        "no-query",
        lambda a, c: ("/protected", {}),
        401,
        "Missing 'jwt' query paramater",
        "Bearer",
        {"JWT_TOKEN_LOCATION": "query_string"},
    ),
    Row(
        "no-json-key",
        lambda a, c: ("/protected", {"json": {}}),
        401,
        'Missing "access_token" key in json data.',
        "Bearer",
        {"JWT_TOKEN_LOCATION": "json"},
    ),
    Row(
        "not-json",
        lambda a, c: ("/protected", {}),
        401,
        "Invalid content-type. Must be application/json.",
        "Bearer",
        {"JWT_TOKEN_LOCATION": "json"},
    ),
    Row(
        "several-locations",
        lambda a, c: ("/protected", {}),
        401,
        "Missing JWT in query_string or headers (Missing 'jwt' query paramater; "
        "Missing Authorization Header)",
        "Bearer",
        {"JWT_TOKEN_LOCATION": ["query_string", "headers"]},
    ),
    # Bad header shape.
    Row(
        "bad-header",
        lambda a, c: ("/protected", {"headers": {"Authorization": "Bearer a b"}}),
        422,
        "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'",
    ),
    Row(
        "bad-header-no-type",
        lambda a, c: ("/protected", {"headers": {"Authorization": "a b"}}),
        422,
        "Bad Authorization header. Expected 'Authorization: <JWT>'",
        config={"JWT_HEADER_TYPE": ""},
    ),
    # CSRF.
    Row(
        "missing-csrf",
        lambda a, c: ("/protected", {"method": "POST"}),
        401,
        "Missing CSRF token",
        "Bearer",
        {"JWT_TOKEN_LOCATION": "cookies"},
    ),
    Row(
        "csrf-mismatch",
        lambda a, c: ("/protected", {"method": "POST", "headers": {"X-CSRF-TOKEN": "x"}}),
        401,
        "CSRF double submit tokens do not match",
        "Bearer",
        {"JWT_TOKEN_LOCATION": "cookies"},
    ),
    # Expired.
    Row("expired", bearer_call("/protected", expired), 401, "Token has expired", INVALID_TOKEN),
    # Invalid tokens: the JWT library's messages.
    Row(
        "bad-signature",
        bearer_call("/protected", lambda a, c: forge(c.now, key=OTHER_SECRET)),
        422,
        "Signature verification failed",
    ),
    Row(
        "malformed",
        lambda a, c: ("/protected", header("abc")),
        422,
        "Not enough segments",
    ),
    Row(
        "wrong-alg",
        bearer_call("/protected", lambda a, c: forge(c.now, algorithm="HS512")),
        422,
        "The specified alg value is not allowed",
    ),
    Row(
        "bad-audience",
        bearer_call("/protected", lambda a, c: forge(c.now, aud="other")),
        422,
        "Audience doesn't match",
        config={"JWT_DECODE_AUDIENCE": "api"},
    ),
    Row(
        "missing-audience",
        bearer_call("/protected", lambda a, c: forge(c.now)),
        422,
        'Token is missing the "aud" claim',
        config={"JWT_DECODE_AUDIENCE": "api"},
    ),
    Row(
        "bad-issuer",
        bearer_call("/protected", lambda a, c: forge(c.now, iss="them")),
        422,
        "Invalid issuer",
        config={"JWT_DECODE_ISSUER": "us"},
    ),
    Row(
        "non-string-sub",
        bearer_call("/protected", lambda a, c: access_token(a, 5)),
        422,
        "Subject must be a string",
    ),
    # Ours.
    Row(
        "missing-identity",
        bearer_call("/protected", lambda a, c: forge(c.now, drop=["sub"])),
        422,
        "Missing claim: sub",
    ),
    Row(
        "missing-custom-identity",
        bearer_call("/protected", lambda a, c: forge(c.now)),
        422,
        "Missing claim: user",
        config={"JWT_IDENTITY_CLAIM": "user"},
    ),
    Row(
        "refresh-at-access-view",
        bearer_call("/protected", lambda a, c: refresh_token(a)),
        422,
        "Only non-refresh tokens are allowed",
    ),
    Row(
        "access-at-refresh-view",
        bearer_call("/refresh", lambda a, c: access_token(a)),
        422,
        "Only refresh tokens are allowed",
    ),
    Row(
        "not-fresh",
        bearer_call("/fresh", lambda a, c: access_token(a)),
        401,
        "Fresh token required",
        INVALID_TOKEN,
    ),
    Row(
        "revoked",
        bearer_call("/protected", lambda a, c: access_token(a)),
        401,
        "Token has been revoked",
        INVALID_TOKEN,
        setup=revoked_app,
    ),
    Row(
        "claims-verification",
        bearer_call("/protected", lambda a, c: access_token(a)),
        400,
        "User claims verification failed",
        setup=failing_verification,
    ),
    Row(
        "user-lookup",
        bearer_call("/protected", lambda a, c: access_token(a, "bob")),
        401,
        "Error loading the user bob",
        INVALID_TOKEN,
        setup=no_user,
    ),
    Row(
        "query-prefix",
        lambda a, c: ("/protected", {"query_string": {"t": "abc"}}),
        422,
        "Invalid value for query parameter 't'. Expected the value to start with 'JWT '",
        config={
            "JWT_TOKEN_LOCATION": "query_string",
            "JWT_QUERY_STRING_NAME": "t",
            "JWT_QUERY_STRING_VALUE_PREFIX": "JWT ",
        },
    ),
]


def run(make_app: AppFactory, clock: Clock, row: Row, **extra: Any) -> Any:
    app = make_app(**{**row.config, **extra})
    if row.setup is not None:
        row.setup(app)
    path, kwargs = row.call(app, clock)
    client = app.test_client()
    if row.config.get("JWT_TOKEN_LOCATION") == "cookies" and "method" in kwargs:
        client.set_cookie("access_token_cookie", access_token(app))
    return client.open(path, **kwargs)


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_default_response(make_app: AppFactory, clock: Clock, row: Row) -> None:
    response = run(make_app, clock, row)
    assert answer(response) == (row.status, {"msg": row.message})
    assert response.headers.get("WWW-Authenticate") == row.www
    assert response.mimetype == "application/json"


@pytest.mark.parametrize("row", ROWS[::3], ids=[r.id for r in ROWS[::3]])
def test_error_message_key(make_app: AppFactory, clock: Clock, row: Row) -> None:
    response = run(make_app, clock, row, JWT_ERROR_MESSAGE_KEY="error")
    assert answer(response) == (row.status, {"error": row.message})


def test_non_string_sub_allowed_without_verify_sub(make_app: AppFactory) -> None:
    app = make_app(JWT_VERIFY_SUB=False)
    response = app.test_client().get("/protected", **header(access_token(app, 5)))
    assert answer(response)[1]["identity"] == 5


def test_audience_not_checked_when_unset(app: Flask, clock: Clock) -> None:
    response = app.test_client().get("/protected", **header(forge(clock.now, aud="anything")))
    assert response.status_code == 200


# --------------------------------------------------------------------------- app-wide


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    app = make_app()

    @app.get("/decode")
    def decode() -> Any:
        return jsonify(decode_token(request.args["token"]))

    @app.get("/pyjwt")
    def pyjwt() -> Any:
        return jsonify(jwt.decode(request.args["token"], OTHER_SECRET, ["HS256"]))

    bp = Blueprint("bp", __name__)

    @bp.get("/bp/decode")
    def bp_decode() -> Any:
        return jsonify(decode_token(request.args["token"]))

    app.register_blueprint(bp)
    return app


class TestAppWide:
    @pytest.mark.parametrize("path", ["/decode", "/bp/decode"])
    def test_decode_token_errors_in_any_view(self, app: Flask, clock: Clock, path: str) -> None:
        client = app.test_client()
        assert answer(client.get(path, query_string={"token": "abc"})) == (
            422,
            {"msg": "Not enough segments"},
        )
        forged = forge(clock.now, key=OTHER_SECRET)
        assert answer(client.get(path, query_string={"token": forged})) == (
            422,
            {"msg": "Signature verification failed"},
        )
        token = access_token(app)
        clock.advance(3600)
        response = client.get(path, query_string={"token": token})
        assert answer(response) == (401, {"msg": "Token has expired"})
        assert response.headers["WWW-Authenticate"] == INVALID_TOKEN

    def test_expired_from_decode_token_reaches_loader_with_claims(
        self, app: Flask, clock: Clock
    ) -> None:
        seen: list[Any] = []

        @manager_of(app).expired_token_loader
        def expired(header: dict[str, Any], claims: dict[str, Any]) -> Any:
            seen.append((header, claims))
            return jsonify(sub=claims["sub"]), 401

        token = access_token(app, "eve")
        clock.advance(3600)
        response = app.test_client().get("/decode", query_string={"token": token})
        assert answer(response) == (401, {"sub": "eve"})
        assert seen[0][0]["alg"] == "HS256"
        assert seen[0][1]["type"] == "access"

    def test_pyjwt_errors_the_app_lets_escape(self, app: Flask, clock: Clock) -> None:
        client = app.test_client()
        response = client.get("/pyjwt", query_string={"token": forge(clock.now)})
        assert answer(response) == (422, {"msg": "Signature verification failed"})
        response = client.get("/pyjwt", query_string={"token": "abc"})
        assert answer(response) == (422, {"msg": "Not enough segments"})

    def test_app_registers_its_own_handler(self, make_app: AppFactory, clock: Clock) -> None:
        app = make_app()

        @app.errorhandler(NoAuthorizationError)
        def own(error: NoAuthorizationError) -> Any:
            return jsonify(own=str(error)), 418

        @app.errorhandler(jwt.ExpiredSignatureError)
        def own_expired(error: jwt.ExpiredSignatureError) -> Any:
            return jsonify(own="expired"), 440

        client = app.test_client()
        assert answer(client.get("/protected")) == (418, {"own": "Missing Authorization Header"})
        old = access_token(app)
        clock.advance(3600)
        assert answer(client.get("/protected", **header(old))) == (440, {"own": "expired"})
        # Other handlers are untouched.
        assert client.get("/protected", **header("abc")).status_code == 422

    def test_blueprint_handler_wins_in_its_blueprint(self, make_app: AppFactory) -> None:
        app = make_app()
        bp = Blueprint("api", __name__)

        @bp.get("/api/p")
        @jwt_required()
        def api_view() -> Any:
            return jsonify(get_jwt())

        @bp.errorhandler(NoAuthorizationError)
        def api_handler(error: NoAuthorizationError) -> Any:
            return jsonify(api=str(error)), 401

        app.register_blueprint(bp)
        client = app.test_client()
        assert answer(client.get("/api/p")) == (401, {"api": "Missing Authorization Header"})
        assert answer(client.get("/protected")) == (401, {"msg": "Missing Authorization Header"})


# --------------------------------------------------------------------------- raised by the app

RAISED: list[tuple[Exception, int, str, str | None]] = [
    (NoAuthorizationError("no auth"), 401, "no auth", "Bearer"),
    (CSRFError("bad csrf"), 401, "bad csrf", "Bearer"),
    (InvalidHeaderError("bad header"), 422, "bad header", None),
    (InvalidQueryParamError("bad query"), 422, "bad query", None),
    (JWTDecodeError("bad claims"), 422, "bad claims", None),
    (InvalidKeyIdError("no such kid"), 422, "no such kid", None),
    (WrongTokenError("wrong kind"), 422, "wrong kind", None),
    (RevokedTokenError({}, {}), 401, "Token has been revoked", INVALID_TOKEN),
    (RefreshTokenReusedError({}, {}), 401, "Refresh token reuse detected", INVALID_TOKEN),
    # The table's fixed messages, as the default callbacks answer them.
    (FreshTokenRequired("stale", {}, {}), 401, "Fresh token required", INVALID_TOKEN),
    (
        UserLookupError("user_lookup returned None for x", {}, {"sub": "x"}),
        401,
        "Error loading the user x",
        INVALID_TOKEN,
    ),
    (UserLookupError("whatever", {}, {}), 401, "Error loading the user None", INVALID_TOKEN),
    (UserClaimsVerificationError("no", {}, {}), 400, "User claims verification failed", None),
    (
        InsufficientScopeError("Missing required scope: a", {}, {}, ("a", 'b"')),
        403,
        "Missing required scope: a",
        'Bearer error="insufficient_scope", scope="a b"',
    ),
    (RevocationStoreUnavailable(), 503, "Token revocation status unavailable", None),
    (SigningKeysUnavailable(), 503, "Signing keys unavailable", None),
    (JWTExtendedException("base"), 500, "base", None),
    (jwt.ExpiredSignatureError("Signature has expired"), 401, "Token has expired", INVALID_TOKEN),
    (jwt.DecodeError("bad segments"), 422, "bad segments", None),
    (jwt.InvalidAudienceError("Audience doesn't match"), 422, "Audience doesn't match", None),
    (jwt.InvalidIssuerError("Invalid issuer"), 422, "Invalid issuer", None),
    (jwt.ImmatureSignatureError("not yet"), 422, "not yet", None),
    (jwt.InvalidTokenError("generic"), 422, "generic", None),
]


@pytest.mark.parametrize(
    ("error", "status", "message", "www"), RAISED, ids=[type(r[0]).__name__ for r in RAISED]
)
def test_exception_raised_by_app_code(
    make_app: AppFactory, error: Exception, status: int, message: str, www: str | None
) -> None:
    app = make_app()

    @app.get("/raise")
    def raise_it() -> Any:
        raise error

    response = app.test_client().get("/raise")
    assert answer(response) == (status, {"msg": message})
    assert response.headers.get("WWW-Authenticate") == www


def test_raised_token_errors_reach_their_callbacks(make_app: AppFactory) -> None:
    app = make_app()
    manager = manager_of(app)
    manager.revoked_token_loader(lambda h, c: (jsonify(cb="revoked", h=h, c=c), 401))
    manager.needs_fresh_token_loader(lambda h, c: (jsonify(cb="fresh", h=h, c=c), 401))
    manager.user_lookup_error_loader(lambda h, c: (jsonify(cb="lookup", h=h, c=c), 401))
    manager.token_verification_failed_loader(lambda h, c: (jsonify(cb="claims", h=h, c=c), 400))
    manager.expired_token_loader(lambda h, c: (jsonify(cb="expired", h=h, c=c), 401))
    manager.invalid_token_loader(lambda m: (jsonify(cb="invalid", m=m), 422))
    manager.unauthorized_loader(lambda m: (jsonify(cb="unauthorized", m=m), 401))
    manager.revocation_unavailable_loader(lambda m: (jsonify(cb="store", m=m), 503))
    h, c = {"alg": "HS256"}, {"sub": "x"}
    errors: dict[str, Exception] = {
        "revoked": RevokedTokenError(h, c),
        "reused": RefreshTokenReusedError(h, c),
        "fresh": FreshTokenRequired("m", h, c),
        "lookup": UserLookupError("m", h, c),
        "claims": UserClaimsVerificationError("m", h, c),
        "expired": jwt.ExpiredSignatureError("Signature has expired"),
        "invalid": WrongTokenError("wrong"),
        "unauthorized": CSRFError("csrf"),
        "store": RevocationStoreUnavailable(),
    }

    @app.get("/raise/<name>")
    def raise_it(name: str) -> Any:
        raise errors[name]

    client = app.test_client()
    results = {name: answer(client.get(f"/raise/{name}"))[1] for name in errors}
    assert results == {
        "revoked": {"cb": "revoked", "h": h, "c": c},
        "reused": {"cb": "revoked", "h": h, "c": c},
        "fresh": {"cb": "fresh", "h": h, "c": c},
        "lookup": {"cb": "lookup", "h": h, "c": c},
        "claims": {"cb": "claims", "h": h, "c": c},
        "expired": {"cb": "expired", "h": {}, "c": {}},
        "invalid": {"cb": "invalid", "m": "wrong"},
        "unauthorized": {"cb": "unauthorized", "m": "csrf"},
        "store": {"cb": "store", "m": "Token revocation status unavailable"},
    }


def test_user_lookup_error_str_and_response(make_app: AppFactory) -> None:
    app = make_app()
    manager_of(app).user_lookup_loader(lambda h, c: None)
    caught: list[str] = []

    @app.get("/me")
    def me() -> Any:
        try:
            verify_jwt_in_request()
        except UserLookupError as error:
            caught.append(str(error))
            raise
        return "unreachable"

    response = app.test_client().get("/me", **header(access_token(app, "frank")))
    assert caught == ["user_lookup returned None for frank"]
    assert answer(response) == (401, {"msg": "Error loading the user frank"})


def test_user_lookup_message_uses_identity_claim(make_app: AppFactory) -> None:
    app = make_app(JWT_IDENTITY_CLAIM="uid")
    manager_of(app).user_lookup_loader(lambda h, c: None)
    response = app.test_client().get("/protected", **header(access_token(app, "gina")))
    assert answer(response) == (401, {"msg": "Error loading the user gina"})


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_error_bodies_never_echo_the_secret(make_app: AppFactory, clock: Clock, row: Row) -> None:
    assert SECRET not in run(make_app, clock, row).get_data(as_text=True)
