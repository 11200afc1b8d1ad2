"""Flask-JWT-Kit: JSON Web Tokens for Flask, a drop-in for the Flask-JWT-Extended 4.x API."""

from .blocklist import revoke_all_tokens as revoke_all_tokens
from .blocklist import revoke_token as revoke_token
from .context import current_user as current_user
from .context import get_current_user as get_current_user
from .context import get_jwt as get_jwt
from .context import get_jwt_header as get_jwt_header
from .context import get_jwt_identity as get_jwt_identity
from .context import get_jwt_request_location as get_jwt_request_location
from .cookies import set_access_cookies as set_access_cookies
from .cookies import set_refresh_cookies as set_refresh_cookies
from .cookies import unset_access_cookies as unset_access_cookies
from .cookies import unset_jwt_cookies as unset_jwt_cookies
from .cookies import unset_refresh_cookies as unset_refresh_cookies
from .manager import JWTManager as JWTManager
from .revocation.base import SessionInfo as SessionInfo
from .sessions import TokenPair as TokenPair
from .sessions import create_token_pair as create_token_pair
from .sessions import list_sessions as list_sessions
from .sessions import revoke_session as revoke_session
from .sessions import rotate_tokens as rotate_tokens
from .signals import auth_failed as auth_failed
from .signals import refresh_token_reused as refresh_token_reused
from .signals import token_issued as token_issued
from .signals import token_revoked as token_revoked
from .state import WeakSecretWarning as WeakSecretWarning
from .utils import create_access_token as create_access_token
from .utils import create_refresh_token as create_refresh_token
from .utils import decode_token as decode_token
from .utils import get_csrf_token as get_csrf_token
from .utils import get_jti as get_jti
from .utils import get_jwks as get_jwks
from .utils import get_unverified_jwt_headers as get_unverified_jwt_headers
from .view_decorators import jwt_required as jwt_required
from .view_decorators import verify_jwt_in_request as verify_jwt_in_request

__version__ = "0.1.0"

__all__ = [
    "JWTManager",
    "SessionInfo",
    "TokenPair",
    "WeakSecretWarning",
    "__version__",
    "auth_failed",
    "create_access_token",
    "create_refresh_token",
    "create_token_pair",
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
    "jwt_required",
    "list_sessions",
    "refresh_token_reused",
    "revoke_all_tokens",
    "revoke_session",
    "revoke_token",
    "rotate_tokens",
    "set_access_cookies",
    "set_refresh_cookies",
    "token_issued",
    "token_revoked",
    "unset_access_cookies",
    "unset_jwt_cookies",
    "unset_refresh_cookies",
    "verify_jwt_in_request",
]
