"""Tokens in cookies, and the CSRF double submit check (contract: "Cookies")."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from flask_jwt_kit import (
    decode_token,
    get_csrf_token,
    get_jwt_request_location,
    jwt_required,
    set_access_cookies,
    set_refresh_cookies,
)
from tests.conftest import AppFactory, Clock
from tests.views.conftest import INVALID_TOKEN, access_token, answer, body, refresh_token

MISSING_CSRF = (401, {"msg": "Missing CSRF token"})
MISMATCH = (401, {"msg": "CSRF double submit tokens do not match"})


def cookie_app(make_app: AppFactory, **config: Any) -> Flask:
    config.setdefault("JWT_TOKEN_LOCATION", ["cookies"])
    app = make_app(**config)

    @app.post("/login")
    def login() -> Any:
        response = jsonify(ok=True)
        set_access_cookies(response, access_token(app))
        set_refresh_cookies(response, refresh_token(app))
        return response

    return app


def csrf_of(app: Flask, token: str) -> str:
    with app.app_context():
        value = get_csrf_token(token)
    assert value
    return value


def csrf_of_expired(app: Flask, token: str) -> str:
    with app.app_context():
        value = decode_token(token, allow_expired=True)["csrf"]
    assert isinstance(value, str)
    return value


def with_cookie(app: Flask, token: str, name: str = "access_token_cookie") -> FlaskClient:
    client = app.test_client()
    client.set_cookie(name, token)
    return client


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return cookie_app(make_app)


def test_get_needs_no_csrf(app: Flask) -> None:
    client = with_cookie(app, access_token(app))
    status, data = answer(client.get("/protected"))
    assert status == 200
    assert data["identity"] == "alice"
    assert data["location"] == "cookies"


def test_missing_cookie(app: Flask) -> None:
    response = app.test_client().get("/protected")
    assert answer(response) == (401, {"msg": 'Missing cookie "access_token_cookie"'})
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_empty_cookie_is_missing(app: Flask) -> None:
    client = with_cookie(app, "")
    assert answer(client.get("/protected")) == (
        401,
        {"msg": 'Missing cookie "access_token_cookie"'},
    )


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_state_changing_methods_need_the_csrf_header(app: Flask, method: str) -> None:
    app.add_url_rule("/change", "change", app.view_functions["protected"], methods=[method])
    token = access_token(app)
    client = with_cookie(app, token)
    response = client.open("/change", method=method)
    assert answer(response) == MISSING_CSRF
    assert response.headers["WWW-Authenticate"] == "Bearer"
    response = client.open("/change", method=method, headers={"X-CSRF-TOKEN": "nope"})
    assert answer(response) == MISMATCH
    response = client.open("/change", method=method, headers={"X-CSRF-TOKEN": csrf_of(app, token)})
    assert response.status_code == 200


def test_login_flow_with_cookies_set_by_the_app(app: Flask) -> None:
    client = app.test_client()
    assert client.post("/login").status_code == 200
    csrf = client.get_cookie("csrf_access_token")
    assert csrf is not None
    assert client.post("/protected").status_code == 401
    response = client.post("/protected", headers={"X-CSRF-TOKEN": csrf.value})
    assert response.status_code == 200
    assert body(response)["location"] == "cookies"
    refresh_csrf = client.get_cookie("csrf_refresh_token")
    assert refresh_csrf is not None
    response = client.post("/refresh", headers={"X-CSRF-TOKEN": refresh_csrf.value})
    assert response.status_code == 200
    assert body(response)["claims"]["type"] == "refresh"


def test_empty_csrf_header_is_missing(app: Flask) -> None:
    client = with_cookie(app, access_token(app))
    assert answer(client.post("/protected", headers={"X-CSRF-TOKEN": ""})) == MISSING_CSRF


def test_csrf_header_of_another_token_does_not_match(app: Flask) -> None:
    client = with_cookie(app, access_token(app))
    other = csrf_of(app, access_token(app))
    assert answer(client.post("/protected", headers={"X-CSRF-TOKEN": other})) == MISMATCH


def test_mismatch_wins_over_expiry(app: Flask, clock: Clock) -> None:
    token = access_token(app)
    clock.advance(3600)
    client = with_cookie(app, token)
    assert answer(client.post("/protected", headers={"X-CSRF-TOKEN": "nope"})) == MISMATCH
    response = client.post("/protected", headers={"X-CSRF-TOKEN": csrf_of_expired(app, token)})
    assert answer(response) == (401, {"msg": "Token has expired"})
    assert response.headers["WWW-Authenticate"] == INVALID_TOKEN


def test_missing_csrf_is_an_error_for_optional_views(app: Flask) -> None:
    client = with_cookie(app, access_token(app))
    assert answer(client.post("/optional")) == MISSING_CSRF
    assert answer(client.post("/optional", headers={"X-CSRF-TOKEN": "x"})) == MISMATCH


def test_csrf_is_looked_up_before_the_token_is_decoded(app: Flask, clock: Clock) -> None:
    assert answer(with_cookie(app, "not-a-token").post("/protected")) == MISSING_CSRF
    token = access_token(app)
    clock.advance(3600)
    assert answer(with_cookie(app, token).post("/protected")) == MISSING_CSRF


def test_csrf_header_is_ignored_on_safe_methods(app: Flask) -> None:
    client = with_cookie(app, access_token(app))
    assert client.get("/protected", headers={"X-CSRF-TOKEN": "wrong"}).status_code == 200


def test_header_tokens_need_no_csrf(make_app: AppFactory) -> None:
    app = cookie_app(make_app, JWT_TOKEN_LOCATION=["cookies", "headers"])
    client = app.test_client()
    response = client.post("/protected", headers={"Authorization": f"Bearer {access_token(app)}"})
    status, data = answer(response)
    assert status == 200
    assert data["location"] == "headers"


def test_optional_view_without_cookie_needs_no_csrf(app: Flask) -> None:
    status, data = answer(app.test_client().post("/optional"))
    assert status == 200
    assert data == {"identity": None, "claims": {}, "location": None}


def test_repeated_csrf_header_never_matches(app: Flask) -> None:
    token = access_token(app)
    csrf = csrf_of(app, token)
    client = with_cookie(app, token)
    response = client.post("/protected", headers=[("X-CSRF-TOKEN", csrf), ("X-CSRF-TOKEN", csrf)])
    assert answer(response) == MISMATCH


def test_cookie_token_without_csrf_claim(make_app: AppFactory) -> None:
    plain = make_app(JWT_COOKIE_CSRF_PROTECT=False)
    token = access_token(plain)
    app = cookie_app(make_app)
    client = with_cookie(app, token)
    assert client.get("/protected").status_code == 200
    assert answer(client.post("/protected", headers={"X-CSRF-TOKEN": "x"})) == (
        422,
        {"msg": "Missing claim: csrf"},
    )


class TestCsrfMethods:
    def test_custom_methods(self, make_app: AppFactory) -> None:
        app = cookie_app(make_app, JWT_CSRF_METHODS=["GET"])
        client = with_cookie(app, access_token(app))
        assert answer(client.get("/protected")) == MISSING_CSRF
        assert client.post("/protected").status_code == 200

    def test_methods_compare_case_sensitively(self, make_app: AppFactory) -> None:
        app = cookie_app(make_app, JWT_CSRF_METHODS=["post", "get"])
        client = with_cookie(app, access_token(app))
        assert client.post("/protected").status_code == 200
        assert client.get("/protected").status_code == 200

    def test_a_single_string(self, make_app: AppFactory) -> None:
        app = cookie_app(make_app, JWT_CSRF_METHODS="PUT")
        app.add_url_rule("/put", "put", app.view_functions["protected"], methods=["PUT"])
        client = with_cookie(app, access_token(app))
        assert client.post("/protected").status_code == 200
        assert answer(client.put("/put")) == MISSING_CSRF


class TestFormField:
    def test_form_field_is_ignored_by_default(self, app: Flask) -> None:
        token = access_token(app)
        client = with_cookie(app, token)
        response = client.post("/protected", data={"csrf_token": csrf_of(app, token)})
        assert answer(response) == MISSING_CSRF

    @pytest.fixture
    def form_app(self, make_app: AppFactory) -> Flask:
        return cookie_app(make_app, JWT_CSRF_CHECK_FORM=True)

    def test_form_field_when_header_absent(self, form_app: Flask) -> None:
        token = access_token(form_app)
        client = with_cookie(form_app, token)
        response = client.post("/protected", data={"csrf_token": csrf_of(form_app, token)})
        assert response.status_code == 200
        assert answer(client.post("/protected", data={"csrf_token": "x"})) == MISMATCH
        assert answer(client.post("/protected", data={"csrf_token": ""})) == MISSING_CSRF
        assert answer(client.post("/protected", data={"other": "x"})) == MISSING_CSRF

    def test_form_field_when_header_empty(self, form_app: Flask) -> None:
        token = access_token(form_app)
        client = with_cookie(form_app, token)
        response = client.post(
            "/protected",
            data={"csrf_token": csrf_of(form_app, token)},
            headers={"X-CSRF-TOKEN": ""},
        )
        assert response.status_code == 200

    def test_header_wins_over_form_field(self, form_app: Flask) -> None:
        token = access_token(form_app)
        client = with_cookie(form_app, token)
        response = client.post(
            "/protected",
            data={"csrf_token": csrf_of(form_app, token)},
            headers={"X-CSRF-TOKEN": "wrong"},
        )
        assert answer(response) == MISMATCH

    def test_custom_field_names(self, make_app: AppFactory) -> None:
        app = cookie_app(
            make_app,
            JWT_CSRF_CHECK_FORM=True,
            JWT_ACCESS_CSRF_FIELD_NAME="access_csrf",
            JWT_REFRESH_CSRF_FIELD_NAME="refresh_csrf",
        )
        access, refresh = access_token(app), refresh_token(app)
        client = with_cookie(app, access)
        client.set_cookie("refresh_token_cookie", refresh)
        assert (
            answer(client.post("/protected", data={"csrf_token": csrf_of(app, access)}))
            == MISSING_CSRF
        )
        ok = client.post("/protected", data={"access_csrf": csrf_of(app, access)})
        assert ok.status_code == 200
        ok = client.post("/refresh", data={"refresh_csrf": csrf_of(app, refresh)})
        assert ok.status_code == 200
        wrong = client.post("/refresh", data={"access_csrf": csrf_of(app, refresh)})
        assert answer(wrong) == MISSING_CSRF


class TestRefreshNames:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        return cookie_app(
            make_app,
            JWT_ACCESS_COOKIE_NAME="at",
            JWT_REFRESH_COOKIE_NAME="rt",
            JWT_ACCESS_CSRF_HEADER_NAME="X-Access-Csrf",
            JWT_REFRESH_CSRF_HEADER_NAME="X-Refresh-Csrf",
        )

    def test_refresh_view_reads_refresh_cookie_and_header(self, app: Flask) -> None:
        refresh = refresh_token(app)
        client = with_cookie(app, refresh, "rt")
        assert answer(client.post("/refresh")) == MISSING_CSRF
        wrong_header = client.post("/refresh", headers={"X-Access-Csrf": csrf_of(app, refresh)})
        assert answer(wrong_header) == MISSING_CSRF
        response = client.post("/refresh", headers={"X-Refresh-Csrf": csrf_of(app, refresh)})
        assert response.status_code == 200
        assert body(response)["claims"]["type"] == "refresh"

    def test_refresh_view_ignores_access_cookie(self, app: Flask) -> None:
        client = with_cookie(app, refresh_token(app), "at")
        assert answer(client.get("/refresh")) == (401, {"msg": 'Missing cookie "rt"'})

    def test_access_view_ignores_refresh_cookie(self, app: Flask) -> None:
        client = with_cookie(app, access_token(app), "rt")
        assert answer(client.get("/protected")) == (401, {"msg": 'Missing cookie "at"'})

    def test_verify_type_false_uses_access_names(self, app: Flask) -> None:
        refresh = refresh_token(app)
        only_refresh_cookie = with_cookie(app, refresh, "rt")
        assert answer(only_refresh_cookie.get("/any")) == (401, {"msg": 'Missing cookie "at"'})
        client = with_cookie(app, refresh, "at")
        csrf = csrf_of(app, refresh)
        assert answer(client.post("/any", headers={"X-Refresh-Csrf": csrf})) == MISSING_CSRF
        response = client.post("/any", headers={"X-Access-Csrf": csrf})
        assert response.status_code == 200
        assert body(response)["claims"]["type"] == "refresh"


class TestWithoutCsrfProtection:
    def test_csrf_protect_off(self, make_app: AppFactory) -> None:
        app = cookie_app(make_app, JWT_COOKIE_CSRF_PROTECT=False)
        client = app.test_client()
        client.post("/login")
        assert client.get_cookie("csrf_access_token") is None
        assert client.post("/protected").status_code == 200
        assert client.post("/protected", headers={"X-CSRF-TOKEN": "anything"}).status_code == 200

    def test_csrf_not_in_cookies_still_checks_requests(self, make_app: AppFactory) -> None:
        app = cookie_app(make_app, JWT_CSRF_IN_COOKIES=False)
        client = app.test_client()
        client.post("/login")
        assert client.get_cookie("csrf_access_token") is None
        access = client.get_cookie("access_token_cookie")
        assert access is not None
        assert answer(client.post("/protected")) == MISSING_CSRF
        response = client.post("/protected", headers={"X-CSRF-TOKEN": csrf_of(app, access.value)})
        assert response.status_code == 200


def test_headers_only_app_can_protect_one_view_with_cookies(make_app: AppFactory) -> None:
    app = make_app()

    @app.post("/cookie-only")
    @jwt_required(locations="cookies")
    def cookie_only() -> Any:
        return jsonify(location=get_jwt_request_location())

    token = access_token(app)
    client = with_cookie(app, token)
    assert answer(client.post("/cookie-only")) == MISSING_CSRF
    response: TestResponse = client.post(
        "/cookie-only", headers={"X-CSRF-TOKEN": csrf_of(app, token)}
    )
    assert answer(response) == (200, {"location": "cookies"})
