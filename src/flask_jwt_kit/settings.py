"""Configuration: every ``JWT_*`` key, parsed and validated into one frozen object.

:class:`Settings` is built from ``app.config`` when the extension is bound to
an application and rebuilt only when one of the keys it reads changes.
:func:`defaults` is what ``init_app`` writes into ``app.config``.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import importlib.util
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from flask import Config

from .jwk import KTY_OF_ALG

#: Token locations a view may read from.
LOCATIONS = ("headers", "cookies", "query_string", "json")

Location = Literal["headers", "cookies", "query_string", "json"]

#: Algorithms that use a shared secret.
SYMMETRIC_ALGORITHMS = frozenset(alg for alg, kty in KTY_OF_ALG.items() if kty == "oct")

#: Every algorithm PyJWT can sign and verify with (asymmetric ones need ``cryptography``).
KNOWN_ALGORITHMS = frozenset(KTY_OF_ALG)

#: Shortest HMAC secret (bytes) for each symmetric algorithm (RFC 7518 3.2).
MINIMUM_SECRET_LENGTH = {"HS256": 32, "HS384": 48, "HS512": 64}

#: Every JWT_* key with its default, in the order of the configuration docs.
DEFAULTS: dict[str, Any] = {
    "JWT_ACCESS_TOKEN_EXPIRES": dt.timedelta(minutes=15),
    "JWT_REFRESH_TOKEN_EXPIRES": dt.timedelta(days=30),
    "JWT_ALGORITHM": "HS256",
    "JWT_DECODE_ALGORITHMS": None,
    "JWT_SECRET_KEY": None,
    "JWT_PRIVATE_KEY": None,
    "JWT_PUBLIC_KEY": None,
    "JWT_DECODE_AUDIENCE": None,
    "JWT_ENCODE_AUDIENCE": None,
    "JWT_DECODE_ISSUER": None,
    "JWT_ENCODE_ISSUER": None,
    "JWT_DECODE_LEEWAY": 0,
    "JWT_ENCODE_NBF": True,
    "JWT_IDENTITY_CLAIM": "sub",
    "JWT_VERIFY_SUB": True,
    "JWT_ERROR_MESSAGE_KEY": "msg",
    "JWT_TOKEN_LOCATION": ("headers",),
    "JWT_HEADER_NAME": "Authorization",
    "JWT_HEADER_TYPE": "Bearer",
    "JWT_ACCESS_COOKIE_NAME": "access_token_cookie",
    "JWT_REFRESH_COOKIE_NAME": "refresh_token_cookie",
    "JWT_ACCESS_COOKIE_PATH": "/",
    "JWT_REFRESH_COOKIE_PATH": "/",
    "JWT_COOKIE_SECURE": False,
    "JWT_COOKIE_DOMAIN": None,
    "JWT_COOKIE_SAMESITE": None,
    "JWT_SESSION_COOKIE": True,
    "JWT_COOKIE_CSRF_PROTECT": True,
    "JWT_CSRF_METHODS": ["POST", "PUT", "PATCH", "DELETE"],
    "JWT_CSRF_IN_COOKIES": True,
    "JWT_CSRF_CHECK_FORM": False,
    "JWT_ACCESS_CSRF_COOKIE_NAME": "csrf_access_token",
    "JWT_REFRESH_CSRF_COOKIE_NAME": "csrf_refresh_token",
    "JWT_ACCESS_CSRF_COOKIE_PATH": "/",
    "JWT_REFRESH_CSRF_COOKIE_PATH": "/",
    "JWT_ACCESS_CSRF_HEADER_NAME": "X-CSRF-TOKEN",
    "JWT_REFRESH_CSRF_HEADER_NAME": "X-CSRF-TOKEN",
    "JWT_ACCESS_CSRF_FIELD_NAME": "csrf_token",
    "JWT_REFRESH_CSRF_FIELD_NAME": "csrf_token",
    "JWT_QUERY_STRING_NAME": "jwt",
    "JWT_QUERY_STRING_VALUE_PREFIX": "",
    "JWT_JSON_KEY": "access_token",
    "JWT_REFRESH_JSON_KEY": "refresh_token",
    # Beyond Flask-JWT-Extended.
    "JWT_REVOCATION_STORE": None,
    "JWT_REVOCATION_FAIL_OPEN": False,
    "JWT_REFRESH_TOKEN_ROTATION": False,
    "JWT_REFRESH_REUSE_GRACE": 0,
    "JWT_IMPLICIT_REFRESH": None,
    "JWT_KEYS": None,
    "JWT_SIGNING_KEY_ID": None,
    "JWT_JWKS_URL_RULE": None,
    "JWT_JWKS_MAX_AGE": 300,
    "JWT_TRUSTED_ISSUERS": None,
    "JWT_JWKS_CACHE_SECONDS": 300,
    "JWT_JWKS_MIN_REFRESH_SECONDS": 30,
    "JWT_JWKS_FETCH_TIMEOUT": 5,
    "JWT_SCOPE_CLAIM": "scope",
    "JWT_DECODE_CACHE_SIZE": 10_000,
    "JWT_MAX_TOKEN_LENGTH": 16_384,
    "JWT_REJECT_WEAK_SECRETS": False,
    "JWT_ACCESS_TOKEN_TYP": None,
}

#: Keys read from ``app.config`` that are not ours but change our behaviour.
_FOREIGN_KEYS = ("SECRET_KEY",)

WATCHED_KEYS: tuple[str, ...] = tuple(DEFAULTS) + _FOREIGN_KEYS

_read_watched = operator.itemgetter(*WATCHED_KEYS)


def defaults() -> dict[str, Any]:
    """A fresh copy of every ``JWT_*`` default (safe to mutate)."""
    return copy.deepcopy(DEFAULTS)


#: Every so many uses, the full comparison runs even without a counted write.
FULL_CHECK_EVERY = 64

#: Where a watched config keeps its count of writes.
_WRITES = "_flask_jwt_kit_writes"


class _WatchedConfig(Config):
    """A :class:`flask.Config` that counts writes to itself.

    :func:`watch` gives an application's config this class, so that the
    per-use "has the config changed?" check is one comparison of counts
    instead of a look at every watched key. Every way of writing to a
    ``Config`` through its own methods goes through one of these (``from_object``,
    ``from_mapping`` and friends call ``__setitem__``; ``mock.patch.dict``
    calls ``update`` and ``clear``). Values edited in place (a list, a dict)
    are not writes: :func:`unchanged` compares those every time. Writes that
    call ``dict``'s methods directly (``dict.update(app.config, ...)``) go
    uncounted: :func:`unchanged` compares everything every
    :data:`FULL_CHECK_EVERY` uses as well.
    """

    def _wrote(self) -> None:
        self.__dict__[_WRITES] = self.__dict__.get(_WRITES, 0) + 1


def _counted(write: Callable[..., Any]) -> Callable[..., Any]:
    """*write* (a ``dict`` method), counting each call, failed ones included."""

    @functools.wraps(write)
    def counted(self: _WatchedConfig, *args: Any, **kwargs: Any) -> Any:
        try:
            return write(self, *args, **kwargs)
        finally:
            self._wrote()

    return counted


# Every method of dict that writes (dict.__ior__ returns the dict itself).
for _name in (
    "__setitem__",
    "__delitem__",
    "__ior__",
    "update",
    "setdefault",
    "pop",
    "popitem",
    "clear",
):
    setattr(_WatchedConfig, _name, _counted(getattr(Config, _name)))
del _name

# repr(app.config) stays "<Config {...}>"; pickle finds the class by __qualname__.
_WatchedConfig.__name__ = "Config"


def watch(config: Mapping[str, Any]) -> None:
    """Let *config* count its writes, when it is a plain :class:`flask.Config`.

    Other mappings (another ``config_class``, a dict put in place of
    ``app.config``) keep working: :func:`unchanged` then compares every
    watched key on each use.
    """
    if type(config) is Config:
        config.__class__ = _WatchedConfig


def _writes(config: Mapping[str, Any]) -> int | None:
    if type(config) is not _WatchedConfig:
        return None
    writes: int = config.__dict__.get(_WRITES, 0)
    return writes


@dataclass(slots=True)
class Snapshot:
    """The watched values of a config, in a form that detects in-place changes."""

    #: The config object read (``app.config`` may be replaced).
    config: Mapping[str, Any]
    #: Its write count when read; ``None`` when it does not count writes.
    writes: int | None
    #: Every watched value, in :data:`WATCHED_KEYS` order; mutable ones copied.
    values: tuple[Any, ...]
    #: Reads the watched values that can change in place (``None``: there are none).
    read_mutable: Callable[[Mapping[str, Any]], Any] | None
    #: What :attr:`read_mutable` read, copied.
    mutable: Any
    #: Uses that took the short path since the snapshot.
    uses: int = 0


def snapshot(config: Mapping[str, Any]) -> Snapshot | None:
    """The watched values of *config*, in a form that detects in-place changes.

    Returns ``None`` when a watched key is absent (the caller then rebuilds).
    """
    # The count is read first: a write while the values are read shows later.
    writes = _writes(config)
    try:
        values = tuple(_freeze(v) for v in _read_watched(config))
    except KeyError:
        return None
    by_key = dict(zip(WATCHED_KEYS, values, strict=True))
    mutable = [key for key, value in by_key.items() if _is_container(value)]
    read_mutable = operator.itemgetter(*mutable) if mutable else None
    taken = read_mutable(by_key) if read_mutable else None
    return Snapshot(config, writes, values, read_mutable, taken)


def unchanged(config: Mapping[str, Any], taken: Snapshot | None) -> bool:
    """Whether *config* still holds the values recorded in *taken*.

    This runs on every use of the settings. A config that counts its writes
    and was not written to only needs its containers compared (they may be
    edited in place); otherwise every watched value is compared, in one tuple
    comparison whose identity shortcut makes unchanged scalars free.
    """
    if taken is None or config is not taken.config:
        # A new config object (``app.config`` replaced): rebuilding once
        # lets it count its writes too.
        return False
    writes = _writes(config)
    try:
        if writes is not None and writes == taken.writes:
            taken.uses += 1
            if taken.uses % FULL_CHECK_EVERY:
                read = taken.read_mutable
                return read is None or bool(read(config) == taken.mutable)
            # Now and then, compare everything: a write made through dict's
            # own methods (dict.update(app.config, ...)) is not counted.
        same = bool(_read_watched(config) == taken.values)
    except KeyError:
        return False
    if same:
        # Written to, but not where it matters (or back to the same values):
        # the next use takes the short path again.
        taken.writes = writes
    return same


def _is_container(value: Any) -> bool:
    return isinstance(value, (list, dict, set, bytearray, tuple))


def _freeze(value: Any) -> Any:
    # Immutable values are kept as they are (identity compares them for
    # free); mutable ones are copied so a later in-place edit differs. A
    # tuple may hold mutable values (a tuple of issuer dicts): deepcopy
    # returns a tuple of immutables itself, and copies the others.
    if _is_container(value):
        return copy.deepcopy(value)
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the extension, validated.

    Attributes are named after the config keys without the ``JWT_`` prefix,
    lower-cased. Build one with :meth:`from_config`.
    """

    access_token_expires: dt.timedelta | Any
    refresh_token_expires: dt.timedelta | Any
    algorithm: str
    decode_algorithms: tuple[str, ...]
    secret_key: str | bytes | None
    private_key: Any
    public_key: Any
    decode_audience: str | tuple[str, ...] | None
    encode_audience: str | list[str] | None
    decode_issuer: str | tuple[str, ...] | None
    encode_issuer: str | None
    decode_leeway: float
    encode_nbf: bool
    identity_claim: str
    verify_sub: bool
    error_message_key: str
    token_location: tuple[str, ...]
    header_name: str
    header_types: tuple[str, ...]
    access_cookie_name: str
    refresh_cookie_name: str
    access_cookie_path: str
    refresh_cookie_path: str
    cookie_secure: bool
    cookie_domain: str | None
    cookie_samesite: str | None
    session_cookie: bool
    cookie_csrf_protect: bool
    csrf_methods: frozenset[str]
    csrf_in_cookies: bool
    csrf_check_form: bool
    access_csrf_cookie_name: str
    refresh_csrf_cookie_name: str
    access_csrf_cookie_path: str
    refresh_csrf_cookie_path: str
    access_csrf_header_name: str
    refresh_csrf_header_name: str
    access_csrf_field_name: str
    refresh_csrf_field_name: str
    query_string_name: str
    query_string_value_prefix: str
    json_key: str
    refresh_json_key: str
    revocation_store: Any
    revocation_fail_open: bool
    refresh_token_rotation: bool
    refresh_reuse_grace: float
    implicit_refresh: dt.timedelta | None
    keys: Any
    signing_key_id: str | None
    jwks_url_rule: str | None
    jwks_max_age: int
    trusted_issuers: Any
    jwks_cache_seconds: float
    jwks_min_refresh_seconds: float
    jwks_fetch_timeout: float
    scope_claim: str
    decode_cache_size: int
    max_token_length: int
    reject_weak_secrets: bool
    access_token_typ: str | None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Parse and validate the ``JWT_*`` keys of *config*.

        Keys that are absent take their default.

        :raises RuntimeError: a value is invalid; the message names the key.
        """
        c = _Reader(config)
        algorithm = c.string("JWT_ALGORITHM")
        decode_algorithms = c.optional_strings("JWT_DECODE_ALGORITHMS")
        algs = tuple(dict.fromkeys((*(decode_algorithms or ()), algorithm)))
        _check_algorithm("JWT_ALGORITHM", algorithm)
        for name in decode_algorithms or ():
            _check_algorithm("JWT_DECODE_ALGORITHMS", name)
        location = c.locations("JWT_TOKEN_LOCATION")
        header_name = c.string("JWT_HEADER_NAME")
        if not header_name:
            raise RuntimeError("JWT_HEADER_NAME must be a non-empty string")
        samesite = c.get("JWT_COOKIE_SAMESITE")
        if samesite is not None and (
            not isinstance(samesite, str) or samesite.lower() not in ("lax", "strict", "none")
        ):
            raise RuntimeError(
                f"JWT_COOKIE_SAMESITE must be None, 'Lax', 'Strict' or 'None', not {samesite!r}"
            )
        implicit = c.get("JWT_IMPLICIT_REFRESH")
        if implicit is not None and not (
            isinstance(implicit, dt.timedelta) and implicit > dt.timedelta(0)
        ):
            raise RuntimeError("JWT_IMPLICIT_REFRESH must be None or a positive timedelta")
        if c.flag("JWT_REFRESH_TOKEN_ROTATION") and c.get("JWT_REVOCATION_STORE") is None:
            raise RuntimeError(
                "JWT_REFRESH_TOKEN_ROTATION needs JWT_REVOCATION_STORE: consumed refresh "
                "tokens must be recorded (e.g. 'sqlite:///revocations.db')"
            )
        secret = c.get("JWT_SECRET_KEY")
        if secret is None or secret == "":
            secret = c.get("SECRET_KEY") or None
        if secret is not None and not isinstance(secret, (str, bytes)):
            raise RuntimeError("JWT_SECRET_KEY must be a string or bytes")
        return cls(
            access_token_expires=c.expires("JWT_ACCESS_TOKEN_EXPIRES"),
            refresh_token_expires=c.expires("JWT_REFRESH_TOKEN_EXPIRES"),
            algorithm=algorithm,
            decode_algorithms=algs,
            secret_key=secret,
            private_key=c.get("JWT_PRIVATE_KEY"),
            public_key=c.get("JWT_PUBLIC_KEY"),
            decode_audience=c.audience("JWT_DECODE_AUDIENCE"),
            encode_audience=c.get("JWT_ENCODE_AUDIENCE"),
            decode_issuer=c.audience("JWT_DECODE_ISSUER"),
            encode_issuer=c.get("JWT_ENCODE_ISSUER"),
            decode_leeway=c.seconds("JWT_DECODE_LEEWAY"),
            encode_nbf=c.flag("JWT_ENCODE_NBF"),
            identity_claim=c.string("JWT_IDENTITY_CLAIM", empty=False),
            verify_sub=c.flag("JWT_VERIFY_SUB"),
            error_message_key=c.string("JWT_ERROR_MESSAGE_KEY", empty=False),
            token_location=location,
            header_name=header_name,
            header_types=c.header_types("JWT_HEADER_TYPE"),
            access_cookie_name=c.string("JWT_ACCESS_COOKIE_NAME", empty=False),
            refresh_cookie_name=c.string("JWT_REFRESH_COOKIE_NAME", empty=False),
            access_cookie_path=c.string("JWT_ACCESS_COOKIE_PATH"),
            refresh_cookie_path=c.string("JWT_REFRESH_COOKIE_PATH"),
            cookie_secure=c.flag("JWT_COOKIE_SECURE"),
            cookie_domain=c.optional_string("JWT_COOKIE_DOMAIN"),
            cookie_samesite=samesite,
            session_cookie=c.flag("JWT_SESSION_COOKIE"),
            cookie_csrf_protect=c.flag("JWT_COOKIE_CSRF_PROTECT"),
            csrf_methods=frozenset(c.strings("JWT_CSRF_METHODS")),
            csrf_in_cookies=c.flag("JWT_CSRF_IN_COOKIES"),
            csrf_check_form=c.flag("JWT_CSRF_CHECK_FORM"),
            access_csrf_cookie_name=c.string("JWT_ACCESS_CSRF_COOKIE_NAME", empty=False),
            refresh_csrf_cookie_name=c.string("JWT_REFRESH_CSRF_COOKIE_NAME", empty=False),
            access_csrf_cookie_path=c.string("JWT_ACCESS_CSRF_COOKIE_PATH"),
            refresh_csrf_cookie_path=c.string("JWT_REFRESH_CSRF_COOKIE_PATH"),
            access_csrf_header_name=c.string("JWT_ACCESS_CSRF_HEADER_NAME", empty=False),
            refresh_csrf_header_name=c.string("JWT_REFRESH_CSRF_HEADER_NAME", empty=False),
            access_csrf_field_name=c.string("JWT_ACCESS_CSRF_FIELD_NAME", empty=False),
            refresh_csrf_field_name=c.string("JWT_REFRESH_CSRF_FIELD_NAME", empty=False),
            query_string_name=c.string("JWT_QUERY_STRING_NAME", empty=False),
            query_string_value_prefix=c.string("JWT_QUERY_STRING_VALUE_PREFIX"),
            json_key=c.string("JWT_JSON_KEY", empty=False),
            refresh_json_key=c.string("JWT_REFRESH_JSON_KEY", empty=False),
            revocation_store=c.get("JWT_REVOCATION_STORE"),
            revocation_fail_open=c.flag("JWT_REVOCATION_FAIL_OPEN"),
            refresh_token_rotation=c.flag("JWT_REFRESH_TOKEN_ROTATION"),
            refresh_reuse_grace=c.seconds("JWT_REFRESH_REUSE_GRACE"),
            implicit_refresh=implicit,
            keys=c.copied("JWT_KEYS"),
            signing_key_id=c.optional_string("JWT_SIGNING_KEY_ID"),
            jwks_url_rule=c.optional_string("JWT_JWKS_URL_RULE"),
            jwks_max_age=int(c.seconds("JWT_JWKS_MAX_AGE")),
            trusted_issuers=c.copied("JWT_TRUSTED_ISSUERS"),
            jwks_cache_seconds=c.seconds("JWT_JWKS_CACHE_SECONDS"),
            jwks_min_refresh_seconds=c.seconds("JWT_JWKS_MIN_REFRESH_SECONDS"),
            jwks_fetch_timeout=c.seconds("JWT_JWKS_FETCH_TIMEOUT", positive=True),
            scope_claim=c.string("JWT_SCOPE_CLAIM", empty=False),
            decode_cache_size=c.count("JWT_DECODE_CACHE_SIZE"),
            max_token_length=c.count("JWT_MAX_TOKEN_LENGTH", positive=True),
            reject_weak_secrets=c.flag("JWT_REJECT_WEAK_SECRETS"),
            access_token_typ=c.optional_string("JWT_ACCESS_TOKEN_TYP"),
        )

    @property
    def is_symmetric(self) -> bool:
        """Whether ``JWT_ALGORITHM`` uses a shared secret."""
        return self.algorithm in SYMMETRIC_ALGORITHMS


def _check_algorithm(key: str, name: str) -> None:
    if name.lower() == "none":
        raise RuntimeError(f"{key}: the 'none' algorithm is never accepted")
    if name not in KNOWN_ALGORITHMS:
        raise RuntimeError(
            f"{key}: unknown algorithm {name!r}; use one of {', '.join(sorted(KNOWN_ALGORITHMS))}"
        )
    if name not in SYMMETRIC_ALGORITHMS and importlib.util.find_spec("cryptography") is None:
        raise RuntimeError(  # pragma: no cover (the test environment has cryptography)
            f"{key} {name!r} needs the cryptography package: pip install 'Flask-JWT-Kit[crypto]'"
        )


class _Reader:
    """Reads one key at a time, with its default, and says which key is bad."""

    def __init__(self, config: Mapping[str, Any]):
        self._config = config

    def get(self, key: str) -> Any:
        if key in self._config:
            return self._config[key]
        return DEFAULTS.get(key)

    def copied(self, key: str) -> Any:
        """The value, copied if mutable: an in-place edit of ``app.config``
        later differs from it, so what was built from it is rebuilt."""
        return _freeze(self.get(key))

    def string(self, key: str, *, empty: bool = True) -> str:
        value = self.get(key)
        if not isinstance(value, str) or (not empty and not value):
            raise RuntimeError(f"{key} must be a {'' if empty else 'non-empty '}string")
        return value

    def optional_string(self, key: str) -> str | None:
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise RuntimeError(f"{key} must be a string or None")
        return value

    def flag(self, key: str) -> bool:
        value = self.get(key)
        if not isinstance(value, bool):
            raise RuntimeError(f"{key} must be True or False, not {type(value).__name__}")
        return value

    def seconds(self, key: str, *, positive: bool = False) -> float:
        """A finite number of seconds, ``>= 0`` or, when *positive*, ``> 0``."""
        value = self.get(key)
        if isinstance(value, dt.timedelta):
            value = value.total_seconds()
        number = math.nan
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:  # an int past the largest float
                number = math.inf
        # Written so that NaN, which fails every comparison, fails it too.
        if not (math.isfinite(number) and (number > 0 if positive else number >= 0)):
            bound = "> 0" if positive else ">= 0"
            raise RuntimeError(
                f"{key} must be a finite number of seconds (int, float or timedelta) {bound}, "
                f"not {value!r}"
            )
        return number

    def count(self, key: str, *, positive: bool = False) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < int(positive):
            raise RuntimeError(f"{key} must be an integer >= {int(positive)}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, Iterable) or isinstance(value, (bytes, Mapping)):
            raise RuntimeError(f"{key} must be a string or a list of strings")
        items = tuple(value)
        if not all(isinstance(v, str) for v in items):
            raise RuntimeError(f"{key} must be a string or a list of strings")
        return items

    def optional_strings(self, key: str) -> tuple[str, ...] | None:
        return None if self.get(key) is None else self.strings(key)

    def audience(self, key: str) -> str | tuple[str, ...] | None:
        value = self.get(key)
        if value is None or isinstance(value, str):
            return value
        return self.strings(key)

    def header_types(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        if value is None or value == "":
            return ()
        types = self.strings(key)
        if not types or not all(t and len(t.split()) == 1 and "," not in t for t in types):
            raise RuntimeError(
                f"{key} must be a word such as 'Bearer', a list of such words, or '' "
                "(the header then holds only the token)"
            )
        return types

    def locations(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        try:
            locations = self.strings(key)
        except RuntimeError:
            raise RuntimeError(
                f"{key} must be a location or an iterable of them, from {', '.join(LOCATIONS)};"
                f" got {type(value).__name__}"
            ) from None
        if not locations:
            raise RuntimeError(f"{key} must name at least one of {', '.join(LOCATIONS)}")
        for loc in locations:
            if loc not in LOCATIONS:
                raise RuntimeError(
                    f"{key}: '{loc}' is not a valid location; use {', '.join(LOCATIONS)}"
                )
        return tuple(dict.fromkeys(locations))

    def expires(self, key: str) -> Any:
        return check_expires(self.get(key), key)


def check_expires(value: Any, name: str) -> Any:
    """Validate an expiry: a timedelta, relativedelta, int seconds, or ``False``.

    A negative delta is allowed: it makes tokens that are already expired,
    as applications' own tests do.

    :returns: ``False`` or a value that can be added to a datetime.
    :raises RuntimeError: the value is zero or of another type; the message
        names *name*.
    """
    if value is False:
        return False
    if isinstance(value, bool) or value is None:
        raise RuntimeError(f"{name} must be a timedelta, relativedelta, int seconds or False")
    if isinstance(value, int):
        value = dt.timedelta(seconds=value)
    try:
        later = _EPOCH + value
    except (TypeError, OverflowError, ValueError):
        raise RuntimeError(
            f"{name} must be a timedelta, relativedelta, int seconds or False, "
            f"not {type(value).__name__}"
        ) from None
    if not isinstance(later, dt.datetime):
        raise RuntimeError(f"{name} must be a timedelta, relativedelta, int seconds or False")
    if later == _EPOCH:
        # Flask-JWT-Extended issued tokens that never expire for a zero
        # expiry; an explicit False says that on purpose.
        raise RuntimeError(f"{name} must not be zero; use False for tokens that never expire")
    return value


_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)

#: Type of a clock: returns the POSIX time as a float.
Clock = Callable[[], float]
