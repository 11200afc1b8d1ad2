"""The :class:`JWTManager`: binds the extension to apps, holds callbacks, answers errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import jwt
from flask import Flask, Response, jsonify

from .context import request_jwt
from .exceptions import (
    CSRFError,
    FreshTokenRequired,
    InsufficientScopeError,
    InvalidHeaderError,
    InvalidQueryParamError,
    JWTDecodeError,
    JWTExtendedException,
    NoAuthorizationError,
    RefreshTokenReusedError,
    RevocationStoreUnavailable,
    RevokedTokenError,
    SigningKeysUnavailable,
    UserClaimsVerificationError,
    UserLookupError,
    WrongTokenError,
)
from .settings import defaults
from .state import (
    EXTENSION_KEY,
    LEGACY_EXTENSION_KEY,
    STATE_KEY,
    AppState,
    Callbacks,
    get_state,
)
from .tokens import new_id

C = TypeVar("C", bound=Callable[..., Any])

ResponseValue = Any


class JWTManager:
    """Binds Flask-JWT-Kit to one or more Flask applications.

    :param app: an application to bind now (else call :meth:`init_app`).
    :param add_context_processor: make ``current_user`` available in templates.
    :param clock: returns the current POSIX time; tests inject their own.
    :param id_factory: makes ``jti``, ``csrf`` and ``sid`` values (uuid4 strings).

    Callbacks are registered with the decorator methods below; each returns
    the function it was given.
    """

    def __init__(
        self,
        app: Flask | None = None,
        add_context_processor: bool = False,
        *,
        clock: Callable[[], float] | None = None,
        id_factory: Callable[[], str] | None = None,
    ) -> None:
        #: The callbacks registered on this manager, shared by all its apps.
        self.callbacks = Callbacks()
        self._clock = clock
        self._id_factory = id_factory or new_id
        if app is not None:
            self.init_app(app, add_context_processor)

    def init_app(self, app: Flask, add_context_processor: bool = False) -> None:
        """Bind to *app*: write config defaults, validate them, register handlers.

        :raises RuntimeError: a JWTManager is already bound to *app*, or a
            setting is invalid (the message names the key).
        """
        if EXTENSION_KEY in app.extensions or STATE_KEY in app.extensions:
            raise RuntimeError(
                "A JWTManager is already registered on this application; "
                "create one JWTManager and call init_app once per app"
            )
        for key, value in defaults().items():
            app.config.setdefault(key, value)
        state = AppState(app, self.callbacks, self._clock, self._id_factory)
        state.rebuild()
        app.extensions[STATE_KEY] = state
        app.extensions[EXTENSION_KEY] = self
        app.extensions.setdefault(LEGACY_EXTENSION_KEY, self)
        self._register_error_handlers(app)
        if add_context_processor:
            app.context_processor(_template_context)
        from .hooks import init_app as init_hooks

        init_hooks(app, state)

    # ------------------------------------------------------------------ callbacks

    def additional_claims_loader(self, callback: C) -> C:
        """Register ``f(identity) -> dict``: claims added to every new token."""
        self.callbacks.set("additional_claims_loader", callback)
        return callback

    def additional_headers_loader(self, callback: C) -> C:
        """Register ``f(identity) -> dict``: headers added to every new token."""
        self.callbacks.set("additional_headers_loader", callback)
        return callback

    def user_identity_loader(self, callback: C) -> C:
        """Register ``f(identity) -> JSON value``: what goes into the identity claim."""
        self.callbacks.set("user_identity_loader", callback)
        return callback

    def user_lookup_loader(self, callback: C) -> C:
        """Register ``f(header, claims) -> user or None``: the object behind ``current_user``."""
        self.callbacks.set("user_lookup_loader", callback)
        return callback

    def user_lookup_error_loader(self, callback: C) -> C:
        """Register ``f(header, claims) -> response`` when the user lookup returned ``None``."""
        self.callbacks.set("user_lookup_error_loader", callback)
        return callback

    def token_in_blocklist_loader(self, callback: C) -> C:
        """Register ``f(header, claims) -> bool``: True when the token is revoked."""
        self.callbacks.set("token_in_blocklist_loader", callback)
        return callback

    def token_verification_loader(self, callback: C) -> C:
        """Register ``f(header, claims) -> bool``: anything falsy rejects the token."""
        self.callbacks.set("token_verification_loader", callback)
        return callback

    def token_verification_failed_loader(self, callback: C) -> C:
        """Register ``f(header, claims) -> response`` when the verification callback said no."""
        self.callbacks.set("token_verification_failed_loader", callback)
        return callback

    def expired_token_loader(self, callback: C) -> C:
        """Register ``f(header, claims) -> response`` for an expired token."""
        self.callbacks.set("expired_token_loader", callback)
        return callback

    def invalid_token_loader(self, callback: C) -> C:
        """Register ``f(message) -> response`` for an invalid token."""
        self.callbacks.set("invalid_token_loader", callback)
        return callback

    def unauthorized_loader(self, callback: C) -> C:
        """Register ``f(message) -> response`` when no token was found or CSRF failed."""
        self.callbacks.set("unauthorized_loader", callback)
        return callback

    def needs_fresh_token_loader(self, callback: C) -> C:
        """Register ``f(header, claims) -> response`` when a fresh token was needed."""
        self.callbacks.set("needs_fresh_token_loader", callback)
        return callback

    def revoked_token_loader(self, callback: C) -> C:
        """Register ``f(header, claims) -> response`` for a revoked token."""
        self.callbacks.set("revoked_token_loader", callback)
        return callback

    def encode_key_loader(self, callback: C) -> C:
        """Register ``f(identity) -> key``: the key new tokens are signed with."""
        self.callbacks.set("encode_key_loader", callback)
        return callback

    def decode_key_loader(self, callback: C) -> C:
        """Register ``f(unverified_header, unverified_claims) -> key`` to verify a token with."""
        self.callbacks.set("decode_key_loader", callback)
        return callback

    def insufficient_scope_loader(self, callback: C) -> C:
        """Register ``f(header, claims, required_scopes) -> response`` when a scope is missing."""
        self.callbacks.set("insufficient_scope_loader", callback)
        return callback

    def revocation_unavailable_loader(self, callback: C) -> C:
        """Register ``f(message) -> response`` when the revocation store cannot be read."""
        self.callbacks.set("revocation_unavailable_loader", callback)
        return callback

    # ------------------------------------------------------------------ errors

    def _set_error_handler_callbacks(self, app: Any) -> None:
        """Kept for code written against Flask-JWT-Extended (a Flask-RESTX recipe).

        Applications called it with their ``flask_restx.Api`` so that the
        extension's errors answered inside it. Here that happens without
        it (see :mod:`flask_jwt_kit.restx`); given an ``Api``, this applies
        the same arrangement at once, and given anything else (the app, a
        blueprint) it does nothing: the answers are app-wide already.
        """
        if hasattr(app, "error_handlers") and hasattr(app, "namespaces"):
            from .restx import defer_errors

            defer_errors(app)

    def _register_error_handlers(self, app: Flask) -> None:
        cb = self.callbacks

        def by_message(
            name: str, www: str | None
        ) -> Callable[[JWTExtendedException | jwt.PyJWTError], ResponseValue]:
            def handler(error: JWTExtendedException | jwt.PyJWTError) -> ResponseValue:
                callback = getattr(cb, name)
                if callback is not None:
                    return callback(str(error))
                return _default(error, str(error), www)

            return handler

        def by_token(
            name: str, www: str | None, message: Callable[[Any], str] = str
        ) -> Callable[[Any], ResponseValue]:
            def handler(error: Any) -> ResponseValue:
                header = getattr(error, "jwt_header", None) or {}
                claims = getattr(error, "jwt_data", None) or {}
                callback = getattr(cb, name)
                if callback is not None:
                    return callback(header, claims)
                return _default(error, message(error), www)

            return handler

        invalid = by_message("invalid_token_loader", None)
        unauthorized = by_message("unauthorized_loader", "Bearer")
        for cls in (NoAuthorizationError, CSRFError):
            app.register_error_handler(cls, unauthorized)
        for invalid_cls in (
            InvalidHeaderError,
            InvalidQueryParamError,
            JWTDecodeError,
            WrongTokenError,
            jwt.InvalidTokenError,
        ):
            app.register_error_handler(invalid_cls, invalid)
        app.register_error_handler(
            jwt.ExpiredSignatureError,
            by_token("expired_token_loader", _INVALID, lambda e: "Token has expired"),
        )
        app.register_error_handler(RevokedTokenError, by_token("revoked_token_loader", _INVALID))
        app.register_error_handler(RefreshTokenReusedError, self._reuse_handler)
        # The contract's fixed answers, whatever message app code raised with.
        app.register_error_handler(
            FreshTokenRequired,
            by_token("needs_fresh_token_loader", _INVALID, lambda e: "Fresh token required"),
        )
        app.register_error_handler(
            UserLookupError,
            by_token("user_lookup_error_loader", _INVALID, _user_lookup_message),
        )
        app.register_error_handler(
            UserClaimsVerificationError,
            by_token(
                "token_verification_failed_loader",
                None,
                lambda e: "User claims verification failed",
            ),
        )
        app.register_error_handler(InsufficientScopeError, self._scope_handler)
        app.register_error_handler(
            RevocationStoreUnavailable, by_message("revocation_unavailable_loader", None)
        )
        app.register_error_handler(SigningKeysUnavailable, lambda e: _default(e, str(e), None))
        app.register_error_handler(JWTExtendedException, lambda e: _default(e, str(e), None))

    def _reuse_handler(self, error: RefreshTokenReusedError) -> ResponseValue:
        callback = self.callbacks.revoked_token_loader
        if callback is not None:
            return callback(error.jwt_header, error.jwt_data)
        return _default(error, str(error), _INVALID)

    def _scope_handler(self, error: InsufficientScopeError) -> ResponseValue:
        callback = self.callbacks.insufficient_scope_loader
        if callback is not None:
            return callback(error.jwt_header, error.jwt_data, error.scopes)
        scope = " ".join(error.scopes).replace('"', "")
        return _default(error, str(error), f'Bearer error="insufficient_scope", scope="{scope}"')


_INVALID = 'Bearer error="invalid_token"'


def _user_lookup_message(error: UserLookupError) -> str:
    claim = get_state().settings.identity_claim
    return f"Error loading the user {error.jwt_data.get(claim)}"


def _default(error: Any, message: str, www_authenticate: str | None) -> Response:
    status = getattr(error, "status_code", None)
    if status is None:
        # PyJWT's errors: an expired token is 401, anything else invalid is 422.
        status = 401 if isinstance(error, jwt.ExpiredSignatureError) else 422
    key = get_state().settings.error_message_key
    response = jsonify({key: message})
    response.status_code = status
    if www_authenticate is not None and status in (401, 403):
        response.headers["WWW-Authenticate"] = www_authenticate
    return response


def _template_context() -> dict[str, Any]:
    def user() -> Any:
        value = request_jwt()
        return None if value is None else value.user

    from werkzeug.local import LocalProxy

    return {"current_user": LocalProxy(user)}


__all__ = ["JWTManager", "AppState"]
