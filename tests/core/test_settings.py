"""Configuration: defaults written by init_app, validation, and changes after init."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from dateutil.relativedelta import relativedelta
from flask import Flask

from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    decode_token,
    verify_jwt_in_request,
)
from flask_jwt_kit.exceptions import NoAuthorizationError
from tests.conftest import SECRET, AppFactory, bearer
from tests.core.conftest import read_claims, state_of

#: Every key of the API contract with its documented default.
CONTRACT_DEFAULTS: dict[str, Any] = {
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
}

#: Our own keys (DESIGN.md) with their defaults.
OWN_DEFAULTS: dict[str, Any] = {
    "JWT_REVOCATION_STORE": None,
    "JWT_REVOCATION_FAIL_OPEN": False,
    "JWT_REFRESH_TOKEN_ROTATION": False,
    "JWT_REFRESH_REUSE_GRACE": 0,
    "JWT_IMPLICIT_REFRESH": None,
    "JWT_KEYS": None,
    "JWT_SIGNING_KEY_ID": None,
    "JWT_JWKS_URL_RULE": None,
    "JWT_TRUSTED_ISSUERS": None,
    "JWT_SCOPE_CLAIM": "scope",
}


@pytest.fixture
def bare_app() -> Iterator[Flask]:
    """An app with nothing configured, bound to a JWTManager."""
    app = Flask("bare")
    JWTManager(app)
    yield app
    state_of(app).close()


def test_init_app_writes_every_contract_default(bare_app: Flask) -> None:
    for key, value in CONTRACT_DEFAULTS.items():
        assert key in bare_app.config, key
        assert bare_app.config[key] == value, key
        assert type(bare_app.config[key]) is type(value), key


def test_init_app_writes_our_own_defaults(bare_app: Flask) -> None:
    for key, value in OWN_DEFAULTS.items():
        assert bare_app.config[key] == value, key


def test_every_jwt_setting_read_is_written_to_the_config(bare_app: Flask) -> None:
    from flask_jwt_kit.settings import DEFAULTS

    assert set(DEFAULTS) <= set(bare_app.config)
    assert {k for k in bare_app.config if k.startswith("JWT_")} == set(DEFAULTS)


def test_defaults_are_not_shared_between_apps() -> None:
    first, second = Flask("first"), Flask("second")
    JWTManager(first)
    JWTManager(second)
    first.config["JWT_CSRF_METHODS"].append("GET")
    assert second.config["JWT_CSRF_METHODS"] == ["POST", "PUT", "PATCH", "DELETE"]
    assert Flask("third").config.get("JWT_CSRF_METHODS") is None


def test_values_set_before_init_are_kept() -> None:
    app = Flask("preset")
    locations = ["cookies", "headers"]
    preset: dict[str, Any] = {
        "JWT_SECRET_KEY": SECRET,
        "JWT_ALGORITHM": "HS512",
        "JWT_TOKEN_LOCATION": locations,
        "JWT_HEADER_TYPE": "",
        "JWT_ACCESS_TOKEN_EXPIRES": 60,
        "JWT_COOKIE_SECURE": True,
        "JWT_ERROR_MESSAGE_KEY": "error",
        "JWT_DECODE_LEEWAY": 5,
    }
    app.config.update(preset)
    JWTManager(app)
    for key, value in preset.items():
        assert app.config[key] == value
    assert app.config["JWT_TOKEN_LOCATION"] is locations
    with app.app_context():
        token = create_access_token("a")
    assert jwt.get_unverified_header(token)["alg"] == "HS512"
    claims = read_claims(token, algorithms=("HS512",))
    assert claims["exp"] == int(claims["iat"]) + 60


# --------------------------------------------------------------------------- bad values


BAD_VALUES: list[tuple[str, Any]] = [
    ("JWT_TOKEN_LOCATION", "nowhere"),
    ("JWT_TOKEN_LOCATION", ["headers", "body"]),
    ("JWT_TOKEN_LOCATION", 5),
    ("JWT_TOKEN_LOCATION", None),
    ("JWT_TOKEN_LOCATION", []),
    ("JWT_TOKEN_LOCATION", ()),
    ("JWT_TOKEN_LOCATION", ""),
    ("JWT_TOKEN_LOCATION", [5]),
    ("JWT_TOKEN_LOCATION", b"headers"),
    ("JWT_TOKEN_LOCATION", {"headers": True}),
    ("JWT_HEADER_NAME", ""),
    ("JWT_HEADER_NAME", None),
    ("JWT_ACCESS_TOKEN_EXPIRES", "15m"),
    ("JWT_ACCESS_TOKEN_EXPIRES", 1.5),
    ("JWT_ACCESS_TOKEN_EXPIRES", None),
    ("JWT_ACCESS_TOKEN_EXPIRES", True),
    ("JWT_ACCESS_TOKEN_EXPIRES", [900]),
    ("JWT_ACCESS_TOKEN_EXPIRES", dt.timedelta(0)),
    ("JWT_ACCESS_TOKEN_EXPIRES", 0),
    ("JWT_ACCESS_TOKEN_EXPIRES", relativedelta()),
    ("JWT_REFRESH_TOKEN_EXPIRES", "30d"),
    ("JWT_REFRESH_TOKEN_EXPIRES", dt.timedelta(0)),
    ("JWT_REFRESH_TOKEN_EXPIRES", 0),
    ("JWT_REFRESH_TOKEN_EXPIRES", relativedelta(days=0)),
    ("JWT_ALGORITHM", "none"),
    ("JWT_ALGORITHM", "NoNe"),
    ("JWT_ALGORITHM", 256),
    ("JWT_DECODE_ALGORITHMS", ["HS256", "none"]),
    ("JWT_DECODE_ALGORITHMS", 5),
    ("JWT_DECODE_ALGORITHMS", ["HS256", None]),
    ("JWT_SECRET_KEY", 12345),
    ("JWT_IDENTITY_CLAIM", ""),
    ("JWT_ERROR_MESSAGE_KEY", None),
    ("JWT_COOKIE_SAMESITE", "sometimes"),
    ("JWT_COOKIE_SAMESITE", 1),
    ("JWT_COOKIE_DOMAIN", 5),
    ("JWT_COOKIE_SECURE", "yes"),
    ("JWT_COOKIE_CSRF_PROTECT", 1),
    ("JWT_DECODE_LEEWAY", -1),
    ("JWT_DECODE_LEEWAY", "10"),
    ("JWT_DECODE_LEEWAY", True),
    ("JWT_JWKS_FETCH_TIMEOUT", 0),
    ("JWT_DECODE_CACHE_SIZE", -1),
    ("JWT_DECODE_CACHE_SIZE", True),
    ("JWT_DECODE_CACHE_SIZE", 1.5),
    ("JWT_MAX_TOKEN_LENGTH", 0),
    ("JWT_CSRF_METHODS", 5),
    ("JWT_CSRF_METHODS", ["POST", 5]),
    ("JWT_HEADER_TYPE", "Bearer token"),
    ("JWT_HEADER_TYPE", "a,b"),
    ("JWT_HEADER_TYPE", [""]),
    ("JWT_HEADER_TYPE", []),
    ("JWT_HEADER_TYPE", 5),
    ("JWT_DECODE_AUDIENCE", 5),
    ("JWT_DECODE_ISSUER", ["a", 5]),
    ("JWT_IMPLICIT_REFRESH", 300),
    ("JWT_IMPLICIT_REFRESH", dt.timedelta(0)),
    ("JWT_SIGNING_KEY_ID", "k1"),
    ("JWT_REFRESH_TOKEN_ROTATION", True),
]


@pytest.mark.parametrize(("key", "value"), BAD_VALUES, ids=repr)
def test_a_bad_value_fails_init_with_a_runtime_error_naming_the_key(
    make_app: AppFactory, key: str, value: Any
) -> None:
    with pytest.raises(RuntimeError, match=key):
        make_app(**{key: value})


def test_an_app_that_failed_init_is_not_registered() -> None:
    app = Flask("broken")
    app.config["JWT_TOKEN_LOCATION"] = "nowhere"
    with pytest.raises(RuntimeError):
        JWTManager(app)
    assert "flask-jwt-kit" not in app.extensions
    assert "flask-jwt-extended" not in app.extensions
    app.config["JWT_TOKEN_LOCATION"] = "headers"
    app.config["JWT_SECRET_KEY"] = SECRET
    JWTManager(app)
    with app.app_context():
        assert decode_token(create_access_token("a"))["sub"] == "a"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("JWT_TOKEN_LOCATION", "nowhere", "'nowhere' is not a valid location"),
        ("JWT_TOKEN_LOCATION", 5, "got int"),
        ("JWT_TOKEN_LOCATION", [], "at least one"),
        ("JWT_HEADER_NAME", "", "non-empty"),
        ("JWT_ACCESS_TOKEN_EXPIRES", 0, "must not be zero; use False"),
        ("JWT_ACCESS_TOKEN_EXPIRES", "15m", "not str"),
    ],
)
def test_the_message_says_what_is_wrong(
    make_app: AppFactory, key: str, value: Any, message: str
) -> None:
    with pytest.raises(RuntimeError) as caught:
        make_app(**{key: value})
    assert key in str(caught.value)
    assert message in str(caught.value)


#: Every setting that is a number of seconds, and whether 0 is refused.
SECONDS_SETTINGS = {
    "JWT_DECODE_LEEWAY": False,
    "JWT_REFRESH_REUSE_GRACE": False,
    "JWT_JWKS_MAX_AGE": False,
    "JWT_JWKS_CACHE_SECONDS": False,
    "JWT_JWKS_MIN_REFRESH_SECONDS": False,
    "JWT_JWKS_FETCH_TIMEOUT": True,
}


@pytest.mark.parametrize("key", list(SECONDS_SETTINGS))
@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        10**400,
        -1,
        -0.5,
        dt.timedelta(seconds=-1),
        "x",
        "10",
        None,
        True,
    ],
    ids=repr,
)
def test_seconds_must_be_finite_and_the_message_gives_the_range(
    make_app: AppFactory, key: str, value: Any
) -> None:
    bound = "> 0" if SECONDS_SETTINGS[key] else ">= 0"
    shown = value.total_seconds() if isinstance(value, dt.timedelta) else value
    with pytest.raises(RuntimeError) as caught:
        make_app(**{key: value})
    assert str(caught.value) == (
        f"{key} must be a finite number of seconds (int, float or timedelta) {bound}, not {shown!r}"
    )


@pytest.mark.parametrize("key", list(SECONDS_SETTINGS))
def test_seconds_from_zero_or_more_than_zero(make_app: AppFactory, key: str) -> None:
    name = key.removeprefix("JWT_").lower()
    if SECONDS_SETTINGS[key]:
        with pytest.raises(RuntimeError, match=f"^{key} must be .* > 0, not 0$"):
            make_app(**{key: 0})
    else:
        assert getattr(state_of(make_app(**{key: 0})).settings, name) == 0
    for value, expected in [(1.5, 1.5), (dt.timedelta(minutes=2), 120), (10**9, 1e9)]:
        got = getattr(state_of(make_app(**{key: value})).settings, name)
        # The Cache-Control max-age is whole seconds.
        assert got == (int(expected) if key == "JWT_JWKS_MAX_AGE" else expected)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("JWT_TOKEN_LOCATION", "nowhere"),
        ("JWT_TOKEN_LOCATION", 5),
        ("JWT_TOKEN_LOCATION", []),
        ("JWT_HEADER_NAME", ""),
        ("JWT_ACCESS_TOKEN_EXPIRES", dt.timedelta(0)),
        ("JWT_REFRESH_TOKEN_EXPIRES", "soon"),
    ],
)
def test_a_bad_value_set_after_init_fails_at_the_next_use(
    make_app: AppFactory, key: str, value: Any
) -> None:
    app = make_app()
    with app.test_request_context():
        app.config[key] = value
        with pytest.raises(RuntimeError, match=key):
            create_refresh_token("a")
        with pytest.raises(RuntimeError, match=key):
            verify_jwt_in_request()


# --------------------------------------------------------------------------- good values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("query_string", ("query_string",)),
        (("cookies", "headers"), ("cookies", "headers")),
        (["json", "json", "headers"], ("json", "headers")),
        ({"json"}, ("json",)),
        (frozenset({"headers"}), ("headers",)),
    ],
)
def test_token_location_takes_a_string_or_any_iterable(
    make_app: AppFactory, value: Any, expected: tuple[str, ...]
) -> None:
    app = make_app(JWT_TOKEN_LOCATION=value)
    assert state_of(app).settings.token_location == expected


def test_token_location_as_a_set_is_used(make_app: AppFactory) -> None:
    app = make_app(JWT_TOKEN_LOCATION={"query_string"})
    with app.app_context():
        token = create_access_token("a")
    client = app.test_client()
    assert client.get(f"/protected?jwt={token}").status_code == 200
    assert client.get("/protected", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("value", [dt.timedelta(minutes=1), 60, relativedelta(minutes=1)])
def test_expiry_settings_take_a_delta_or_seconds(make_app: AppFactory, value: Any) -> None:
    app = make_app(JWT_ACCESS_TOKEN_EXPIRES=value, JWT_REFRESH_TOKEN_EXPIRES=value)
    with app.app_context():
        for token in (create_access_token("a"), create_refresh_token("a")):
            claims = read_claims(token)
            assert claims["exp"] == int(claims["iat"]) + 60


@pytest.mark.parametrize("value", ["Lax", "strict", "None", None])
def test_samesite_accepts_the_three_values_and_none(make_app: AppFactory, value: Any) -> None:
    assert state_of(make_app(JWT_COOKIE_SAMESITE=value)).settings.cookie_samesite == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Bearer", ("Bearer",)), ("", ()), (None, ()), (["Bearer", "JWT"], ("Bearer", "JWT"))],
)
def test_header_type_settings(make_app: AppFactory, value: Any, expected: tuple[str, ...]) -> None:
    assert state_of(make_app(JWT_HEADER_TYPE=value)).settings.header_types == expected


def test_an_empty_header_type_means_the_header_holds_only_the_token(
    make_app: AppFactory,
) -> None:
    app = make_app(JWT_HEADER_TYPE="")
    with app.app_context():
        token = create_access_token("a")
    client = app.test_client()
    assert client.get("/protected", headers={"Authorization": token}).status_code == 200


def test_other_settings_are_parsed(make_app: AppFactory) -> None:
    settings = state_of(
        make_app(
            JWT_DECODE_AUDIENCE=["api", "web"],
            JWT_DECODE_ISSUER="https://me.example",
            JWT_DECODE_LEEWAY=dt.timedelta(seconds=90),
            JWT_IMPLICIT_REFRESH=dt.timedelta(minutes=5),
            JWT_CSRF_METHODS="POST",
            JWT_DECODE_ALGORITHMS="HS512",
            JWT_COOKIE_DOMAIN="example.com",
            JWT_DECODE_CACHE_SIZE=0,
        )
    ).settings
    assert settings.decode_audience == ("api", "web")
    assert settings.decode_issuer == "https://me.example"
    assert settings.decode_leeway == 90.0
    assert settings.implicit_refresh == dt.timedelta(minutes=5)
    assert settings.csrf_methods == frozenset({"POST"})
    assert settings.decode_algorithms == ("HS512", "HS256")
    assert settings.cookie_domain == "example.com"
    assert settings.decode_cache_size == 0
    assert settings.is_symmetric


# --------------------------------------------------------------------------- secrets and keys


@pytest.mark.parametrize("empty", [None, ""])
def test_the_flask_secret_key_is_the_fallback(make_app: AppFactory, empty: Any) -> None:
    other = "flask-secret-" + "z" * 40
    app = make_app(JWT_SECRET_KEY=empty, SECRET_KEY=other)
    with app.app_context():
        token = create_access_token("a")
        assert decode_token(token)["sub"] == "a"
    read_claims(token, key=other)


@pytest.mark.parametrize("empty", [None, ""])
def test_no_secret_at_all_fails_at_first_use_naming_the_key(
    make_app: AppFactory, empty: Any
) -> None:
    app = make_app(JWT_SECRET_KEY=empty, SECRET_KEY=empty)
    with app.app_context():
        with pytest.raises(RuntimeError, match="JWT_SECRET_KEY"):
            create_access_token("a")
        with pytest.raises(RuntimeError, match="JWT_SECRET_KEY"):
            decode_token(jwt.encode({"sub": "a"}, SECRET, "HS256"))


def test_a_missing_asymmetric_key_fails_at_first_use_naming_the_key(
    make_app: AppFactory,
) -> None:
    app = make_app(JWT_ALGORITHM="RS256")
    with app.app_context():
        with pytest.raises(RuntimeError, match="JWT_PRIVATE_KEY"):
            create_access_token("a")
        with pytest.raises(RuntimeError, match="JWT_PUBLIC_KEY"):
            decode_token(jwt.encode({"sub": "a"}, SECRET, "HS256"))


# --------------------------------------------------------------------------- changes after init


def test_settings_are_not_rebuilt_while_the_config_is_unchanged(app: Flask) -> None:
    state = state_of(app)
    first = state.settings
    assert state.settings is first
    with app.test_request_context():
        create_access_token("a")
        assert state.settings is first
    app.config["JWT_DECODE_LEEWAY"] = 5
    second = state.settings
    assert second is not first and second.decode_leeway == 5
    assert state.settings is second
    # Setting a value equal to the current one changes nothing.
    app.config["JWT_DECODE_LEEWAY"] = 5
    assert state.settings is second


def test_mutable_values_are_watched_for_in_place_edits(make_app: AppFactory) -> None:
    app = make_app(JWT_CSRF_METHODS=["POST"])
    state = state_of(app)
    first = state.settings
    assert state.settings is first
    app.config["JWT_CSRF_METHODS"].append("GET")
    assert state.settings is not first
    assert state.settings.csrf_methods == frozenset({"POST", "GET"})


def test_in_place_edits_inside_a_tuple_are_watched_too(make_app: AppFactory) -> None:
    entry = {"issuer": "https://idp.example", "audience": "api", "algorithms": ["RS256"]}
    app = make_app(JWT_TRUSTED_ISSUERS=(entry,))
    state = state_of(app)
    first = state.settings
    assert state.settings is first
    entry["audience"] = "other-api"
    assert state.settings is not first
    issuers = state.issuers
    assert issuers is not None
    assert issuers.config("https://idp.example").audience == "other-api"


def test_in_place_edits_of_the_key_set_apply(make_app: AppFactory) -> None:
    from flask_jwt_kit.keys import generate_jwk

    keys = {"keys": [generate_jwk("ES256", kid="old")]}
    app = make_app(JWT_KEYS=keys)
    state = state_of(app)
    assert state.keyset is not None and "new" not in state.keyset
    keys["keys"].insert(0, generate_jwk("ES256", kid="new"))
    with app.app_context():
        token = create_access_token("a")
    assert jwt.get_unverified_header(token)["kid"] == "new"


def test_switching_token_location_applies_inside_an_open_request(make_app: AppFactory) -> None:
    app = make_app()
    with app.app_context():
        token = create_access_token("a")
    with app.test_request_context(f"/?jwt={token}"):
        with pytest.raises(NoAuthorizationError):
            verify_jwt_in_request()
        app.config["JWT_TOKEN_LOCATION"] = ["query_string"]
        result = verify_jwt_in_request()
        assert result is not None and result[1]["sub"] == "a"
        app.config["JWT_TOKEN_LOCATION"] = "headers"
        with pytest.raises(NoAuthorizationError):
            verify_jwt_in_request()


def test_in_place_edits_of_the_location_list_apply(make_app: AppFactory) -> None:
    app = make_app(JWT_TOKEN_LOCATION=["headers"])
    with app.app_context():
        token = create_access_token("a")
    client = app.test_client()
    assert client.get(f"/protected?jwt={token}").status_code == 401
    with app.test_request_context(f"/?jwt={token}"):
        with pytest.raises(NoAuthorizationError):
            verify_jwt_in_request()
        app.config["JWT_TOKEN_LOCATION"].append("query_string")
        assert verify_jwt_in_request() is not None
    assert client.get(f"/protected?jwt={token}").status_code == 200
    app.config["JWT_TOKEN_LOCATION"].remove("query_string")
    assert client.get(f"/protected?jwt={token}").status_code == 401


def test_switching_the_algorithm_applies_inside_an_open_request(app: Flask) -> None:
    with app.test_request_context():
        before = create_access_token("a")
        assert jwt.get_unverified_header(before)["alg"] == "HS256"
        app.config["JWT_ALGORITHM"] = "HS512"
        after = create_access_token("a")
        assert jwt.get_unverified_header(after)["alg"] == "HS512"
        assert decode_token(after)["sub"] == "a"
        with pytest.raises(jwt.InvalidAlgorithmError):
            decode_token(before)


def test_switching_the_secret_applies_inside_an_open_request(app: Flask) -> None:
    with app.test_request_context():
        before = create_access_token("a")
        assert decode_token(before)["sub"] == "a"
        app.config["JWT_SECRET_KEY"] = "another-" + "q" * 60
        with pytest.raises(jwt.InvalidSignatureError):
            decode_token(before)
        after = create_access_token("a")
        assert decode_token(after)["sub"] == "a"
    read_claims(after, key="another-" + "q" * 60)


def test_a_change_of_the_flask_secret_key_applies(make_app: AppFactory) -> None:
    app = make_app(JWT_SECRET_KEY=None, SECRET_KEY="first-" + "a" * 40)
    with app.app_context():
        token = create_access_token("a")
        app.config["SECRET_KEY"] = "second-" + "b" * 40
        with pytest.raises(jwt.InvalidSignatureError):
            decode_token(token)


def test_a_changed_setting_applies_to_views(app: Flask) -> None:
    with app.app_context():
        token = create_access_token("a")
    client = app.test_client()
    app.config["JWT_ERROR_MESSAGE_KEY"] = "error"
    assert client.get("/protected").json == {"error": "Missing Authorization Header"}
    app.config["JWT_HEADER_NAME"] = "X-Token"
    assert client.get("/protected", headers={"X-Token": f"Bearer {token}"}).status_code == 200


def test_a_removed_key_falls_back_to_its_default(app: Flask) -> None:
    state = state_of(app)
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = 30
    with app.app_context():
        claims = read_claims(create_access_token("a"))
        assert claims["exp"] == int(claims["iat"]) + 30
        del app.config["JWT_ACCESS_TOKEN_EXPIRES"]
        claims = read_claims(create_access_token("a"))
        assert claims["exp"] == int(claims["iat"]) + 15 * 60
        assert state.settings.access_token_expires == dt.timedelta(minutes=15)
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = 45
        claims = read_claims(create_access_token("a"))
        assert claims["exp"] == int(claims["iat"]) + 45
