"""Revoking tokens and checking revocation: the glue between views and stores.

:func:`revoke_token` and :func:`revoke_all_tokens` write to the configured
store (``JWT_REVOCATION_STORE``); :func:`check_revoked` is what every
verified request runs, in one store round trip.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Mapping
from typing import Any

from . import signals
from .context import request_jwt
from .exceptions import JWTDecodeError, RevocationStoreUnavailable, RevokedTokenError
from .revocation.base import RevocationStore
from .state import AppState, get_state, system_time
from .tokens import Decoded, check_live, verify

logger = logging.getLogger("flask_jwt_kit")


def identity_key(identity: Any) -> str:
    """The string a store keys an identity by.

    Strings are used as they are; other JSON values as canonical JSON (so the
    identity ``5`` and ``"5"`` are the same user, as they are in most apps).
    """
    if isinstance(identity, str):
        return identity
    return json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str)


def store_identity(state: AppState, identity: Any) -> str:
    """The string a store keys *identity* by, as an application names it.

    A JSON value is taken as it appears in tokens; anything else (a user
    object) first goes through ``user_identity_loader``.
    """
    if not isinstance(identity, (str, int, float, bool, list, dict, type(None))):
        identity = state.callbacks.user_identity_loader(identity)
    return identity_key(identity)


def require_store(state: AppState, what: str) -> RevocationStore:
    """The configured store, or a clear error naming the setting."""
    # Settings first: reading them rebuilds the store if JWT_REVOCATION_STORE
    # changed since the last use.
    configured = state.settings.revocation_store
    store = state.store
    if configured is None or store is None:
        raise RuntimeError(
            f"{what} needs a revocation store: set JWT_REVOCATION_STORE "
            "(e.g. 'sqlite:///revocations.db' or 'redis://localhost:6379/0')"
        )
    return store


def check_revoked(state: AppState, decoded: Decoded, *, may_fail_open: bool = True) -> None:
    """Raise :class:`RevokedTokenError` if the store or the blocklist loader says so.

    :param may_fail_open: whether ``JWT_REVOCATION_FAIL_OPEN`` applies. Pass
        ``False`` before issuing anything from the token: a token of unknown
        status may be let through, never turned into a new one.
    :raises RevocationStoreUnavailable: the store failed, and
        ``JWT_REVOCATION_FAIL_OPEN`` is off or does not apply.
    """
    header, claims = decoded.header, decoded.claims
    store = state.store
    if store is not None:
        # Verified tokens always hold the identity claim; a null one
        # (JWT_VERIFY_SUB off) is "null", as revoke_all_tokens(None) records it.
        identity = identity_key(claims.get(decoded.identity_claim))
        iat = claims.get("iat")
        try:
            revoked = store.is_revoked(
                _text(claims.get("jti")),
                identity,
                _text(claims.get("sid")),
                float(iat) if iat is not None else None,
            )
        except RevocationStoreUnavailable:
            if not (may_fail_open and state.settings.revocation_fail_open):
                raise
            logger.warning("revocation store unavailable; JWT_REVOCATION_FAIL_OPEN lets it pass")
            revoked = False
        if revoked:
            raise RevokedTokenError(header, claims)
    loader = state.callbacks.token_in_blocklist_loader
    if loader is not None and loader(header, claims):
        raise RevokedTokenError(header, claims)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _claims_of(state: AppState, token: str | Mapping[str, Any] | None) -> dict[str, Any]:
    if token is None:
        current = request_jwt()
        if current is None or not current.claims:
            raise RuntimeError(
                "revoke_token() without a token needs a verified request: call it in a "
                "view protected by @jwt_required(), or pass the token"
            )
        return current.claims
    if isinstance(token, Mapping):
        return dict(token)
    settings = state.settings
    decoded = verify(state, settings, token)
    check_live(decoded, settings, state.clock(), allow_expired=True)
    return decoded.claims


def revoke_token(token: str | Mapping[str, Any] | None = None) -> None:
    """Revoke one token, until it would have expired anyway.

    :param token: an encoded token (verified first), a claims dict, or
        ``None`` for the token of the current request.
    :raises RuntimeError: no store is configured.
    :raises JWTDecodeError: the token has no ``jti`` (a string) to revoke it
        by; in a view this is answered with 422 ``Missing claim: jti``, as a
        client can present such a token (one from a trusted issuer, say).
    :raises RevocationStoreUnavailable: the store cannot be written.
    """
    state = get_state()
    store = require_store(state, "revoke_token()")
    claims = _claims_of(state, token)
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise JWTDecodeError("Missing claim: jti")
    store.revoke_jti(jti, accepted_until(claims, state.settings.decode_leeway))
    signals.token_revoked.send(state.app, kind="token", value=jti)


def revoke_all_tokens(identity: Any) -> None:
    """Log *identity* out everywhere: revoke every token issued to it before now.

    The revocation holds from the moment the call returns; tokens created
    after it are accepted. Since ``iat`` counts whole seconds, the call waits
    for the start of the next second, then writes: it may take up to one
    second.

    :param identity: the identity as it appears in tokens (what
        :func:`~flask_jwt_kit.get_jwt_identity` returns). An object that is not
        a JSON value (a user object) first goes through ``user_identity_loader``.
    :raises RuntimeError: no store is configured.
    :raises RevocationStoreUnavailable: the store cannot be written.
    """
    state = get_state()
    store = require_store(state, "revoke_all_tokens()")
    key = store_identity(state, identity)
    # ``iat`` is a whole second, so a token issued earlier in this second
    # cannot be told from one issued later: the cut-off is the start of the
    # next second, which revokes them all. On the system clock the call
    # waits for that second to begin before writing, so the revocation takes
    # effect as the call returns and every token created afterwards is
    # accepted. An injected clock (tests) is the caller's to move on.
    cutoff = float(math.floor(state.clock()) + 1)
    if state.clock is system_time:
        time.sleep(max(0.0, cutoff - system_time()))
    # One entry per identity, kept for good: a token created with a longer
    # expires_delta than the configured default must stay revoked too.
    store.revoke_identity(key, cutoff, None)
    signals.token_revoked.send(state.app, kind="identity", value=key)


def accepted_until(claims: Mapping[str, Any], leeway: float) -> float | None:
    """Until when a token could be accepted: ``exp``, then ``JWT_DECODE_LEEWAY`` more.

    Store entries about a token (revoked, consumed) must live that long;
    ``None`` (no ``exp``): for good.
    """
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        return float(exp) + leeway
    return None
