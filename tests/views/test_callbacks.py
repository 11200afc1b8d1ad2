"""JWTManager callback setters: each returns its function, is called with the
documented arguments, and its answer is used (contract: "JWTManager")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient

from flask_jwt_kit import (
    JWTManager,
    get_current_user,
    get_jti,
    get_jwt_header,
    get_unverified_jwt_headers,
    jwt_required,
)
from flask_jwt_kit.exceptions import JWTDecodeError
from tests.conftest import SECRET, AppFactory, Clock
from tests.views.conftest import (
    access_token,
    answer,
    body,
    forge,
    get,
    manager_of,
    refresh_token,
)

Calls = list[tuple[Any, ...]]

HEADER_CLAIMS_SETTERS = [
    "user_lookup_loader",
    "user_lookup_error_loader",
    "token_in_blocklist_loader",
    "token_verification_loader",
    "token_verification_failed_loader",
    "expired_token_loader",
    "needs_fresh_token_loader",
    "revoked_token_loader",
    "decode_key_loader",
]
IDENTITY_SETTERS = [
    "additional_claims_loader",
    "additional_headers_loader",
    "user_identity_loader",
    "encode_key_loader",
]
MESSAGE_SETTERS = ["invalid_token_loader", "unauthorized_loader"]


class User:
    def __init__(self, user_id: int):
        self.id = user_id


@pytest.mark.parametrize("name", HEADER_CLAIMS_SETTERS + IDENTITY_SETTERS + MESSAGE_SETTERS)
def test_setter_returns_the_function(manager: JWTManager, name: str) -> None:
    def callback(*args: Any) -> Any:
        raise AssertionError("not called")

    assert getattr(manager, name)(callback) is callback


def test_callbacks_are_shared_by_every_app_of_a_manager(clock: Clock) -> None:
    manager = JWTManager(clock=clock)
    apps = [Flask("one"), Flask("two")]
    for app in apps:
        app.config["JWT_SECRET_KEY"] = SECRET
        manager.init_app(app)
        app.add_url_rule("/p", "p", jwt_required()(lambda: "ok"))
    manager.token_in_blocklist_loader(lambda header, claims: True)
    for app in apps:
        response = get(app.test_client(), "/p", access_token(app))
        assert answer(response) == (401, {"msg": "Token has been revoked"})


class TestTokenCreationCallbacks:
    """Called with the identity as passed, before ``user_identity_loader``."""

    @pytest.fixture
    def calls(self, manager: JWTManager) -> dict[str, Calls]:
        calls: dict[str, Calls] = {"claims": [], "headers": [], "identity": []}

        @manager.user_identity_loader
        def identity(user: User) -> str:
            calls["identity"].append((user,))
            return f"user-{user.id}"

        @manager.additional_claims_loader
        def claims(user: User) -> dict[str, Any]:
            calls["claims"].append((user,))
            return {"role": "admin", "type": "loader-type"}

        @manager.additional_headers_loader
        def headers(user: User) -> dict[str, Any]:
            calls["headers"].append((user,))
            return {"kid": f"k{user.id}", "typ": "loader"}

        return calls

    def test_access_token(self, app: Flask, client: FlaskClient, calls: dict[str, Calls]) -> None:
        user = User(7)
        token = access_token(app, user)
        assert calls == {"claims": [(user,)], "headers": [(user,)], "identity": [(user,)]}
        status, data = answer(get(client, "/any", token))
        assert status == 200
        assert data["identity"] == "user-7"
        assert data["claims"]["role"] == "admin"
        assert data["claims"]["type"] == "loader-type"
        with app.app_context():
            assert get_unverified_jwt_headers(token) == {
                "alg": "HS256",
                "typ": "loader",
                "kid": "k7",
            }

    def test_arguments_win_over_loaders(
        self, app: Flask, client: FlaskClient, calls: dict[str, Calls]
    ) -> None:
        token = access_token(
            app, User(1), additional_claims={"role": "guest"}, additional_headers={"kid": "x"}
        )
        app.add_url_rule("/header", "header", jwt_required()(lambda: jsonify(get_jwt_header())))
        assert body(get(client, token=token))["claims"]["role"] == "guest"
        assert body(get(client, "/header", token))["kid"] == "x"

    def test_refresh_token(self, app: Flask, client: FlaskClient, calls: dict[str, Calls]) -> None:
        user = User(8)
        token = refresh_token(app, user)
        assert calls == {"claims": [(user,)], "headers": [(user,)], "identity": [(user,)]}
        assert body(get(client, "/any", token))["identity"] == "user-8"


class TestKeyLoaders:
    OTHER = "another-secret-" + "k" * 50

    def test_encode_key_loader(self, app: Flask, manager: JWTManager) -> None:
        seen: Calls = []

        @manager.encode_key_loader
        def key(identity: Any) -> str:
            seen.append((identity,))
            return self.OTHER

        user = User(3)
        manager.user_identity_loader(lambda u: str(u.id))
        token = access_token(app, user)
        assert seen == [(user,)]
        # Signed with the loader's key (the test clock is ahead of real time).
        jwt.decode(token, self.OTHER, ["HS256"], options={"verify_iat": False, "verify_nbf": False})
        assert answer(get(app.test_client(), token=token)) == (
            422,
            {"msg": "Signature verification failed"},
        )

    def test_decode_key_loader(self, app: Flask, manager: JWTManager, clock: Clock) -> None:
        seen: Calls = []

        @manager.decode_key_loader
        def key(header: dict[str, Any], claims: dict[str, Any]) -> str:
            seen.append((header, claims))
            return self.OTHER if header.get("kid") == "other" else SECRET

        client = app.test_client()
        other = forge(clock.now, key=self.OTHER, header={"kid": "other"}, sub="o")
        assert body(get(client, token=other))["identity"] == "o"
        header, claims = seen[0]
        assert header == {"alg": "HS256", "typ": "JWT", "kid": "other"}
        assert claims["sub"] == "o"
        assert get(client, token=access_token(app)).status_code == 200
        lying = forge(clock.now, key=self.OTHER, header={"kid": "mine"})
        assert answer(get(client, token=lying)) == (422, {"msg": "Signature verification failed"})


class TestUserLookup:
    def test_lookup_and_error_loader(self, app: Flask, manager: JWTManager) -> None:
        users = {"alice": User(1)}
        lookups: Calls = []
        errors: Calls = []

        @manager.user_lookup_loader
        def lookup(header: dict[str, Any], claims: dict[str, Any]) -> User | None:
            lookups.append((header, claims))
            return users.get(claims["sub"])

        @manager.user_lookup_error_loader
        def error(header: dict[str, Any], claims: dict[str, Any]) -> Any:
            errors.append((header, claims))
            return jsonify(gone=claims["sub"]), 404

        @app.get("/me")
        @jwt_required()
        def me() -> Any:
            return jsonify(id=get_current_user().id)

        client = app.test_client()
        assert answer(get(client, "/me", access_token(app))) == (200, {"id": 1})
        response = get(client, "/me", access_token(app, "bob"))
        assert answer(response) == (404, {"gone": "bob"})
        assert "WWW-Authenticate" not in response.headers
        assert errors[0][0]["alg"] == "HS256"
        assert errors[0][1]["sub"] == "bob"
        assert lookups[1] == errors[0]


class TestResponseCallbacks:
    def test_token_verification_failed_loader(self, app: Flask, manager: JWTManager) -> None:
        seen: Calls = []
        manager.token_verification_loader(lambda h, c: c.get("role") == "admin")

        @manager.token_verification_failed_loader
        def failed(header: dict[str, Any], claims: dict[str, Any]) -> Any:
            seen.append((header, claims))
            return jsonify(why="not admin"), 403

        client = app.test_client()
        admin = access_token(app, additional_claims={"role": "admin"})
        assert get(client, token=admin).status_code == 200
        assert answer(get(client, token=access_token(app))) == (403, {"why": "not admin"})
        assert seen[0][0]["typ"] == "JWT"
        assert "role" not in seen[0][1]

    def test_expired_token_loader(self, app: Flask, manager: JWTManager, clock: Clock) -> None:
        seen: Calls = []

        @manager.expired_token_loader
        def expired(header: dict[str, Any], claims: dict[str, Any]) -> Any:
            seen.append((header, claims))
            return jsonify(expired_for=claims["sub"], type=claims["type"]), 419

        token = forge(clock.now, drop=["type", "fresh", "jti"], sub="zed")
        clock.advance(3600)
        response = get(app.test_client(), token=token)
        assert answer(response) == (419, {"expired_for": "zed", "type": "access"})
        assert "WWW-Authenticate" not in response.headers
        header, claims = seen[0]
        assert header == {"alg": "HS256", "typ": "JWT"}
        # Claims come with defaults filled in.
        assert (claims["fresh"], claims["jti"]) == (False, None)

    def test_needs_fresh_token_loader(self, app: Flask, manager: JWTManager) -> None:
        seen: Calls = []

        @manager.needs_fresh_token_loader
        def stale(header: dict[str, Any], claims: dict[str, Any]) -> Any:
            seen.append((header, claims))
            return jsonify(login_again=True), 401

        assert answer(get(app.test_client(), "/fresh", access_token(app))) == (
            401,
            {"login_again": True},
        )
        assert seen[0][1]["fresh"] is False

    def test_revoked_token_loader(self, app: Flask, manager: JWTManager) -> None:
        seen: Calls = []
        manager.token_in_blocklist_loader(lambda h, c: True)

        @manager.revoked_token_loader
        def revoked(header: dict[str, Any], claims: dict[str, Any]) -> Any:
            seen.append((header, claims))
            return jsonify(revoked=claims["jti"]), 401

        token = access_token(app)
        response = get(app.test_client(), token=token)
        with app.app_context():
            jti = get_jti(token)
        assert answer(response) == (401, {"revoked": jti})
        assert "WWW-Authenticate" not in response.headers
        assert seen[0][0]["alg"] == "HS256"

    @pytest.mark.parametrize(
        ("path", "make_header", "message"),
        [
            ("/protected", lambda app, now: "Bearer abc", "Not enough segments"),
            (
                "/protected",
                lambda app, now: "Bearer a b",
                "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'",
            ),
            (
                "/refresh",
                lambda app, now: f"Bearer {access_token(app)}",
                "Only refresh tokens are allowed",
            ),
            (
                "/protected",
                lambda app, now: f"Bearer {forge(now, drop=['sub'])}",
                "Missing claim: sub",
            ),
        ],
    )
    def test_invalid_token_loader(
        self,
        make_app: AppFactory,
        clock: Clock,
        path: str,
        make_header: Callable[[Flask, float], str],
        message: str,
    ) -> None:
        app = make_app()
        seen: list[str] = []

        @manager_of(app).invalid_token_loader
        def invalid(msg: str) -> Any:
            seen.append(msg)
            return jsonify(invalid=msg), 400

        headers = {"Authorization": make_header(app, clock.now)}
        response = app.test_client().get(path, headers=headers)
        assert answer(response) == (400, {"invalid": message})
        assert "WWW-Authenticate" not in response.headers
        assert seen == [message]

    def test_invalid_token_loader_for_query_prefix(self, make_app: AppFactory) -> None:
        app = make_app(JWT_TOKEN_LOCATION="query_string", JWT_QUERY_STRING_VALUE_PREFIX="t:")
        manager_of(app).invalid_token_loader(lambda msg: (jsonify(invalid=msg), 400))
        response = app.test_client().get("/protected?jwt=abc")
        assert answer(response) == (
            400,
            {
                "invalid": "Invalid value for query parameter 'jwt'. "
                "Expected the value to start with 't:'"
            },
        )

    def test_unauthorized_loader(self, make_app: AppFactory) -> None:
        app = make_app(JWT_TOKEN_LOCATION=["headers", "cookies"])
        seen: list[str] = []

        @manager_of(app).unauthorized_loader
        def unauthorized(msg: str) -> Any:
            seen.append(msg)
            return jsonify(login=msg), 403

        client = app.test_client()
        response = client.get("/protected")
        assert response.status_code == 403
        assert "WWW-Authenticate" not in response.headers
        client.set_cookie("access_token_cookie", access_token(app))
        assert answer(client.post("/protected")) == (403, {"login": "Missing CSRF token"})
        assert seen == [
            "Missing JWT in headers or cookies (Missing Authorization Header; Missing cookie "
            '"access_token_cookie")',
            "Missing CSRF token",
        ]

    def test_callbacks_may_return_a_plain_value(self, app: Flask, manager: JWTManager) -> None:
        manager.unauthorized_loader(lambda msg: "please log in")
        response = app.test_client().get("/protected")
        assert response.status_code == 200
        assert response.get_data(as_text=True) == "please log in"


def test_decode_key_loader_error_is_not_swallowed(
    app: Flask, manager: JWTManager, clock: Clock
) -> None:
    @manager.decode_key_loader
    def key(header: dict[str, Any], claims: dict[str, Any]) -> str:
        raise JWTDecodeError("Unknown signer")

    assert answer(get(app.test_client(), token=forge(clock.now))) == (
        422,
        {"msg": "Unknown signer"},
    )


class TestBinding:
    def test_registered_under_both_names(self, app: Flask) -> None:
        manager = app.extensions["flask-jwt-kit"]
        assert isinstance(manager, JWTManager)
        assert app.extensions["flask-jwt-extended"] is manager

    def test_init_app_twice_is_refused(self, app: Flask) -> None:
        with pytest.raises(RuntimeError, match="already registered"):
            JWTManager(app)
        with pytest.raises(RuntimeError, match="already registered"):
            manager_of(app).init_app(app)

    def test_config_defaults_are_written(self, app: Flask) -> None:
        assert app.config["JWT_HEADER_TYPE"] == "Bearer"
        assert app.config["JWT_TOKEN_LOCATION"] == ("headers",)
        assert app.config["JWT_SECRET_KEY"] == SECRET
