"""Helpers for testing an application's protected views.

Each helper creates a real token with the application's own settings and
callbacks, and hands it over the way a client would: in the configured
header, or in the configured cookies on a Flask test client::

    def test_profile(app, client):
        with app.app_context():
            headers = auth_headers("alice", fresh=True)
        assert client.get("/profile", headers=headers).status_code == 200

    def test_profile_in_a_browser(client):
        csrf = auth_cookies(client, "alice")
        assert client.post("/profile", headers=csrf).status_code == 200

With pytest, the fixtures of :mod:`flask_jwt_kit.pytest_plugin` do the same
in one line.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask.testing import FlaskClient

from .cookies import set_access_cookies, set_refresh_cookies
from .state import get_state
from .utils import create_access_token, create_refresh_token, get_csrf_token


def auth_headers(identity: Any, **create_kwargs: Any) -> dict[str, str]:
    """Request headers carrying a new access token for *identity*.

    Uses ``JWT_HEADER_NAME`` and the first ``JWT_HEADER_TYPE`` (no type when
    it is empty). Needs an application context.

    :param identity: the identity, as given to :func:`~flask_jwt_kit.create_access_token`.
    :param create_kwargs: more arguments for :func:`~flask_jwt_kit.create_access_token`
        (``fresh``, ``expires_delta``, ``additional_claims``, ...).
    :returns: ``{"Authorization": "Bearer <JWT>"}`` with the default settings.
    """
    return token_headers(create_access_token(identity, **create_kwargs))


def refresh_headers(identity: Any, **create_kwargs: Any) -> dict[str, str]:
    """Request headers carrying a new refresh token for *identity*.

    As :func:`auth_headers`, with :func:`~flask_jwt_kit.create_refresh_token`.
    """
    return token_headers(create_refresh_token(identity, **create_kwargs))


def token_headers(encoded_token: str) -> dict[str, str]:
    """Request headers carrying *encoded_token* as the configured header expects it.

    Needs an application context.
    """
    settings = get_state().settings
    types = settings.header_types
    value = f"{types[0]} {encoded_token}" if types else encoded_token
    return {settings.header_name: value}


def auth_cookies(
    client: FlaskClient, identity: Any, *, refresh: bool = False, **create_kwargs: Any
) -> dict[str, str]:
    """Log *client* in with cookies: store a new token for *identity* in its cookie jar.

    The cookies are those :func:`~flask_jwt_kit.set_access_cookies` (or
    :func:`~flask_jwt_kit.set_refresh_cookies`) would set, with the configured
    names, paths and domain, so the client sends them only where a browser
    would. Runs in an application context of the client's application.

    :param client: a test client of the application, made with cookies enabled.
    :param identity: the identity of the token.
    :param refresh: store a refresh token (for ``jwt_required(refresh=True)`` views).
    :param create_kwargs: more arguments for the token's create function.
    :returns: the CSRF header to send with state-changing requests
        (``{"X-CSRF-TOKEN": "<value>"}`` by default), or ``{}`` when
        ``JWT_COOKIE_CSRF_PROTECT`` is off.
    """
    app: Flask = client.application
    with app.app_context():
        settings = get_state().settings
        response = current_app.response_class()
        if refresh:
            token = create_refresh_token(identity, **create_kwargs)
            set_refresh_cookies(response, token)
            csrf_header = settings.refresh_csrf_header_name
        else:
            token = create_access_token(identity, **create_kwargs)
            set_access_cookies(response, token)
            csrf_header = settings.access_csrf_header_name
        csrf = get_csrf_token(token) if settings.cookie_csrf_protect else None
    host = urlsplit("//" + (app.config.get("SERVER_NAME") or "localhost")).hostname
    for header in response.headers.getlist("Set-Cookie"):
        _store(client, header, host or "localhost")
    return {} if csrf is None else {csrf_header: csrf}


def _store(client: FlaskClient, set_cookie: str, host: str) -> None:
    parsed: SimpleCookie = SimpleCookie()
    parsed.load(set_cookie)
    for name, morsel in parsed.items():
        # A leading dot is ignored by browsers (RFC 6265 5.2.3); the test
        # client would not match it.
        domain = morsel["domain"].lstrip(".")
        client.set_cookie(
            name,
            morsel.value,
            domain=domain or host,
            origin_only=not domain,
            path=morsel["path"] or "/",
            secure=bool(morsel["secure"]),
            httponly=bool(morsel["httponly"]),
            samesite=morsel["samesite"] or None,
        )


class JWTAuth:
    """The helpers above, bound to one application: no application context needed.

    The ``jwt_auth`` fixture of :mod:`flask_jwt_kit.pytest_plugin` is one of these.

    :param app: an application with a :class:`~flask_jwt_kit.JWTManager`.
    """

    def __init__(self, app: Flask) -> None:
        #: The application the tokens are made for.
        self.app = app

    def headers(self, identity: Any, **create_kwargs: Any) -> dict[str, str]:
        """As :func:`auth_headers`."""
        with self.app.app_context():
            return auth_headers(identity, **create_kwargs)

    def refresh_headers(self, identity: Any, **create_kwargs: Any) -> dict[str, str]:
        """As :func:`refresh_headers`."""
        with self.app.app_context():
            return refresh_headers(identity, **create_kwargs)

    def cookies(
        self, client: FlaskClient, identity: Any, *, refresh: bool = False, **create_kwargs: Any
    ) -> dict[str, str]:
        """As :func:`auth_cookies`."""
        return auth_cookies(client, identity, refresh=refresh, **create_kwargs)

    def access_token(self, identity: Any, **create_kwargs: Any) -> str:
        """A new access token, as :func:`~flask_jwt_kit.create_access_token` makes it."""
        with self.app.app_context():
            return create_access_token(identity, **create_kwargs)

    def refresh_token(self, identity: Any, **create_kwargs: Any) -> str:
        """A new refresh token, as :func:`~flask_jwt_kit.create_refresh_token` makes it."""
        with self.app.app_context():
            return create_refresh_token(identity, **create_kwargs)
