"""Exceptions raised by Flask-JWT-Kit.

Every exception carries the HTTP status code its default error handler
answers with. The tree::

    JWTExtendedException
     +-- NoAuthorizationError          401  no token found
     +-- CSRFError                     401  double submit check failed
     +-- InvalidHeaderError            422  malformed Authorization header
     +-- InvalidQueryParamError        422  query value lacks the prefix
     +-- JWTDecodeError                422  claims missing or of the wrong type
     |    +-- InvalidKeyIdError        422  ``kid`` missing or unknown
     +-- WrongTokenError               422  access token where refresh expected, or back
     +-- RevokedTokenError             401  token is revoked
     |    +-- RefreshTokenReusedError  401  a consumed refresh token came back
     +-- FreshTokenRequired            401  view needs a fresh token
     +-- UserLookupError               401  user lookup returned ``None``
     +-- UserClaimsVerificationError   400  ``token_verification_loader`` said no
     +-- InsufficientScopeError        403  a required scope is missing
     +-- RevocationStoreUnavailable    503  revocation status cannot be read
     +-- SigningKeysUnavailable        503  a trusted issuer's keys cannot be fetched

Errors from PyJWT (``jwt.ExpiredSignatureError``, ``jwt.DecodeError``, ...)
are not wrapped: they propagate as themselves, as in Flask-JWT-Extended.
"""

from __future__ import annotations

from typing import Any


class JWTExtendedException(Exception):
    """Root of every exception raised by this extension."""

    #: HTTP status code of the default error response.
    status_code: int = 500

    @property
    def message(self) -> str:
        """The message given to the exception, or its class name."""
        return str(self.args[0]) if self.args else type(self).__name__


class JWTDecodeError(JWTExtendedException):
    """A token decoded but its claims are missing or of the wrong type."""

    status_code = 422


class InvalidKeyIdError(JWTDecodeError):
    """A token's ``kid`` header is missing or names no configured key."""


class InvalidHeaderError(JWTExtendedException):
    """The header holding the token is malformed."""

    status_code = 422


class InvalidQueryParamError(JWTExtendedException):
    """The query string value does not start with the configured prefix."""

    status_code = 422


class NoAuthorizationError(JWTExtendedException):
    """No token was found where one was expected."""

    status_code = 401


class CSRFError(JWTExtendedException):
    """The CSRF double submit check failed."""

    status_code = 401


class WrongTokenError(JWTExtendedException):
    """A refresh token was used where an access token is needed, or back."""

    status_code = 422


class _TokenError(JWTExtendedException):
    """An error about a token that decoded: carries its header and claims."""

    def __init__(self, message: str, jwt_header: dict[str, Any], jwt_data: dict[str, Any]):
        super().__init__(message)
        #: The verified header of the token.
        self.jwt_header = jwt_header
        #: The verified claims of the token.
        self.jwt_data = jwt_data


class RevokedTokenError(_TokenError):
    """The token has been revoked.

    :param jwt_header: the token's header.
    :param jwt_data: the token's claims.
    """

    status_code = 401

    def __init__(self, jwt_header: dict[str, Any], jwt_data: dict[str, Any]):
        super().__init__("Token has been revoked", jwt_header, jwt_data)


class RefreshTokenReusedError(RevokedTokenError):
    """A refresh token that was already consumed by rotation came back.

    The whole session has been revoked when this is raised.
    """

    def __init__(self, jwt_header: dict[str, Any], jwt_data: dict[str, Any]):
        super().__init__(jwt_header, jwt_data)
        self.args = ("Refresh token reuse detected",)


class FreshTokenRequired(_TokenError):
    """The view needs a fresh token and the token is not fresh."""

    status_code = 401


class UserLookupError(_TokenError):
    """The ``user_lookup_loader`` callback returned ``None``."""

    status_code = 401


class UserClaimsVerificationError(_TokenError):
    """The ``token_verification_loader`` callback rejected the claims."""

    status_code = 400


class InsufficientScopeError(_TokenError):
    """The token lacks a scope the view requires.

    :param scopes: the scopes the view requires (all of them).
    """

    status_code = 403

    def __init__(
        self,
        message: str,
        jwt_header: dict[str, Any],
        jwt_data: dict[str, Any],
        scopes: tuple[str, ...] = (),
    ):
        super().__init__(message, jwt_header, jwt_data)
        #: Every scope the view requires.
        self.scopes = scopes


class RevocationStoreUnavailable(JWTExtendedException):
    """The revocation store could not be read or written."""

    status_code = 503

    def __init__(self, message: str = "Token revocation status unavailable"):
        super().__init__(message)


class SigningKeysUnavailable(JWTExtendedException):
    """A trusted issuer's signing keys could not be fetched and none are cached."""

    status_code = 503

    def __init__(self, message: str = "Signing keys unavailable"):
        super().__init__(message)
