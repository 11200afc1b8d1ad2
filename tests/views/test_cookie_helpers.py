"""``set_access_cookies`` and friends: every cookie attribute (contract: "Cookies")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from flask import Flask, Response, jsonify

from flask_jwt_kit import (
    decode_token,
    set_access_cookies,
    set_refresh_cookies,
    unset_access_cookies,
    unset_jwt_cookies,
    unset_refresh_cookies,
)
from tests.conftest import AppFactory, Clock
from tests.views.conftest import access_token, forge, refresh_token

EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"
ONE_YEAR = "31540000"


@dataclass
class Cookie:
    name: str
    value: str
    #: Attributes by lower-case name; flags (HttpOnly, Secure) map to "".
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def http_only(self) -> bool:
        return "httponly" in self.attributes

    @property
    def secure(self) -> bool:
        return "secure" in self.attributes


def parse(header: str) -> Cookie:
    first, *rest = header.split("; ")
    name, _, value = first.partition("=")
    attributes = {}
    for item in rest:
        key, _, val = item.partition("=")
        attributes[key.lower()] = val
    return Cookie(name, value, attributes)


def cookies_set_by(app: Flask, action: Callable[[Response], None]) -> dict[str, Cookie]:
    """The cookies *action* puts on a fresh response, by name."""
    with app.test_request_context():
        response = jsonify(ok=True)
        action(response)
    parsed = [parse(h) for h in response.headers.getlist("Set-Cookie")]
    by_name = {c.name: c for c in parsed}
    assert len(by_name) == len(parsed), "a cookie was set twice"
    return by_name


def csrf_claim(app: Flask, token: str) -> str:
    with app.app_context():
        value = decode_token(token)["csrf"]
    assert isinstance(value, str)
    return value


class TestSetAccessCookies:
    def test_defaults(self, app: Flask) -> None:
        token = access_token(app)
        cookies = cookies_set_by(app, lambda r: set_access_cookies(r, token))
        assert set(cookies) == {"access_token_cookie", "csrf_access_token"}
        access = cookies["access_token_cookie"]
        assert access.value == token
        assert access.attributes == {"httponly": "", "path": "/"}
        csrf = cookies["csrf_access_token"]
        assert csrf.value == csrf_claim(app, token)
        assert not csrf.http_only
        assert csrf.attributes == {"path": "/"}

    def test_configured_attributes(self, make_app: AppFactory) -> None:
        app = make_app(
            JWT_COOKIE_SECURE=True,
            JWT_COOKIE_SAMESITE="Strict",
            JWT_COOKIE_DOMAIN="example.com",
            JWT_ACCESS_COOKIE_NAME="at",
            JWT_ACCESS_CSRF_COOKIE_NAME="at_csrf",
            JWT_ACCESS_COOKIE_PATH="/api/",
            JWT_ACCESS_CSRF_COOKIE_PATH="/app/",
        )
        token = access_token(app)
        cookies = cookies_set_by(app, lambda r: set_access_cookies(r, token))
        assert set(cookies) == {"at", "at_csrf"}
        assert cookies["at"].attributes == {
            "domain": "example.com",
            "secure": "",
            "httponly": "",
            "path": "/api/",
            "samesite": "Strict",
        }
        assert cookies["at_csrf"].attributes == {
            "domain": "example.com",
            "secure": "",
            "path": "/app/",
            "samesite": "Strict",
        }

    @pytest.mark.parametrize(("configured", "sent"), [("Lax", "Lax"), ("none", "None")])
    def test_samesite(self, make_app: AppFactory, configured: str, sent: str) -> None:
        app = make_app(JWT_COOKIE_SAMESITE=configured)
        token = access_token(app)
        cookies = cookies_set_by(app, lambda r: set_access_cookies(r, token))
        assert {c.attributes["samesite"] for c in cookies.values()} == {sent}

    def test_domain_argument_wins(self, make_app: AppFactory) -> None:
        app = make_app(JWT_COOKIE_DOMAIN="example.com")
        token = access_token(app)
        cookies = cookies_set_by(app, lambda r: set_access_cookies(r, token, domain="other.org"))
        assert {c.attributes["domain"] for c in cookies.values()} == {"other.org"}
        plain = make_app()
        token = access_token(plain)
        cookies = cookies_set_by(plain, lambda r: set_access_cookies(r, token, domain="x.org"))
        assert {c.attributes["domain"] for c in cookies.values()} == {"x.org"}

    def test_persistent_cookies(self, make_app: AppFactory) -> None:
        app = make_app(JWT_SESSION_COOKIE=False)
        token = access_token(app)
        cookies = cookies_set_by(app, lambda r: set_access_cookies(r, token))
        for cookie in cookies.values():
            assert cookie.attributes["max-age"] == ONE_YEAR
            assert "expires" in cookie.attributes

    @pytest.mark.parametrize("session", [True, False])
    @pytest.mark.parametrize(
        ("max_age", "sent"), [(60, "60"), (dt.timedelta(hours=1), "3600"), (1, "1")]
    )
    def test_truthy_max_age_wins(
        self, make_app: AppFactory, session: bool, max_age: Any, sent: str
    ) -> None:
        app = make_app(JWT_SESSION_COOKIE=session)
        token = access_token(app)
        cookies = cookies_set_by(app, lambda r: set_access_cookies(r, token, max_age=max_age))
        assert {c.attributes["max-age"] for c in cookies.values()} == {sent}

    @pytest.mark.parametrize("max_age", [None, 0, dt.timedelta(0)])
    def test_falsy_max_age_is_ignored(self, make_app: AppFactory, max_age: Any) -> None:
        session = make_app()
        token = access_token(session)
        cookies = cookies_set_by(session, lambda r: set_access_cookies(r, token, max_age=max_age))
        assert all("max-age" not in c.attributes for c in cookies.values())
        assert all("expires" not in c.attributes for c in cookies.values())
        persistent = make_app(JWT_SESSION_COOKIE=False)
        token = access_token(persistent)
        cookies = cookies_set_by(
            persistent, lambda r: set_access_cookies(r, token, max_age=max_age)
        )
        assert {c.attributes["max-age"] for c in cookies.values()} == {ONE_YEAR}

    @pytest.mark.parametrize(
        "config", [{"JWT_COOKIE_CSRF_PROTECT": False}, {"JWT_CSRF_IN_COOKIES": False}]
    )
    def test_no_csrf_cookie(self, make_app: AppFactory, config: dict[str, Any]) -> None:
        app = make_app(**config)
        token = access_token(app)
        cookies = cookies_set_by(app, lambda r: set_access_cookies(r, token))
        assert set(cookies) == {"access_token_cookie"}

    def test_token_without_csrf_claim_sets_no_csrf_cookie(self, app: Flask, clock: Clock) -> None:
        token = forge(clock.now)
        cookies = cookies_set_by(app, lambda r: set_access_cookies(r, token))
        assert set(cookies) == {"access_token_cookie"}

    @pytest.mark.parametrize(
        ("bad", "error"),
        [
            ("abc", jwt.DecodeError),
            ("x" * 100, jwt.DecodeError),
        ],
    )
    def test_invalid_token_raises(self, app: Flask, bad: str, error: type[Exception]) -> None:
        with pytest.raises(error):
            cookies_set_by(app, lambda r: set_access_cookies(r, bad))

    def test_token_of_another_key_raises(self, app: Flask, clock: Clock) -> None:
        token = forge(clock.now, key="another-secret-" + "y" * 40, csrf="c")
        with pytest.raises(jwt.InvalidSignatureError):
            cookies_set_by(app, lambda r: set_access_cookies(r, token))

    def test_expired_token_raises(self, app: Flask, clock: Clock) -> None:
        token = access_token(app)
        clock.advance(3600)
        with pytest.raises(jwt.ExpiredSignatureError):
            cookies_set_by(app, lambda r: set_access_cookies(r, token))


class TestSetRefreshCookies:
    def test_defaults(self, app: Flask) -> None:
        token = refresh_token(app)
        cookies = cookies_set_by(app, lambda r: set_refresh_cookies(r, token))
        assert set(cookies) == {"refresh_token_cookie", "csrf_refresh_token"}
        assert cookies["refresh_token_cookie"].value == token
        assert cookies["refresh_token_cookie"].attributes == {"httponly": "", "path": "/"}
        assert cookies["csrf_refresh_token"].value == csrf_claim(app, token)
        assert cookies["csrf_refresh_token"].attributes == {"path": "/"}

    def test_configured_names_and_paths(self, make_app: AppFactory) -> None:
        app = make_app(
            JWT_REFRESH_COOKIE_NAME="rt",
            JWT_REFRESH_CSRF_COOKIE_NAME="rt_csrf",
            JWT_REFRESH_COOKIE_PATH="/auth/refresh",
            JWT_REFRESH_CSRF_COOKIE_PATH="/",
            JWT_ACCESS_COOKIE_PATH="/api/",
            JWT_COOKIE_SECURE=True,
            JWT_SESSION_COOKIE=False,
        )
        token = refresh_token(app)
        cookies = cookies_set_by(app, lambda r: set_refresh_cookies(r, token, domain="d.org"))
        assert cookies["rt"].attributes["path"] == "/auth/refresh"
        assert cookies["rt_csrf"].attributes["path"] == "/"
        for cookie in cookies.values():
            assert cookie.secure
            assert cookie.attributes["domain"] == "d.org"
            assert cookie.attributes["max-age"] == ONE_YEAR
        assert cookies["rt"].http_only
        assert not cookies["rt_csrf"].http_only

    def test_invalid_token_raises(self, app: Flask) -> None:
        with pytest.raises(jwt.DecodeError):
            cookies_set_by(app, lambda r: set_refresh_cookies(r, "abc"))


class TestUnset:
    CONFIG: dict[str, Any] = {
        "JWT_COOKIE_SECURE": True,
        "JWT_COOKIE_SAMESITE": "Lax",
        "JWT_COOKIE_DOMAIN": "example.com",
        "JWT_ACCESS_COOKIE_PATH": "/api/",
        "JWT_ACCESS_CSRF_COOKIE_PATH": "/a/",
        "JWT_REFRESH_COOKIE_PATH": "/refresh",
        "JWT_REFRESH_CSRF_COOKIE_PATH": "/r/",
        "JWT_SESSION_COOKIE": False,
    }
    PATHS = {
        "access_token_cookie": "/api/",
        "csrf_access_token": "/a/",
        "refresh_token_cookie": "/refresh",
        "csrf_refresh_token": "/r/",
    }

    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        return make_app(**self.CONFIG)

    def check(self, cookies: dict[str, Cookie], domain: str = "example.com") -> None:
        for name, cookie in cookies.items():
            assert cookie.value == ""
            assert cookie.attributes == {
                "domain": domain,
                "expires": EPOCH,
                "secure": "",
                "path": self.PATHS[name],
                "samesite": "Lax",
                **({"httponly": ""} if "csrf" not in name else {}),
            }

    def test_unset_jwt_cookies(self, app: Flask) -> None:
        cookies = cookies_set_by(app, unset_jwt_cookies)
        assert set(cookies) == set(self.PATHS)
        self.check(cookies)

    def test_unset_access_cookies(self, app: Flask) -> None:
        cookies = cookies_set_by(app, unset_access_cookies)
        assert set(cookies) == {"access_token_cookie", "csrf_access_token"}
        self.check(cookies)

    def test_unset_refresh_cookies(self, app: Flask) -> None:
        cookies = cookies_set_by(app, unset_refresh_cookies)
        assert set(cookies) == {"refresh_token_cookie", "csrf_refresh_token"}
        self.check(cookies)

    @pytest.mark.parametrize(
        "unset", [unset_jwt_cookies, unset_access_cookies, unset_refresh_cookies]
    )
    def test_domain_argument_wins(self, app: Flask, unset: Callable[..., None]) -> None:
        cookies = cookies_set_by(app, lambda r: unset(r, domain="other.org"))
        self.check(cookies, domain="other.org")

    def test_same_attributes_as_set(self, app: Flask) -> None:
        access, refresh = access_token(app), refresh_token(app)

        def set_all(response: Response) -> None:
            set_access_cookies(response, access)
            set_refresh_cookies(response, refresh)

        set_cookies = cookies_set_by(app, set_all)
        unset_cookies = cookies_set_by(app, unset_jwt_cookies)
        assert set(set_cookies) == set(unset_cookies)
        for name, cookie in set_cookies.items():
            kept = {k: v for k, v in cookie.attributes.items() if k not in ("max-age", "expires")}
            gone = {k: v for k, v in unset_cookies[name].attributes.items() if k != "expires"}
            assert kept == gone

    def test_defaults(self, make_app: AppFactory) -> None:
        app = make_app()
        cookies = cookies_set_by(app, unset_jwt_cookies)
        assert cookies["access_token_cookie"].attributes == {
            "expires": EPOCH,
            "httponly": "",
            "path": "/",
        }
        assert cookies["csrf_access_token"].attributes == {"expires": EPOCH, "path": "/"}

    @pytest.mark.parametrize(
        "config", [{"JWT_COOKIE_CSRF_PROTECT": False}, {"JWT_CSRF_IN_COOKIES": False}]
    )
    def test_no_csrf_cookies(self, make_app: AppFactory, config: dict[str, Any]) -> None:
        app = make_app(**config)
        cookies = cookies_set_by(app, unset_jwt_cookies)
        assert set(cookies) == {"access_token_cookie", "refresh_token_cookie"}


def test_login_and_logout_in_a_browser_like_client(make_app: AppFactory) -> None:
    app = make_app(JWT_TOKEN_LOCATION=["cookies"])

    @app.post("/login")
    def login() -> Any:
        response = jsonify(ok=True)
        set_access_cookies(response, access_token(app))
        return response

    @app.post("/logout")
    def logout() -> Any:
        response = jsonify(ok=True)
        unset_jwt_cookies(response)
        return response

    client = app.test_client()
    client.post("/login")
    assert client.get("/protected").status_code == 200
    client.post("/logout")
    assert client.get_cookie("access_token_cookie") is None
    assert client.get_cookie("csrf_access_token") is None
    assert client.get("/protected").status_code == 401
