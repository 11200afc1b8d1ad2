"""Hostile or broken client input: always a 401/422 JSON answer, never a 500.

Every answer here is checked for shape (a JSON object with one string
message), for status, and for never echoing the token back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import SECRET, AppFactory, Clock
from tests.views.conftest import access_token, answer, forge, get, manager_of, refresh_token


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(header: bytes, payload: bytes, key: str = SECRET) -> str:
    """A token with these exact header and payload bytes, correctly HS256-signed."""
    signing_input = f"{b64(header)}.{b64(payload)}"
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


HS256 = b'{"alg":"HS256","typ":"JWT"}'
SUB = b'{"sub":"alice"}'


def check_refused(response: TestResponse, token: str | None, statuses: tuple[int, ...]) -> str:
    """Assert a well-formed refusal; return its message."""
    status, data = answer(response)
    assert status in statuses, data
    assert list(data) == ["msg"]
    message = data["msg"]
    assert isinstance(message, str) and message
    text = response.get_data(as_text=True)
    if token:
        assert token not in text
    assert "Traceback" not in text
    return message


MALFORMED: dict[str, str] = {
    "one-segment": "abcdefghijkl",
    "two-segments": "abcdef.ghijkl",
    "four-segments": "a.b.c.d",
    "empty-segments": "..",
    "non-ascii": "\u00e9\u00e9.\u00e9\u00e9.\u00e9\u00e9",
    "nul": "a\x00b.c.d",
    "bad-base64": "!!!!.????.****",
    "header-not-json": signed(b"not json", SUB),
    "header-a-list": signed(b'["HS256"]', SUB),
    "header-a-string": signed(b'"HS256"', SUB),
    "header-bad-utf8": signed(b'{"alg":"\xff"}', SUB),
    "payload-not-json": signed(HS256, b"not json"),
    "payload-a-list": signed(HS256, b'["alice"]'),
    "payload-null": signed(HS256, b"null"),
    "payload-bad-utf8": signed(HS256, b'{"sub":"\xff"}'),
    "payload-deeply-nested": signed(HS256, b'{"sub":"a","x":' + b"[" * 3000 + b"]" * 3000 + b"}"),
    "header-deeply-nested": signed(b"[" * 3000 + b"]" * 3000, SUB),
    "alg-none": b64(b'{"alg":"none"}') + "." + b64(SUB) + ".",
    "alg-none-signed": signed(b'{"alg":"none"}', SUB),
    "alg-a-number": signed(b'{"alg":5}', SUB),
    "alg-a-list": signed(b'{"alg":["HS256"]}', SUB),
    "alg-missing": signed(b'{"typ":"JWT"}', SUB),
    "crit-unknown": signed(b'{"alg":"HS256","crit":["exp"]}', SUB),
    "crit-not-a-list": signed(b'{"alg":"HS256","crit":"x"}', SUB),
    "b64-false": signed(b'{"alg":"HS256","b64":false,"crit":["b64"]}', SUB),
    "signature-truncated": signed(HS256, SUB)[:-5],
    "signature-of-other-key": signed(HS256, SUB, key="k" * 64),
    "lone-surrogate": "a.\ud800.b",
}


@pytest.mark.parametrize("token", list(MALFORMED.values()), ids=list(MALFORMED))
class TestMalformedTokens:
    def test_in_header(self, client: FlaskClient, token: str) -> None:
        check_refused(get(client, token=token), token, (422,))

    def test_in_json_body(self, make_app: AppFactory, token: str) -> None:
        app = make_app(JWT_TOKEN_LOCATION="json")
        response = app.test_client().post(
            "/protected",
            data=json.dumps({"access_token": token}),
            content_type="application/json",
        )
        check_refused(response, token, (422,))


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"exp": "9999999999"}, "Invalid claim: 'exp' must be a number"),
        ({"exp": True}, "Invalid claim: 'exp' must be a number"),
        ({"exp": None}, "Invalid claim: 'exp' must be a number"),
        ({"exp": 10**400}, "Invalid claim: 'exp' must be a number"),
        ({"iat": "0"}, "Invalid claim: 'iat' must be a number"),
        ({"iat": 10**400}, "Invalid claim: 'iat' must be a number"),
        ({"nbf": [0]}, "Invalid claim: 'nbf' must be a number"),
        ({"nbf": -(10**400)}, "Invalid claim: 'nbf' must be a number"),
        ({"type": ["refresh"]}, "Invalid claim: 'type' must be a string"),
        ({"type": None}, "Invalid claim: 'type' must be a string"),
        ({"fresh": "true"}, "Invalid claim: 'fresh' must be a boolean or a number"),
        ({"fresh": None}, "Invalid claim: 'fresh' must be a boolean or a number"),
        ({"fresh": 10**400}, "Invalid claim: 'fresh' must be a boolean or a number"),
        ({"csrf": 5}, "Invalid claim: 'csrf' must be a string"),
        ({"sub": 5}, "Subject must be a string"),
        ({"sub": {"id": 1}}, "Subject must be a string"),
        ({"jti": 5}, "JWT ID must be a string"),
    ],
)
def test_claims_of_wrong_json_types(
    client: FlaskClient, clock: Clock, claims: dict[str, Any], message: str
) -> None:
    token = forge(clock.now, **claims)
    assert check_refused(get(client, token=token), token, (422,)) == message
    assert check_refused(get(client, "/optional", token), token, (422,)) == message


@pytest.mark.parametrize("value", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_non_finite_numbers(client: FlaskClient, value: bytes) -> None:
    token = signed(HS256, b'{"sub":"alice","exp":' + value + b"}")
    assert check_refused(get(client, token=token), token, (422,)) == (
        "Invalid claim: 'exp' must be a number"
    )


def test_future_tokens(client: FlaskClient, clock: Clock) -> None:
    for claim in ("nbf", "iat"):
        future: dict[str, Any] = {claim: int(clock.now) + 60}
        token = forge(clock.now, **future)
        assert check_refused(get(client, token=token), token, (422,)) == (
            f"The token is not yet valid ({claim})"
        )


class TestOversizedTokens:
    def test_default_limit(self, app: Flask, client: FlaskClient, clock: Clock) -> None:
        token = forge(clock.now, padding="x" * 20_000)
        assert check_refused(get(client, token=token), token, (422,)) == (
            "Token is too large (over 16384 characters)"
        )

    def test_refused_before_any_decoding(self, make_app: AppFactory, clock: Clock) -> None:
        app = make_app(JWT_MAX_TOKEN_LENGTH=200)
        keys: list[Any] = []

        @manager_of(app).decode_key_loader
        def key(header: dict[str, Any], claims: dict[str, Any]) -> str:
            keys.append(header)
            return SECRET

        small = forge(clock.now, drop=["jti", "nbf", "fresh", "type"])
        assert len(small) <= 200
        client = app.test_client()
        assert get(client, token=small).status_code == 200
        assert len(keys) == 1
        big = forge(clock.now, padding="x" * 200)
        assert check_refused(get(client, token=big), big, (422,)) == (
            "Token is too large (over 200 characters)"
        )
        assert len(keys) == 1

    def test_every_location(self, make_app: AppFactory, clock: Clock) -> None:
        app = make_app(
            JWT_TOKEN_LOCATION=["query_string", "json", "cookies"], JWT_MAX_TOKEN_LENGTH=100
        )
        token = "a" * 101
        client = app.test_client()
        check_refused(client.get("/protected", query_string={"jwt": token}), token, (422,))
        check_refused(client.post("/protected", json={"access_token": token}), token, (422,))
        client.set_cookie("access_token_cookie", token)
        check_refused(client.get("/protected"), token, (422,))

    def test_huge_header_of_other_credentials(self, client: FlaskClient) -> None:
        # Far over JWT_MAX_TOKEN_LENGTH: refused before it is split into credentials.
        value = ", ".join(["Basic dXNlcjpwYXNz"] * 5000)
        response = client.get("/protected", headers={"Authorization": value})
        assert check_refused(response, None, (422,)).startswith("Token is too large")


class TestCsrfHeader:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        return make_app(JWT_TOKEN_LOCATION="cookies")

    @pytest.fixture
    def client(self, app: Flask) -> FlaskClient:
        client = app.test_client()
        client.set_cookie("access_token_cookie", access_token(app))
        return client

    @pytest.mark.parametrize("value", ["\u00e9\u00e8", "\x7f", "\u00ff" * 1000, " ", "x" * 10_000])
    def test_odd_values_do_not_match(self, client: FlaskClient, value: str) -> None:
        response = client.post("/protected", headers={"X-CSRF-TOKEN": value})
        assert check_refused(response, None, (401,)) == "CSRF double submit tokens do not match"

    def test_undecodable_bytes(self, client: FlaskClient) -> None:
        response = client.post("/protected", environ_overrides={"HTTP_X_CSRF_TOKEN": "\udcff"})
        assert check_refused(response, None, (401,)) == "CSRF double submit tokens do not match"

    def test_repeated_header(self, app: Flask, client: FlaskClient) -> None:
        response = client.post("/protected", headers=[("X-CSRF-TOKEN", "a"), ("X-CSRF-TOKEN", "b")])
        assert check_refused(response, None, (401,)) == "CSRF double submit tokens do not match"

    def test_odd_form_values(self, make_app: AppFactory) -> None:
        app = make_app(JWT_TOKEN_LOCATION="cookies", JWT_CSRF_CHECK_FORM=True)
        client = app.test_client()
        client.set_cookie("access_token_cookie", access_token(app))
        response = client.post("/protected", data={"csrf_token": "\u2603"})
        assert check_refused(response, None, (401,)) == "CSRF double submit tokens do not match"
        response = client.post(
            "/protected", data=b"\xff\xfe=\xff", content_type="application/x-www-form-urlencoded"
        )
        assert check_refused(response, None, (401,)) == "Missing CSRF token"


class TestJsonBody:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        return make_app(JWT_TOKEN_LOCATION="json")

    @pytest.mark.parametrize(
        "raw",
        [b"[]", b'[{"access_token": "x"}]', b"{", b'{"access_token": }', b"\xff\xfe", b"\x00"],
    )
    def test_list_or_invalid_body(self, client: FlaskClient, raw: bytes) -> None:
        response = client.post("/protected", data=raw, content_type="application/json")
        assert check_refused(response, None, (401,)) == 'Missing "access_token" key in json data.'

    def test_deeply_nested_body(self, client: FlaskClient) -> None:
        raw = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        response = client.post("/protected", data=raw, content_type="application/json")
        assert check_refused(response, None, (401,)) == 'Missing "access_token" key in json data.'


class TestWrongTokenKind:
    def test_refresh_token_for_access(self, app: Flask, client: FlaskClient) -> None:
        token = refresh_token(app)
        assert check_refused(get(client, token=token), token, (422,)) == (
            "Only non-refresh tokens are allowed"
        )

    def test_access_token_for_refresh(self, app: Flask, client: FlaskClient) -> None:
        token = access_token(app)
        assert check_refused(get(client, "/refresh", token), token, (422,)) == (
            "Only refresh tokens are allowed"
        )


@pytest.mark.parametrize(
    "value",
    [
        "Bearer \u00e9",
        "Bearer \x7f",
        "\u00e9 \u00e9",
        "Bearer , , ,",
        "Bearer" + " " * 1000 + "x",
        ",,,,,Bearer x,,,,,",
    ],
)
def test_odd_authorization_headers(client: FlaskClient, value: str) -> None:
    check_refused(client.get("/protected", headers={"Authorization": value}), None, (401, 422))


def test_odd_query_values(make_app: AppFactory) -> None:
    app = make_app(JWT_TOKEN_LOCATION="query_string", JWT_QUERY_STRING_VALUE_PREFIX="t:")
    client = app.test_client()
    for query in ("jwt=%ED%A0%80", "jwt=%FF%FE", "jwt=t:%00", "jwt=t:%FF"):
        check_refused(client.get(f"/protected?{query}"), None, (422,))
