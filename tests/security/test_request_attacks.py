"""Attacks on how a request carries its token: header shapes, optional views, CSRF, bodies.

The double submit defence (OWASP CSRF cheat sheet) holds for cookie tokens
on state-changing methods: the CSRF value must come in the header, equal to
the token's own ``csrf`` claim; a cookie an attacker planted, a value from
another token, a query parameter or a form field (when not enabled) do not
count.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import AppFactory, Clock, bearer
from tests.security.conftest import (
    HS256_HEADER,
    access_token,
    assert_refused,
    claims_at,
    csrf_of,
    forge,
    hmac_sign,
    refresh_token,
)

# --------------------------------------------------------------------------- Authorization


def _malformed_headers(token: str) -> list[str]:
    return [
        "",
        " ",
        ",",
        ", ,",
        "Bearer",
        "Bearer ",
        "Bearer  ",
        f"bearer {token}",
        f"BEARER {token}",
        f"Bearer{token}",
        f"Bearer: {token}",
        f"Bearer {token} extra",
        f"Bearer {token} {token}",
        f"Bearer {token}, Bearer {token}",
        f"Bearer {token},Bearer {token}",
        f"Basic {token}",
        f"Token {token}",
        f"JWT {token}",
        f"{token}",
        f"Bearer Bearer {token}",
        f"Bearer '{token}'",
        f'Bearer "{token}"',
        f"Bearer <{token}>",
        f"Bearer {token};",
        "Bearer null",
        "Bearer undefined",
        "Bearer [object Object]",
        "Bearer .",
        "Bearer ..",
        "Bearer %00",
    ]


def test_malformed_authorization_headers(app: Flask) -> None:
    token = access_token(app)
    client = app.test_client()
    for value in _malformed_headers(token):
        for path in ("/protected", "/optional"):
            response = client.get(path, headers={"Authorization": value})
            if path == "/optional" and response.status_code == 200:
                # No Bearer credential at all is "no token" for an optional view.
                assert response.get_json()["identity"] is None
                continue
            assert_refused(response, token=token)


def test_malformed_header_with_a_custom_header_name_and_no_type(make_app: AppFactory) -> None:
    app = make_app(JWT_HEADER_NAME="X-Auth", JWT_HEADER_TYPE="")
    token = access_token(app)
    client = app.test_client()
    for value in (f"Bearer {token}", f"{token} {token}", f"{token},{token}", "a b"):
        assert_refused(client.get("/protected", headers={"X-Auth": value}), token=token)


@pytest.mark.parametrize(
    "value",
    [
        "Bearer é",
        "Bearer \xff\xfe",
        "Bearer ä.ö.ü",
        "Bearer\xa0token",
        "Bearer a\x00b",
        "Bearer \x7f",
    ],
    ids=repr,
)
def test_non_ascii_authorization_header(app: Flask, value: str) -> None:
    client = app.test_client()
    for path in ("/protected", "/optional"):
        response = client.get(path, environ_base={"HTTP_AUTHORIZATION": value})
        if path == "/optional" and response.status_code == 200:
            assert response.get_json()["identity"] is None
            continue
        assert_refused(response)


def test_non_ascii_bytes_around_a_genuine_token(app: Flask) -> None:
    token = access_token(app)
    client = app.test_client()
    for value in (f"Bearer {token}é", f"Bearer é{token}", f"Bearer {token[:10]}\xff{token[10:]}"):
        response = client.get("/protected", environ_base={"HTTP_AUTHORIZATION": value})
        assert_refused(response, token=token)


def test_repeated_authorization_headers(app: Flask, clock: Clock) -> None:
    genuine = access_token(app)
    forged = hmac_sign(HS256_HEADER, claims_at(clock, sub="admin"), b"secret")
    client = app.test_client()
    for values in (
        [f"Bearer {genuine}", f"Bearer {genuine}"],
        [f"Bearer {forged}", f"Bearer {genuine}"],
        [f"Bearer {genuine}", f"Bearer {forged}"],
        [f"Bearer {forged}", "Basic dXNlcjpwYXNz"],
        ["Bearer", f"Bearer {forged}"],
    ):
        response = client.get("/protected", headers=[("Authorization", v) for v in values])
        assert_refused(response, token=forged)


# --------------------------------------------------------------------------- optional views


def test_optional_view_refuses_invalid_tokens(app: Flask, clock: Clock) -> None:
    genuine = access_token(app)
    header, payload, signature = genuine.split(".")
    client = app.test_client()
    clock_expired = access_token(app, expires_delta=1)
    for token in (
        forge({"alg": "none"}, claims_at(clock)),
        hmac_sign(HS256_HEADER, claims_at(clock, sub="admin"), b"secret"),
        f"{header}.{payload}.",
        f"{header}.{payload}",
        "garbage",
        refresh_token(app),
        f"{header}.{payload}.{signature}=",
    ):
        response = client.get("/optional", headers=bearer(token))
        assert_refused(response, token=token)
    clock.advance(2)
    response = client.get("/optional", headers=bearer(clock_expired))
    assert assert_refused(response, token=clock_expired) == "Token has expired"


@pytest.mark.parametrize("location", ["cookies", "query_string", "json"])
def test_optional_view_refuses_invalid_tokens_in_other_locations(
    make_app: AppFactory, clock: Clock, location: str
) -> None:
    app = make_app(JWT_TOKEN_LOCATION=[location])
    forged = hmac_sign(HS256_HEADER, claims_at(clock), b"secret")
    client = app.test_client()
    if location == "cookies":
        client.set_cookie("access_token_cookie", forged)
        response = client.get("/optional")
    elif location == "query_string":
        response = client.get("/optional", query_string={"jwt": forged})
    else:
        response = client.post("/optional", json={"access_token": forged})
    assert_refused(response, token=forged)


def test_optional_cookie_view_still_checks_csrf(make_app: AppFactory) -> None:
    app = make_app(JWT_TOKEN_LOCATION=["cookies"])
    token = access_token(app)
    client = app.test_client()
    client.set_cookie("access_token_cookie", token)
    assert assert_refused(client.post("/optional"), token=token) == "Missing CSRF token"


# --------------------------------------------------------------------------- CSRF


@pytest.fixture
def cookie_app(make_app: AppFactory) -> Flask:
    return make_app(JWT_TOKEN_LOCATION=["cookies"])


def _cookie_client(app: Flask, token: str, refresh: bool = False) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("refresh_token_cookie" if refresh else "access_token_cookie", token)
    return client


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_csrf_missing(make_app: AppFactory, method: str) -> None:
    app = make_app(JWT_TOKEN_LOCATION=["cookies"])
    app.add_url_rule(
        "/change",
        "change",
        app.view_functions["protected"],
        methods=["POST", "PUT", "PATCH", "DELETE"],
    )
    token = access_token(app)
    response = _cookie_client(app, token).open("/change", method=method)
    assert assert_refused(response, token=token) == "Missing CSRF token"


@pytest.mark.parametrize(
    "value",
    [
        "wrong",
        "0",
        "null",
        "undefined",
        " ",
        "csrf",
        "true",
        "*",
        ".*",
        "%",
        "a" * 5000,
    ],
    ids=lambda v: repr(v[:20]),
)
def test_csrf_wrong(cookie_app: Flask, value: str) -> None:
    token = access_token(cookie_app)
    response = _cookie_client(cookie_app, token).post("/protected", headers={"X-CSRF-TOKEN": value})
    assert_refused(response, token=token)


def test_csrf_value_almost_right(cookie_app: Flask) -> None:
    token = access_token(cookie_app)
    csrf = csrf_of(token)
    client = _cookie_client(cookie_app, token)
    for value in (
        csrf[:-1],
        csrf + "0",
        csrf.upper(),
        f" {csrf}",
        f"{csrf} ",
        f"{csrf},{csrf}",
        f"{csrf}, {csrf}",
        f"{csrf}\x00",
        csrf.replace("-", ""),
        f'"{csrf}"',
    ):
        response = client.post("/protected", headers={"X-CSRF-TOKEN": value})
        assert_refused(response, token=token)
    # The value twice, as two header fields.
    response = client.post("/protected", headers=[("X-CSRF-TOKEN", csrf), ("X-CSRF-TOKEN", csrf)])
    assert_refused(response, token=token)
    # And the genuine value passes: the refusals above are about the values.
    assert client.post("/protected", headers={"X-CSRF-TOKEN": csrf}).status_code == 200


def test_csrf_cookie_planted_without_the_header(cookie_app: Flask) -> None:
    # A sibling subdomain or a network attacker can set cookies, not headers.
    token = access_token(cookie_app)
    client = _cookie_client(cookie_app, token)
    client.set_cookie("csrf_access_token", csrf_of(token))
    assert assert_refused(client.post("/protected"), token=token) == "Missing CSRF token"
    client.set_cookie("csrf_access_token", "attacker-chosen")
    response = client.post("/protected", headers={"X-CSRF-TOKEN": "attacker-chosen"})
    assert assert_refused(response, token=token) == "CSRF double submit tokens do not match"


def test_csrf_taken_from_another_token(cookie_app: Flask) -> None:
    victim = access_token(cookie_app, "victim")
    attacker = access_token(cookie_app, "attacker")
    client = _cookie_client(cookie_app, victim)
    response = client.post("/protected", headers={"X-CSRF-TOKEN": csrf_of(attacker)})
    assert assert_refused(response, token=victim) == "CSRF double submit tokens do not match"


def test_csrf_of_the_refresh_token_on_an_access_view_and_back(cookie_app: Flask) -> None:
    access, refresh = access_token(cookie_app), refresh_token(cookie_app)
    client = _cookie_client(cookie_app, access)
    client.set_cookie("refresh_token_cookie", refresh)
    response = client.post("/protected", headers={"X-CSRF-TOKEN": csrf_of(refresh)})
    assert_refused(response, token=access)
    response = client.post("/refresh", headers={"X-CSRF-TOKEN": csrf_of(access)})
    assert_refused(response, token=refresh)


def test_csrf_only_in_the_query_string_or_form(cookie_app: Flask) -> None:
    token = access_token(cookie_app)
    csrf = csrf_of(token)
    client = _cookie_client(cookie_app, token)
    for query in ({"csrf_token": csrf}, {"X-CSRF-TOKEN": csrf}, {"csrf_access_token": csrf}):
        response = client.post("/protected", query_string=query)
        assert assert_refused(response, token=token) == "Missing CSRF token"
    # The form field counts only with JWT_CSRF_CHECK_FORM.
    response = client.post("/protected", data={"csrf_token": csrf})
    assert assert_refused(response, token=token) == "Missing CSRF token"
    response = client.post("/protected", json={"csrf_token": csrf, "X-CSRF-TOKEN": csrf})
    assert assert_refused(response, token=token) == "Missing CSRF token"


def test_csrf_form_field_when_enabled_is_checked_too(make_app: AppFactory) -> None:
    app = make_app(JWT_TOKEN_LOCATION=["cookies"], JWT_CSRF_CHECK_FORM=True)
    token = access_token(app)
    client = _cookie_client(app, token)
    response = client.post("/protected", data={"csrf_token": "wrong"})
    assert_refused(response, token=token)
    # An empty header does not hide a wrong form value.
    response = client.post("/protected", data={"csrf_token": "wrong"}, headers={"X-CSRF-TOKEN": ""})
    assert_refused(response, token=token)


@pytest.mark.parametrize(
    "value", ["é", "\u2603", "\ud800", "\x00", "\xff" * 40, "🔑" * 10], ids=repr
)
def test_non_ascii_csrf(cookie_app: Flask, value: str) -> None:
    token = access_token(cookie_app)
    client = _cookie_client(cookie_app, token)
    response = client.post("/protected", environ_base={"HTTP_X_CSRF_TOKEN": value})
    assert_refused(response, token=token)
    if value.isascii() or value.isprintable():
        client.set_cookie("csrf_access_token", value)
        assert_refused(client.post("/protected"), token=token)


def test_csrf_claim_missing_from_a_cookie_token(make_app: AppFactory) -> None:
    # A token made while CSRF protection was off carries no csrf claim.
    app = make_app(JWT_TOKEN_LOCATION=["cookies"], JWT_COOKIE_CSRF_PROTECT=False)
    token = access_token(app)
    app.config["JWT_COOKIE_CSRF_PROTECT"] = True
    client = _cookie_client(app, token)
    response = client.post("/protected", headers={"X-CSRF-TOKEN": "anything"})
    assert_refused(response, token=token)


def test_csrf_mismatch_wins_over_a_forged_token(cookie_app: Flask, clock: Clock) -> None:
    forged = hmac_sign(HS256_HEADER, claims_at(clock, csrf="known"), b"secret")
    client = _cookie_client(cookie_app, forged)
    response = client.post("/protected", headers={"X-CSRF-TOKEN": "known"})
    assert_refused(response, token=forged)


# --------------------------------------------------------------------------- JSON bodies


@pytest.fixture
def json_app(make_app: AppFactory) -> Flask:
    return make_app(JWT_TOKEN_LOCATION=["json"])


_NOT_OBJECTS = (
    "[]",
    '["access_token"]',
    '"access_token"',
    "5",
    "null",
    "true",
    "",
    "{",
    '{"access_token":',
    "NaN",
    '{"access_token": "a"} trailing',
    "\ufeff{}",
)


@pytest.mark.parametrize("body", _NOT_OBJECTS, ids=repr)
@pytest.mark.parametrize("content_type", ["application/json", "application/problem+json"])
def test_json_body_that_is_not_an_object(json_app: Flask, body: str, content_type: str) -> None:
    client = json_app.test_client()
    for path in ("/protected", "/refresh", "/optional"):
        response = client.post(path, data=body, content_type=content_type)
        if path == "/optional" and response.status_code == 200:
            assert response.get_json()["identity"] is None
            continue
        assert_refused(response)


@pytest.mark.parametrize(
    "value",
    [5, 1.5, True, ["t"], {"token": "t"}, [None], {"$ne": None}, {"$gt": ""}],
    ids=repr,
)
def test_json_token_of_the_wrong_type(json_app: Flask, value: Any) -> None:
    genuine = access_token(json_app)
    client = json_app.test_client()
    for wrapped in (value, [genuine], {"token": genuine}):
        response = client.post("/protected", json={"access_token": wrapped})
        assert_refused(response, token=genuine)


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize("kind", ["array", "object"])
def test_json_body_nested_deeply(json_app: Flask, depth: int, kind: str) -> None:
    if kind == "array":
        body = "[" * depth + "]" * depth
    else:
        body = '{"access_token":' * depth + '"x"' + "}" * depth
    client = json_app.test_client()
    for path in ("/protected", "/optional"):
        response = client.post(path, data=body, content_type="application/json")
        if path == "/optional" and response.status_code == 200:
            continue
        assert_refused(response)


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe{\x00}\x00", b'{"access_token": "\xff"}', b"\x00\x00\x00{", b'{"a":"\xed\xa0\x80"}'],
    ids=repr,
)
def test_json_body_that_is_not_utf8(json_app: Flask, body: bytes) -> None:
    response = json_app.test_client().post("/protected", data=body, content_type="application/json")
    assert_refused(response)


def test_json_body_with_duplicate_token_keys(json_app: Flask, clock: Clock) -> None:
    # The last key wins, as everywhere in JSON here: the forged one is refused.
    genuine = access_token(json_app)
    forged = hmac_sign(HS256_HEADER, claims_at(clock, sub="admin"), b"secret")
    body = f'{{"access_token": {json.dumps(genuine)}, "access_token": {json.dumps(forged)}}}'
    response = json_app.test_client().post("/protected", data=body, content_type="application/json")
    assert_refused(response, token=forged)


def test_json_token_with_wrong_content_type(json_app: Flask) -> None:
    token = access_token(json_app)
    client = json_app.test_client()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx"):
        response = client.post(
            "/protected", data=json.dumps({"access_token": token}), content_type=content_type
        )
        assert_refused(response, token=token)


# --------------------------------------------------------------------------- query string


def test_query_string_attacks(make_app: AppFactory, clock: Clock) -> None:
    app = make_app(JWT_TOKEN_LOCATION=["query_string"], JWT_QUERY_STRING_VALUE_PREFIX="Bearer ")
    token = access_token(app)
    forged = hmac_sign(HS256_HEADER, claims_at(clock, sub="admin"), b"secret")
    client = app.test_client()
    for query in (
        f"jwt={token}",  # the prefix is missing
        f"jwt=bearer%20{token}",
        f"jwt=Bearer%20{forged}",
        f"jwt=Bearer%20{forged}&jwt=Bearer%20{token}",  # the first one is read
        f"jwt=Bearer%20{token}%00",
        f"jwt=Bearer%20%20{token}",
        "jwt=Bearer%20",
        "jwt[]=x",
        f"jwt=Bearer%20{token}%E9",
    ):
        response = client.get(f"/protected?{query}")
        assert_refused(response, token=token if forged not in query else forged)
