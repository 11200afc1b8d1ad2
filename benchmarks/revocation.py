"""Revocation check cost of every store, with 1,000 and with 1,000,000 revoked tokens.

For each back end (memory, SQLite, Redis, PostgreSQL through SQLAlchemy),
:func:`run` revokes 1,000 tokens through the store's own ``revoke_jti``,
times ``is_revoked`` as :func:`flask_jwt_kit.blocklist.check_revoked` calls
it for a token that is not revoked (the common case) and for one that is,
then bulk-loads the same rows up to 1,000,000 and times it again: the cost
must stay flat. At that size it also times a protected test-client request
with the store against one without, and for Redis counts the commands each
request sends (one round trip is the contract).

Bulk loading writes the rows ``revoke_jti`` would write (same tables, same
SHA-256 keys, same Redis key layout) in batches, which takes seconds
instead of the minutes a million single writes would; a revoked token from
the loaded rows is checked to be reported revoked.

Redis and PostgreSQL run on free loopback ports in temporary directories,
started with the test suite's helpers (:mod:`tests.plugins.stores`), and
are stopped afterwards; a back end whose server is not installed is
reported as skipped. Times are wall-clock (:func:`time.perf_counter`):
a round trip is mostly waiting.

Run as ``python -m benchmarks.revocation [--quick]``; it prints JSON.
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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from .timing import Sample, measure, measure_pair

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


FULL = Sizes(small=1_000, large=1_000_000, lookups=500, requests=300, rounds=5)
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


def _batches(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


@contextmanager
def _memory(workdir: Path) -> Iterator[Backend]:
    store = MemoryStore()

    def load(jtis: Sequence[str], expires_at: float) -> None:
        for jti in jtis:
            store.revoke_jti(jti, expires_at)

    yield Backend(store, load)


@contextmanager
def _sqlite(workdir: Path) -> Iterator[Backend]:
    path = workdir / "revocations.db"
    store = SQLiteStore(path)

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

    try:
        yield Backend(store, load)
    finally:
        store.close()


@contextmanager
def _redis(workdir: Path) -> Iterator[Backend]:
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
        store = RedisStore(server.url)

        def load(jtis: Sequence[str], expires_at: float) -> None:
            ttl_ms = int((expires_at - time.time()) * 1000)
            for batch in _batches(jtis):
                with store.client.pipeline(transaction=False) as pipe:
                    for jti in batch:
                        pipe.set(f"{store.prefix}jti:{lookup_key(jti)}", "1", px=ttl_ms)
                    pipe.execute()

        try:
            yield Backend(store, load, admin)
        finally:
            store.close()
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
def _postgresql(workdir: Path) -> Iterator[Backend]:
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
        store = SQLAlchemyStore(server.url)

        def load(jtis: Sequence[str], expires_at: float) -> None:
            with psycopg.connect(server.conninfo) as conn:
                with conn.cursor() as cursor:
                    table = f"{store.table_prefix}revoked_tokens"
                    with cursor.copy(f"COPY {table} (key, expires_at) FROM STDIN") as copy:
                        for jti in jtis:
                            copy.write_row((lookup_key(jti), expires_at))
                conn.commit()
                conn.execute(f"ANALYZE {table}")

        try:
            yield Backend(store, load)
        finally:
            store.close()
    finally:
        if server.is_running():
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


_OPENERS = {"memory": _memory, "sqlite": _sqlite, "redis": _redis, "postgresql": _postgresql}


def _lookups(store: RevocationStore, jtis: Sequence[str], now: float, sizes: Sizes) -> Sample:
    """Time ``is_revoked`` as check_revoked calls it for a plain access token."""
    ids = itertools.cycle(jtis)
    return measure(
        lambda: store.is_revoked(next(ids), IDENTITY, None, now),
        sizes.lookups,
        sizes.rounds,
        timer=time.perf_counter,
        warmup=min(sizes.lookups, 100),
    )


def _commands(client: Redis) -> int:
    stats: dict[str, Any] = client.info("commandstats")
    return sum(v["calls"] for k, v in stats.items() if k != "cmdstat_info")


def _requests(backend: Backend, sizes: Sizes) -> dict[str, Any]:
    """A protected request with the store against one without any."""
    with_store, module = make_app("kit", JWT_REVOCATION_STORE=backend.store)
    without_store, _ = make_app("kit")
    with with_store.app_context():
        token = module.create_access_token(IDENTITY)
    headers = {HEADER: f"Bearer {token}"}
    client, plain = with_store.test_client(), without_store.test_client()
    for c in (client, plain):
        status = c.get("/protected", headers=headers).status_code
        if status != 200:
            raise RuntimeError(f"GET /protected answered {status}")
    result: dict[str, Any] = {}
    if backend.redis is not None:
        before = _commands(backend.redis)
        for _ in range(sizes.requests):
            client.get("/protected", headers=headers)
        result["commands_per_request"] = (_commands(backend.redis) - before) / sizes.requests
    stored, unstored = measure_pair(
        lambda: client.get("/protected", headers=headers),
        lambda: plain.get("/protected", headers=headers),
        sizes.requests,
        sizes.rounds,
        timer=time.perf_counter,
    )
    result["request_with_store"] = stored.to_json()
    result["request_without_store"] = unstored.to_json()
    return result


def measure_backend(backend: Backend, sizes: Sizes) -> dict[str, Any]:
    """Lookup times at both sizes, and the request cost at the larger one."""
    store = backend.store
    now = time.time()
    expires_at = now + 3600
    revoked = [f"revoked-{i}" for i in range(sizes.large)]
    live = [f"live-{i}" for i in range(1000)]
    pick = random.Random(6)
    for jti in revoked[: sizes.small]:
        store.revoke_jti(jti, expires_at)
    result: dict[str, Any] = {"small": sizes.small, "large": sizes.large}
    for size in ("small", "large"):
        count = result[size]
        if size == "large":
            backend.load(revoked[sizes.small :], expires_at)
        if not store.is_revoked(revoked[count - 1], None, None, None) or store.is_revoked(
            live[0], None, None, None
        ):
            raise RuntimeError(f"{type(store).__name__} does not see the rows loaded")
        hits = pick.sample(revoked[:count], 1000)
        result[f"miss_{size}"] = _lookups(store, live, now, sizes).to_json()
        result[f"hit_{size}"] = _lookups(store, hits, now, sizes).to_json()
    result.update(_requests(backend, sizes))
    return result


def run(quick: bool = False, backends: Sequence[str] = BACKENDS) -> dict[str, dict[str, Any]]:
    """Figures for each back end in *backends*; ``{"skipped": reason}`` for one that cannot run."""
    sizes = QUICK if quick else FULL
    results: dict[str, dict[str, Any]] = {}
    for kind in backends:
        with tempfile.TemporaryDirectory(prefix=f"jwtkit-bench-{kind}-") as workdir:
            try:
                with _OPENERS[kind](Path(workdir)) as backend:
                    results[kind] = measure_backend(backend, sizes)
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
