"""Per-application state and the callback registry.

One :class:`AppState` per Flask application lives in
``app.extensions[STATE_KEY]``; it owns the parsed settings and everything
derived from them (key sets, the revocation store, the decode cache), and
rebuilds them when ``app.config`` changes.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from . import settings as settings_module
from .context import app_proxy
from .settings import MINIMUM_SECRET_LENGTH, Settings
from .tokens import DecodeCache, PreparedKeys, json_encoder_for, new_id

if TYPE_CHECKING:
    from .keys import KeySet, TrustedIssuers
    from .revocation.base import RevocationStore

#: Where the manager is registered (and under the original's name too).
EXTENSION_KEY = "flask-jwt-kit"
LEGACY_EXTENSION_KEY = "flask-jwt-extended"
#: Where the per-application state lives.
STATE_KEY = "flask-jwt-kit.state"

HeaderClaims = Callable[[dict[str, Any], dict[str, Any]], Any]
MessageCallback = Callable[[str], Any]


def _identity(value: Any) -> Any:
    return value


def _no_claims(identity: Any) -> dict[str, Any]:
    return {}


@dataclass
class Callbacks:
    """Every callback the application registered. ``None``: default behaviour."""

    additional_claims_loader: Callable[[Any], dict[str, Any]] = _no_claims
    additional_headers_loader: Callable[[Any], dict[str, Any]] = _no_claims
    user_identity_loader: Callable[[Any], Any] = _identity
    user_lookup_loader: HeaderClaims | None = None
    user_lookup_error_loader: HeaderClaims | None = None
    token_in_blocklist_loader: HeaderClaims | None = None
    token_verification_loader: HeaderClaims | None = None
    token_verification_failed_loader: HeaderClaims | None = None
    expired_token_loader: HeaderClaims | None = None
    invalid_token_loader: MessageCallback | None = None
    unauthorized_loader: MessageCallback | None = None
    needs_fresh_token_loader: HeaderClaims | None = None
    revoked_token_loader: HeaderClaims | None = None
    encode_key_loader: Callable[[Any], Any] | None = None
    decode_key_loader: HeaderClaims | None = None
    insufficient_scope_loader: Callable[[dict[str, Any], dict[str, Any], tuple[str, ...]], Any] | (
        None
    ) = None
    revocation_unavailable_loader: MessageCallback | None = None
    #: Bumped on every change, so caches that depend on callbacks can tell.
    version: int = field(default=0, compare=False)

    def set(self, name: str, function: Any) -> None:
        """Register *function* as the callback *name*."""
        if name not in _CALLBACK_NAMES:
            raise AttributeError(name)
        setattr(self, name, function)
        self.version += 1


_CALLBACK_NAMES = frozenset(f.name for f in fields(Callbacks)) - {"version"}


def system_time() -> float:
    """The current POSIX time, from :func:`time.time` looked up at each call.

    Looking it up each time lets time-freezing libraries (freezegun,
    time-machine) started after the app was built take effect.
    """
    return time.time()


class AppState:
    """Everything the extension keeps for one application."""

    def __init__(
        self,
        app: Flask,
        callbacks: Callbacks,
        clock: Callable[[], float] | None = None,
        id_factory: Callable[[], str] = new_id,
    ):
        self.app = app
        self.callbacks = callbacks
        #: Current time as a POSIX timestamp; injectable for tests.
        self.clock = clock or system_time
        #: Makes ``jti``, ``csrf`` and ``sid`` values; injectable for tests.
        self.id_factory = id_factory
        self.keys = PreparedKeys()
        self.decode_cache = DecodeCache(0)
        self.keyset: KeySet | None = None
        self.issuers: TrustedIssuers | None = None
        self.store: RevocationStore | None = None
        self._owns_store = False
        self._settings: Settings | None = None
        self._snapshot: settings_module.Snapshot | None = None
        self._callbacks_version = -1
        self._lock = threading.RLock()
        self._warned_secrets: set[Any] = set()
        self._json: tuple[Any, type[Any]] | None = None

    @property
    def settings(self) -> Settings:
        """The current settings, rebuilt first if ``app.config`` changed."""
        current = self._settings
        if (
            current is not None
            and self._callbacks_version == self.callbacks.version
            and settings_module.unchanged(self.app.config, self._snapshot)
        ):
            return current
        return self.rebuild()

    def rebuild(self) -> Settings:
        """Parse ``app.config`` again and refresh what depends on it.

        :raises RuntimeError: a setting is invalid (the message names it).
        """
        with self._lock:
            config = self.app.config
            settings_module.watch(config)
            snapshot = settings_module.snapshot(config)
            new = Settings.from_config(config)
            old = self._settings
            self._check_secret(new)
            if old is None or new.keys != old.keys or new.signing_key_id != old.signing_key_id:
                self.keyset = self._build_keyset(new)
            if old is None or _issuer_config(new) != _issuer_config(old):
                self.issuers = self._build_issuers(new)
            if old is None or not _same_store(new.revocation_store, old.revocation_store):
                self._replace_store(new)
            self.decode_cache = DecodeCache(new.decode_cache_size, new)
            self.keys = PreparedKeys()
            self._settings, self._snapshot = new, snapshot
            self._callbacks_version = self.callbacks.version
            return new

    def _check_secret(self, settings: Settings) -> None:
        secret = settings.secret_key
        if not settings.is_symmetric or not secret or settings.keys is not None:
            return
        length = len(secret.encode() if isinstance(secret, str) else secret)
        minimum = MINIMUM_SECRET_LENGTH[settings.algorithm]
        if length >= minimum:
            return
        message = (
            f"JWT_SECRET_KEY is {length} bytes long; {settings.algorithm} needs at least "
            f"{minimum} random bytes (e.g. secrets.token_urlsafe({minimum}))"
        )
        if settings.reject_weak_secrets:
            raise RuntimeError(message + " and JWT_REJECT_WEAK_SECRETS is set")
        if (settings.algorithm, secret) not in self._warned_secrets:
            self._warned_secrets.add((settings.algorithm, secret))
            warnings.warn(message, WeakSecretWarning, stacklevel=4)

    def _build_keyset(self, settings: Settings) -> KeySet | None:
        if settings.keys is None:
            if settings.signing_key_id is not None:
                raise RuntimeError("JWT_SIGNING_KEY_ID is set but JWT_KEYS is not")
            return None
        from .keys import KeySet

        return KeySet.from_config(settings.keys, settings.signing_key_id)

    def _build_issuers(self, settings: Settings) -> TrustedIssuers | None:
        if not settings.trusted_issuers:
            return None
        from .keys import TrustedIssuers

        return TrustedIssuers.from_config(
            settings.trusted_issuers,
            clock=self.clock,
            cache_seconds=settings.jwks_cache_seconds,
            min_refresh_seconds=settings.jwks_min_refresh_seconds,
            timeout=settings.jwks_fetch_timeout,
        )

    def _replace_store(self, settings: Settings) -> None:
        from .revocation import store_from_config

        old, owned = self.store, self._owns_store
        self.store = store_from_config(settings.revocation_store)
        # A store built here from a URL is ours to close; an object the
        # application passed in is not.
        self._owns_store = isinstance(settings.revocation_store, str)
        if old is not None and owned and old is not self.store:
            old.close()

    @property
    def json_encoder(self) -> type[Any]:
        """A JSON encoder class that serialises claims as the app's JSON provider does."""
        provider = self.app.json
        cached = self._json
        if cached is None or cached[0] is not provider:
            if isinstance(provider, DefaultJSONProvider):
                default = provider.default
            else:
                # Another provider (orjson, ...): let it serialise what the
                # standard encoder cannot, and read its output back.
                def default(value: Any) -> Any:
                    return json.loads(provider.dumps(value))

            cached = self._json = (provider, json_encoder_for(default))
        return cached[1]

    def close(self) -> None:
        """Release the revocation store, if this state opened it."""
        if self.store is not None and self._owns_store:
            self.store.close()


def _same_store(new: Any, old: Any) -> bool:
    # A URL names the same store when it is equal (config loaders make new
    # strings each time); an object is the same store only if it is the same
    # object. Reopening a store would close the old one, and memory://
    # would forget every revocation.
    return new is old or (isinstance(new, str) and new == old)


def _issuer_config(settings: Settings) -> tuple[Any, ...]:
    return (
        settings.trusted_issuers,
        settings.jwks_cache_seconds,
        settings.jwks_min_refresh_seconds,
        settings.jwks_fetch_timeout,
    )


class WeakSecretWarning(UserWarning):
    """The HMAC secret is shorter than its algorithm's hash output."""


def get_state(app: Flask | None = None) -> AppState:
    """The state of *app* (default: the current app).

    :raises RuntimeError: no :class:`~flask_jwt_kit.JWTManager` is bound to the app.
    """
    target = app_proxy._get_current_object() if app is None else app
    try:
        state: AppState = target.extensions[STATE_KEY]
    except KeyError:
        raise RuntimeError(
            "You must initialize a JWTManager with this flask application before using this method"
        ) from None
    return state
