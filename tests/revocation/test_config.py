"""store_from_config: what each JWT_REVOCATION_STORE value selects, and errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import flask_jwt_kit.revocation as revocation
from flask_jwt_kit import create_access_token, revoke_token
from flask_jwt_kit.revocation import (
    ConsumeResult,
    MemoryStore,
    RevocationStore,
    SessionInfo,
    SQLiteStore,
    store_from_config,
)
from flask_jwt_kit.revocation.redis import RedisStore
from flask_jwt_kit.revocation.sqlalchemy import SQLAlchemyStore
from tests.conftest import AppFactory, bearer
from tests.plugins.stores import PostgresServer, RedisServer


def made(value: object) -> RevocationStore:
    store = store_from_config(value)
    assert store is not None
    return store


def test_none_means_no_store() -> None:
    assert store_from_config(None) is None


def test_memory() -> None:
    assert isinstance(made("memory://"), MemoryStore)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///revocations.db", "revocations.db"),
        ("sqlite:///sub/dir/r.db", "sub/dir/r.db"),
        ("sqlite:////abs/path/r.db", "/abs/path/r.db"),
        ("sqlite:///file%20name.db", "file name.db"),
        ("SQLite:///upper.db", "upper.db"),
        ("sqlite://", ":memory:"),
        ("sqlite:///:memory:", ":memory:"),
    ],
)
def test_sqlite_paths(url: str, path: str) -> None:
    store = made(url)
    assert isinstance(store, SQLiteStore)
    assert store.path == path


def test_relative_sqlite_path_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = made("sqlite:///rel.db")
    store.revoke_jti("j", None)
    assert (tmp_path / "rel.db").exists()
    assert SQLiteStore(tmp_path / "rel.db").is_revoked("j", None, None, None)
    store.close()


def test_redis_url(redis_server: RedisServer) -> None:
    redis_server.flush()
    store = made(redis_server.url)
    assert isinstance(store, RedisStore)
    store.revoke_jti("j", None)
    assert store.is_revoked("j", None, None, None)
    store.close()


def test_redis_unix_socket_url(redis_server: RedisServer) -> None:
    redis_server.flush()
    store = made(redis_server.unix_url)
    assert isinstance(store, RedisStore)
    store.revoke_jti("j", None)
    assert made(redis_server.url).is_revoked("j", None, None, None)
    store.close()


def test_rediss_url() -> None:
    # No TLS server here: only the choice of store is checked.
    store = made("rediss://cache.example:6380/1")
    assert isinstance(store, RedisStore)
    store.close()


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("socket_timeout=1.5&socket_connect_timeout=1", id="timeouts"),
        pytest.param("client_name=jwtkit&health_check_interval=5", id="client"),
        pytest.param("max_connections=4&socket_keepalive=true&retry_on_timeout=yes", id="pool"),
        pytest.param("db=0&protocol=3", id="db-protocol"),
        pytest.param("empty=", id="blank-values-are-ignored"),
    ],
)
def test_redis_url_query_parameters_redis_py_accepts_work(
    redis_server: RedisServer, make_app: AppFactory, query: str
) -> None:
    app = make_app(JWT_REVOCATION_STORE=f"{redis_server.url}?{query}")
    client = app.test_client()
    with app.app_context():
        token = create_access_token("alice")
    assert client.get("/protected", headers=bearer(token)).status_code == 200
    with app.app_context():
        revoke_token(token)
    answer = client.get("/protected", headers=bearer(token))
    assert (answer.status_code, answer.get_json()) == (401, {"msg": "Token has been revoked"})


def test_unix_url_query_parameters_redis_py_accepts_work(redis_server: RedisServer) -> None:
    store = made(f"{redis_server.unix_url}&socket_timeout=1&client_name=jwtkit")
    store.revoke_jti("j", None)
    assert store.is_revoked("j", None, None, None)
    store.close()


@pytest.mark.parametrize(
    "url",
    [
        "rediss://cache.example:6380/1?ssl_cert_reqs=none&ssl_check_hostname=false",
        "rediss://cache.example:6380/1?ssl_ca_certs=/etc/ssl/ca.pem&ssl_min_version=3",
        "redis+cluster://cache.example:7000?socket_timeout=1&db=0",
        "rediss+cluster://cache.example:7000?ssl_cert_reqs=required&client_name=jwtkit",
    ],
)
def test_tls_and_cluster_url_query_parameters_are_accepted(url: str) -> None:
    # No TLS server or cluster here: the store is made, not used.
    store = made(url)
    assert isinstance(store, RedisStore)
    store.close()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("redis://127.0.0.1:6379/0?foo=bar", "query parameter 'foo' is unknown to redis-py"),
        ("rediss://:s3cret@cache:6380/0?foo=bar", "query parameter 'foo'"),
        ("unix:///run/redis.sock?db=0&foo=bar", "query parameter 'foo'"),
        ("redis://cache/0?password=s3cret&Foo=1", "query parameter 'Foo'"),
        ("redis://cache/0?db=abc", "query parameter 'db'"),
        ("redis://cache/0?socket_timeout=soon", "query parameter 'socket_timeout'"),
        ("redis://cache/0?max_connections=1.5", "query parameter 'max_connections'"),
        ("rediss://cache/0?ssl_cert_reqs=maybe", "query parameter 'ssl_cert_reqs'"),
        ("redis://cache/0?protocol=7", "query parameter 'protocol'"),
        # Connection options of another kind of connection.
        ("redis://cache/0?ssl_certfile=/c.pem", "query parameter 'ssl_certfile'"),
        ("unix:///run/redis.sock?socket_keepalive=true", "query parameter 'socket_keepalive'"),
        # For a blocking pool, which the store does not use.
        ("redis://cache/0?timeout=5", "query parameter 'timeout'"),
        # redis-py makes a list of characters of it, not of exception classes.
        ("redis://cache/0?retry_on_error=TimeoutError", "query parameter 'retry_on_error'"),
        ("redis://cache/0?connection_class=SSLConnection", "query parameter 'connection_class'"),
        (
            "redis+cluster://:s3cret@cache:7000?foo=bar",
            "query parameter 'foo' is unknown to redis-py on Redis Cluster",
        ),
        ("rediss+cluster://cache:7000?ssl_min_version=3", "query parameter 'ssl_min_version'"),
        ("redis+cluster://cache:7000?socket_timeout=x", "query parameter 'socket_timeout'"),
        ("redis+cluster://cache:7000?timeout=5", "query parameter 'timeout'"),
        ("redis+cluster://cache:7000?db=1", "a Redis Cluster has only database 0"),
        ("redis+cluster://cache:7000/2", "a Redis Cluster has only database 0"),
        # A bad port is the URL's fault, not the parameter's.
        ("redis://cache:notaport/0?db=0", "malformed URL"),
    ],
)
def test_unusable_redis_query_parameters(url: str, reason: str) -> None:
    assert reason in refusal(url)


def test_unusable_redis_query_parameter_fails_at_init_app(make_app: AppFactory) -> None:
    with pytest.raises(RuntimeError, match="JWT_REVOCATION_STORE .* query parameter 'foo'"):
        make_app(JWT_REVOCATION_STORE="redis://127.0.0.1:6379/0?foo=bar")


def test_postgresql_url(postgres_server: PostgresServer) -> None:
    postgres_server.reset()
    store = made(postgres_server.url)
    assert isinstance(store, SQLAlchemyStore)
    assert store.consume_refresh("r", 1.0, 0, None) is ConsumeResult.CONSUMED
    store.close()


def test_other_sqlalchemy_url(tmp_path: Path) -> None:
    store = made(f"sqlite+pysqlite:///{tmp_path / 'sa.db'}")
    assert isinstance(store, SQLAlchemyStore)
    store.close()


def test_engine(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    store = made(engine)
    assert isinstance(store, SQLAlchemyStore)
    assert store.engine is engine
    engine.dispose()


class CustomStore:
    """A store the application wrote: only the methods matter."""

    def revoke_jti(self, jti: str, expires_at: float | None) -> None: ...
    def revoke_identity(self, identity: str, cutoff: float, expires_at: float | None) -> None: ...
    def revoke_session(self, sid: str, expires_at: float | None) -> None: ...
    def is_revoked(
        self, jti: str | None, identity: str | None, sid: str | None, issued_at: float | None
    ) -> bool:
        return False

    def purge_expired(self, now: float) -> int:
        return 0

    def save_session(self, info: SessionInfo) -> None: ...
    def touch_session(
        self, sid: str, last_refreshed_at: float, expires_at: float | None
    ) -> None: ...
    def list_sessions(self, identity: str, now: float) -> list[SessionInfo]:
        return []

    def consume_refresh(
        self, jti: str, now: float, grace: float, expires_at: float | None
    ) -> ConsumeResult:
        return ConsumeResult.CONSUMED

    def close(self) -> None: ...


def test_store_object_is_used_as_is() -> None:
    custom = CustomStore()
    assert store_from_config(custom) is custom
    memory = MemoryStore()
    assert store_from_config(memory) is memory


class HalfAStore:
    def revoke_jti(self, jti: str, expires_at: float | None) -> None: ...
    def is_revoked(self, *args: Any) -> bool:
        return False


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(42, id="int"),
        pytest.param(True, id="bool"),
        pytest.param(b"memory://", id="bytes"),
        pytest.param(["memory://"], id="list"),
        pytest.param({"url": "redis://:s3cret@host"}, id="dict"),
        pytest.param(HalfAStore(), id="half-a-store"),
        pytest.param(MemoryStore, id="class-not-instance"),
    ],
)
def test_wrong_types(value: object) -> None:
    with pytest.raises(RuntimeError) as caught:
        store_from_config(value)
    message = str(caught.value)
    assert message.startswith("JWT_REVOCATION_STORE must be None, a URL (memory://")
    assert "a SQLAlchemy Engine, or a revocation store object" in message
    assert "s3cret" not in message


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "no scheme://"),
        ("memory", "no scheme://"),
        ("not a url", "no scheme://"),
        ("://host", "no scheme://"),
        ("/var/lib/revocations.db", "no scheme://"),
        ("memory://extra", "memory:// takes nothing after it"),
        ("foo://user:s3cret@host", "unknown scheme foo://"),
        ("redis://user:s3cret@host:notaport/0", "malformed URL"),
        ("postgresql://user:s3cret@host:notaport/db", "malformed URL"),
        ("sqlite:///", "sqlite:////absolute/path.db"),
        ("sqlite://host/file.db", "sqlite:///relative/path.db"),
        ("sqlite:///file.db?mode=ro", "without a query string"),
    ],
)
def test_unusable_urls(url: str, reason: str) -> None:
    message = refusal(url)
    assert reason in message
    assert "It must be None, a URL (memory://, sqlite:///relative.db" in message


def refusal(url: str) -> str:
    """The start-up error for *url*: it names the setting and hides the password."""
    with pytest.raises(RuntimeError) as caught:
        store_from_config(url)
    message = str(caught.value)
    assert message.startswith("JWT_REVOCATION_STORE '")
    assert "s3cret" not in message
    return message


@pytest.mark.parametrize(
    ("module", "url", "expected"),
    [
        (
            "redis",
            "redis://:s3cret@cache:6379/0",
            "JWT_REVOCATION_STORE 'redis://:***@cache:6379/0' needs the redis package: "
            "pip install 'Flask-JWT-Kit[redis]'",
        ),
        (
            "sqlalchemy",
            "postgresql://app:s3cret@db/app",
            "JWT_REVOCATION_STORE 'postgresql://app:***@db/app' needs the sqlalchemy package: "
            "pip install 'Flask-JWT-Kit[sqlalchemy]'",
        ),
        (
            "psycopg",
            "postgresql+psycopg://app:s3cret@db/app",
            "JWT_REVOCATION_STORE 'postgresql+psycopg://app:***@db/app' needs the psycopg "
            "package: pip install 'Flask-JWT-Kit[postgresql]'",
        ),
        (
            "MySQLdb",
            "mysql://app:s3cret@db/app",
            "JWT_REVOCATION_STORE 'mysql://app:***@db/app' needs the MySQLdb package: "
            "install the package that provides the 'MySQLdb' module",
        ),
    ],
)
def test_missing_packages(
    module: str, url: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes `import module` fail as if it were not installed.
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(RuntimeError) as caught:
        store_from_config(url)
    assert str(caught.value) == expected


def test_optional_drivers_are_imported_only_when_chosen() -> None:
    show = "print(sorted({m.split('.')[0] for m in sys.modules} & {'redis', 'sqlalchemy'}))\n"
    code = (
        "import sys\n"
        "from flask_jwt_kit.revocation import store_from_config\n"
        "store_from_config('memory://')\n"
        "store_from_config('sqlite:///:memory:').is_revoked('j', None, None, None)\n"
        f"{show}"
        "store_from_config('redis://localhost')\n"
        f"{show}"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split("\n")[:2] == ["[]", "['redis']"]


def test_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name, value in vars(revocation).items()
        if not name.startswith("_") and not isinstance(value, type(sys))
    }
    assert sorted(revocation.__all__) == revocation.__all__
    assert set(revocation.__all__) == public


def test_every_store_satisfies_the_protocol() -> None:
    # mypy checks the annotation structurally; isinstance checks at run time.
    stores: list[RevocationStore] = [
        MemoryStore(),
        SQLiteStore(":memory:"),
        RedisStore("redis://127.0.0.1:1/0"),
        SQLAlchemyStore("sqlite://"),
    ]
    for store in stores:
        assert isinstance(store, RevocationStore)
        store.close()
