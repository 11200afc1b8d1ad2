"""Helpers the back ends share: lookup keys, session records, URL redaction.

Lookup keys
    The SQL and Redis back ends never use an identity, ``jti`` or ``sid`` as
    a key directly. They use the SHA-256 hex digest of its UTF-8 encoding
    (:func:`lookup_key`): 64 ASCII characters whatever the input. A string
    with a NUL byte (which PostgreSQL ``TEXT`` rejects), a newline, quotes,
    10 kB of data or non-ASCII text thus matches exactly, and every index
    entry has the same small size. Lone surrogates are encoded with
    ``surrogatepass`` so that no Python string is refused.

Session records
    The strings of a :class:`~.base.SessionInfo` that must come back as
    they were (``sid``, ``identity``, ``metadata``) are stored as ASCII-only
    JSON (:func:`dump_session_data`), which escapes NUL and every other
    odd character.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable
from typing import Any

from .base import ConsumeResult, SessionInfo

#: The mask put in place of a password in URLs shown to people.
PASSWORD_MASK = "***"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_QUERY_PASSWORD = re.compile(r"([?&;]password=)[^&#;]*", re.IGNORECASE)


def lookup_key(value: str) -> str:
    """The fixed-size key under which *value* is stored.

    :param value: an identity, ``jti`` or ``sid``.
    """
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def dump_session_data(info: SessionInfo) -> str:
    """ASCII-only JSON holding the strings of *info* that must round-trip.

    :param info: the session.
    """
    return json.dumps(
        {"sid": info.sid, "identity": info.identity, "metadata": dict(info.metadata)},
        sort_keys=True,
    )


def load_session(
    data: str | bytes,
    created_at: float,
    last_refreshed_at: float,
    expires_at: float | None,
) -> SessionInfo:
    """Rebuild a session from :func:`dump_session_data` output and its times.

    :param data: the JSON written by :func:`dump_session_data`.
    :param created_at: see :class:`~.base.SessionInfo`.
    :param last_refreshed_at: see :class:`~.base.SessionInfo`.
    :param expires_at: see :class:`~.base.SessionInfo`.
    """
    fields: dict[str, Any] = json.loads(data)
    return SessionInfo(
        sid=fields["sid"],
        identity=fields["identity"],
        created_at=created_at,
        last_refreshed_at=last_refreshed_at,
        expires_at=expires_at,
        metadata=fields["metadata"],
    )


def is_live(expires_at: float | None, now: float) -> bool:
    """Whether an entry expiring at *expires_at* is still useful at *now*.

    An entry is useless only once its time is strictly past, the same rule
    :meth:`~.base.RevocationStore.purge_expired` deletes by.

    :param expires_at: the entry's expiry; ``None`` means never.
    :param now: the current time.
    """
    return expires_at is None or expires_at >= now


def later_expiry(current: float | None, new: float | None) -> float | None:
    """The later of two expiries, ``None`` (never) being the latest.

    :param current: the expiry already stored.
    :param new: the expiry of the new write.
    """
    if current is None or new is None:
        return None
    return max(current, new)


def newest_first(sessions: Iterable[SessionInfo]) -> list[SessionInfo]:
    """Sort sessions newest first; equal times fall back to ``sid`` order.

    :param sessions: the sessions to sort.
    """
    return sorted(sessions, key=lambda s: (-s.created_at, s.sid))


def consume_outcome(first_used: float, now: float, grace: float) -> ConsumeResult:
    """What a second use of a refresh token at *now* means.

    :param first_used: when the token was consumed.
    :param now: the time of this use.
    :param grace: seconds after the first use during which reuse is tolerated.
    """
    if now - first_used <= grace:
        return ConsumeResult.WITHIN_GRACE
    return ConsumeResult.REUSED


def remaining_ms(expires_at: float, now: float, ceiling: int) -> int:
    """Milliseconds from *now* to *expires_at*, at least 1, at most *ceiling*.

    :param expires_at: the expiry.
    :param now: the current time.
    :param ceiling: the largest value returned (for absurdly late expiries).
    """
    remaining = (expires_at - now) * 1000
    if not remaining < ceiling:
        return ceiling
    return max(1, math.ceil(remaining))


def url_scheme(url: str) -> str | None:
    """The lower-cased scheme of *url*, or ``None`` when it has no ``scheme://``.

    :param url: any string.
    """
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def redact_url(url: str) -> str:
    """*url* with any password (in the user info or the query) masked.

    Errs on the side of masking: everything from the colon after the user
    name to the last ``@`` goes, so a password holding ``/``, ``?`` or
    ``#`` (which only SQLAlchemy's URL parser would accept) is hidden too.

    :param url: a URL that may hold a password.
    """
    start = url.find("://") + 3 if "://" in url else 0
    at = url.rfind("@")
    colon = url.find(":", start, at) if at > start else -1
    if colon >= 0 and "/" not in url[start:colon]:
        url = f"{url[: colon + 1]}{PASSWORD_MASK}{url[at:]}"
    return _QUERY_PASSWORD.sub(rf"\g<1>{PASSWORD_MASK}", url)


class MissingDependency(RuntimeError):
    """A back end needs a package that is not installed.

    :param package: the importable name of the missing package.
    :param extra: the Flask-JWT-Kit extra that installs it, if there is one.
    """

    def __init__(self, package: str, extra: str | None):
        #: The importable name of the missing package.
        self.package = package
        #: The extra that installs it (``pip install 'Flask-JWT-Kit[extra]'``).
        self.extra = extra
        super().__init__(f"needs the {package} package: {self.hint}")

    @property
    def hint(self) -> str:
        """The command that installs the missing package."""
        if self.extra is None:
            return f"install the package that provides the {self.package!r} module"
        return f"pip install 'Flask-JWT-Kit[{self.extra}]'"
