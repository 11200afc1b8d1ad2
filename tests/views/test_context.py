"""Reading the current token: get_jwt and friends, current_user, decode_token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from flask import Flask, jsonify, render_template_string
from flask.testing import FlaskClient

from flask_jwt_kit import (
    JWTManager,
    current_user,
    decode_token,
    get_csrf_token,
    get_current_user,
    get_jti,
    get_jwt,
    get_jwt_header,
    get_jwt_identity,
    get_jwt_request_location,
    get_unverified_jwt_headers,
    jwt_required,
)
from flask_jwt_kit.exceptions import CSRFError, JWTDecodeError
from tests.conftest import SECRET, AppFactory, Clock
from tests.views.conftest import access_token, answer, forge, get, manager_of, refresh_token

NOT_VERIFIED = (
    "You must call `@jwt_required()` or `verify_jwt_in_request()` before using this method"
)
NO_LOADER = "You must provide a `@jwt.user_lookup_loader` callback to use this method"

READERS: dict[str, Callable[[], Any]] = {
    "get_jwt": get_jwt,
    "get_jwt_header": get_jwt_header,
    "get_jwt_identity": get_jwt_identity,
    "get_current_user": get_current_user,
    "current_user": lambda: current_user.name,
}


class User:
    def __init__(self, name: str):
        self.name = name


def with_lookup(app: Flask) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    calls: list[tuple[dict[str, Any], dict[str, Any]]] = []

    @manager_of(app).user_lookup_loader
    def lookup(header: dict[str, Any], claims: dict[str, Any]) -> User:
        calls.append((header, claims))
        return User(claims["sub"])

    return calls


class TestOutsideAVerifiedRequest:
    @pytest.mark.parametrize("name", list(READERS))
    def test_without_any_context(self, name: str) -> None:
        with pytest.raises(RuntimeError) as info:
            READERS[name]()
        assert str(info.value) == NOT_VERIFIED

    def test_location_without_any_context(self) -> None:
        assert get_jwt_request_location() is None

    @pytest.mark.parametrize("name", list(READERS))
    def test_in_app_context(self, app: Flask, name: str) -> None:
        with app.app_context(), pytest.raises(RuntimeError) as info:
            READERS[name]()
        assert str(info.value) == NOT_VERIFIED

    @pytest.mark.parametrize("name", list(READERS))
    def test_in_unprotected_view(self, make_app: AppFactory, name: str) -> None:
        app = make_app()
        with_lookup(app)

        @app.get("/open")
        def open_view() -> Any:
            with pytest.raises(RuntimeError) as info:
                READERS[name]()
            return jsonify(message=str(info.value), location=get_jwt_request_location())

        response = get(app.test_client(), "/open", access_token(app))
        assert answer(response) == (200, {"message": NOT_VERIFIED, "location": None})


class TestInsideAVerifiedRequest:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        app = make_app()

        @app.get("/read")
        @jwt_required()
        def read() -> Any:
            return jsonify(
                claims=get_jwt(),
                header=get_jwt_header(),
                identity=get_jwt_identity(),
                location=get_jwt_request_location(),
            )

        @app.get("/user")
        @jwt_required()
        def user() -> Any:
            return jsonify(user=get_current_user().name, proxy=current_user.name)

        return app

    def test_readers(self, app: Flask, client: FlaskClient, clock: Clock) -> None:
        token = access_token(app, "bob", additional_claims={"role": "admin"})
        status, data = answer(get(client, "/read", token))
        assert status == 200
        assert data["header"] == {"alg": "HS256", "typ": "JWT"}
        assert data["identity"] == "bob"
        assert data["location"] == "headers"
        claims = data["claims"]
        assert claims["sub"] == "bob"
        assert claims["role"] == "admin"
        assert claims["type"] == "access"
        assert claims["fresh"] is False
        assert claims["iat"] == clock.now
        assert claims["exp"] == int(clock.now) + 900
        with app.app_context():
            assert claims == decode_token(token)

    def test_current_user(self, app: Flask, client: FlaskClient) -> None:
        calls = with_lookup(app)
        token = access_token(app, "carol")
        assert answer(get(client, "/user", token)) == (200, {"user": "carol", "proxy": "carol"})
        assert len(calls) == 1
        header, claims = calls[0]
        assert header["alg"] == "HS256"
        assert claims["sub"] == "carol"

    def test_current_user_without_loader(self, make_app: AppFactory) -> None:
        app = make_app()

        @app.get("/no-loader")
        @jwt_required()
        def no_loader() -> Any:
            messages = []
            for reader in (get_current_user, lambda: current_user.name):
                with pytest.raises(RuntimeError) as info:
                    reader()
                messages.append(str(info.value))
            return jsonify(messages=messages)

        response = get(app.test_client(), "/no-loader", access_token(app))
        assert answer(response) == (200, {"messages": [NO_LOADER, NO_LOADER]})
        assert "@jwt.user_lookup_loader" in NO_LOADER

    def test_no_current_user_in_an_optional_view_without_token_or_loader(
        self, make_app: AppFactory
    ) -> None:
        app = make_app()

        @app.get("/maybe")
        @jwt_required(optional=True)
        def maybe() -> Any:
            return jsonify(user=get_current_user(), proxy=current_user._get_current_object())

        client = app.test_client()
        assert answer(client.get("/maybe")) == (200, {"user": None, "proxy": None})
        # With a token, a missing loader is still the app's mistake.
        with pytest.raises(RuntimeError, match="user_lookup_loader"):
            get(client, "/maybe", access_token(app))

    def test_custom_identity_claim(self, make_app: AppFactory) -> None:
        app = make_app(JWT_IDENTITY_CLAIM="identity")
        status, data = answer(get(app.test_client(), token=access_token(app, {"id": 7})))
        assert status == 200
        assert data["identity"] == {"id": 7}
        assert "sub" not in data["claims"]

    def test_refresh_token_readers(self, app: Flask, client: FlaskClient) -> None:
        status, data = answer(get(client, "/refresh", refresh_token(app, "erin")))
        assert status == 200
        assert data["identity"] == "erin"
        assert data["claims"]["type"] == "refresh"


class TestTemplates:
    def test_current_user_in_templates(self, clock: Clock) -> None:
        app = Flask("templates")
        app.config["JWT_SECRET_KEY"] = SECRET
        manager = JWTManager(app, add_context_processor=True, clock=clock)
        manager.user_lookup_loader(lambda header, claims: User(claims["sub"]))

        @app.get("/page")
        @jwt_required(optional=True)
        def page() -> str:
            return render_template_string("{{ current_user.name or current_user }}")

        @app.get("/open")
        def open_view() -> str:
            return render_template_string("{{ current_user }}")

        client = app.test_client()
        token = access_token(app, "dave")
        assert get(client, "/page", token).get_data(as_text=True) == "dave"
        assert get(client, "/page").get_data(as_text=True) == "None"
        assert get(client, "/open", token).get_data(as_text=True) == "None"

    def test_no_current_user_without_the_flag(self, app: Flask) -> None:
        with app.test_request_context():
            assert render_template_string("{{ current_user is defined }}") == "False"


class TestDecodeToken:
    def test_claims_with_defaults(self, app: Flask, clock: Clock) -> None:
        token = forge(clock.now, drop=["type", "fresh", "jti"])
        with app.app_context():
            claims = decode_token(token)
        assert claims["type"] == "access"
        assert claims["fresh"] is False
        assert claims["jti"] is None

    def test_csrf_value(self, app: Flask, clock: Clock) -> None:
        token = access_token(app)
        with app.app_context():
            csrf = get_csrf_token(token)
            assert csrf is not None
            assert decode_token(token, csrf_value=csrf)["sub"] == "alice"
            assert decode_token(token, csrf_value="")["sub"] == "alice"
            with pytest.raises(CSRFError, match="^CSRF double submit tokens do not match$"):
                decode_token(token, csrf_value="other")
            with pytest.raises(JWTDecodeError, match="^Missing claim: csrf$"):
                decode_token(forge(clock.now), csrf_value=csrf)

    def test_allow_expired(self, app: Flask, clock: Clock) -> None:
        token = access_token(app)
        clock.advance(3600)
        with app.app_context():
            with pytest.raises(jwt.ExpiredSignatureError) as info:
                decode_token(token)
            assert info.value.jwt_data["sub"] == "alice"  # type: ignore[attr-defined]
            assert info.value.jwt_header["alg"] == "HS256"  # type: ignore[attr-defined]
            assert decode_token(token, allow_expired=True)["sub"] == "alice"

    def test_missing_identity_claim(self, app: Flask, clock: Clock) -> None:
        with app.app_context(), pytest.raises(JWTDecodeError, match="^Missing claim: sub$"):
            decode_token(forge(clock.now, drop=["sub"]))

    def test_pyjwt_errors_propagate_as_themselves(self, app: Flask, clock: Clock) -> None:
        with app.app_context():
            with pytest.raises(jwt.DecodeError, match="Not enough segments"):
                decode_token("abc")
            with pytest.raises(jwt.InvalidSignatureError):
                decode_token(forge(clock.now, key="another-secret-" + "y" * 40))

    def test_jti_and_unverified_headers(self, app: Flask, clock: Clock) -> None:
        token = access_token(app, additional_headers={"kid": "k1"})
        with app.app_context():
            assert get_jti(token) == decode_token(token)["jti"]
            assert get_unverified_jwt_headers(token) == {"alg": "HS256", "typ": "JWT", "kid": "k1"}
            forged = forge(clock.now, key="another-secret-" + "y" * 40, header={"kid": "x"})
            assert get_unverified_jwt_headers(forged)["kid"] == "x"
            with pytest.raises(jwt.InvalidSignatureError):
                get_jti(forged)
