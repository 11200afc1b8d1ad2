"""``flask_jwt_kit.testing``: log test requests in with real tokens, the app's own way."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient

from flask_jwt_kit import get_jwt, get_jwt_identity, jwt_required
from flask_jwt_kit.testing import (
    JWTAuth,
    auth_cookies,
    auth_headers,
    refresh_headers,
    token_headers,
)
from tests.conftest import AppFactory


def data(response: Any) -> Any:
    """The JSON body of a 200 answer."""
    assert response.status_code == 200, response.json
    return response.json


def identity_of(response: Any) -> Any:
    return data(response)["identity"]


class TestHeaders:
    def test_default_header(self, app: Flask, client: FlaskClient) -> None:
        with app.app_context():
            headers = auth_headers("alice")
        [(name, value)] = headers.items()
        assert name == "Authorization"
        assert value.startswith("Bearer ")
        assert identity_of(client.get("/protected", headers=headers)) == "alice"

    def test_create_arguments_are_passed_on(self, app: Flask, client: FlaskClient) -> None:
        with app.app_context():
            fresh = auth_headers("alice", fresh=True, additional_claims={"role": "admin"})
            stale = auth_headers("alice")
        assert data(client.get("/fresh", headers=fresh))["claims"]["role"] == "admin"
        assert client.get("/fresh", headers=stale).status_code == 401

    def test_refresh_headers(self, app: Flask, client: FlaskClient) -> None:
        with app.app_context():
            headers = refresh_headers("alice")
        assert identity_of(client.post("/refresh", headers=headers)) == "alice"
        assert client.get("/protected", headers=headers).status_code == 422

    @pytest.mark.parametrize(
        ("config", "name", "prefix"),
        [
            ({"JWT_HEADER_NAME": "X-Api-Key", "JWT_HEADER_TYPE": ""}, "X-Api-Key", ""),
            ({"JWT_HEADER_TYPE": "JWT"}, "Authorization", "JWT "),
            ({"JWT_HEADER_TYPE": ["Token", "Bearer"]}, "Authorization", "Token "),
        ],
    )
    def test_configured_name_and_first_type(
        self, make_app: AppFactory, config: dict[str, Any], name: str, prefix: str
    ) -> None:
        app = make_app(**config)
        with app.app_context():
            headers = auth_headers("alice")
            token = headers[name].removeprefix(prefix)
            assert token_headers(token) == headers
        assert list(headers) == [name]
        assert token.count(".") == 2 and " " not in token
        assert identity_of(app.test_client().get("/protected", headers=headers)) == "alice"

    def test_needs_an_application_context(self, app: Flask) -> None:
        with pytest.raises(RuntimeError, match="application context"):
            auth_headers("alice")


@pytest.fixture
def cookie_app(make_app: AppFactory) -> Flask:
    return make_app(JWT_TOKEN_LOCATION=["cookies"])


class TestCookies:
    def test_get_needs_only_the_cookie(self, cookie_app: Flask) -> None:
        client = cookie_app.test_client()
        auth_cookies(client, "alice")
        assert identity_of(client.get("/protected")) == "alice"
        # Like a browser's: the token cookie is HttpOnly, the CSRF one readable.
        token_cookie = client.get_cookie("access_token_cookie")
        csrf_cookie = client.get_cookie("csrf_access_token")
        assert token_cookie is not None and token_cookie.http_only
        assert csrf_cookie is not None and not csrf_cookie.http_only

    def test_state_changing_requests_send_the_returned_csrf_header(self, cookie_app: Flask) -> None:
        client = cookie_app.test_client()
        csrf = auth_cookies(client, "alice")
        assert list(csrf) == ["X-CSRF-TOKEN"]
        cookie = client.get_cookie("csrf_access_token")
        assert cookie is not None and csrf["X-CSRF-TOKEN"] == cookie.value
        assert client.post("/protected").json == {"msg": "Missing CSRF token"}
        assert identity_of(client.post("/protected", headers=csrf)) == "alice"

    def test_refresh_cookie(self, make_app: AppFactory) -> None:
        app = make_app(
            JWT_TOKEN_LOCATION=["cookies"], JWT_REFRESH_CSRF_HEADER_NAME="X-Refresh-CSRF"
        )
        client = app.test_client()
        csrf = auth_cookies(client, "alice", refresh=True)
        assert list(csrf) == ["X-Refresh-CSRF"]
        assert identity_of(client.post("/refresh", headers=csrf)) == "alice"
        assert client.get("/protected").status_code == 401

    def test_create_arguments_are_passed_on(self, cookie_app: Flask) -> None:
        client = cookie_app.test_client()
        auth_cookies(client, "alice", fresh=True, additional_claims={"role": "admin"})
        assert data(client.get("/fresh"))["claims"]["role"] == "admin"

    def test_names_and_paths_are_the_configured_ones(self, make_app: AppFactory) -> None:
        app = make_app(
            JWT_TOKEN_LOCATION=["cookies"],
            JWT_ACCESS_COOKIE_NAME="session_jwt",
            JWT_ACCESS_COOKIE_PATH="/api/",
            JWT_ACCESS_CSRF_COOKIE_NAME="session_csrf",
            JWT_ACCESS_CSRF_HEADER_NAME="X-Session-CSRF",
        )

        @app.route("/api/me", methods=["GET", "POST"])
        @jwt_required()
        def me() -> Any:
            return jsonify(identity=get_jwt_identity())

        client = app.test_client()
        csrf = auth_cookies(client, "alice")
        assert list(csrf) == ["X-Session-CSRF"]
        assert client.get_cookie("session_jwt", path="/api/") is not None
        assert identity_of(client.get("/api/me")) == "alice"
        assert identity_of(client.post("/api/me", headers=csrf)) == "alice"
        # Outside the cookie's path the client, like a browser, does not send it.
        assert client.get("/protected").json == {"msg": 'Missing cookie "session_jwt"'}

    @pytest.mark.parametrize("domain", ["example.com", ".example.com"])
    def test_domain_is_the_configured_one(self, make_app: AppFactory, domain: str) -> None:
        app = make_app(
            JWT_TOKEN_LOCATION=["cookies"],
            JWT_COOKIE_DOMAIN=domain,
            SERVER_NAME="api.example.com",
        )
        client = app.test_client()
        auth_cookies(client, "alice")
        assert client.get_cookie("access_token_cookie", domain="example.com") is not None
        assert identity_of(client.get("/protected")) == "alice"
        # Another host does not get the cookie.
        other = client.get("http://other.test/protected")
        assert other.json == {"msg": 'Missing cookie "access_token_cookie"'}

    def test_server_name_is_the_cookie_host(self, make_app: AppFactory) -> None:
        app = make_app(JWT_TOKEN_LOCATION=["cookies"], SERVER_NAME="api.example.com:8443")
        client = app.test_client()
        auth_cookies(client, "alice")
        assert client.get_cookie("access_token_cookie", domain="api.example.com") is not None
        assert identity_of(client.get("/protected")) == "alice"

    def test_secure_and_samesite_are_kept(self, make_app: AppFactory) -> None:
        app = make_app(
            JWT_TOKEN_LOCATION=["cookies"], JWT_COOKIE_SECURE=True, JWT_COOKIE_SAMESITE="Strict"
        )
        client = app.test_client()
        auth_cookies(client, "alice")
        cookie = client.get_cookie("access_token_cookie")
        assert cookie is not None
        assert cookie.secure
        assert cookie.same_site == "Strict"

    def test_without_csrf_protection(self, make_app: AppFactory) -> None:
        app = make_app(JWT_TOKEN_LOCATION=["cookies"], JWT_COOKIE_CSRF_PROTECT=False)
        client = app.test_client()
        assert auth_cookies(client, "alice") == {}
        assert client.get_cookie("csrf_access_token") is None
        assert identity_of(client.post("/protected")) == "alice"

    def test_csrf_header_without_csrf_cookie(self, make_app: AppFactory) -> None:
        app = make_app(JWT_TOKEN_LOCATION=["cookies"], JWT_CSRF_IN_COOKIES=False)
        client = app.test_client()
        csrf = auth_cookies(client, "alice")
        assert client.get_cookie("csrf_access_token") is None
        assert identity_of(client.post("/protected", headers=csrf)) == "alice"

    def test_works_inside_another_app_context(self, cookie_app: Flask, app: Flask) -> None:
        client = cookie_app.test_client()
        with app.app_context():
            auth_cookies(client, "alice")
        assert identity_of(client.get("/protected")) == "alice"


class TestJWTAuth:
    def test_every_helper_without_an_app_context(self, make_app: AppFactory) -> None:
        app = make_app(JWT_TOKEN_LOCATION=["headers", "cookies"])
        auth = JWTAuth(app)
        client = app.test_client()
        assert identity_of(client.get("/protected", headers=auth.headers("a"))) == "a"
        assert identity_of(client.get("/refresh", headers=auth.refresh_headers("b"))) == "b"
        fresh = auth.headers("c", fresh=True)
        assert identity_of(client.get("/fresh", headers=fresh)) == "c"
        access = {"Authorization": f"Bearer {auth.access_token('d')}"}
        assert identity_of(client.get("/protected", headers=access)) == "d"
        refresh = {"Authorization": f"Bearer {auth.refresh_token('e')}"}
        assert identity_of(client.get("/refresh", headers=refresh)) == "e"
        csrf = auth.cookies(client, "f")
        assert identity_of(client.post("/protected", headers=csrf)) == "f"
        csrf = auth.cookies(client, "g", refresh=True)
        assert identity_of(client.post("/refresh", headers=csrf)) == "g"

    def test_tokens_are_the_apps_own(self, make_app: AppFactory) -> None:
        app = make_app(JWT_IDENTITY_CLAIM="user", JWT_ENCODE_ISSUER="https://issuer.test")
        headers = JWTAuth(app).headers("alice")

        @app.get("/claims")
        @jwt_required()
        def claims() -> Any:
            return jsonify(get_jwt())

        body = data(app.test_client().get("/claims", headers=headers))
        assert body["user"] == "alice"
        assert body["iss"] == "https://issuer.test"
