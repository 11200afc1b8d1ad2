"""JWT_IMPLICIT_REFRESH: access cookies close to expiry are reissued in the response."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient
from werkzeug.wrappers import Response

from flask_jwt_kit import (
    create_access_token,
    create_token_pair,
    get_jwt,
    jwt_required,
    revoke_session,
    revoke_token,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
    verify_jwt_in_request,
)
from flask_jwt_kit.revocation import RevocationStore
from tests.conftest import AppFactory, Clock

from .conftest import bearer, claims_of, manager_of

MINUTE = 60.0


def cookie_app(make_app: AppFactory, **config: Any) -> Flask:
    """An app reading tokens from cookies and headers, refreshing within 5 minutes."""
    settings: dict[str, Any] = {
        "JWT_TOKEN_LOCATION": ["cookies", "headers"],
        "JWT_IMPLICIT_REFRESH": dt.timedelta(minutes=5),
    }
    settings.update(config)
    app = make_app(**settings)

    @app.get("/login")
    def login() -> Any:
        pair = create_token_pair("alice", fresh=True, additional_claims={"role": "admin"})
        response = jsonify(pair._asdict())
        set_access_cookies(response, pair.access_token)
        set_refresh_cookies(response, pair.refresh_token)
        return response

    @app.get("/status/<int:code>")
    @jwt_required()
    def status(code: int) -> Any:
        return jsonify(claims=get_jwt()), code

    @app.get("/logout")
    @jwt_required()
    def logout() -> Any:
        response = jsonify(done=True)
        unset_jwt_cookies(response)
        return response

    @app.get("/revoke")
    @jwt_required()
    def revoke() -> Any:
        revoke_token()
        return jsonify(done=True)

    return app


def set_cookies(response: Response) -> dict[str, str]:
    """The cookies *response* sets: name -> value."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        found[name] = rest.partition(";")[0]
    return found


def logged_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert client.get("/login").status_code == 200
    return client


def current_access(client: FlaskClient) -> str:
    cookie = client.get_cookie("access_token_cookie")
    assert cookie is not None
    return cookie.value


def test_reissued_only_within_the_window(make_app: AppFactory, clock: Clock) -> None:
    app = cookie_app(make_app)
    client = logged_in(app)
    old = current_access(client)
    clock.advance(9 * MINUTE)
    response = client.get("/protected")
    assert response.status_code == 200
    assert set_cookies(response) == {}
    clock.advance(1 * MINUTE)
    response = client.get("/protected")
    assert response.status_code == 200
    cookies = set_cookies(response)
    assert set(cookies) == {"access_token_cookie", "csrf_access_token"}
    new = cookies["access_token_cookie"]
    before, after = claims_of(old), claims_of(new)
    assert after["exp"] == int(clock.now + 15 * MINUTE)
    assert (after["sub"], after["sid"], after["role"]) == ("alice", before["sid"], "admin")
    assert (after["type"], after["fresh"]) == ("access", False)
    assert after["jti"] != before["jti"] and after["csrf"] != before["csrf"]
    assert cookies["csrf_access_token"] == after["csrf"]
    assert set(after) == set(before)
    # The client now holds the new cookie: nothing more to reissue.
    assert current_access(client) == new
    assert set_cookies(client.get("/protected")) == {}


def test_the_new_cookie_works_after_the_old_one_expired(make_app: AppFactory, clock: Clock) -> None:
    app = cookie_app(make_app)
    client = logged_in(app)
    clock.advance(14 * MINUTE)
    client.get("/protected")
    clock.advance(10 * MINUTE)
    response = client.get("/protected")
    assert response.status_code == 200
    assert response.get_json()["location"] == "cookies"


def test_not_for_header_requests(make_app: AppFactory, clock: Clock) -> None:
    app = cookie_app(make_app)
    client = app.test_client()
    with app.app_context():
        token = create_access_token("alice")
    clock.advance(14 * MINUTE)
    response = client.get("/protected", headers=bearer(token))
    assert response.status_code == 200
    assert set_cookies(response) == {}


@pytest.mark.parametrize("code", [400, 403, 404, 500])
def test_not_on_errors(make_app: AppFactory, clock: Clock, code: int) -> None:
    app = cookie_app(make_app)
    client = logged_in(app)
    clock.advance(14 * MINUTE)
    assert set_cookies(client.get(f"/status/{code}")) == {}
    assert "access_token_cookie" in set_cookies(client.get("/status/201"))


def test_not_for_refresh_tokens(make_app: AppFactory, clock: Clock) -> None:
    app = cookie_app(make_app, JWT_ACCESS_TOKEN_EXPIRES=dt.timedelta(days=40))
    client = logged_in(app)
    clock.advance(30 * 86400 - 60)
    response = client.get("/refresh")
    assert response.status_code == 200
    assert set_cookies(response) == {}


def test_not_when_the_view_sets_the_cookie(make_app: AppFactory, clock: Clock) -> None:
    app = cookie_app(make_app)
    client = logged_in(app)
    clock.advance(14 * MINUTE)
    cookies = set_cookies(client.get("/logout"))
    assert cookies["access_token_cookie"] == ""


def test_not_when_the_view_revoked_the_token(
    make_app: AppFactory, clock: Clock, store: RevocationStore
) -> None:
    app = cookie_app(make_app, JWT_REVOCATION_STORE=store)
    client = logged_in(app)
    clock.advance(14 * MINUTE)
    assert set_cookies(client.get("/revoke")) == {}
    assert client.get("/protected").status_code == 401


def test_a_revoked_session_stays_revoked(
    make_app: AppFactory, clock: Clock, store: RevocationStore
) -> None:
    app = cookie_app(make_app, JWT_REVOCATION_STORE=store)
    client = logged_in(app)
    clock.advance(12 * MINUTE)
    response = client.get("/protected")
    assert "access_token_cookie" in set_cookies(response)
    with app.app_context():
        revoke_session(claims_of(current_access(client))["sid"])
    assert client.get("/protected").status_code == 401


def test_off_by_default(make_app: AppFactory, clock: Clock) -> None:
    app = cookie_app(make_app, JWT_IMPLICIT_REFRESH=None)
    client = logged_in(app)
    clock.advance(14 * MINUTE)
    assert set_cookies(client.get("/protected")) == {}
    # Switched on at run time: it applies at once.
    app.config["JWT_IMPLICIT_REFRESH"] = dt.timedelta(minutes=5)
    assert "access_token_cookie" in set_cookies(client.get("/protected"))


def test_tokens_without_expiry_are_left_alone(make_app: AppFactory, clock: Clock) -> None:
    app = cookie_app(make_app, JWT_ACCESS_TOKEN_EXPIRES=False)
    client = logged_in(app)
    clock.advance(365 * 86400)
    assert set_cookies(client.get("/protected")) == {}


def test_requests_without_a_token(make_app: AppFactory) -> None:
    app = cookie_app(make_app)
    client = app.test_client()
    assert set_cookies(client.get("/optional")) == {}
    assert client.get("/protected").status_code == 401


def test_cookie_settings_apply(make_app: AppFactory, clock: Clock) -> None:
    app = cookie_app(
        make_app,
        JWT_ACCESS_COOKIE_NAME="at",
        JWT_ACCESS_CSRF_COOKIE_NAME="xsrf",
        JWT_COOKIE_SECURE=True,
        JWT_SESSION_COOKIE=False,
        JWT_ACCESS_COOKIE_PATH="/",
    )
    client = app.test_client()
    client.get("/login")
    clock.advance(14 * MINUTE)
    headers = client.get("/protected", base_url="https://localhost").headers.getlist("Set-Cookie")
    assert len(headers) == 2
    access = next(h for h in headers if h.startswith("at="))
    assert "HttpOnly" in access and "Secure" in access and "Max-Age=31540000" in access
    assert any(h.startswith("xsrf=") and "HttpOnly" not in h for h in headers)


def test_loaders_get_the_user_back(make_app: AppFactory, clock: Clock) -> None:
    class User:
        def __init__(self, name: str):
            self.name = name

    app = cookie_app(make_app)
    manager = manager_of(app)
    received: list[Any] = []

    @manager.user_identity_loader
    def identify(user: User) -> str:
        return user.name

    @manager.user_lookup_loader
    def lookup(header: dict[str, Any], claims: dict[str, Any]) -> User:
        return User(claims["sub"])

    @manager.additional_claims_loader
    def add_claims(user: User) -> dict[str, Any]:
        received.append(user)
        return {}

    client = app.test_client()
    with app.test_request_context():
        response = jsonify()
        set_access_cookies(response, create_access_token(User("dave")))
    client.set_cookie("access_token_cookie", set_cookies(response)["access_token_cookie"])
    clock.advance(14 * MINUTE)
    new = set_cookies(client.get("/protected"))["access_token_cookie"]
    assert claims_of(new)["sub"] == "dave"
    assert [type(user) for user in received] == [User, User]


def test_a_failing_loader_does_not_break_the_response(
    make_app: AppFactory, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    app = cookie_app(make_app)
    client = logged_in(app)

    @manager_of(app).user_identity_loader
    def identify(user: Any) -> Any:
        return user.id  # tokens are made from user objects, but none is loaded back

    clock.advance(14 * MINUTE)
    with caplog.at_level(logging.ERROR, "flask_jwt_kit"):
        response = client.get("/protected")
    assert response.status_code == 200
    assert set_cookies(response) == {}
    assert "JWT_IMPLICIT_REFRESH" in caplog.text


def test_a_request_verified_twice_is_refreshed_once(make_app: AppFactory, clock: Clock) -> None:
    app = cookie_app(make_app)
    asked: list[str] = []
    revoked = {"now": False}

    @manager_of(app).token_in_blocklist_loader
    def check(header: dict[str, Any], claims: dict[str, Any]) -> bool:
        asked.append(claims["jti"])
        return revoked["now"]

    @app.get("/twice")
    @jwt_required()
    def twice() -> Any:
        verify_jwt_in_request()
        revoked["now"] = True  # the token is revoked while the view runs
        return jsonify(done=True)

    client = logged_in(app)
    clock.advance(14 * MINUTE)
    response = client.get("/twice")
    assert response.status_code == 200
    # Revoked meanwhile: not renewed. Two verifications and one refresh check,
    # not two: the refresh is arranged once per request.
    assert set_cookies(response) == {}
    assert len(asked) == 3


def test_after_request_functions_see_the_new_cookie(make_app: AppFactory, clock: Clock) -> None:
    app = cookie_app(make_app)
    seen: list[dict[str, str]] = []

    @app.after_request
    def record(response: Response) -> Response:
        seen.append(set_cookies(response))
        return response

    client = logged_in(app)
    clock.advance(14 * MINUTE)
    response = client.get("/protected")
    assert "access_token_cookie" in set_cookies(response)
    assert "access_token_cookie" in seen[-1]


def test_nothing_runs_after_requests_that_do_not_need_it(make_app: AppFactory) -> None:
    # No after_request function of the extension's: the refresh is arranged
    # by the verification that found a cookie token, for that request only.
    app = cookie_app(make_app)
    assert app.after_request_funcs == {}


def test_not_when_the_view_went_on_to_verify_a_header_token(
    make_app: AppFactory, clock: Clock
) -> None:
    # The request's token is the one verified last: here a header token.
    app = cookie_app(make_app)

    @app.get("/then-header")
    @jwt_required(locations=["cookies"])
    def then_header() -> Any:
        verify_jwt_in_request(locations=["headers"])
        return jsonify(done=True)

    client = logged_in(app)
    clock.advance(14 * MINUTE)
    with app.test_request_context():
        other = create_access_token("bob")
    response = client.get("/then-header", headers=bearer(other))
    assert response.status_code == 200
    assert set_cookies(response) == {}
