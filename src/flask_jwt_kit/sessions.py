"""Login sessions: token pairs, refresh-token rotation with reuse detection, implicit refresh.

A *session* is every token sharing one ``sid`` claim: the pair that
:func:`create_token_pair` makes at login and the pairs :func:`rotate_tokens`
makes from it. With a revocation store (``JWT_REVOCATION_STORE``) each
session is recorded (:func:`list_sessions`) and can be ended as a whole
(:func:`revoke_session`): access and refresh tokens together.

Rotation (``JWT_REFRESH_TOKEN_ROTATION = True``, which needs a store) makes
refresh tokens single-use. The presented refresh token is consumed when a
``jwt_required(refresh=True)`` view verifies it, after every other check
passed, not when the view calls :func:`rotate_tokens`: so no refresh view,
rotating or not, accepts a refresh token twice, and a view that does not
call :func:`rotate_tokens` leaves its client without a usable refresh
token. A view protected with ``skip_revocation_check=True`` consumes
nothing until it calls :func:`rotate_tokens`. A consumed token presented
again more than ``JWT_REFRESH_REUSE_GRACE`` seconds after its first use
(with the default of 0, at any time) means that two parties hold it: the
whole session is revoked, :data:`~flask_jwt_kit.signals.refresh_token_reused`
is sent and the request is answered with 401 ``Refresh token reuse
detected``.

A refresh token without ``sid`` (made by ``create_refresh_token``) is
rotated into a session whose ``sid`` is derived from the token's ``jti``:
the pairs it yields, even within the grace period, share that session, and
its reuse revokes exactly them.

With a store, redeeming a refresh token also reads its identity's sessions:
a token naming a session the store does not hold live (revoked, expired,
never recorded, or another identity's) is refused with 401 ``Token has been
revoked``. A refresh request thus costs up to three store round trips (the
revocation check, that read, the consumption); access tokens keep the one
round trip of every request, so an unknown ``sid`` alone does not make them
invalid.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from flask import Response

from . import signals
from .blocklist import (
    accepted_until,
    check_revoked,
    identity_key,
    require_store,
    store_identity,
)
from .context import RequestJWT, request_jwt
from .cookies import set_access_cookies
from .exceptions import (
    JWTDecodeError,
    RefreshTokenReusedError,
    RevocationStoreUnavailable,
    RevokedTokenError,
)
from .revocation.base import ConsumeResult, RevocationStore, SessionInfo
from .settings import Settings
from .state import AppState, Callbacks, get_state
from .tokens import Decoded, encode, expiry_timestamp

logger = logging.getLogger("flask_jwt_kit")

#: Claims a reissued token gets anew rather than from the token it replaces.
_RESERVED_CLAIMS = frozenset({"iat", "nbf", "exp", "jti", "csrf", "type", "fresh"})

#: Namespace of the session ids derived from the ``jti`` of sid-less refresh tokens.
_DERIVED_SID_NAMESPACE = uuid.UUID("0b5c1e7e-6f3a-4c8e-9d2b-5a7f3e1c9b40")

_DEFAULT_IDENTITY_LOADER = Callbacks().user_identity_loader

_NOT_A_REFRESH_VIEW = (
    "rotate_tokens() needs a verified refresh token: call it in a view protected by "
    "@jwt_required(refresh=True)"
)


class TokenPair(NamedTuple):
    """An access token and a refresh token of one session.

    .. versionadded:: 0.1
    """

    #: The encoded access token.
    access_token: str
    #: The encoded refresh token.
    refresh_token: str


@dataclass(slots=True)
class Redemption:
    """What redeeming the refresh token of the current request established."""

    #: The session the new pair joins.
    sid: str
    #: Its stored record; ``None`` without a store, or for a session not yet recorded.
    session: SessionInfo | None
    #: Whether :func:`rotate_tokens` already issued a pair in this request.
    rotated: bool = False


def create_token_pair(
    identity: Any,
    fresh: Any = False,
    additional_claims: Mapping[str, Any] | None = None,
    additional_headers: Mapping[str, Any] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> TokenPair:
    """Log *identity* in: an access and a refresh token sharing a new ``sid``.

    With a revocation store the session is recorded, so that
    :func:`list_sessions` shows it and :func:`revoke_session` ends it;
    without one the tokens still carry their ``sid``. Needs an application
    context.

    :param identity: as for :func:`~flask_jwt_kit.create_access_token`.
    :param fresh: freshness of the access token, as for
        :func:`~flask_jwt_kit.create_access_token`.
    :param additional_claims: claims put in both tokens (not ``sid``).
    :param additional_headers: JOSE headers put in both tokens.
    :param metadata: strings kept with the session (user agent, IP, ...).
    :raises ValueError: *additional_claims* holds ``sid``.
    :raises TypeError: *metadata* is not a mapping of strings to strings, or
        a claim cannot be serialised.
    :raises RevocationStoreUnavailable: the store cannot be written.

    .. versionadded:: 0.1
    """
    if additional_claims is not None and "sid" in additional_claims:
        raise ValueError("create_token_pair() sets the 'sid' claim itself")
    recorded = _checked_metadata(metadata)
    state = get_state()
    settings = state.settings
    now = state.clock()
    sid = state.id_factory()
    pair, expires_at = _issue(
        state,
        settings,
        identity,
        now,
        {"sid": sid},
        fresh=fresh,
        additional_claims=additional_claims,
        additional_headers=additional_headers,
    )
    store = state.store
    if store is not None:
        key = identity_key(state.callbacks.user_identity_loader(identity))
        store.save_session(SessionInfo(sid, key, now, now, expires_at, recorded))
    return pair


def rotate_tokens(metadata: Mapping[str, str] | None = None) -> TokenPair:
    """A new pair in the session of the refresh token of the current request.

    The new tokens keep the custom claims of the refresh token (every claim
    but ``iat``, ``nbf``, ``exp``, ``jti``, ``csrf``, ``type`` and
    ``fresh``) below the output of ``additional_claims_loader``; the access
    token is not fresh. The loaders receive ``current_user`` when the
    application registered both a ``user_identity_loader`` and a
    ``user_lookup_loader``, else the identity claim.

    With a store, the session must still be live, and its record is updated
    (with *metadata*, when given). With ``JWT_REFRESH_TOKEN_ROTATION`` the
    refresh token is consumed, if the view's verification has not already
    done so.

    :param metadata: replaces the metadata kept with the session.
    :raises RuntimeError: the request carries no verified refresh token, or
        a pair was already issued in this request.
    :raises RevokedTokenError: the token's session is not live in the store.
    :raises RefreshTokenReusedError: the token was already consumed; its
        session is now revoked.
    :raises RevocationStoreUnavailable: the store cannot be used.

    .. versionadded:: 0.1
    """
    recorded = None if metadata is None else _checked_metadata(metadata)
    current = request_jwt()
    if current is None or current.external or current.claims.get("type") != "refresh":
        raise RuntimeError(_NOT_A_REFRESH_VIEW)
    state = get_state()
    settings = state.settings
    now = state.clock()
    redemption = current.redemption
    if redemption is None:
        # The view may have skipped the revocation check (or verified the
        # token before it was revoked): a revoked token never yields a pair,
        # nor does one whose status is unknown (JWT_REVOCATION_FAIL_OPEN
        # lets requests through, it does not issue tokens).
        check_revoked(
            state,
            Decoded(current.header, current.claims, settings.identity_claim),
            may_fail_open=False,
        )
        redemption = redeem(state, settings, current.header, current.claims, now)
        current.redemption = redemption
    if redemption.rotated:
        raise RuntimeError("rotate_tokens() was already called in this request")
    extra = _carried_claims(current.claims, settings.identity_claim)
    extra[settings.identity_claim] = current.identity
    extra["sid"] = redemption.sid
    pair, expires_at = _issue(state, settings, _loader_identity(state, current), now, extra)
    redemption.rotated = True
    store = state.store
    if store is not None:
        session = redemption.session
        if session is None:
            key = identity_key(current.identity)
            session = SessionInfo(redemption.sid, key, now, now, expires_at, recorded or {})
            store.save_session(session)
        elif recorded is not None:
            store.save_session(
                replace(session, last_refreshed_at=now, expires_at=expires_at, metadata=recorded)
            )
        else:
            store.touch_session(redemption.sid, now, expires_at)
    return pair


def revoke_session(sid: str) -> None:
    """End the session *sid*: every token carrying it is refused from now on.

    :param sid: the session id (the ``sid`` claim, or :attr:`SessionInfo.sid`).
    :raises TypeError: *sid* is not a string.
    :raises RuntimeError: no revocation store is configured.
    :raises RevocationStoreUnavailable: the store cannot be written.

    .. versionadded:: 0.1
    """
    if not isinstance(sid, str):
        raise TypeError(f"sid must be a string, not {type(sid).__name__}")
    state = get_state()
    settings = state.settings
    store = require_store(state, "revoke_session()")
    _revoke(state, settings, store, sid, state.clock())


def list_sessions(identity: Any) -> list[SessionInfo]:
    """The live sessions of *identity* (not revoked, not expired), newest first.

    :param identity: as it appears in tokens (what
        :func:`~flask_jwt_kit.get_jwt_identity` returns); an object that is
        not a JSON value (a user object) first goes through
        ``user_identity_loader``.
    :raises RuntimeError: no revocation store is configured.
    :raises RevocationStoreUnavailable: the store cannot be read.

    .. versionadded:: 0.1
    """
    state = get_state()
    store = require_store(state, "list_sessions()")
    key = store_identity(state, identity)
    found = store.list_sessions(key, state.clock())
    # A session whose refresh token was issued before a "log out everywhere"
    # cut-off (revoke_all_tokens) is over too. Revocation by cut-off is
    # monotonic in time, so a binary search finds the oldest live session
    # in a few round trips.
    times = sorted({info.last_refreshed_at for info in found})
    low, high = 0, len(times)
    while low < high:
        middle = (low + high) // 2
        if store.is_revoked(None, key, None, times[middle]):
            low = middle + 1
        else:
            high = middle
    if low == 0:
        return found
    oldest_live = times[low] if low < len(times) else math.inf
    return [info for info in found if info.last_refreshed_at >= oldest_live]


# --------------------------------------------------------------------------- internals


def redeem(
    state: AppState,
    settings: Settings,
    header: dict[str, Any],
    claims: dict[str, Any],
    now: float,
) -> Redemption:
    """Check a verified refresh token's session and, under rotation, consume the token.

    Called by the verification of refresh views (rotation on) and by
    :func:`rotate_tokens`. The session is looked up before the token is
    consumed, so of concurrent requests the one that consumes it always
    finds its session live.

    :raises RevokedTokenError: the token names a session the store does not
        hold live (revoked, expired, never recorded, or another identity's).
    :raises JWTDecodeError: under rotation, the token has no ``jti``.
    :raises RefreshTokenReusedError: the token was already consumed.
    """
    identity = claims.get(settings.identity_claim)
    jti = claims.get("jti")
    claimed = claims.get("sid")
    named = isinstance(claimed, str)
    sid = claimed if isinstance(claimed, str) else _derived_sid(state, jti)
    session = None
    store = state.store
    if store is not None:
        key = identity_key(identity)
        # Leeway lets a token live a little past its exp; so does its session.
        live = store.list_sessions(key, now - settings.decode_leeway)
        session = next((info for info in live if info.sid == sid), None)
        if session is None and named:
            raise RevokedTokenError(header, claims)
    if settings.refresh_token_rotation:
        store = require_store(state, "JWT_REFRESH_TOKEN_ROTATION")
        if not isinstance(jti, str) or not jti:
            raise JWTDecodeError("Missing claim: jti")
        grace = settings.refresh_reuse_grace
        until = accepted_until(claims, settings.decode_leeway)
        outcome = store.consume_refresh(jti, now, grace, until)
        # A grace of 0 means no second use at all, even at the same instant.
        if outcome is ConsumeResult.REUSED or (
            outcome is ConsumeResult.WITHIN_GRACE and grace <= 0
        ):
            _revoke(state, settings, store, sid, now)
            signals.refresh_token_reused.send(state.app, identity=identity, sid=sid)
            raise RefreshTokenReusedError(header, claims)
    return Redemption(sid, session)


def refresh_expiring_cookie(state: AppState, response: Response) -> Response:
    """Reissue the access cookie when it expires within ``JWT_IMPLICIT_REFRESH``.

    Runs after a request whose token :func:`~flask_jwt_kit.verify_jwt_in_request`
    found in a cookie while the setting was on (it arranges this call with
    :func:`flask.after_this_request`, so it runs before the application's
    ``after_request`` hooks). It acts only when the request's access token
    was verified from a cookie, the response is successful (status below
    400) and sets no access cookie itself, and the token is still not
    revoked. The new access token keeps the identity and
    the custom claims (``sid`` included) and is not fresh; the loaders
    receive what they receive in :func:`rotate_tokens`. If a loader fails,
    the error is logged and the response goes out unchanged.
    """
    current = request_jwt()
    if current is None or current.location != "cookies":
        return response
    settings = state.settings
    window = settings.implicit_refresh
    if (
        window is None
        or response.status_code >= 400
        or current.external
        or current.claims.get("type") != "access"
    ):
        return response
    claims = current.claims
    exp = _number(claims.get("exp"))
    now = state.clock()
    if exp is None or exp - now > window.total_seconds():
        return response
    prefix = settings.access_cookie_name + "="
    if any(value.startswith(prefix) for value in response.headers.getlist("Set-Cookie")):
        return response
    try:
        # The view may have just revoked the token (a logout): do not undo it.
        # With the store down, JWT_REVOCATION_FAIL_OPEN lets the request
        # through but must not launder a revoked token into a fresh one.
        check_revoked(
            state, Decoded(current.header, claims, settings.identity_claim), may_fail_open=False
        )
    except (RevokedTokenError, RevocationStoreUnavailable):
        return response
    extra = _carried_claims(claims, settings.identity_claim)
    extra[settings.identity_claim] = current.identity
    try:
        token = encode(
            state, settings, _loader_identity(state, current), "access", extra_claims=extra
        )
    except Exception:
        # A loader that cannot take what it is given must not turn the
        # view's success into a 500: the client just refreshes later.
        logger.exception("JWT_IMPLICIT_REFRESH: the access token could not be reissued")
        return response
    set_access_cookies(response, token)
    return response


def _issue(
    state: AppState,
    settings: Settings,
    identity: Any,
    now: float,
    extra: dict[str, Any],
    fresh: Any = False,
    additional_claims: Mapping[str, Any] | None = None,
    additional_headers: Mapping[str, Any] | None = None,
) -> tuple[TokenPair, float | None]:
    """Encode a pair; return it with the refresh token's expiry."""
    access = encode(
        state,
        settings,
        identity,
        "access",
        fresh=fresh,
        additional_claims=additional_claims,
        additional_headers=additional_headers,
        extra_claims=extra,
    )
    expires = settings.refresh_token_expires
    expires_at = None if expires is False else float(expiry_timestamp(now, expires))
    if expires_at is not None:
        # The session record and the token must agree on the expiry.
        extra = {**extra, "exp": int(expires_at)}
    refresh = encode(
        state,
        settings,
        identity,
        "refresh",
        additional_claims=additional_claims,
        additional_headers=additional_headers,
        extra_claims=extra,
    )
    return TokenPair(access, refresh), expires_at


def _revoke(
    state: AppState, settings: Settings, store: RevocationStore, sid: str, now: float
) -> None:
    store.revoke_session(sid, _horizon(settings, now))
    signals.token_revoked.send(state.app, kind="session", value=sid)


def _horizon(settings: Settings, now: float) -> float | None:
    """When no token of a session issued up to *now* is accepted any more (``None``: never).

    That is after the later expiry, and ``JWT_DECODE_LEEWAY`` more.
    """
    latest = None
    for expires in (settings.access_token_expires, settings.refresh_token_expires):
        if expires is False:
            return None
        moment = float(expiry_timestamp(now, expires)) + settings.decode_leeway
        latest = moment if latest is None else max(latest, moment)
    return latest


def _carried_claims(claims: Mapping[str, Any], identity_claim: str) -> dict[str, Any]:
    """The claims a reissued token takes over from the one it replaces."""
    return {
        name: value
        for name, value in claims.items()
        if name not in _RESERVED_CLAIMS and name != identity_claim
    }


def _loader_identity(state: AppState, current: RequestJWT) -> Any:
    """What the claims, headers and key loaders receive for a reissued token.

    An app with its own ``user_identity_loader`` and a ``user_lookup_loader``
    creates tokens from user objects: it gets the loaded user back.
    """
    callbacks = state.callbacks
    if (
        callbacks.user_identity_loader is not _DEFAULT_IDENTITY_LOADER
        and callbacks.user_lookup_loader is not None
    ):
        return current.user
    return current.identity


def _derived_sid(state: AppState, jti: Any) -> str:
    if isinstance(jti, str):
        return str(uuid.uuid5(_DERIVED_SID_NAMESPACE, jti))
    return state.id_factory()


def _checked_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise TypeError("session metadata must be a mapping of strings to strings")
    return dict(metadata)


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None
