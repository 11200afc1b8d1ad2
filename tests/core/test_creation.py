"""Creating tokens: claims, headers, expiry, freshness, loaders and JSON encoding."""

from __future__ import annotations

import datetime as dt
import decimal
import inspect
import json
import time
import uuid
from typing import Any

import jwt
import pytest
from dateutil.relativedelta import relativedelta
from flask import Flask
from flask.json.provider import DefaultJSONProvider, JSONProvider

from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    decode_token,
    token_issued,
)
from tests.conftest import SECRET, AppFactory, Clock, bearer
from tests.core.conftest import is_uuid4, raw_token, read_claims

NOW = 1_800_000_000.0


def create(app: Flask, identity: Any, **kwargs: Any) -> str:
    with app.app_context():
        return create_access_token(identity, **kwargs)


def test_the_signatures_are_those_of_the_contract() -> None:
    access = inspect.signature(create_access_token).parameters
    assert list(access) == [
        "identity",
        "fresh",
        "expires_delta",
        "additional_claims",
        "additional_headers",
    ]
    assert [access[n].default for n in list(access)[1:]] == [False, None, None, None]
    refresh = inspect.signature(create_refresh_token).parameters
    assert list(refresh) == ["identity", "expires_delta", "additional_claims", "additional_headers"]
    assert all(refresh[n].default is None for n in list(refresh)[1:])


def test_an_access_token_has_every_default_claim(app: Flask, clock: Clock) -> None:
    with app.app_context():
        token = create_access_token("alice")
    claims = read_claims(token)
    assert set(claims) == {"fresh", "iat", "jti", "type", "sub", "nbf", "exp", "csrf"}
    assert claims["fresh"] is False
    assert claims["iat"] == clock.now
    assert claims["nbf"] == int(clock.now)
    assert claims["exp"] == int(clock.now) + 15 * 60
    assert claims["type"] == "access"
    assert claims["sub"] == "alice"
    assert is_uuid4(claims["jti"])
    assert is_uuid4(claims["csrf"])
    assert claims["jti"] != claims["csrf"]
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}


def test_a_refresh_token_has_every_default_claim(app: Flask, clock: Clock) -> None:
    with app.app_context():
        token = create_refresh_token("alice")
    claims = read_claims(token)
    assert claims["type"] == "refresh"
    assert claims["fresh"] is False
    assert claims["iat"] == clock.now
    assert claims["exp"] == int(clock.now) + 30 * 24 * 3600
    assert claims["sub"] == "alice"
    assert is_uuid4(claims["jti"]) and is_uuid4(claims["csrf"])


def test_every_token_gets_its_own_ids(app: Flask) -> None:
    with app.app_context():
        tokens = [create_access_token("a") for _ in range(5)]
        tokens += [create_refresh_token("a") for _ in range(5)]
    claims = [read_claims(t) for t in tokens]
    ids = {c["jti"] for c in claims} | {c["csrf"] for c in claims}
    assert len(ids) == 20


def test_iat_and_exp_follow_the_clock(app: Flask, clock: Clock) -> None:
    clock.advance(1234.5)
    with app.app_context():
        claims = read_claims(create_access_token("a"))
    # Whole seconds, as every NumericDate the extension writes.
    assert claims["iat"] == claims["nbf"] == int(NOW + 1234.5)
    assert type(claims["iat"]) is int
    assert claims["exp"] - claims["iat"] == 900


def test_the_default_clock_follows_time_time_patched_after_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What freezegun and time-machine do to a test that built its app first.
    app = Flask(__name__)
    app.config["JWT_SECRET_KEY"] = SECRET
    JWTManager(app)
    monkeypatch.setattr(time, "time", lambda: 1_500_000_000.75)
    with app.app_context():
        token = create_access_token("a")
        claims = decode_token(token, allow_expired=True)
    assert (claims["iat"], claims["exp"]) == (1_500_000_000, 1_500_000_900)
    monkeypatch.setattr(time, "time", lambda: 1_500_000_901.0)
    with app.app_context(), pytest.raises(jwt.ExpiredSignatureError):
        decode_token(token)


def test_nbf_is_left_out_when_jwt_encode_nbf_is_false(make_app: AppFactory) -> None:
    app = make_app(JWT_ENCODE_NBF=False)
    with app.app_context():
        assert "nbf" not in read_claims(create_access_token("a"))
        assert "nbf" not in read_claims(create_refresh_token("a"))


@pytest.mark.parametrize("location", [("headers",), ("query_string", "json"), ("cookies",)])
def test_csrf_is_added_whenever_csrf_protection_is_on(
    make_app: AppFactory, location: tuple[str, ...]
) -> None:
    app = make_app(JWT_TOKEN_LOCATION=location)
    with app.app_context():
        assert is_uuid4(read_claims(create_access_token("a"))["csrf"])
        assert is_uuid4(read_claims(create_refresh_token("a"))["csrf"])


def test_csrf_is_left_out_when_csrf_protection_is_off(make_app: AppFactory) -> None:
    app = make_app(JWT_COOKIE_CSRF_PROTECT=False, JWT_TOKEN_LOCATION=["cookies"])
    with app.app_context():
        assert "csrf" not in read_claims(create_access_token("a"))
        assert "csrf" not in read_claims(create_refresh_token("a"))


def test_aud_and_iss_are_added_only_when_configured(make_app: AppFactory) -> None:
    plain = make_app()
    with plain.app_context():
        claims = read_claims(create_access_token("a"))
    assert "aud" not in claims and "iss" not in claims
    app = make_app(JWT_ENCODE_AUDIENCE="api", JWT_ENCODE_ISSUER="https://issuer.example")
    with app.app_context():
        for token in (create_access_token("a"), create_refresh_token("a")):
            claims = read_claims(token)
            assert claims["aud"] == "api"
            assert claims["iss"] == "https://issuer.example"
    several = make_app(JWT_ENCODE_AUDIENCE=["api", "web"])
    with several.app_context():
        assert read_claims(create_access_token("a"))["aud"] == ["api", "web"]


# --------------------------------------------------------------------------- identity


def test_identity_goes_into_the_configured_claim(make_app: AppFactory) -> None:
    app = make_app(JWT_IDENTITY_CLAIM="identity")
    with app.app_context():
        claims = read_claims(create_access_token("alice"))
        assert claims["identity"] == "alice"
        assert "sub" not in claims
        assert decode_token(create_refresh_token("bob"))["identity"] == "bob"
    response = app.test_client().get("/protected", headers=bearer(create(app, "carol")))
    assert response.status_code == 200
    assert response.json is not None and response.json["identity"] == "carol"


class User:
    def __init__(self, user_id: int):
        self.id = user_id


def test_loaders_receive_the_identity_before_the_identity_loader(make_app: AppFactory) -> None:
    app = make_app()
    jwt_manager: JWTManager = app.extensions["flask-jwt-kit"]
    seen: dict[str, Any] = {}

    @jwt_manager.user_identity_loader
    def identity_loader(user: User) -> str:
        seen["identity"] = user
        return f"user-{user.id}"

    @jwt_manager.additional_claims_loader
    def claims_loader(user: User) -> dict[str, Any]:
        seen["claims"] = user
        return {"uid": user.id}

    @jwt_manager.additional_headers_loader
    def headers_loader(user: User) -> dict[str, Any]:
        seen["headers"] = user
        return {"kid": f"k{user.id}"}

    @jwt_manager.encode_key_loader
    def key_loader(user: User) -> str:
        seen["key"] = user
        return SECRET

    user = User(7)
    with app.app_context():
        token = create_access_token(user)
        refresh = create_refresh_token(user)
    assert seen == {"identity": user, "claims": user, "headers": user, "key": user}
    for value in (token, refresh):
        assert read_claims(value)["sub"] == "user-7"
        assert read_claims(value)["uid"] == 7
        assert jwt.get_unverified_header(value)["kid"] == "k7"


def test_a_non_string_identity_can_be_encoded(app: Flask) -> None:
    with app.app_context():
        assert read_claims(create_access_token(42))["sub"] == 42
        assert read_claims(create_access_token({"id": 1}))["sub"] == {"id": 1}


# --------------------------------------------------------------------------- freshness


def test_fresh_true_and_false_are_stored_as_booleans(app: Flask) -> None:
    with app.app_context():
        assert read_claims(create_access_token("a", fresh=True))["fresh"] is True
        assert read_claims(create_access_token("a", fresh=False))["fresh"] is False


def test_a_timedelta_fresh_is_a_fresh_until_timestamp(app: Flask, clock: Clock) -> None:
    token = create(app, "a", fresh=dt.timedelta(minutes=5))
    fresh = read_claims(token)["fresh"]
    assert isinstance(fresh, float)
    assert fresh == NOW + 300
    client = app.test_client()
    assert client.get("/fresh", headers=bearer(token)).status_code == 200
    clock.advance(299)
    assert client.get("/fresh", headers=bearer(token)).status_code == 200
    clock.advance(1)
    response = client.get("/fresh", headers=bearer(token))
    assert response.status_code == 401
    assert response.json == {"msg": "Fresh token required"}
    # Still a perfectly good access token for views that do not need freshness.
    assert client.get("/protected", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("until", [1_800_000_100, 1_800_000_100.5])
def test_a_numeric_fresh_is_stored_as_is_and_read_without_leeway(
    make_app: AppFactory, clock: Clock, until: float
) -> None:
    app = make_app(JWT_DECODE_LEEWAY=1000)
    token = create(app, "a", fresh=until)
    assert read_claims(token)["fresh"] == until
    assert type(read_claims(token)["fresh"]) is type(until)
    client = app.test_client()
    assert client.get("/fresh", headers=bearer(token)).status_code == 200
    clock.now = float(until)
    assert client.get("/fresh", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("fresh", ["yes", None, float("nan"), float("inf"), [True]])
def test_a_fresh_value_of_another_kind_is_a_type_error(app: Flask, fresh: Any) -> None:
    with app.app_context(), pytest.raises(TypeError, match="fresh"):
        create_access_token("a", fresh=fresh)


def test_refresh_tokens_are_never_fresh(app: Flask) -> None:
    with app.app_context():
        token = create_refresh_token("a")
    assert read_claims(token)["fresh"] is False
    response = app.test_client().get("/refresh", headers=bearer(token))
    assert response.json is not None and response.json["claims"]["fresh"] is False


# --------------------------------------------------------------------------- expiry


@pytest.mark.parametrize(
    ("expires_delta", "seconds"),
    [
        (dt.timedelta(hours=1), 3600),
        (dt.timedelta(seconds=90.9), 90),
        (60, 60),
        (relativedelta(hours=2), 7200),
        (relativedelta(days=1, minutes=1), 86460),
    ],
)
def test_expires_delta_sets_exp(app: Flask, expires_delta: Any, seconds: int) -> None:
    with app.app_context():
        access = read_claims(create_access_token("a", expires_delta=expires_delta))
        refresh = read_claims(create_refresh_token("a", expires_delta=expires_delta))
    assert access["exp"] == int(NOW) + seconds
    assert refresh["exp"] == int(NOW) + seconds


def test_a_relativedelta_in_months_follows_the_calendar(app: Flask, clock: Clock) -> None:
    # 2027-01-15 08:00:00 UTC plus one month is 2027-02-15 08:00:00 UTC.
    clock.now = dt.datetime(2027, 1, 15, 8, tzinfo=dt.timezone.utc).timestamp()
    with app.app_context():
        claims = read_claims(create_access_token("a", expires_delta=relativedelta(months=1)))
    assert claims["exp"] == dt.datetime(2027, 2, 15, 8, tzinfo=dt.timezone.utc).timestamp()


def test_expires_delta_false_leaves_exp_out(app: Flask, clock: Clock) -> None:
    with app.app_context():
        access = create_access_token("a", expires_delta=False)
        refresh = create_refresh_token("a", expires_delta=False)
    assert "exp" not in read_claims(access)
    assert "exp" not in read_claims(refresh)
    clock.advance(10 * 365 * 24 * 3600)
    client = app.test_client()
    assert client.get("/protected", headers=bearer(access)).status_code == 200
    assert client.get("/refresh", headers=bearer(refresh)).status_code == 200


def test_expires_delta_none_uses_the_configured_expiry(make_app: AppFactory) -> None:
    app = make_app(JWT_ACCESS_TOKEN_EXPIRES=120, JWT_REFRESH_TOKEN_EXPIRES=relativedelta(days=2))
    with app.app_context():
        assert read_claims(create_access_token("a", expires_delta=None))["exp"] == int(NOW) + 120
        refresh = create_refresh_token("a", expires_delta=None)
        assert read_claims(refresh)["exp"] == int(NOW) + 2 * 86400


def test_configured_expiry_false_leaves_exp_out(make_app: AppFactory) -> None:
    app = make_app(JWT_ACCESS_TOKEN_EXPIRES=False, JWT_REFRESH_TOKEN_EXPIRES=False)
    with app.app_context():
        assert "exp" not in read_claims(create_access_token("a"))
        assert "exp" not in read_claims(create_refresh_token("a"))
        # An explicit argument still wins over the configured "never".
        assert read_claims(create_access_token("a", expires_delta=5))["exp"] == int(NOW) + 5


def test_the_configured_expiry_is_read_at_each_creation(app: Flask) -> None:
    with app.app_context():
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = dt.timedelta(seconds=30)
        assert read_claims(create_access_token("a"))["exp"] == int(NOW) + 30
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = 45
        assert read_claims(create_access_token("a"))["exp"] == int(NOW) + 45


class _AddsToNothing:
    """Adds to a datetime without making a datetime."""

    def __radd__(self, other: Any) -> str:
        return "not a datetime"


@pytest.mark.parametrize(
    "expires_delta",
    [
        "900",
        1.5,
        True,
        [60],
        dt.timedelta(0),
        0,
        relativedelta(),
        dt.timedelta(days=10**9 // 86400 * 3000),
        _AddsToNothing(),
    ],
    ids=repr,
)
def test_an_unusable_expires_delta_is_a_runtime_error(app: Flask, expires_delta: Any) -> None:
    with app.app_context():
        with pytest.raises(RuntimeError, match="expires_delta"):
            create_access_token("a", expires_delta=expires_delta)
        with pytest.raises(RuntimeError, match="expires_delta"):
            create_refresh_token("a", expires_delta=expires_delta)


def test_an_expiry_that_only_overflows_from_now_is_a_runtime_error(app: Flask) -> None:
    # Fits after the year 2000, not after the test clock's 2027.
    with app.app_context(), pytest.raises(RuntimeError, match="expiry"):
        create_access_token("a", expires_delta=relativedelta(years=7980))


def test_a_negative_expires_delta_makes_an_already_expired_token(app: Flask) -> None:
    # Apps' own test suites make expired tokens this way.
    token = create(app, "a", expires_delta=dt.timedelta(seconds=-1))
    assert read_claims(token)["exp"] == int(NOW) - 1
    response = app.test_client().get("/protected", headers=bearer(token))
    assert response.status_code == 401
    assert response.json == {"msg": "Token has expired"}


# --------------------------------------------------------------------------- precedence


def test_claims_defaults_then_loader_then_argument(app: Flask) -> None:
    jwt_manager: JWTManager = app.extensions["flask-jwt-kit"]

    @jwt_manager.additional_claims_loader
    def claims_loader(identity: Any) -> dict[str, Any]:
        return {"role": "loader", "team": "blue", "type": "app", "iss": "from-loader"}

    with app.app_context():
        claims = read_claims(
            create_access_token("a", additional_claims={"role": "argument", "iss": "arg"})
        )
        plain = read_claims(create_access_token("a"))
    assert claims["role"] == "argument"
    assert claims["team"] == "blue"
    assert claims["type"] == "app"
    assert claims["iss"] == "arg"
    assert plain["role"] == "loader"


def test_additional_claims_may_override_reserved_claims(app: Flask) -> None:
    jti = str(uuid.uuid4())
    with app.app_context():
        claims = read_claims(
            create_access_token("a", additional_claims={"sub": "b", "jti": jti, "exp": 5})
        )
    assert (claims["sub"], claims["jti"], claims["exp"]) == ("b", jti, 5)


def test_headers_defaults_then_loader_then_argument(app: Flask) -> None:
    jwt_manager: JWTManager = app.extensions["flask-jwt-kit"]

    @jwt_manager.additional_headers_loader
    def headers_loader(identity: Any) -> dict[str, Any]:
        return {"kid": "loader", "x-team": "blue", "typ": "at+jwt"}

    with app.app_context():
        header = jwt.get_unverified_header(
            create_access_token("a", additional_headers={"kid": "argument"})
        )
        plain = jwt.get_unverified_header(create_refresh_token("a"))
    assert header == {"alg": "HS256", "typ": "at+jwt", "kid": "argument", "x-team": "blue"}
    assert plain["kid"] == "loader"


def test_alg_in_additional_headers_changes_the_signing_algorithm(make_app: AppFactory) -> None:
    app = make_app(JWT_DECODE_ALGORITHMS=["HS256", "HS512"])
    token = create(app, "a", additional_headers={"alg": "HS512"})
    assert jwt.get_unverified_header(token)["alg"] == "HS512"
    read_claims(token, algorithms=("HS512",))
    with pytest.raises(jwt.InvalidAlgorithmError):
        read_claims(token, algorithms=("HS256",))
    response = app.test_client().get("/protected", headers=bearer(token))
    assert response.status_code == 200


def test_alg_from_the_headers_loader_changes_the_signing_algorithm(app: Flask) -> None:
    jwt_manager: JWTManager = app.extensions["flask-jwt-kit"]
    jwt_manager.additional_headers_loader(lambda identity: {"alg": "HS384"})
    token = create(app, "a")
    assert jwt.get_unverified_header(token)["alg"] == "HS384"
    read_claims(token, algorithms=("HS384",))
    # HS384 is not among the accepted algorithms of this app.
    response = app.test_client().get("/protected", headers=bearer(token))
    assert response.status_code == 422
    assert response.json == {"msg": "The specified alg value is not allowed"}


# --------------------------------------------------------------------------- serialisation


def test_loader_output_that_cannot_be_serialised_is_a_type_error(app: Flask) -> None:
    jwt_manager: JWTManager = app.extensions["flask-jwt-kit"]
    with app.app_context():
        jwt_manager.additional_claims_loader(lambda identity: {"thing": object()})
        with pytest.raises(TypeError):
            create_access_token("a")
        with pytest.raises(TypeError):
            create_refresh_token("a")
        jwt_manager.additional_claims_loader(lambda identity: {})
        jwt_manager.additional_headers_loader(lambda identity: {"thing": object()})
        with pytest.raises(TypeError):
            create_access_token("a")
        jwt_manager.additional_headers_loader(lambda identity: {})
        with pytest.raises(TypeError):
            create_access_token("a", additional_claims={"s": {1, 2}})
        with pytest.raises(TypeError):
            create_access_token(object())


def test_claims_are_encoded_with_the_app_json_provider(app: Flask) -> None:
    values = {
        "day": dt.date(2024, 1, 2),
        "moment": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "price": decimal.Decimal("1.50"),
    }
    with app.app_context():
        token = create_access_token("a", additional_claims=values)
        expected = json.loads(app.json.dumps(values))
        assert decode_token(token)["day"] == expected["day"]
    claims = read_claims(token)
    assert {k: claims[k] for k in values} == expected
    assert claims["day"] == "Tue, 02 Jan 2024 00:00:00 GMT"
    assert claims["id"] == "12345678-1234-5678-1234-567812345678"
    assert claims["price"] == "1.50"


class SetsAsListsProvider(DefaultJSONProvider):
    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, (set, frozenset)):
            return sorted(o)
        return DefaultJSONProvider.default(o)


class PlainJSONProvider(JSONProvider):
    """A provider that is not Flask's default one."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return json.loads(s, **kwargs)


def test_a_custom_json_provider_is_used_even_when_set_after_init(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(TypeError):
            create_access_token("a", additional_claims={"roles": {"b", "a"}})
        app.json = SetsAsListsProvider(app)
        token = create_access_token("a", additional_claims={"roles": {"b", "a"}})
        assert read_claims(token)["roles"] == ["a", "b"]
        # A provider that is not Flask's default one: standard JSON types only.
        app.json = PlainJSONProvider(app)
        assert read_claims(create_access_token("a", additional_claims={"n": [1]}))["n"] == [1]
        with pytest.raises(TypeError):
            create_access_token("a", additional_claims={"id": uuid.uuid4()})


def test_datetime_time_claims_become_integer_numeric_dates(app: Flask) -> None:
    exp = dt.datetime(2030, 1, 1, 12, 0, 30, 999999, tzinfo=dt.timezone.utc)
    nbf = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    iat = dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)
    with app.app_context():
        token = create_access_token("a", additional_claims={"exp": exp, "nbf": nbf, "iat": iat})
        decoded = decode_token(token)
    claims = read_claims(token)
    for name, value in (("exp", exp), ("nbf", nbf), ("iat", iat)):
        assert claims[name] == int(value.replace(microsecond=0).timestamp())
        assert type(claims[name]) is int
        assert decoded[name] == claims[name]


# --------------------------------------------------------------------------- context


def test_creating_a_token_needs_an_application_context(app: Flask) -> None:
    with pytest.raises(RuntimeError, match="application context"):
        create_access_token("a")
    with pytest.raises(RuntimeError, match="application context"):
        create_refresh_token("a")


def test_creating_a_token_needs_a_jwt_manager() -> None:
    app = Flask("bare")
    with app.app_context():
        with pytest.raises(RuntimeError, match="initialize a JWTManager"):
            create_access_token("a")
        with pytest.raises(RuntimeError, match="initialize a JWTManager"):
            decode_token(raw_token({"sub": "a"}))


def test_token_issued_is_sent_for_every_new_token(app: Flask) -> None:
    received: list[dict[str, Any]] = []

    def receiver(sender: Flask, **kwargs: Any) -> None:
        assert sender is app
        received.append(kwargs)

    with token_issued.connected_to(receiver, app), app.app_context():
        access = create_access_token("a", additional_claims={"x": 1})
        refresh = create_refresh_token("b")
    assert [(r["identity"], r["token_type"]) for r in received] == [
        ("a", "access"),
        ("b", "refresh"),
    ]
    assert received[0]["claims"] == read_claims(access)
    assert received[1]["claims"] == read_claims(refresh)


def test_access_token_typ_header_is_set_and_checked(make_app: AppFactory) -> None:
    app = make_app(JWT_ACCESS_TOKEN_TYP="at+jwt")
    with app.app_context():
        access = create_access_token("a")
        refresh = create_refresh_token("a")
    assert jwt.get_unverified_header(access)["typ"] == "at+jwt"
    assert jwt.get_unverified_header(refresh)["typ"] == "JWT"
    client = app.test_client()
    assert client.get("/protected", headers=bearer(access)).status_code == 200
    assert client.get("/refresh", headers=bearer(refresh)).status_code == 200
    long_form = create(app, "a", additional_headers={"typ": "application/AT+JWT"})
    assert client.get("/protected", headers=bearer(long_form)).status_code == 200
    for typ in ("JWT", 5):
        other = create(app, "a", additional_headers={"typ": typ})
        response = client.get("/protected", headers=bearer(other))
        assert response.status_code == 422
        assert response.json == {"msg": "Invalid header: 'typ' must be 'at+jwt'"}


class StringifyingProvider(JSONProvider):
    """A provider that is not Flask's default one and turns unknown values into strings."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return json.dumps(obj, default=str, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return json.loads(s, **kwargs)


def test_another_json_provider_serialises_what_it_can(app: Flask) -> None:
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    app.json = StringifyingProvider(app)
    with app.app_context():
        token = create_access_token("a", additional_claims={"id": value, "n": [1]})
    assert read_claims(token)["id"] == str(value)
    assert read_claims(token)["n"] == [1]
