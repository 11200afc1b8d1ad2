"""Turning the ``JWT_REVOCATION_STORE`` setting into a store."""

from __future__ import annotations

import sys
from urllib.parse import unquote

from ._shared import MissingDependency, redact_url, url_scheme
from .base import RevocationStore
from .memory import MemoryStore
from .redis import CLUSTER_SCHEMES, RedisStore, UnusableURLOption
from .sqlalchemy import SQLAlchemyStore
from .sqlite import SQLiteStore

_ACCEPTED = (
    "None, a URL (memory://, sqlite:///relative.db, sqlite:////absolute/path.db, "
    "redis://, rediss://, unix://, redis+cluster://, rediss+cluster://, or another "
    "SQLAlchemy URL such as postgresql://user@host/db), a SQLAlchemy Engine, or a "
    "revocation store object"
)

_REDIS_SCHEMES = frozenset({"redis", "rediss", "unix", *CLUSTER_SCHEMES})

#: Packages that an extra of Flask-JWT-Kit installs, for SQLAlchemy drivers.
_DRIVER_EXTRAS = {"psycopg": "postgresql"}


def store_from_config(value: object) -> RevocationStore | None:
    """The revocation store that a ``JWT_REVOCATION_STORE`` value selects.

    ============================================  ==============================
    Value                                         Store
    ============================================  ==============================
    ``None``                                      none
    an object with the store methods              that object
    a SQLAlchemy ``Engine``                       :class:`.SQLAlchemyStore`
    ``"memory://"``                               :class:`.MemoryStore`
    ``"sqlite:///rel.db"``,                       :class:`.SQLiteStore` (stdlib
    ``"sqlite:////abs/path.db"``                  ``sqlite3``); ``sqlite://`` and
                                                  ``sqlite:///:memory:`` give a
                                                  private in-memory database
    ``"redis://..."``, ``"rediss://..."``,        :class:`.RedisStore`
    ``"unix://..."``
    ``"redis+cluster://host:port"``,              :class:`.RedisStore` on Redis
    ``"rediss+cluster://host:port"``              Cluster (any node of it)
    any other ``scheme://...`` URL                :class:`.SQLAlchemyStore`
    ============================================  ==============================

    Optional drivers are imported only when their store is chosen.

    :param value: the setting's value.
    :raises RuntimeError: when the value is of no accepted kind, a URL
        is malformed or has a query parameter its driver cannot use, or its
        store needs a package that is not installed. The message names the
        setting and never includes a password from the URL.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return _from_url(value)
    # A class has the methods too: ``MemoryStore`` instead of ``MemoryStore()``.
    if isinstance(value, RevocationStore) and not isinstance(value, type):
        return value
    engine = getattr(sys.modules.get("sqlalchemy.engine"), "Engine", None)
    if engine is not None and isinstance(value, engine):
        return SQLAlchemyStore(value)
    raise RuntimeError(
        # Not the value itself: it may hold a secret.
        f"JWT_REVOCATION_STORE must be {_ACCEPTED}, not {type(value).__name__}"
    )


def _unusable(shown: str, reason: str) -> RuntimeError:
    return RuntimeError(
        f"JWT_REVOCATION_STORE {shown} is not usable: {reason}. It must be {_ACCEPTED}"
    )


def _bad_url_errors() -> tuple[type[Exception], ...]:
    """What the drivers raise for a malformed URL or an unknown scheme."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    return (ValueError,) if sa_exc is None else (ValueError, sa_exc.ArgumentError)


def _is_unknown_dialect(exc: Exception) -> bool:
    sa_exc = sys.modules.get("sqlalchemy.exc")
    return sa_exc is not None and isinstance(exc, sa_exc.NoSuchModuleError)


def _from_url(url: str) -> RevocationStore:
    shown = repr(redact_url(url))
    scheme = url_scheme(url)
    if scheme is None:
        raise _unusable(shown, "it is not a URL (no scheme://)")
    if scheme == "memory":
        if url[len("memory://") :]:
            raise _unusable(shown, "memory:// takes nothing after it")
        return MemoryStore()
    if scheme == "sqlite":
        return _sqlite(url[len("sqlite://") :], shown)
    try:
        if scheme in _REDIS_SCHEMES:
            return RedisStore(url)
        return SQLAlchemyStore(url)
    except MissingDependency as exc:
        raise RuntimeError(f"JWT_REVOCATION_STORE {shown} {exc}") from exc
    except ModuleNotFoundError as exc:
        # A SQLAlchemy dialect's driver.
        module = (exc.name or "").partition(".")[0]
        missing = MissingDependency(module, _DRIVER_EXTRAS.get(module))
        raise RuntimeError(f"JWT_REVOCATION_STORE {shown} {missing}") from exc
    except UnusableURLOption as exc:
        # Its message names the parameter, never the value.
        raise _unusable(shown, str(exc)) from exc
    except _bad_url_errors() as exc:
        # Not the driver's message: it may quote parts of the URL.
        reason = f"unknown scheme {scheme}://" if _is_unknown_dialect(exc) else "malformed URL"
        raise _unusable(shown, reason) from exc


def _sqlite(rest: str, shown: str) -> SQLiteStore:
    """The stdlib store for what follows ``sqlite://`` in a URL."""
    if rest in ("", "/:memory:"):
        return SQLiteStore(":memory:")
    if not rest.startswith("/") or len(rest) == 1 or "?" in rest:
        raise _unusable(
            shown,
            "write sqlite:///relative/path.db or sqlite:////absolute/path.db, without a "
            "query string (sqlite+pysqlite:// goes through SQLAlchemy instead)",
        )
    return SQLiteStore(unquote(rest[1:]))
