"""A pytest plugin: fixtures that log test requests in.

Installed with the package and loaded by pytest on its own (entry point
``flask_jwt_kit`` in the ``pytest11`` group; ``-p no:flask_jwt_kit`` turns
it off). The fixtures use the project's own ``app`` fixture, the Flask
application under test::

    def test_profile(client, jwt_headers):
        assert client.get("/profile", headers=jwt_headers("alice")).status_code == 200

    def test_logout(client, jwt_cookies):
        assert client.post("/logout", headers=jwt_cookies(client, "alice")).status_code == 200

``jwt_auth``
    a :class:`~flask_jwt_kit.testing.JWTAuth` for ``app``: ``headers``,
    ``refresh_headers``, ``cookies``, ``access_token``, ``refresh_token``.
``jwt_headers``
    ``jwt_headers(identity, **create_kwargs)``: the header of a new access token.
``jwt_refresh_headers``
    the same with a refresh token.
``jwt_cookies``
    ``jwt_cookies(client, identity, *, refresh=False, **create_kwargs)``:
    token cookies stored in *client*; returns the CSRF header to send.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from .testing import JWTAuth

__all__ = ["jwt_auth", "jwt_cookies", "jwt_headers", "jwt_refresh_headers"]


@pytest.fixture
def jwt_auth(app: Flask) -> JWTAuth:
    """Token helpers for the ``app`` fixture's application."""
    return JWTAuth(app)


@pytest.fixture
def jwt_headers(jwt_auth: JWTAuth) -> Callable[..., dict[str, str]]:
    """``jwt_headers(identity, **create_kwargs)``: headers with a new access token."""
    return jwt_auth.headers


@pytest.fixture
def jwt_refresh_headers(jwt_auth: JWTAuth) -> Callable[..., dict[str, str]]:
    """``jwt_refresh_headers(identity, **create_kwargs)``: headers with a new refresh token."""
    return jwt_auth.refresh_headers


@pytest.fixture
def jwt_cookies(jwt_auth: JWTAuth) -> Callable[..., dict[str, str]]:
    """``jwt_cookies(client, identity, *, refresh=False, **create_kwargs)``: log in by cookie."""
    return jwt_auth.cookies
