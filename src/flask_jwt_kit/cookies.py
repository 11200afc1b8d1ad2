"""Setting and clearing the token cookies (and their CSRF companions)."""

from __future__ import annotations

from typing import Any

from flask import Response

from .settings import Settings
from .state import get_state
from .utils import get_csrf_token

#: Max-age of persistent cookies when ``JWT_SESSION_COOKIE`` is false (one year).
PERSISTENT_MAX_AGE = 31540000


def set_access_cookies(
    response: Response, encoded_access_token: str, max_age: Any = None, domain: str | None = None
) -> None:
    """Put an access token in an HttpOnly cookie, and its CSRF value in a readable one.

    :param max_age: cookie lifetime in seconds (or a ``timedelta``); wins over
        ``JWT_SESSION_COOKIE``.
    :param domain: wins over ``JWT_COOKIE_DOMAIN``.
    :raises jwt.InvalidTokenError: the token is invalid (it is verified to read its CSRF value).
    """
    _set(response, encoded_access_token, max_age, domain, refresh=False)


def set_refresh_cookies(
    response: Response, encoded_refresh_token: str, max_age: Any = None, domain: str | None = None
) -> None:
    """Put a refresh token in an HttpOnly cookie; arguments as :func:`set_access_cookies`."""
    _set(response, encoded_refresh_token, max_age, domain, refresh=True)


def unset_jwt_cookies(response: Response, domain: str | None = None) -> None:
    """Clear the access and refresh cookies and their CSRF cookies."""
    unset_access_cookies(response, domain)
    unset_refresh_cookies(response, domain)


def unset_access_cookies(response: Response, domain: str | None = None) -> None:
    """Clear the access cookie and its CSRF cookie."""
    _unset(response, domain, refresh=False)


def unset_refresh_cookies(response: Response, domain: str | None = None) -> None:
    """Clear the refresh cookie and its CSRF cookie."""
    _unset(response, domain, refresh=True)


def _names(settings: Settings, refresh: bool) -> tuple[str, str, str, str]:
    if refresh:
        return (
            settings.refresh_cookie_name,
            settings.refresh_cookie_path,
            settings.refresh_csrf_cookie_name,
            settings.refresh_csrf_cookie_path,
        )
    return (
        settings.access_cookie_name,
        settings.access_cookie_path,
        settings.access_csrf_cookie_name,
        settings.access_csrf_cookie_path,
    )


def _set(response: Response, token: str, max_age: Any, domain: str | None, refresh: bool) -> None:
    settings = get_state().settings
    name, path, csrf_name, csrf_path = _names(settings, refresh)
    if not max_age:
        max_age = None if settings.session_cookie else PERSISTENT_MAX_AGE
    with_csrf = settings.cookie_csrf_protect and settings.csrf_in_cookies
    csrf = get_csrf_token(token) if with_csrf else None
    common: dict[str, Any] = {
        "max_age": max_age,
        "secure": settings.cookie_secure,
        "domain": domain or settings.cookie_domain,
        "samesite": settings.cookie_samesite,
    }
    response.set_cookie(name, value=token, httponly=True, path=path, **common)
    if with_csrf and csrf is not None:
        response.set_cookie(csrf_name, value=csrf, httponly=False, path=csrf_path, **common)


def _unset(response: Response, domain: str | None, refresh: bool) -> None:
    settings = get_state().settings
    name, path, csrf_name, csrf_path = _names(settings, refresh)
    common: dict[str, Any] = {
        "value": "",
        "expires": 0,
        "secure": settings.cookie_secure,
        "domain": domain or settings.cookie_domain,
        "samesite": settings.cookie_samesite,
    }
    response.set_cookie(name, httponly=True, path=path, **common)
    if settings.cookie_csrf_protect and settings.csrf_in_cookies:
        response.set_cookie(csrf_name, httponly=False, path=csrf_path, **common)
