"""Protecting views: :func:`jwt_required` and :func:`verify_jwt_in_request`.

The checks run in the order the API contract gives: find the token, verify
it, then token type, freshness, revocation, the claims verification
callback, scopes and user loading. The request state is stored only after
every check passed.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar, cast

import jwt
from flask import Request, after_this_request

from . import signals
from .blocklist import check_revoked
from .context import RequestJWT, request_jwt, request_proxy, set_request_jwt
from .exceptions import (
    FreshTokenRequired,
    InsufficientScopeError,
    JWTExtendedException,
    NoAuthorizationError,
    UserClaimsVerificationError,
    UserLookupError,
    WrongTokenError,
)
from .request_token import find_token, normalise_locations
from .sessions import redeem, refresh_expiring_cookie
from .settings import Settings
from .state import AppState, get_state
from .tokens import check_live, verify

F = TypeVar("F", bound=Callable[..., Any])

LocationArg = str | Iterable[str] | None


def verify_jwt_in_request(
    optional: bool = False,
    fresh: bool = False,
    refresh: bool = False,
    locations: LocationArg = None,
    verify_type: bool = True,
    skip_revocation_check: bool = False,
    scopes: str | Iterable[str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Verify the token of the current request; store it for :func:`get_jwt` and friends.

    :param optional: let the request through when it carries no token at all
        (an invalid token is still refused).
    :param fresh: require a fresh access token.
    :param refresh: require a refresh token (and read the refresh cookie,
        CSRF and JSON names).
    :param locations: where to look, overriding ``JWT_TOKEN_LOCATION``.
    :param verify_type: check the token type (access or refresh).
    :param skip_revocation_check: skip the store and ``token_in_blocklist_loader``.
    :param scopes: scopes that must all be in the ``JWT_SCOPE_CLAIM`` claim: a
        string (one scope, or several separated by spaces) or an iterable of
        non-empty strings without whitespace.
    :returns: ``(header, claims)``, or ``None`` for an OPTIONS request or an
        optional view without a token.
    :raises JWTExtendedException: a check failed (answered by the error handlers).
    :raises jwt.InvalidTokenError: the token is invalid or expired.
    """
    current: Request = request_proxy._get_current_object()
    if current.method == "OPTIONS":
        return None
    state = get_state()
    settings = state.settings
    # jwt_required passes its arguments checked already: no call then.
    required_scopes = scopes if type(scopes) is _Scopes else _scopes(scopes)
    try:
        return _verify(
            current,
            state,
            settings,
            optional,
            fresh,
            refresh,
            normalise_locations(locations, settings),
            verify_type,
            skip_revocation_check,
            required_scopes,
        )
    except (JWTExtendedException, jwt.PyJWTError) as error:
        if signals.auth_failed.receivers:
            signals.auth_failed.send(state.app, reason=str(error), error=error)
        raise


def _verify(
    current: Request,
    state: AppState,
    settings: Settings,
    optional: bool,
    fresh: bool,
    refresh: bool,
    locations: tuple[str, ...],
    verify_type: bool,
    skip_revocation_check: bool,
    scopes: tuple[str, ...],
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    try:
        found = find_token(current, settings, locations, refresh)
    except NoAuthorizationError:
        if not optional:
            raise
        set_request_jwt(RequestJWT({}, {}, None, None))
        return None
    decoded = verify(state, settings, found.token)
    now = state.clock()
    check_live(decoded, settings, now, found.csrf_value)
    header, claims = decoded.header, decoded.claims
    if verify_type:
        if refresh and claims["type"] != "refresh":
            raise WrongTokenError("Only refresh tokens are allowed")
        if not refresh and claims["type"] == "refresh":
            raise WrongTokenError("Only non-refresh tokens are allowed")
    if fresh and not _is_fresh(claims.get("fresh"), now):
        raise FreshTokenRequired("Fresh token required", header, claims)
    if not skip_revocation_check:
        check_revoked(state, decoded)
    callbacks = state.callbacks
    check = callbacks.token_verification_loader
    if check is not None and not check(header, claims):
        raise UserClaimsVerificationError("User claims verification failed", header, claims)
    if scopes:
        _check_scopes(settings.scope_claim, scopes, header, claims)
    identity = claims.get(decoded.identity_claim)
    user = None
    lookup = callbacks.user_lookup_loader
    if lookup is not None:
        user = lookup(header, claims)
        if user is None:
            raise UserLookupError(f"user_lookup returned None for {identity}", header, claims)
    redemption = None
    if (
        refresh
        and settings.refresh_token_rotation
        and not skip_revocation_check
        and claims["type"] == "refresh"
    ):
        # Single-use refresh tokens are consumed here, after every other
        # check passed, so that no refresh view accepts one twice.
        redemption = redeem(state, settings, header, claims, now)
    # verify() handed out dicts of this request's own (the decode cache
    # keeps its copy): views may edit them.
    result = RequestJWT(
        header,
        claims,
        identity,
        found.location,
        user,
        found.token,
        decoded.external,
        redemption,
    )
    if found.location == "cookies" and settings.implicit_refresh is not None:
        previous = request_jwt()
        if previous is None or previous.location != "cookies":
            # Once per request, and only for requests that may need it.
            after_this_request(functools.partial(refresh_expiring_cookie, state))
    set_request_jwt(result)
    return result.header, result.claims


_SIGNATURE = inspect.signature(verify_jwt_in_request)


def _is_fresh(fresh: Any, now: float) -> bool:
    if isinstance(fresh, bool):
        return fresh
    # A number is a "fresh until" timestamp, checked without leeway.
    return isinstance(fresh, (int, float)) and now < fresh


class _Scopes(tuple[str, ...]):
    """Scopes already checked by :func:`_scopes`: ``jwt_required`` checks its
    argument once, and each request then passes it on as it is."""

    __slots__ = ()


_NO_SCOPES = _Scopes()


def _scopes(scopes: str | Iterable[str] | None) -> tuple[str, ...]:
    """The scopes a ``scopes`` argument names, checked.

    A string is one scope, or several separated by spaces; any other
    iterable holds one scope per item.

    :raises TypeError: *scopes* is neither, or an item is not a string.
    :raises ValueError: an item is empty or holds whitespace, so that no
        token could ever grant it.
    """
    if scopes is None:
        return _NO_SCOPES
    if isinstance(scopes, str):
        return _Scopes(scopes.split())
    if not isinstance(scopes, Iterable) or isinstance(scopes, (bytes, bytearray)):
        raise TypeError(
            "the scopes argument must be a string or an iterable of strings, "
            f"not {type(scopes).__name__}"
        )
    items = tuple(scopes)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(
                f"the scopes argument must hold strings only, not {type(item).__name__} ({item!r})"
            )
        if item.split() != [item]:
            raise ValueError(
                f"the scopes argument holds {item!r}, which no token can grant: each scope "
                "must be a non-empty string without whitespace"
            )
    return _Scopes(items)


def _check_scopes(
    claim: str, required: tuple[str, ...], header: dict[str, Any], claims: dict[str, Any]
) -> None:
    value = claims.get(claim)
    if isinstance(value, str):
        # RFC 6749 3.3: scope tokens are separated by spaces, and only spaces.
        granted = set(value.split(" "))
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        granted = set(value)
    else:
        # Absent, or of a type that cannot hold scopes: nothing is granted.
        granted = set()
    for scope in required:
        if scope not in granted:
            raise InsufficientScopeError(
                f"Missing required scope: {scope}", header, claims, required
            )


def jwt_required(
    optional: bool = False,
    fresh: bool = False,
    refresh: bool = False,
    locations: LocationArg = None,
    verify_type: bool = True,
    skip_revocation_check: bool = False,
    scopes: str | Iterable[str] | None = None,
) -> Callable[[F], F]:
    """Protect a view: it runs only when :func:`verify_jwt_in_request` passes.

    Always called with parentheses: ``@jwt_required()``. Works on plain and
    ``async def`` views. The arguments are those of
    :func:`verify_jwt_in_request`.

    :raises TypeError: *scopes* is not a string or an iterable of strings.
    :raises ValueError: an item of *scopes* is empty or holds whitespace.
    """
    if callable(optional):
        raise TypeError("jwt_required must be called: use @jwt_required(), with parentheses")
    kwargs: dict[str, Any] = {
        "optional": optional,
        "fresh": fresh,
        "refresh": refresh,
        # Read once: a one-shot iterable must serve every request (checked per request).
        "locations": (
            locations if locations is None or isinstance(locations, str) else tuple(locations)
        ),
        "verify_type": verify_type,
        "skip_revocation_check": skip_revocation_check,
        # Split once here, not per request; flask_jwt_kit.openapi reads the tuple.
        "scopes": _scopes(scopes),
    }

    # Passed by position on each request: cheaper than by keyword.
    arguments = _SIGNATURE.bind(**kwargs).args

    def decorator(fn: F) -> F:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **fn_kwargs: Any) -> Any:
                verify_jwt_in_request(*arguments)
                return await cast(Callable[..., Awaitable[Any]], fn)(*args, **fn_kwargs)

            wrapper: Callable[..., Any] = async_wrapper
        else:

            @functools.wraps(fn)
            def sync_wrapper(*args: Any, **fn_kwargs: Any) -> Any:
                verify_jwt_in_request(*arguments)
                return fn(*args, **fn_kwargs)

            wrapper = sync_wrapper
        # Read by flask_jwt_kit.openapi to describe the view's security.
        wrapper.__jwt_required__ = dict(kwargs)  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorator
