"""The verified token of the current request, and functions that read it.

One :class:`RequestJWT` object is stored on :data:`flask.g` once every
check of :func:`~flask_jwt_kit.verify_jwt_in_request` has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app, g, has_request_context, request
from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from .sessions import Redemption

_G_KEY = "_flask_jwt_kit"

_NOT_VERIFIED = (
    "You must call `@jwt_required()` or `verify_jwt_in_request()` before using this method"
)


@dataclass(slots=True)
class RequestJWT:
    """What a verified (or optional, token-less) request knows about its token."""

    header: dict[str, Any]
    claims: dict[str, Any]
    identity: Any
    location: str | None
    user: Any = None
    #: The encoded token, kept for the extension's own use (never echoed).
    token: str | None = None
    #: Whether the token came from an external (trusted) issuer.
    external: bool = False
    #: For a refresh token: its session and rotation progress, once
    #: :mod:`flask_jwt_kit.sessions` has redeemed it.
    redemption: Redemption | None = None


#: Flask's context proxies, typed as proxies: the request path looks up the
#: object behind each once (``_get_current_object()``, 0.3 µs) and reads
#: that, as each attribute read through a proxy costs several times more.
request_proxy: Any = request
app_proxy: Any = current_app
g_proxy: Any = g


def set_request_jwt(value: RequestJWT) -> None:
    """Store the request's token state (after all checks passed)."""
    namespace = g_proxy._get_current_object()
    try:
        # g is a plain namespace object: its __dict__ is what setattr and
        # g.get reach, through a Python-level method each.
        namespace.__dict__[_G_KEY] = value
    except AttributeError:  # an app_ctx_globals_class with __slots__
        setattr(namespace, _G_KEY, value)


def request_jwt() -> RequestJWT | None:
    """The current request's token state, or ``None`` when nothing was verified."""
    if not has_request_context():
        return None
    namespace = g_proxy._get_current_object()
    try:
        value: RequestJWT | None = namespace.__dict__.get(_G_KEY)
    except AttributeError:  # an app_ctx_globals_class with __slots__
        value = namespace.get(_G_KEY)
    return value


def _verified() -> RequestJWT:
    value = request_jwt()
    if value is None:
        raise RuntimeError(_NOT_VERIFIED)
    return value


def get_jwt() -> dict[str, Any]:
    """The claims of the token in the current request.

    ``{}`` in an optional view called without a token.

    :raises RuntimeError: the request was not verified.
    """
    return _verified().claims


def get_jwt_header() -> dict[str, Any]:
    """The header of the token in the current request (``{}`` without a token).

    :raises RuntimeError: the request was not verified.
    """
    return _verified().header


def get_jwt_identity() -> Any:
    """The identity claim of the current token (``None`` without a token).

    :raises RuntimeError: the request was not verified.
    """
    return _verified().identity


def get_jwt_request_location() -> str | None:
    """Where the current token was found.

    ``"headers"``, ``"cookies"``, ``"query_string"``, ``"json"``, or ``None``
    when no token was verified.
    """
    value = request_jwt()
    return None if value is None else value.location


def get_current_user() -> Any:
    """The user loaded by ``user_lookup_loader`` for the current token.

    ``None`` in an optional view called without a token (with or without a
    loader: there is no user to load).

    :raises RuntimeError: the request was not verified, or it carried a token
        and no ``@jwt.user_lookup_loader`` is registered.
    """
    from .state import get_state

    value = _verified()
    if value.location is None:
        return None
    if get_state().callbacks.user_lookup_loader is None:
        raise RuntimeError(
            "You must provide a `@jwt.user_lookup_loader` callback to use this method"
        )
    return value.user


#: A proxy to :func:`get_current_user`, usable in views and templates.
current_user: Any = LocalProxy(get_current_user)
