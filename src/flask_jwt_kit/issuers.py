"""Trust in external token issuers (``JWT_TRUSTED_ISSUERS``).

A token whose ``iss`` claim is exactly one of the trusted issuers is
verified with that issuer's published keys only, never with our own, and
must name the issuer's configured ``audience`` in its ``aud`` claim. The
keys come from the issuer's ``jwks_uri``, given or discovered through its
OpenID configuration. They are cached; an unknown ``kid`` triggers a
refresh, at most once per ``min_refresh_seconds`` per issuer, so a flood of
made-up ``kid`` values cannot turn into a flood of requests. When the issuer
cannot be reached, cached keys stay in use however old they are.

Only the configured URLs are ever fetched: ``jku``, ``x5u``, ``x5c`` and
``jwk`` token headers are not even passed in here.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import IO, TypeGuard
from urllib.parse import urlsplit

import jwt

from .exceptions import InvalidKeyIdError, SigningKeysUnavailable
from .jwk import ASYMMETRIC_ALGORITHMS, Key, check_kid, key_from_jwk

__all__ = ["MAX_RESPONSE_BYTES", "IssuerConfig", "TrustedIssuers", "http_fetch"]

logger = logging.getLogger(__name__)

#: The largest OpenID configuration or JWK Set :func:`http_fetch` accepts.
MAX_RESPONSE_BYTES = 1024 * 1024

_SETTING = "JWT_TRUSTED_ISSUERS"
_FIELDS = ("issuer", "jwks_uri", "audience", "algorithms", "identity_claim")


@dataclass(frozen=True)
class IssuerConfig:
    """One trusted issuer, as configured."""

    #: The exact ``iss`` value of its tokens.
    issuer: str
    #: The audience its tokens must name (any of them); required, so that
    #: tokens the issuer minted for its other clients are refused.
    audience: str | tuple[str, ...]
    #: The algorithms its tokens may use; all asymmetric.
    algorithms: tuple[str, ...]
    #: The claim holding the identity, or ``None`` for the application's.
    identity_claim: str | None = None
    #: Where its JWK Set is; ``None`` to discover it from the issuer's
    #: ``/.well-known/openid-configuration``.
    jwks_uri: str | None = None


def _is_http_url(value: object) -> TypeGuard[str]:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _parse_entry(index: int, entry: object) -> IssuerConfig:
    """Validate one ``JWT_TRUSTED_ISSUERS`` entry."""
    where = f"{_SETTING}[{index}]"
    if not isinstance(entry, Mapping):
        raise RuntimeError(f"{where} must be a dict with 'issuer', 'audience' and 'algorithms'")
    unknown = sorted(str(name) for name in entry if name not in _FIELDS)
    if unknown:
        raise RuntimeError(f"{where} has unknown keys {unknown}; accepted: {', '.join(_FIELDS)}")
    issuer = entry.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise RuntimeError(f"{where}['issuer'] must be a non-empty string")
    jwks_uri = entry.get("jwks_uri")
    if jwks_uri is not None and not _is_http_url(jwks_uri):
        raise RuntimeError(f"{where}['jwks_uri'] must be an http:// or https:// URL")
    if jwks_uri is None and not _is_http_url(issuer):
        raise RuntimeError(
            f"{where}: without 'jwks_uri' the 'issuer' must be an http:// or https:// URL, "
            "where /.well-known/openid-configuration is found"
        )
    audience = entry.get("audience")
    if isinstance(audience, (list, tuple)):
        audience = tuple(audience)
    # Required: without it, a token the issuer minted for any of its other
    # clients would be accepted here (RFC 8725 3.9).
    if not (
        (isinstance(audience, str) and audience)
        or (
            isinstance(audience, tuple)
            and audience
            and all(isinstance(a, str) and a for a in audience)
        )
    ):
        raise RuntimeError(
            f"{where}['audience'] is required: the audience this API's tokens are issued "
            "for, as a non-empty string or a non-empty list of them"
        )
    algorithms = entry.get("algorithms")
    if (
        not isinstance(algorithms, (list, tuple))
        or not algorithms
        or not all(isinstance(a, str) and a in ASYMMETRIC_ALGORITHMS for a in algorithms)
    ):
        raise RuntimeError(
            f"{where}['algorithms'] must be a non-empty list of asymmetric algorithms "
            f"from: {', '.join(ASYMMETRIC_ALGORITHMS)} (never HS* or 'none')"
        )
    identity_claim = entry.get("identity_claim")
    if identity_claim is not None and (not isinstance(identity_claim, str) or not identity_claim):
        raise RuntimeError(f"{where}['identity_claim'] must be a non-empty string or None")
    return IssuerConfig(issuer, audience, tuple(algorithms), identity_claim, jwks_uri)


class _FetchFailed(Exception):
    """Keys could not be fetched; the message is for the log."""


@dataclass(frozen=True)
class _Cache:
    #: kid -> alg -> key: one JWK without ``alg`` serves several algorithms.
    keys: Mapping[str, Mapping[str, Key]]
    fetched_at: float


class _IssuerState:
    """The keys of one issuer and what guards their refreshing."""

    def __init__(self, config: IssuerConfig) -> None:
        self.config = config
        #: Held while fetching, so only one fetch per issuer runs at a time.
        self.lock = threading.Lock()
        #: Replaced whole, never changed, so readers need no lock.
        self.cache: _Cache | None = None
        self.attempted_at: float | None = None
        #: The configured or discovered JWK Set URL; ``None`` to discover.
        self.jwks_uri = config.jwks_uri


class TrustedIssuers:
    """The trusted issuers, and the keys fetched from each.

    Every issuer is configured with the audience its tokens must name
    (required). Build it with :meth:`from_config`. Thread-safe.
    """

    def __init__(
        self,
        configs: list[IssuerConfig],
        *,
        fetch: Callable[[str, float], bytes] | None = None,
        clock: Callable[[], float] = time.time,
        cache_seconds: float = 300,
        min_refresh_seconds: float = 30,
        timeout: float = 5.0,
    ) -> None:
        if cache_seconds < 0 or min_refresh_seconds < 0 or timeout <= 0:
            raise ValueError("cache and refresh times must be >= 0 and the timeout > 0")
        self._states: dict[str, _IssuerState] = {}
        for config in configs:
            if config.issuer in self._states:
                raise RuntimeError(f"{_SETTING}: the issuer {config.issuer!r} is listed twice")
            self._states[config.issuer] = _IssuerState(config)
        self._fetch = fetch or http_fetch
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._min_refresh_seconds = min_refresh_seconds
        self._timeout = timeout

    @classmethod
    def from_config(
        cls,
        value: object,
        *,
        fetch: Callable[[str, float], bytes] | None = None,
        clock: Callable[[], float] = time.time,
        cache_seconds: float = 300,
        min_refresh_seconds: float = 30,
        timeout: float = 5.0,
    ) -> TrustedIssuers:
        """Build from the ``JWT_TRUSTED_ISSUERS`` setting.

        :param value: a list of dicts with ``issuer``, ``audience`` and
            ``algorithms`` (required) and ``jwks_uri``, ``identity_claim``;
            ``None`` for no trusted issuer. ``audience`` is a non-empty
            string or a non-empty list of them: a token is accepted only if
            its ``aud`` names one.
        :param fetch: ``fetch(url, timeout) -> bytes``, raising on any
            failure; default :func:`http_fetch`.
        :param clock: the current time in seconds.
        :param cache_seconds: how long fetched keys are used before a refresh.
        :param min_refresh_seconds: the least time between two fetch attempts
            for one issuer, whatever triggers them.
        :param timeout: seconds allowed for each fetch.
        :raises RuntimeError: naming ``JWT_TRUSTED_ISSUERS``, the entry and
            the field at fault.
        """
        if value is None:
            value = []
        if not isinstance(value, (list, tuple)):
            raise RuntimeError(f"{_SETTING} must be a list of dicts, one per issuer")
        return cls(
            [_parse_entry(index, entry) for index, entry in enumerate(value)],
            fetch=fetch,
            clock=clock,
            cache_seconds=cache_seconds,
            min_refresh_seconds=min_refresh_seconds,
            timeout=timeout,
        )

    def __contains__(self, issuer: object) -> bool:
        """Whether ``issuer`` is exactly (not a prefix of) a trusted issuer."""
        return isinstance(issuer, str) and issuer in self._states

    def __iter__(self) -> Iterator[str]:
        return iter(self._states)

    def __len__(self) -> int:
        return len(self._states)

    def __repr__(self) -> str:
        return f"<TrustedIssuers {list(self._states)}>"

    def config(self, issuer: str) -> IssuerConfig:
        """The configuration of a trusted issuer.

        :raises KeyError: if ``issuer`` is not trusted; check with ``in``.
        """
        return self._states[issuer].config

    def key_for(self, issuer: str, kid: object, alg: object) -> Key:
        """The key of ``issuer`` that verifies a token with these headers.

        :param issuer: a trusted issuer (the token's ``iss``).
        :param kid: the token's ``kid`` header, of any type.
        :param alg: the token's ``alg`` header, of any type.
        :raises KeyError: if ``issuer`` is not trusted; check with ``in``.
        :raises jwt.InvalidAlgorithmError: if ``alg`` is not one the issuer
            is configured with, or not the algorithm of the key.
        :raises InvalidKeyIdError: if ``kid`` is missing, not a string, or
            unknown even after a refresh (or with a refresh not yet allowed).
        :raises SigningKeysUnavailable: if no keys could be fetched yet.
        """
        state = self._states[issuer]
        if not isinstance(alg, str) or alg not in state.config.algorithms:
            raise jwt.InvalidAlgorithmError("The specified alg value is not allowed")
        kid = check_kid(kid)
        cache = state.cache
        if cache is None or kid not in cache.keys:
            cache = self._refresh(state)
        elif self._expired(cache.fetched_at):
            cache = self._refresh(state, stale=cache)
        by_alg = cache.keys.get(kid)
        if by_alg is None:
            raise InvalidKeyIdError("Unknown key id")
        key = by_alg.get(alg)
        if key is None:
            raise jwt.InvalidAlgorithmError("The specified alg value is not allowed")
        return key

    def _expired(self, since: float) -> bool:
        # A clock that went backwards counts as expired, so keys are not
        # frozen until it catches up.
        return not 0 <= self._clock() - since < self._cache_seconds

    def _refresh(self, state: _IssuerState, stale: _Cache | None = None) -> _Cache:
        """Fetch the issuer's keys if the rate limit allows; the keys to use.

        :param stale: expired keys that hold the wanted one. With them in
            hand, a request never waits for another thread's fetch.
        """
        if stale is None:
            state.lock.acquire()
        elif not state.lock.acquire(blocking=False):
            return stale
        try:
            now = self._clock()
            last = state.attempted_at
            # Threads that waited for the lock find the attempt just made and
            # use its result instead of fetching again.
            if last is None or not 0 <= now - last < self._min_refresh_seconds:
                state.attempted_at = now
                try:
                    state.cache = _Cache(self._download(state), now)
                except _FetchFailed as exc:
                    logger.warning(
                        "Cannot fetch the signing keys of trusted issuer %r: %s",
                        state.config.issuer,
                        exc,
                    )
            if state.cache is None:
                raise SigningKeysUnavailable()
            return state.cache
        finally:
            state.lock.release()

    def _download(self, state: _IssuerState) -> dict[str, dict[str, Key]]:
        config = state.config
        if state.jwks_uri is None:
            state.jwks_uri = self._discover(config.issuer)
        try:
            return _usable_keys(self._get_json(state.jwks_uri), config.algorithms)
        except _FetchFailed:
            # The discovered location may be what changed: look again next time.
            state.jwks_uri = config.jwks_uri
            raise

    def _discover(self, issuer: str) -> str:
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = self._get_json(url)
        if not isinstance(document, dict) or document.get("issuer") != issuer:
            # OpenID Connect Discovery 1.0, 4.3: the document must name the
            # issuer it was fetched for, exactly.
            raise _FetchFailed(f"{url} is not the OpenID configuration of {issuer!r}")
        jwks_uri = document.get("jwks_uri")
        if not _is_http_url(jwks_uri):
            raise _FetchFailed(f"{url} has no http:// or https:// 'jwks_uri'")
        return jwks_uri

    def _get_json(self, url: str) -> object:
        try:
            body = self._fetch(url, self._timeout)
        except Exception as exc:
            # The fetcher is pluggable, so any failure means "unavailable".
            raise _FetchFailed(f"{url}: {type(exc).__name__}: {exc}") from exc
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise _FetchFailed(f"{url} did not answer with JSON") from None


def _usable_keys(jwk_set: object, algorithms: tuple[str, ...]) -> dict[str, dict[str, Key]]:
    """The keys of a fetched JWK Set that serve one of ``algorithms``.

    Malformed, unsupported, weak or symmetric keys are skipped, so one bad key
    in a provider's set does not make the others unusable.
    """
    if not isinstance(jwk_set, dict) or not isinstance(jwk_set.get("keys"), list):
        raise _FetchFailed("the answer is not a JWK Set")
    keys: dict[str, dict[str, Key]] = {}
    for jwk in jwk_set["keys"]:
        declared = jwk.get("alg") if isinstance(jwk, dict) else None
        # A JWK without "alg" may serve every configured algorithm that fits
        # its key type; key_from_jwk refuses the others.
        for alg in algorithms if declared is None else [declared]:
            if alg not in algorithms:
                continue
            try:
                key = key_from_jwk(jwk, alg)
            except ValueError:
                continue
            keys.setdefault(key.kid, {}).setdefault(alg, key)
    if not keys:
        raise _FetchFailed("the JWK Set has no usable keys")
    return keys


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) URLs only, and never from https to http."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        downgrade = req.full_url.startswith("https:") and not newurl.startswith("https:")
        if downgrade or not _is_http_url(newurl):
            raise urllib.error.HTTPError(req.full_url, code, "redirect refused", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    """An opener for http and https only (no file:, ftp: or data: handlers)."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _RedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def http_fetch(url: str, timeout: float, *, max_bytes: int = MAX_RESPONSE_BYTES) -> bytes:
    """GET ``url`` and return the body: the default fetcher of :class:`TrustedIssuers`.

    :param url: an http:// or https:// URL; redirects are followed only to
        http:// and https:// URLs, and not from https:// to http://.
    :param timeout: seconds for connecting and for each read; the whole
        download is abandoned once it has taken longer than this.
    :param max_bytes: the largest body accepted.
    :raises ValueError: if the URL is not http(s) or the body is too large.
    :raises OSError: if the request fails or times out (``urllib.error.URLError``
        and ``TimeoutError`` are ``OSError`` subclasses), or the status is not 2xx.
    """
    if not _is_http_url(url):
        raise ValueError("only http:// and https:// URLs are fetched")
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "Flask-JWT-Kit"}
    )
    chunks: list[bytes] = []
    size = 0
    with _opener().open(request, timeout=timeout) as response:
        # read1: what one receive brings, so that a server dripping a byte
        # at a time is checked against the deadline after each of them.
        while chunk := response.read1(min(65536, max_bytes + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise ValueError(f"the answer is larger than {max_bytes} bytes")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the answer took longer than {timeout} seconds")
    return b"".join(chunks)
