"""Revocation check cost of every store, with 1,000 and with 1,000,000 revoked tokens.

For each back end (memory, SQLite, Redis, PostgreSQL through SQLAlchemy),
:func:`measure_backend` makes two stores with tables (or a database) of
their own: one holding 1,000 revoked tokens, written through the store's
``revoke_jti``, and one holding the same 1,000 plus 999,000 more. It then
times ``is_revoked`` as :func:`flask_jwt_kit.blocklist.check_revoked`
calls it, alternating rounds between the two stores so that both see the
same machine: for tokens that are not revoked (the common case; a new
``jti`` each call, as real tokens have) and for revoked ones (drawn from
all the entries). The cost must stay flat. With the larger store it also
times the per-request verification (``verify_jwt_in_request``: token,
decode cache, expiry, revocation) against the same without a store, and
for Redis counts the commands each request sends (the contract is one
round trip).

Bulk loading writes the rows ``revoke_jti`` would write (same tables, same
SHA-256 keys, same Redis key layout and TTL) in batches, which takes
seconds instead of the minutes a million single writes would; both stores
are checked to report their last revoked token as revoked.

Redis and PostgreSQL run on free loopback ports in temporary directories,
started with the test suite's helpers (:mod:`tests.plugins.stores`), and
are stopped afterwards; a back end whose server is not installed is
reported as skipped. Times are wall-clock (:func:`time.perf_counter`):
a round trip is mostly waiting.

Run as ``python -m benchmarks.revocation [--quick] [--backend NAME]``; it
prints JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import pwd
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask

from flask_jwt_kit import verify_jwt_in_request
from flask_jwt_kit.revocation import (
    MemoryStore,
    RedisStore,
    RevocationStore,
    SQLAlchemyStore,
    SQLiteStore,
)
from flask_jwt_kit.revocation._shared import lookup_key
from tests.plugins.stores import PostgresServer, RedisServer, _postgres_bindir

from .apps import HEADER, IDENTITY, make_app
from .timing import Sample, measure_pair

if TYPE_CHECKING:
    from redis import Redis

BACKENDS = ("memory", "sqlite", "redis", "postgresql")


@dataclass(frozen=True)
class Sizes:
    small: int
    large: int
    #: ``is_revoked`` calls per round.
    lookups: int
    #: Test-client requests per round.
    requests: int
    rounds: int


FULL = Sizes(small=1_000, large=1_000_000, lookups=1000, requests=1000, rounds=5)
QUICK = Sizes(small=1_000, large=10_000, lookups=50, requests=20, rounds=3)

#: Rows written per batch when bulk loading.
BATCH = 10_000

Loader = Callable[[Sequence[str], float], None]


class Unavailable(Exception):
    """A back end cannot run here (its server is not installed)."""


@dataclass
class Backend:
    store: RevocationStore
    #: Writes the rows ``revoke_jti`` would write, for many ids at once.
    load: Loader
    #: For Redis: a client to count the server's commands with.
    redis: Redis | None = None


#: Opens a back end: yields a function making a store of it by name
#: ("small", "large"), each with its own tables (or database), all closed
#: (and the server stopped) on exit.
Opener = Callable[[Path], AbstractContextManager[Callable[[str], Backend]]]


def _batches(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


@contextmanager
def _closing(make: Callable[[str], Backend]) -> Iterator[Callable[[str], Backend]]:
    """*make*, closing every store it made on exit."""
    made: list[RevocationStore] = []

    def tracked(name: str) -> Backend:
        backend = make(name)
        made.append(backend.store)
        return backend

    try:
        yield tracked
    finally:
        for store in made:
            store.close()


@contextmanager
def _memory(workdir: Path) -> Iterator[Callable[[str], Backend]]:
    def make(name: str) -> Backend:
        store = MemoryStore()

        def load(jtis: Sequence[str], expires_at: float) -> None:
            for jti in jtis:
                store.revoke_jti(jti, expires_at)

        return Backend(store, load)

    yield make


@contextmanager
def _sqlite(workdir: Path) -> Iterator[Callable[[str], Backend]]:
    def make(name: str) -> Backend:
        path = workdir / f"{name}.db"

        def load(jtis: Sequence[str], expires_at: float) -> None:
            conn = sqlite3.connect(path)
            try:
                with conn:
                    conn.executemany(
                        "INSERT INTO jwtkit_revoked_tokens (key, expires_at) VALUES (?, ?)",
                        ((lookup_key(jti), expires_at) for jti in jtis),
                    )
            finally:
                conn.close()

        return Backend(SQLiteStore(path), load)

    with _closing(make) as tracked:
        yield tracked


@contextmanager
def _redis(workdir: Path) -> Iterator[Callable[[str], Backend]]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise Unavailable("redis-server is not installed")
    import redis

    directory = workdir / "redis"
    directory.mkdir()
    server = RedisServer(binary, directory)
    server.start()
    try:
        admin = redis.Redis.from_url(server.url)
        # The append-only file's rewrites would add noise, not realism.
        admin.config_set("appendonly", "no")
        databases = {"small": 1, "large": 2}

        def make(name: str) -> Backend:
            store = RedisStore(f"redis://127.0.0.1:{server.port}/{databases[name]}")

            def load(jtis: Sequence[str], expires_at: float) -> None:
                ttl_ms = int((expires_at - time.time()) * 1000)
                for batch in _batches(jtis):
                    with store.client.pipeline(transaction=False) as pipe:
                        for jti in batch:
                            pipe.set(f"{store.prefix}jti:{lookup_key(jti)}", "1", px=ttl_ms)
                        pipe.execute()

            return Backend(store, load, admin)

        try:
            with _closing(make) as tracked:
                yield tracked
        finally:
            admin.close()
    finally:
        server.stop()


def _unprivileged_user() -> str | None:
    """Who runs PostgreSQL: nobody special unless we are root."""
    if os.geteuid() != 0:
        return None
    if shutil.which("runuser") is None:
        raise Unavailable("running as root and runuser is not available")
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise Unavailable("running as root and no unprivileged user for PostgreSQL")


@contextmanager
def _postgresql(workdir: Path) -> Iterator[Callable[[str], Backend]]:
    bindir = _postgres_bindir()
    if bindir is None:
        raise Unavailable("PostgreSQL (initdb, pg_ctl) is not installed")
    run_as = _unprivileged_user()
    import psycopg

    # Its own directory: the server's user must be able to enter it.
    directory = Path(tempfile.mkdtemp(prefix="jwtkit-bench-pg-"))
    if run_as is not None:
        shutil.chown(directory, run_as)
    server = PostgresServer(bindir, directory, run_as)
    try:
        server.init()
        with psycopg.connect(server.conninfo, autocommit=True) as conn:
            # The test helper logs every statement (tests count them); not here.
            conn.execute("ALTER SYSTEM SET log_statement = 'none'")
            conn.execute("SELECT pg_reload_conf()")

        def make(name: str) -> Backend:
            store = SQLAlchemyStore(server.url, table_prefix=f"jwtkit_{name}_")
            table = f"{store.table_prefix}revoked_tokens"

            def load(jtis: Sequence[str], expires_at: float) -> None:
                with psycopg.connect(server.conninfo) as conn:
                    with conn.cursor() as cursor:
                        with cursor.copy(f"COPY {table} (key, expires_at) FROM STDIN") as copy:
                            for jti in jtis:
                                copy.write_row((lookup_key(jti), expires_at))
                    conn.commit()
                    conn.execute(f"ANALYZE {table}")

            return Backend(store, load)

        with _closing(make) as tracked:
            yield tracked
    finally:
        if server.is_running():
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


_OPENERS: dict[str, Opener] = {
    "memory": _memory,
    "sqlite": _sqlite,
    "redis": _redis,
    "postgresql": _postgresql,
}


def _lookup(store: RevocationStore, ids: Iterator[str], now: float) -> Callable[[], bool]:
    """One ``is_revoked`` call as check_revoked makes it for a plain access token."""
    return lambda: store.is_revoked(next(ids), IDENTITY, None, now)


def _commands(client: Redis) -> int:
    stats: dict[str, Any] = client.info("commandstats")
    return sum(v["calls"] for k, v in stats.items() if k != "cmdstat_info")


def _verifications(app: Flask, token: str, count: int) -> Callable[[], None]:
    """*count* calls of ``verify_jwt_in_request`` in one request context of *app*.

    That is the whole per-request check (token found, cache hit, expiry,
    revocation, context stored), without the test client's own cost, which
    would drown a microsecond in noise.
    """
    verify = verify_jwt_in_request

    def run() -> None:
        with app.test_request_context("/protected", headers={HEADER: f"Bearer {token}"}):
            for _ in range(count):
                verify()

    return run


def _requests(backend: Backend, sizes: Sizes) -> dict[str, Any]:
    """Per-request verification with the store against the same without any store."""
    with_store, module = make_app("kit", JWT_REVOCATION_STORE=backend.store)
    without_store, _ = make_app("kit")
    with with_store.app_context():
        token: str = module.create_access_token(IDENTITY)
    result: dict[str, Any] = {}
    if backend.redis is not None:
        before = _commands(backend.redis)
        _verifications(with_store, token, sizes.requests)()
        result["commands_per_request"] = (_commands(backend.redis) - before) / sizes.requests
    stored, unstored = measure_pair(
        _verifications(with_store, token, sizes.requests),
        _verifications(without_store, token, sizes.requests),
        1,
        sizes.rounds,
        timer=time.perf_counter,
    )
    result["verify_with_store"] = _per_call(stored, sizes.requests).to_json()
    result["verify_without_store"] = _per_call(unstored, sizes.requests).to_json()
    return result


def _per_call(batches: Sample, count: int) -> Sample:
    return Sample(tuple(r / count for r in batches.rounds))


def _copies(strings: Sequence[str]) -> list[str]:
    return [string.encode().decode() for string in strings]


def measure_backend(make: Callable[[str], Backend], sizes: Sizes) -> dict[str, Any]:
    """Lookup times with few and many entries (alternating rounds), and the request cost.

    Tokens that are not revoked are new ids each time, as fresh tokens'
    ``jti`` are; revoked ones are drawn from all the entries.
    """
    small, large = make("small"), make("large")
    now = time.time()
    expires_at = now + 3600
    revoked = [f"revoked-{i}" for i in range(sizes.large)]
    for jti in revoked[: sizes.small]:
        small.store.revoke_jti(jti, expires_at)
        large.store.revoke_jti(jti, expires_at)
    large.load(revoked[sizes.small :], expires_at)
    for backend, count in ((small, sizes.small), (large, sizes.large)):
        store = backend.store
        if not store.is_revoked(revoked[count - 1], None, None, None) or store.is_revoked(
            "live", None, None, None
        ):
            raise RuntimeError(f"{type(store).__name__} does not see the rows loaded")
    needed = sizes.lookups * (sizes.rounds + 1)
    pick = random.Random(6)
    result: dict[str, Any] = {"small": sizes.small, "large": sizes.large}
    result["miss_small"], result["miss_large"] = (
        sample.to_json()
        for sample in measure_pair(
            _lookup(small.store, (f"live-a-{i}" for i in itertools.count()), now),
            _lookup(large.store, (f"live-b-{i}" for i in itertools.count()), now),
            sizes.lookups,
            sizes.rounds,
            timer=time.perf_counter,
        )
    )
    result["hit_small"], result["hit_large"] = (
        sample.to_json()
        for sample in measure_pair(
            # New string objects, as a request's claims are, not the stored ones.
            _lookup(small.store, itertools.cycle(_copies(revoked[: sizes.small])), now),
            _lookup(large.store, iter(_copies(pick.sample(revoked, needed))), now),
            sizes.lookups,
            sizes.rounds,
            timer=time.perf_counter,
        )
    )
    result.update(_requests(large, sizes))
    return result


def run(quick: bool = False, backends: Sequence[str] = BACKENDS) -> dict[str, dict[str, Any]]:
    """Figures for each back end in *backends*; ``{"skipped": reason}`` for one that cannot run."""
    sizes = QUICK if quick else FULL
    results: dict[str, dict[str, Any]] = {}
    for kind in backends:
        with tempfile.TemporaryDirectory(prefix=f"jwtkit-bench-{kind}-") as workdir:
            try:
                with _OPENERS[kind](Path(workdir)) as make:
                    results[kind] = measure_backend(make, sizes)
            except Unavailable as exc:
                results[kind] = {"skipped": str(exc)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--backend", action="append", choices=BACKENDS, dest="backends")
    args = parser.parse_args()
    print(json.dumps(run(args.quick, args.backends or BACKENDS)))


if __name__ == "__main__":
    main()
