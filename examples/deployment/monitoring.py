"""What to watch in production: refused requests, store outages, store latency.

:class:`Metrics` counts refused requests by kind (through the
``auth_failed`` signal) and serves them at ``/metrics`` in the Prometheus
text format. :class:`TimedStore` wraps the revocation store and times every
call. Each worker process counts on its own; a scraper adds them up.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response

from flask_jwt_kit import SessionInfo, auth_failed
from flask_jwt_kit.exceptions import RevocationStoreUnavailable
from flask_jwt_kit.revocation import ConsumeResult, RevocationStore


class Metrics:
    """Counters for one application, safe to update from many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: Refused requests by error class (never by message: it may name a user).
        self.failures: Counter[str] = Counter()
        #: Store calls, seconds spent in them, and failed calls, by operation.
        self.store_calls: Counter[str] = Counter()
        self.store_seconds: defaultdict[str, float] = defaultdict(float)
        self.store_errors: Counter[str] = Counter()

    def init_app(self, app: Flask) -> None:
        auth_failed.connect(self._on_auth_failed, app)
        # Keep it on an internal port or network in production.
        app.add_url_rule("/metrics", "metrics", self.render)

    def _on_auth_failed(self, sender: Flask, reason: str, error: Exception) -> None:
        with self._lock:
            self.failures[type(error).__name__] += 1

    def observe(self, operation: str, seconds: float, failed: bool) -> None:
        with self._lock:
            self.store_calls[operation] += 1
            self.store_seconds[operation] += seconds
            if failed:
                self.store_errors[operation] += 1

    def render(self) -> Response:
        with self._lock:
            lines = ["# TYPE jwt_auth_failures_total counter"]
            lines += [
                f'jwt_auth_failures_total{{error="{name}"}} {count}'
                for name, count in sorted(self.failures.items())
            ]
            lines.append("# TYPE jwt_store_seconds summary")
            for operation in sorted(self.store_calls):
                label = f'{{operation="{operation}"}}'
                lines.append(f"jwt_store_seconds_count{label} {self.store_calls[operation]}")
                lines.append(f"jwt_store_seconds_sum{label} {self.store_seconds[operation]:.6f}")
            lines.append("# TYPE jwt_store_errors_total counter")
            lines += [
                f'jwt_store_errors_total{{operation="{operation}"}} {count}'
                for operation, count in sorted(self.store_errors.items())
            ]
        return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")


class TimedStore:
    """A revocation store that times the calls it passes on to another store."""

    def __init__(self, store: RevocationStore, metrics: Metrics) -> None:
        self.store = store
        self.metrics = metrics

    @contextmanager
    def _timed(self, operation: str) -> Iterator[None]:
        start = time.perf_counter()
        failed = False
        try:
            yield
        except RevocationStoreUnavailable:
            failed = True
            raise
        finally:
            self.metrics.observe(operation, time.perf_counter() - start, failed)

    def is_revoked(
        self, jti: str | None, identity: str | None, sid: str | None, issued_at: float | None
    ) -> bool:
        with self._timed("is_revoked"):
            return self.store.is_revoked(jti, identity, sid, issued_at)

    def revoke_jti(self, jti: str, expires_at: float | None) -> None:
        with self._timed("revoke_jti"):
            self.store.revoke_jti(jti, expires_at)

    def revoke_identity(self, identity: str, cutoff: float, expires_at: float | None) -> None:
        with self._timed("revoke_identity"):
            self.store.revoke_identity(identity, cutoff, expires_at)

    def revoke_session(self, sid: str, expires_at: float | None) -> None:
        with self._timed("revoke_session"):
            self.store.revoke_session(sid, expires_at)

    def purge_expired(self, now: float) -> int:
        with self._timed("purge_expired"):
            return self.store.purge_expired(now)

    def save_session(self, info: SessionInfo) -> None:
        with self._timed("save_session"):
            self.store.save_session(info)

    def touch_session(self, sid: str, last_refreshed_at: float, expires_at: float | None) -> None:
        with self._timed("touch_session"):
            self.store.touch_session(sid, last_refreshed_at, expires_at)

    def list_sessions(self, identity: str, now: float) -> list[SessionInfo]:
        with self._timed("list_sessions"):
            return self.store.list_sessions(identity, now)

    def consume_refresh(
        self, jti: str, now: float, grace: float, expires_at: float | None
    ) -> ConsumeResult:
        with self._timed("consume_refresh"):
            return self.store.consume_refresh(jti, now, grace, expires_at)

    def close(self) -> None:
        self.store.close()

    def __repr__(self) -> str:
        return f"TimedStore({self.store!r})"
