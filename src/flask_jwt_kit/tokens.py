"""Encoding and decoding tokens: the only module that calls PyJWT to sign or verify.

Decoding is split in two: :func:`verify` checks the signature and the
shape of the claims (the expensive, cacheable part), :func:`check_live`
checks the CSRF value and the clock (done on every use, cached or not).
"""

from __future__ import annotations

import copy
import datetime as dt
import hmac
import json
import math
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
from jwt.algorithms import HMACAlgorithm
from jwt.warnings import InsecureKeyLengthWarning

from . import signals
from .exceptions import CSRFError, JWTDecodeError
from .settings import MINIMUM_SECRET_LENGTH, Settings, check_expires

if TYPE_CHECKING:
    from .state import AppState

#: PyJWT options: PyJWT checks signature, audience, issuer, ``sub`` and
#: ``jti``; the clock claims are checked here, against the injectable clock
#: and with strict JSON types.
_BASE_OPTIONS: dict[str, Any] = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_iss": True,
    "verify_jti": True,
}

_NUMERIC_CLAIMS = ("exp", "nbf", "iat")


class _PreparedSecret(bytes):
    """An HMAC secret that PyJWT's own key checks already accepted."""


class _PreparedHMAC(HMACAlgorithm):
    """PyJWT's HMAC algorithm, remembering that a secret passed its key checks.

    PyJWT re-validates an HMAC secret on every call (it must not be a PEM,
    DER, SSH or JWK public key: the algorithm-confusion defence), which costs
    more than the HMAC itself. The checks run once per secret here, through
    PyJWT's own ``prepare_key``; signing and verifying stay PyJWT's.
    """

    def prepare_key(self, key: Any) -> bytes:
        if type(key) is _PreparedSecret:
            return key
        return _PreparedSecret(super().prepare_key(key))


def _make_jwt() -> tuple[jwt.PyJWT, jwt.PyJWS]:
    instance = jwt.PyJWT()
    # PyJWT >= 2.12 gives each PyJWT instance its own PyJWS, so registering
    # algorithms here leaves the module-level jwt.encode/decode untouched.
    jws = getattr(instance, "_jws", None)
    if not isinstance(jws, jwt.PyJWS):  # pragma: no cover (pyproject requires PyJWT >= 2.12)
        raise RuntimeError("Flask-JWT-Kit needs PyJWT >= 2.12")
    for name, digest in (
        ("HS256", HMACAlgorithm.SHA256),
        ("HS384", HMACAlgorithm.SHA384),
        ("HS512", HMACAlgorithm.SHA512),
    ):
        jws.unregister_algorithm(name)
        jws.register_algorithm(name, _PreparedHMAC(digest))
    return instance, jws


_JWT, _JWS = _make_jwt()


def _algorithm(name: str) -> Any:
    return _JWS.get_algorithm_by_name(name)


@dataclass(slots=True)
class Decoded:
    """A token whose signature and claim types were verified.

    Not frozen: one is made on every decode-cache hit, and a frozen
    dataclass costs three times as much to build. Nothing reassigns its
    fields.
    """

    header: dict[str, Any]
    #: Claims with ``type``, ``fresh`` and ``jti`` filled in when absent.
    claims: dict[str, Any]
    #: Name of the claim holding the identity.
    identity_claim: str
    #: True when an external (trusted) issuer signed the token.
    external: bool = False


def new_id() -> str:
    """A random token id (uuid4, as a string)."""
    # The text of uuid.uuid4(), from the same os.urandom bytes, without
    # building a UUID object: that costs more than the HMAC of a token.
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# --------------------------------------------------------------------------- encoding


def encode(
    state: AppState,
    settings: Settings,
    identity: Any,
    token_type: str,
    *,
    fresh: Any = False,
    expires_delta: Any = None,
    additional_claims: Mapping[str, Any] | None = None,
    additional_headers: Mapping[str, Any] | None = None,
    extra_claims: Mapping[str, Any] | None = None,
) -> str:
    """Build and sign a token.

    :param extra_claims: claims set by the extension itself (e.g. ``sid``),
        overridden by the loader and by *additional_claims*.
    :raises RuntimeError: the expiry or the signing key is unusable.
    :raises TypeError: a claim or header cannot be serialised.
    """
    callbacks = state.callbacks
    now = state.clock()
    if expires_delta is None:
        expires = (
            settings.access_token_expires
            if token_type == "access"
            else settings.refresh_token_expires
        )
    else:
        expires = check_expires(expires_delta, "expires_delta")
    claims: dict[str, Any] = {
        "fresh": _fresh_claim(fresh, now),
        "iat": int(now),
        "jti": state.id_factory(),
        "type": token_type,
        settings.identity_claim: callbacks.user_identity_loader(identity),
    }
    if settings.encode_nbf:
        claims["nbf"] = int(now)
    if expires is not False:
        claims["exp"] = expiry_timestamp(now, expires)
    if settings.cookie_csrf_protect:
        claims["csrf"] = state.id_factory()
    if settings.encode_audience is not None:
        claims["aud"] = settings.encode_audience
    if settings.encode_issuer is not None:
        claims["iss"] = settings.encode_issuer
    if extra_claims:
        claims.update(extra_claims)
    claims.update(callbacks.additional_claims_loader(identity))
    if additional_claims:
        claims.update(additional_claims)

    headers: dict[str, Any] = {}
    if token_type == "access" and settings.access_token_typ is not None:
        headers["typ"] = settings.access_token_typ
    algorithm = settings.algorithm
    if callbacks.encode_key_loader is not None:
        key = callbacks.encode_key_loader(identity)
    elif state.keyset is not None:
        signer = state.keyset.signer
        key, algorithm = signer.signing_key, signer.alg
        headers["kid"] = signer.kid
    else:
        key = default_encode_key(settings)
    headers.update(callbacks.additional_headers_loader(identity))
    if additional_headers:
        headers.update(additional_headers)
    algorithm = headers.get("alg", algorithm)

    prepared, weak = state.keys.prepare((algorithm,), key)
    encoder = state.json_encoder
    if weak:
        with warnings.catch_warnings():
            # Weak secrets are reported once, at start-up, not per token.
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)
            token = _JWT.encode(claims, prepared, algorithm, headers or None, encoder)
    else:
        token = _JWT.encode(claims, prepared, algorithm, headers or None, encoder)
    if signals.token_issued.receivers:
        signals.token_issued.send(
            state.app, identity=identity, token_type=token_type, claims=claims
        )
    return token


def _fresh_claim(fresh: Any, now: float) -> bool | float:
    if isinstance(fresh, bool):
        return fresh
    if isinstance(fresh, dt.timedelta):
        return now + fresh.total_seconds()
    if isinstance(fresh, (int, float)) and math.isfinite(fresh):
        return fresh
    raise TypeError("fresh must be a bool, a timedelta or a number (a fresh-until timestamp)")


def expiry_timestamp(now: float, expires: Any) -> int:
    """The ``exp`` claim of a token issued at *now* that lives for *expires*.

    :param expires: a ``timedelta``, ``relativedelta`` or anything else that
        can be added to a ``datetime`` (not ``False``: no expiry).
    :raises RuntimeError: *expires* cannot be added to a ``datetime``.
    """
    if isinstance(expires, dt.timedelta):
        return int(now + expires.total_seconds())
    try:
        moment = dt.datetime.fromtimestamp(now, dt.timezone.utc) + expires
        return int(moment.timestamp())
    except (TypeError, OverflowError, ValueError, AttributeError):
        raise RuntimeError(
            f"cannot add an expiry of type {type(expires).__name__} to a datetime"
        ) from None


def default_encode_key(settings: Settings) -> Any:
    """The signing key chosen by ``JWT_ALGORITHM``.

    :raises RuntimeError: the key for that algorithm is not configured.
    """
    if settings.is_symmetric:
        return _secret(settings)
    if not settings.private_key:
        raise RuntimeError(
            "JWT_PRIVATE_KEY must be set to sign tokens with the asymmetric "
            f"algorithm {settings.algorithm}"
        )
    return settings.private_key


def default_decode_key(settings: Settings) -> Any:
    """The verification key chosen by ``JWT_ALGORITHM``.

    :raises RuntimeError: the key for that algorithm is not configured.
    """
    if settings.is_symmetric:
        return _secret(settings)
    if not settings.public_key:
        raise RuntimeError(
            "JWT_PUBLIC_KEY must be set to verify tokens with the asymmetric "
            f"algorithm {settings.algorithm}"
        )
    return settings.public_key


def _secret(settings: Settings) -> str | bytes:
    if not settings.secret_key:
        raise RuntimeError(
            "JWT_SECRET_KEY or the Flask SECRET_KEY must be set to use the "
            f"symmetric algorithm {settings.algorithm}"
        )
    return settings.secret_key


class PreparedKeys:
    """Keys turned into PyJWT key objects once, not on every token.

    Bounded, since custom key loaders may return many keys.
    """

    _LIMIT = 64

    def __init__(self) -> None:
        self._keys: dict[tuple[tuple[str, ...], Any], tuple[Any, bool]] = {}

    def prepare(self, algorithms: tuple[str, ...], key: Any) -> tuple[Any, bool]:
        """PyJWT's prepared form of *key* for *algorithms*, and whether it is weak.

        A key is prepared only when every algorithm belongs to one family
        (HMAC, RSA, ...); otherwise, and for unknown algorithms or unusable
        keys, it is returned as is, for PyJWT to prepare or reject.
        """
        try:
            cache_key = (algorithms, key)
            hit = self._keys.get(cache_key)
        except TypeError:  # an unhashable key object
            return key, False
        if hit is not None:
            return hit
        result = (key, False)
        try:
            families = {type(_algorithm(a)) for a in algorithms}
            if len(families) == 1:
                prepared = _algorithm(algorithms[0]).prepare_key(key)
                minimum = MINIMUM_SECRET_LENGTH.get(algorithms[0], 0)
                result = (prepared, isinstance(prepared, bytes) and len(prepared) < minimum)
        except (jwt.PyJWTError, NotImplementedError, TypeError, ValueError, KeyError):
            pass
        if len(self._keys) >= self._LIMIT:
            self._keys.clear()
        self._keys[cache_key] = result
        return result


def json_encoder_for(dumps_default: Callable[[Any], Any]) -> type[json.JSONEncoder]:
    """A JSON encoder class that serialises what the app's JSON provider can.

    :param dumps_default: turns a value the standard encoder cannot handle
        into one it can, or raises ``TypeError``.
    """

    class _AppEncoder(json.JSONEncoder):
        def default(self, o: Any) -> Any:
            return dumps_default(o)

    return _AppEncoder


# --------------------------------------------------------------------------- decoding


def verify(state: AppState, settings: Settings, token: Any) -> Decoded:
    """Verify *token*'s signature and the types of its claims.

    Does not look at the clock or at CSRF: see :func:`check_live`.

    :raises jwt.InvalidTokenError: from PyJWT (signature, structure, audience, ...).
    :raises JWTDecodeError: a claim is missing or of the wrong type.
    """
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise jwt.DecodeError("Invalid token: not ASCII") from None
    if not isinstance(token, str):
        raise jwt.DecodeError("Invalid token type: a token must be a string")
    cache = state.decode_cache
    if cache.settings is not settings:
        # The settings changed while this caller held the old ones: their
        # verdict must neither come from nor go into the new settings' cache.
        cache = _NO_CACHE
    hit = cache.get(token)
    if hit is not None:
        # It passed every check below, under these very settings.
        return hit
    if len(token) > settings.max_token_length:
        # Before any parsing or cryptography: a huge token costs nothing.
        raise JWTDecodeError(f"Token is too large (over {settings.max_token_length} characters)")
    _ascii(token)
    if "=" in token:
        # RFC 7515 2: base64url without padding. PyJWT tolerates trailing
        # "=", which gives every token several spellings; one is enough.
        raise jwt.DecodeError("Invalid token: base64url padding is not allowed")
    try:
        decoded, cacheable = _verify_uncached(state, settings, token)
    except RecursionError:  # pragma: no cover - recent PyJWT turns it into DecodeError itself
        raise jwt.DecodeError("Invalid token: JSON nested too deeply") from None
    except jwt.InvalidTokenError as error:
        _refuse_quoted_crit(error)
        raise
    if cacheable:
        cache.put(token, decoded)
    return decoded


def _verify_uncached(state: AppState, settings: Settings, token: str) -> tuple[Decoded, bool]:
    callbacks = state.callbacks
    algorithms: list[str] | tuple[str, ...] = settings.decode_algorithms
    audience: Any = settings.decode_audience
    issuer: Any = settings.decode_issuer
    identity_claim = settings.identity_claim
    external = False
    cacheable = True
    issuers = state.issuers
    if issuers is not None or callbacks.decode_key_loader is not None or state.keyset is not None:
        header = _unverified_header(token)  # verify() checked it is ASCII
        unverified = (
            _unverified_claims(token)
            if (issuers is not None or callbacks.decode_key_loader is not None)
            else {}
        )
        iss = unverified.get("iss")
        if issuers is not None and isinstance(iss, str) and iss in issuers:
            found = issuers.key_for(iss, header.get("kid"), header.get("alg"))
            config = issuers.config(iss)
            key, algorithms = found.verifying_key, [found.alg]
            audience, issuer = config.audience, iss
            identity_claim = config.identity_claim or identity_claim
            external, cacheable = True, False
        elif callbacks.decode_key_loader is not None:
            key = callbacks.decode_key_loader(header, unverified)
            cacheable = False
        elif state.keyset is not None:
            found = state.keyset.get(header.get("kid"))
            key, algorithms = found.verifying_key, [found.alg]
        else:
            key = default_decode_key(settings)
    else:
        key = default_decode_key(settings)
    prepared, weak = state.keys.prepare(tuple(algorithms), key)
    options: Any = dict(_BASE_OPTIONS)
    options["verify_sub"] = settings.verify_sub
    options["verify_aud"] = audience is not None
    try:
        if weak:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", InsecureKeyLengthWarning)
                complete = _JWT.decode_complete(
                    token, prepared, list(algorithms), options, audience=audience, issuer=issuer
                )
        else:
            complete = _JWT.decode_complete(
                token, prepared, list(algorithms), options, audience=audience, issuer=issuer
            )
    except jwt.InvalidTokenError:
        raise
    except (jwt.PyJWTError, TypeError, ValueError) as error:
        # The key does not fit the algorithm the token names (an HMAC
        # "secret" that is a public key, an RSA key for an EC token, ...):
        # the token is refused, never answered with a 500.
        raise jwt.InvalidSignatureError("Signature verification failed") from error
    header, claims = complete["header"], complete["payload"]
    _check_types(header, claims, identity_claim, settings)
    claims.setdefault("type", "access")
    claims.setdefault("fresh", False)
    claims.setdefault("jti", None)
    if external:
        # A token from another issuer never counts as fresh or as a refresh token.
        claims["type"], claims["fresh"] = "access", False
    return Decoded(header, claims, identity_claim, external), cacheable


def unverified_header(token: Any) -> dict[str, Any]:
    """The header of *token*, NOT verified: never trust it for decisions.

    :raises jwt.DecodeError: the token is not an ASCII string, or malformed.
    """
    return _unverified_header(_ascii(token))


def _unverified_header(token: Any) -> dict[str, Any]:
    try:
        header: dict[str, Any] = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        _refuse_quoted_crit(error)
        raise
    return header


#: PyJWT's messages that quote an entry of the token's ``crit`` header.
_QUOTING_CRIT = ("Unsupported critical extension", "Critical extension ")


def _refuse_quoted_crit(error: jwt.InvalidTokenError) -> None:
    """Raise the same refusal without the token's text, when *error* quotes it.

    An answer names the problem but never echoes what the client sent: a
    ``crit`` entry can be any text, as long as the token allows.
    """
    if str(error).startswith(_QUOTING_CRIT):
        raise jwt.InvalidTokenError("Unsupported critical extension in the token header") from None


def _ascii(token: Any) -> Any:
    # A JWS is base64url and dots. Anything else (a lone surrogate from a
    # JSON body, say) would make PyJWT's UTF-8 encoding raise, not refuse.
    if isinstance(token, str) and not token.isascii():
        raise jwt.DecodeError("Invalid token: not ASCII")
    return token


def _unverified_claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token, options={"verify_signature": False, "verify_sub": False, "verify_jti": False}
    )
    return claims


def _check_types(
    header: dict[str, Any], claims: dict[str, Any], identity_claim: str, settings: Settings
) -> None:
    for name in _NUMERIC_CLAIMS:
        if name in claims and not _is_number(claims[name]):
            raise JWTDecodeError(f"Invalid claim: '{name}' must be a number")
    token_type = claims.get("type", "access")
    if not isinstance(token_type, str):
        raise JWTDecodeError("Invalid claim: 'type' must be a string")
    if "fresh" in claims and not (isinstance(claims["fresh"], bool) or _is_number(claims["fresh"])):
        raise JWTDecodeError("Invalid claim: 'fresh' must be a boolean or a number")
    for name in ("csrf", "sid"):
        if name in claims and not isinstance(claims[name], str):
            raise JWTDecodeError(f"Invalid claim: '{name}' must be a string")
    if identity_claim not in claims:
        raise JWTDecodeError(f"Missing claim: {identity_claim}")
    typ = settings.access_token_typ
    if typ is not None and token_type != "refresh" and not _typ_matches(header.get("typ"), typ):
        raise JWTDecodeError(f"Invalid header: 'typ' must be '{typ}'")


def _typ_matches(value: Any, expected: str) -> bool:
    if not isinstance(value, str):
        return False
    value = value.lower()
    # RFC 8725 3.11: "application/at+jwt" and "at+jwt" name the same type.
    value = value.removeprefix("application/")
    return bool(value == expected.lower().removeprefix("application/"))


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # a JSON integer too large for a float: no real date
        return False


def check_live(
    decoded: Decoded,
    settings: Settings,
    now: float,
    csrf_value: str | None = None,
    allow_expired: bool = False,
) -> None:
    """Check the CSRF value, then the clock claims, of a verified token.

    A CSRF mismatch wins over expiry, as in Flask-JWT-Extended.

    :raises JWTDecodeError: *csrf_value* is given and the token has no ``csrf``.
    :raises CSRFError: the CSRF value does not match.
    :raises jwt.ExpiredSignatureError: the token has expired (carrying
        ``jwt_header`` and ``jwt_data``).
    :raises jwt.ImmatureSignatureError: ``nbf`` or ``iat`` is in the future.
    """
    claims = decoded.claims
    if csrf_value:
        expected = claims.get("csrf")
        if expected is None:
            raise JWTDecodeError("Missing claim: csrf")
        if not hmac.compare_digest(
            csrf_value.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
        ):
            raise CSRFError("CSRF double submit tokens do not match")
    leeway = settings.decode_leeway
    exp = claims.get("exp")
    if exp is not None and not allow_expired and exp <= now - leeway:
        error = jwt.ExpiredSignatureError("Signature has expired")
        error.jwt_header = dict(decoded.header)  # type: ignore[attr-defined]
        error.jwt_data = dict(claims)  # type: ignore[attr-defined]
        raise error
    nbf = claims.get("nbf")
    if nbf is not None and nbf > now + leeway:
        raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
    iat = claims.get("iat")
    if iat is not None and int(iat) > now + leeway:
        raise jwt.ImmatureSignatureError("The token is not yet valid (iat)")


class DecodeCache:
    """A bounded map from exact token text to its :class:`Decoded` form.

    Only the signature and type checks are cached; :func:`check_live` and
    the revocation check run on every hit. The owner replaces it whenever
    settings, keys or callbacks change.
    """

    def __init__(self, size: int, settings: Settings | None = None):
        self.size = size
        #: The settings its entries were verified under: only callers that
        #: hold these same settings use it.
        self.settings = settings
        #: token -> (entry, whether its header or claims hold a dict or a list)
        self._entries: dict[str, tuple[Decoded, bool]] = {}

    def get(self, token: str) -> Decoded | None:
        """A copy of the cached entry for *token*, or ``None``."""
        hit = self._entries.get(token)
        return None if hit is None else _detached(*hit)

    def put(self, token: str, decoded: Decoded) -> None:
        """Remember *decoded*, dropping the oldest entry when full."""
        if self.size <= 0:
            return
        entries = self._entries
        while len(entries) >= self.size:
            try:
                del entries[next(iter(entries))]
            except (KeyError, StopIteration, RuntimeError):  # pragma: no cover
                break  # a concurrent eviction won the race: only threads get here
        nested = _has_containers(decoded.header) or _has_containers(decoded.claims)
        entries[token] = (_detached(decoded, nested), nested)

    def __len__(self) -> int:
        return len(self._entries)


#: What a caller holding outdated settings uses: it never holds anything.
_NO_CACHE = DecodeCache(0)


def _detached(decoded: Decoded, nested: bool) -> Decoded:
    # Views, callbacks and decode_token callers may edit the claims they get,
    # nested lists included: the cache keeps its own copy and hands out others.
    # This runs on every cache hit, so it calls the constructor (with every
    # field) rather than dataclasses.replace, which costs several times more.
    copy_json: Callable[[dict[str, Any]], dict[str, Any]] = copy.deepcopy if nested else dict
    return Decoded(
        copy_json(decoded.header),
        copy_json(decoded.claims),
        decoded.identity_claim,
        decoded.external,
    )


def _has_containers(value: dict[str, Any]) -> bool:
    # Decoded JSON: only dicts and lists are mutable, and most tokens have
    # none, so a shallow copy serves them.
    return any(isinstance(v, (dict, list)) for v in value.values())
