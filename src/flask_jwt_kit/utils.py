"""Creating and inspecting tokens outside the request path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Flask-JWT-Extended's ``utils`` module held the readers of the current
# token too: code importing them from there keeps working.
from .context import (
    current_user,
    get_current_user,
    get_jwt,
    get_jwt_header,
    get_jwt_identity,
    get_jwt_request_location,
)
from .state import get_state
from .tokens import check_live, encode, unverified_header, verify


def create_access_token(
    identity: Any,
    fresh: Any = False,
    expires_delta: Any = None,
    additional_claims: Mapping[str, Any] | None = None,
    additional_headers: Mapping[str, Any] | None = None,
) -> str:
    """Create an access token. Needs an application context.

    :param identity: goes through ``user_identity_loader`` into the identity claim.
    :param fresh: ``True``/``False``, a ``timedelta`` (fresh until now + delta)
        or a number (a fresh-until timestamp).
    :param expires_delta: a ``timedelta``, ``relativedelta``, int seconds,
        ``False`` (no ``exp``) or ``None`` (``JWT_ACCESS_TOKEN_EXPIRES``).
    :param additional_claims: claims that override every other source.
    :param additional_headers: JOSE headers that override every other source.
    :returns: the encoded token.
    :raises RuntimeError: no key is configured, or *expires_delta* is unusable.
    :raises TypeError: a claim or header cannot be serialised.
    """
    state = get_state()
    return encode(
        state,
        state.settings,
        identity,
        "access",
        fresh=fresh,
        expires_delta=expires_delta,
        additional_claims=additional_claims,
        additional_headers=additional_headers,
    )


def create_refresh_token(
    identity: Any,
    expires_delta: Any = None,
    additional_claims: Mapping[str, Any] | None = None,
    additional_headers: Mapping[str, Any] | None = None,
) -> str:
    """Create a refresh token (never fresh). Arguments as :func:`create_access_token`.

    :raises RuntimeError: no key is configured, or *expires_delta* is unusable.
    :raises TypeError: a claim or header cannot be serialised.
    """
    state = get_state()
    return encode(
        state,
        state.settings,
        identity,
        "refresh",
        expires_delta=expires_delta,
        additional_claims=additional_claims,
        additional_headers=additional_headers,
    )


def decode_token(
    encoded_token: str, csrf_value: str | None = None, allow_expired: bool = False
) -> dict[str, Any]:
    """Verify *encoded_token* and return its claims.

    Does not check revocation nor load the user.

    :param csrf_value: when given, must equal the token's ``csrf`` claim.
    :param allow_expired: accept an expired token.
    :raises jwt.InvalidTokenError: PyJWT's errors, as they are.
    :raises JWTDecodeError: a claim is missing or of the wrong type.
    :raises CSRFError: *csrf_value* does not match.
    """
    state = get_state()
    settings = state.settings
    decoded = verify(state, settings, encoded_token)
    check_live(decoded, settings, state.clock(), csrf_value, allow_expired)
    return dict(decoded.claims)


def get_unverified_jwt_headers(encoded_token: str) -> dict[str, Any]:
    """The header of *encoded_token*, NOT verified: never trust it for decisions.

    :raises jwt.DecodeError: the token is malformed.
    """
    return unverified_header(encoded_token)


def get_jti(encoded_token: str) -> str | None:
    """The ``jti`` of *encoded_token* (verified first)."""
    jti: str | None = decode_token(encoded_token).get("jti")
    return jti


def get_csrf_token(encoded_token: str) -> str | None:
    """The ``csrf`` claim of *encoded_token* (verified first)."""
    csrf: str | None = decode_token(encoded_token).get("csrf")
    return csrf


def get_jwks() -> dict[str, Any]:
    """The public JWK Set of ``JWT_KEYS``: public parts of asymmetric keys only.

    ``{"keys": []}`` when no key set is configured.
    """
    state = get_state()
    state.settings  # noqa: B018  (brings the key set up to date with app.config)
    keyset = state.keyset
    if keyset is None:
        return {"keys": []}
    return keyset.public_jwks()


# Flask-JWT-Extended's ``utils`` module held the cookie helpers too: code
# importing them from there keeps working. Looked up on use, as
# :mod:`flask_jwt_kit.cookies` itself imports this module.
_COOKIE_HELPERS = frozenset(
    {
        "set_access_cookies",
        "set_refresh_cookies",
        "unset_access_cookies",
        "unset_jwt_cookies",
        "unset_refresh_cookies",
    }
)


def __getattr__(name: str) -> Any:
    if name in _COOKIE_HELPERS:
        from . import cookies

        return getattr(cookies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "create_access_token",
    "create_refresh_token",
    "current_user",
    "decode_token",
    "get_csrf_token",
    "get_current_user",
    "get_jti",
    "get_jwks",
    "get_jwt",
    "get_jwt_header",
    "get_jwt_identity",
    "get_jwt_request_location",
    "get_unverified_jwt_headers",
]
