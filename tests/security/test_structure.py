"""Attacks on the shape of a token: serialisations, segments, base64, JSON.

Only the compact serialisation of a JWS is a token (RFC 7515 7.1; RFC 7519
7.2). Every segment is canonical base64url without padding; header and
claims are UTF-8 JSON objects. Most tokens below are signed with the app's
own secret, so nothing but their shape can make them fail. Oversized tokens
are refused by length (``JWT_MAX_TOKEN_LENGTH``) before anything parses
them.
"""

from __future__ import annotations

import json
import string
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from flask import Flask
from jwt.api_jws import PyJWS

from flask_jwt_kit import JWTManager, decode_token, verify_jwt_in_request
from flask_jwt_kit.exceptions import JWTDecodeError
from tests.conftest import SECRET, AppFactory, Clock, bearer
from tests.plugins.oidc import OIDCProvider
from tests.security.conftest import (
    ALL_LOCATIONS,
    HS256_HEADER,
    access_token,
    app_signed,
    assert_refused,
    b64url,
    claims_at,
    hmac_sign,
    segment,
    send,
)

_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def _refused(app: Flask, token: str, location: str = "headers") -> str:
    return assert_refused(send(app.test_client(), token, location), token=token)


def _signed_raw(header: bytes, claims: bytes, key: str = SECRET) -> str:
    """A token over raw header and claims bytes, with a correct HMAC by *key*."""
    return hmac_sign(header, claims, key)


@pytest.fixture
def pyjwt_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times PyJWT started parsing a token (its ``_load`` step)."""
    calls: list[int] = []
    original = PyJWS._load

    def counting(self: PyJWS, token: str | bytes) -> Any:
        calls.append(len(token))
        return original(self, token)

    monkeypatch.setattr(PyJWS, "_load", counting)
    return calls


# --------------------------------------------------------------------------- serialisations


def _json_serialisations(token: str) -> Iterator[str]:
    header, payload, signature = token.split(".")

    def compact(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"))

    yield compact({"protected": header, "payload": payload, "signature": signature})
    yield compact(
        {"payload": payload, "signatures": [{"protected": header, "signature": signature}]}
    )
    yield compact(
        {
            "protected": header,
            "header": {"alg": "none"},
            "payload": payload,
            "signature": signature,
        }
    )
    yield compact(
        {"payload": payload, "signatures": [{"header": {"alg": "HS256"}, "signature": signature}]}
    )


@pytest.mark.parametrize("location", ALL_LOCATIONS)
def test_json_serialisation_of_a_genuine_token(all_locations_app: Flask, location: str) -> None:
    genuine = access_token(all_locations_app)
    for serialised in _json_serialisations(genuine):
        _refused(all_locations_app, serialised, location)
        _refused(all_locations_app, b64url(serialised.encode()), location)


def test_json_serialisation_as_a_json_body_object(make_app: AppFactory) -> None:
    # The token key holding an object instead of a string.
    app = make_app(JWT_TOKEN_LOCATION=["json"])
    genuine = access_token(app)
    for serialised in _json_serialisations(genuine):
        response = app.test_client().post(
            "/protected", json={"access_token": json.loads(serialised)}
        )
        assert_refused(response, token=genuine)


@pytest.mark.parametrize(
    "jwe_header",
    [
        {"alg": "RSA-OAEP", "enc": "A256GCM"},
        {"alg": "dir", "enc": "A128CBC-HS256"},
        {"alg": "HS256", "enc": "A256GCM"},
        {"alg": "A128KW", "enc": "A128GCM", "zip": "DEF"},
    ],
    ids=lambda h: h["alg"],
)
def test_five_part_jwe_shaped_tokens(app: Flask, jwe_header: dict[str, Any]) -> None:
    genuine = access_token(app)
    header = segment(jwe_header)
    random_parts = [b64url(bytes(range(n))) for n in (32, 12, 64, 16)]
    _refused(app, ".".join([header, *random_parts]))
    _refused(app, ".".join([header, "", random_parts[1], random_parts[2], random_parts[3]]))
    # A genuine token with two more parts, and a JWE around a genuine token.
    _refused(app, genuine + ".." + random_parts[3])
    _refused(app, ".".join([header, "", "", genuine.replace(".", ""), ""]))


def test_nested_jwt_in_the_payload(app: Flask, clock: Clock) -> None:
    # cty: JWT means "the payload is another token"; it is never unwrapped.
    inner = access_token(app)
    outer = _signed_raw(json.dumps({"alg": "HS256", "cty": "JWT"}).encode(), inner.encode("ascii"))
    _refused(app, outer)


# --------------------------------------------------------------------------- segments


def test_wrong_number_of_segments(app: Flask) -> None:
    header, payload, signature = access_token(app).split(".")
    for token in (
        header,
        f"{header}.{payload}",
        f"{header}.{payload}.{signature}.{signature}",
        f"{header}.{payload}.{signature}.",
        f"{header}.{payload}..{signature}",
        f".{header}.{payload}.{signature}",
        f"{header}..{signature}",
        f".{payload}.{signature}",
        f"{header}.{payload}.",
        ".",
        "..",
        "...",
        "....",
        "a",
        "a.b",
        "a.b.c.d",
    ):
        _refused(app, token)


@pytest.mark.parametrize("location", ["headers", "json"])
def test_segments_swapped(make_app: AppFactory, location: str) -> None:
    app = make_app(JWT_TOKEN_LOCATION=[location])
    header, payload, signature = access_token(app).split(".")
    for order in (
        (payload, header, signature),
        (header, signature, payload),
        (signature, payload, header),
        (header, header, signature),
        (payload, payload, signature),
    ):
        _refused(app, ".".join(order), location)


# --------------------------------------------------------------------------- base64


_ILLEGAL_ASCII = ("+", "/", "=", "!", "*", "~", ".", "%", "\\", '"', "'", "$", "#", "&")
_ILLEGAL_ELSEWHERE = (" ", "\t", "\n", "\x00", "\x7f", "é", "\u00a0", "\u2028", "\ufeff", "🔑")


@pytest.mark.parametrize("index", [0, 1, 2], ids=["header", "payload", "signature"])
def test_illegal_base64_characters(make_app: AppFactory, index: int) -> None:
    # Headers cannot carry every character; the JSON body can.
    for location, characters in (
        ("headers", _ILLEGAL_ASCII),
        ("json", _ILLEGAL_ASCII + _ILLEGAL_ELSEWHERE),
    ):
        app = make_app(JWT_TOKEN_LOCATION=[location])
        parts = access_token(app).split(".")
        client = app.test_client()
        for character in characters:
            for position in (0, len(parts[index]) // 2, len(parts[index])):
                changed = list(parts)
                changed[index] = changed[index][:position] + character + changed[index][position:]
                token = ".".join(changed)
                assert_refused(send(client, token, location), token=token)
                replaced = list(parts)
                segment_text = replaced[index]
                replaced[index] = segment_text[:position] + character + segment_text[position + 1 :]
                token = ".".join(replaced)
                assert_refused(send(client, token, location), token=token)


def test_standard_base64_alphabet_instead_of_url_safe(app: Flask, clock: Clock) -> None:
    # Find claims whose encoding holds "-" or "_", then spell them "+" and "/".
    for n in range(200):
        token = app_signed(HS256_HEADER, claims_at(clock, jti=f"jti-{n}-???>>>"))
        if "-" in token or "_" in token:
            break
    else:  # pragma: no cover - the search space is large enough
        pytest.fail("no token with - or _ found")
    _refused(app, token.replace("-", "+").replace("_", "/"))


@pytest.mark.parametrize("index", [0, 1, 2], ids=["header", "payload", "signature"])
def test_padding_on_a_genuine_token(app: Flask, index: int) -> None:
    parts = access_token(app).split(".")
    client = app.test_client()
    for padding in ("=", "==", "===", "%3D", "%3D%3D"):
        padded = list(parts)
        padded[index] += padding
        token = ".".join(padded)
        assert_refused(client.get("/protected", headers=bearer(token)), token=token)


def test_padding_is_refused_even_where_it_completes_the_quantum(app: Flask) -> None:
    # "xxxx==" style: exactly the padding that standard base64 would write.
    parts = access_token(app).split(".")
    client = app.test_client()
    for index in range(3):
        padded = list(parts)
        padded[index] += "=" * (-len(padded[index]) % 4)
        if padded == parts:
            continue
        token = ".".join(padded)
        assert_refused(client.get("/protected", headers=bearer(token)), token=token)


def _non_canonical(text: str) -> list[str]:
    """Spellings of *text* that decode to the same bytes by ignoring unused bits."""
    unused = (6 * len(text)) % 8
    if unused == 0:
        return []
    value = _ALPHABET.index(text[-1])
    return [text[:-1] + _ALPHABET[value ^ k] for k in range(1, 1 << unused)]


@pytest.mark.parametrize("index", [0, 1, 2], ids=["header", "payload", "signature"])
def test_non_canonical_trailing_bits(app: Flask, clock: Clock, index: int) -> None:
    client = app.test_client()
    tried = 0
    for n in range(4):
        # Different lengths, so that each segment has unused bits in one of them.
        parts = app_signed(HS256_HEADER | {"x": "y" * n}, claims_at(clock, jti="j" * n)).split(".")
        for spelling in _non_canonical(parts[index]):
            changed = list(parts)
            changed[index] = spelling
            token = ".".join(changed)
            assert jwt.utils.base64url_decode(spelling) == jwt.utils.base64url_decode(parts[index])
            assert_refused(client.get("/protected", headers=bearer(token)), token=token)
            tried += 1
    assert tried > 0


# --------------------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    "header",
    [b"[]", b'["HS256"]', b'"HS256"', b"256", b"null", b"true", b"", b"{", b'{"alg"'],
    ids=repr,
)
def test_header_is_not_a_json_object(app: Flask, clock: Clock, header: bytes) -> None:
    _refused(app, _signed_raw(header, json.dumps(claims_at(clock)).encode()))


@pytest.mark.parametrize(
    "claims",
    [b"[]", b'["alice"]', b'"alice"', b"1800000000", b"null", b"false", b"", b"{", b'{"sub":}'],
    ids=repr,
)
def test_claims_are_not_a_json_object(app: Flask, claims: bytes) -> None:
    _refused(app, _signed_raw(json.dumps(HS256_HEADER).encode(), claims))


@pytest.mark.parametrize(
    "claims",
    [b"[]", b'"alice"', b"null", b"1"],
    ids=repr,
)
def test_claims_not_an_object_with_a_decode_key_loader(make_app: AppFactory, claims: bytes) -> None:
    # With a decode key loader the claims are read before verification too.
    app = make_app()
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    manager.decode_key_loader(lambda header, claims: SECRET)
    _refused(app, _signed_raw(json.dumps(HS256_HEADER).encode(), claims))


def _nested(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("where", ["header", "claims"])
def test_deep_nesting_is_refused_by_length_before_parsing(
    app: Flask, clock: Clock, where: str, pyjwt_parses: list[int]
) -> None:
    deep = _nested(300_000, "array")
    header = json.dumps(HS256_HEADER)
    claims = json.dumps(claims_at(clock))
    if where == "header":
        header = header[:-1] + ',"x":' + deep + "}"
    else:
        claims = claims[:-1] + ',"x":' + deep + "}"
    token = _signed_raw(header.encode(), claims.encode())
    assert len(token) > 16_384
    message = _refused(app, token)
    assert "too large" in message
    assert pyjwt_parses == []


@pytest.mark.parametrize("where", ["header", "claims"])
@pytest.mark.parametrize("kind", ["array", "object"])
def test_deep_nesting_under_the_length_limit(
    make_app: AppFactory, clock: Clock, where: str, kind: str
) -> None:
    # Deeper than the JSON parser's recursion limit, short enough to be parsed.
    for max_length, depth in ((16_384, 2_000), (4_000_000, 300_000)):
        app = make_app(JWT_MAX_TOKEN_LENGTH=max_length)
        deep = _nested(depth, kind)
        header = json.dumps(HS256_HEADER)
        claims = json.dumps(claims_at(clock))
        if where == "header":
            header = header[:-1] + ',"x":' + deep + "}"
        else:
            claims = claims[:-1] + ',"x":' + deep + "}"
        token = _signed_raw(header.encode(), claims.encode())
        assert len(token) <= max_length
        _refused(app, token)


def test_deep_nesting_with_a_decode_key_loader(make_app: AppFactory, clock: Clock) -> None:
    app = make_app()
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    manager.decode_key_loader(lambda header, claims: SECRET)
    claims = json.dumps(claims_at(clock))[:-1] + ',"x":' + _nested(2_000, "array") + "}"
    _refused(app, _signed_raw(json.dumps(HS256_HEADER).encode(), claims.encode()))
    header = '{"alg":"HS256","x":' + _nested(2_000, "object") + "}"
    _refused(app, _signed_raw(header.encode(), json.dumps(claims_at(clock)).encode()))


def test_deep_nesting_with_trusted_issuers(
    make_app: AppFactory, oidc_provider: OIDCProvider, clock: Clock
) -> None:
    app = make_app(
        JWT_TRUSTED_ISSUERS=[
            {
                "issuer": oidc_provider.issuer,
                "jwks_uri": oidc_provider.jwks_uri,
                "audience": "my-api",
                "algorithms": ["RS256"],
            }
        ]
    )
    deep = json.loads(_nested(50, "array"))
    token = oidc_provider.sign({"sub": "alice", "aud": "my-api", "x": deep})
    header, payload, signature = token.split(".")
    claims = (
        json.dumps({"iss": oidc_provider.issuer, "sub": "alice", "aud": "my-api"})[:-1]
        + ',"x":'
        + _nested(2_000, "array")
        + "}"
    )
    _refused(app, f"{header}.{segment(claims.encode())}.{signature}")


@pytest.mark.parametrize(
    "bad",
    [b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xe2\x82", b"\xf8\x88\x80\x80\x80", b"\x80"],
    ids=repr,
)
@pytest.mark.parametrize("where", ["header", "claims"])
def test_json_that_is_not_utf8(app: Flask, clock: Clock, bad: bytes, where: str) -> None:
    header = json.dumps(HS256_HEADER).encode()
    claims = json.dumps(claims_at(clock)).encode()
    if where == "header":
        header = header[:-1] + b',"x":"' + bad + b'"}'
    else:
        claims = claims[:-1] + b',"sub":"' + bad + b'"}'
    _refused(app, _signed_raw(header, claims))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "latin-1"])
def test_forged_json_in_other_encodings(app: Flask, clock: Clock, encoding: str) -> None:
    claims = json.dumps(claims_at(clock, sub="admïn")).encode(encoding)
    header = json.dumps(HS256_HEADER).encode(encoding)
    _refused(app, _signed_raw(header, claims, "secret"))


# --------------------------------------------------------------------------- duplicate names


def _duplicated(clock: Clock, name: str, first: Any, last: Any, **extra: Any) -> bytes:
    claims = claims_at(clock, **extra)
    claims.pop(name, None)
    key = json.dumps(name)
    body = json.dumps(claims)[:-1]
    return f"{body},{key}:{json.dumps(first)},{key}:{json.dumps(last)}}}".encode()


def test_duplicate_type_last_one_wins_everywhere(app: Flask, clock: Clock) -> None:
    """RFC 7519 4: duplicate claim names are read as the last one, by every check."""
    client = app.test_client()
    header = json.dumps(HS256_HEADER).encode()
    # "refresh" first, "access" last: an access token for every check.
    as_access = _signed_raw(header, _duplicated(clock, "type", "refresh", "access"))
    response = client.get("/protected", headers=bearer(as_access))
    assert response.status_code == 200
    assert response.get_json()["claims"]["type"] == "access"
    message = assert_refused(client.get("/refresh", headers=bearer(as_access)), token=as_access)
    assert message == "Only refresh tokens are allowed"
    # "access" first, "refresh" last: a refresh token for every check.
    as_refresh = _signed_raw(header, _duplicated(clock, "type", "access", "refresh"))
    message = assert_refused(client.get("/protected", headers=bearer(as_refresh)), token=as_refresh)
    assert message == "Only non-refresh tokens are allowed"
    assert_refused(client.get("/fresh", headers=bearer(as_refresh)), token=as_refresh)
    response = client.get("/refresh", headers=bearer(as_refresh))
    assert response.get_json()["claims"]["type"] == "refresh"


def test_duplicate_sub_and_fresh_last_one_wins(app: Flask, clock: Clock) -> None:
    client = app.test_client()
    header = json.dumps(HS256_HEADER).encode()
    token = _signed_raw(header, _duplicated(clock, "sub", "admin", "alice"))
    assert client.get("/protected", headers=bearer(token)).get_json()["identity"] == "alice"
    not_fresh = _signed_raw(header, _duplicated(clock, "fresh", True, False))
    assert_refused(client.get("/fresh", headers=bearer(not_fresh)), token=not_fresh)


def test_duplicate_exp_last_one_wins(app: Flask, clock: Clock) -> None:
    header = json.dumps(HS256_HEADER).encode()
    now = int(clock())
    expired_last = _signed_raw(header, _duplicated(clock, "exp", now + 600, now - 1))
    assert _refused(app, expired_last) == "Token has expired"
    wrong_type_last = _signed_raw(header, _duplicated(clock, "exp", now + 600, "never"))
    _refused(app, wrong_type_last)


def test_duplicate_alg_last_one_wins(app: Flask, clock: Clock) -> None:
    claims = json.dumps(claims_at(clock)).encode()
    _refused(app, _signed_raw(b'{"alg":"HS256","alg":"none"}', claims))
    _refused(app, _signed_raw(b'{"alg":"HS256","alg":"HS512"}', claims))
    # HS256 last, correctly signed: it is an HS256 token.
    ok = _signed_raw(b'{"alg":"none","alg":"HS256"}', claims)
    assert app.test_client().get("/protected", headers=bearer(ok)).status_code == 200


def test_duplicate_iss_cannot_switch_to_a_trusted_issuers_keys(
    make_app: AppFactory, oidc_provider: OIDCProvider, clock: Clock
) -> None:
    # The issuer that selects the key is the one that is verified: the last.
    app = make_app(
        JWT_TRUSTED_ISSUERS=[
            {
                "issuer": oidc_provider.issuer,
                "jwks_uri": oidc_provider.jwks_uri,
                "audience": "my-api",
                "algorithms": ["RS256"],
            }
        ]
    )
    genuine = oidc_provider.sign({"sub": "alice", "aud": "my-api"})
    header, _, signature = genuine.split(".")
    evil, trusted = "https://evil.example", oidc_provider.issuer
    smuggled = _duplicated(clock, "iss", trusted, evil, aud="my-api")
    _refused(app, f"{header}.{segment(smuggled)}.{signature}")
    smuggled = _duplicated(clock, "iss", evil, trusted, aud="my-api")
    _refused(app, f"{header}.{segment(smuggled)}.{signature}")
    # The provider's own token passes: the refusals above are about the forgery.
    assert app.test_client().get("/protected", headers=bearer(genuine)).status_code == 200


# --------------------------------------------------------------------------- size


def _huge(app: Flask, size: int = 4 * 1024 * 1024) -> str:
    header, _, signature = access_token(app).split(".")
    return f"{header}.{'A' * size}.{signature}"


@pytest.mark.parametrize("location", ALL_LOCATIONS)
def test_multi_megabyte_token_is_refused_without_parsing(
    all_locations_app: Flask, location: str, pyjwt_parses: list[int]
) -> None:
    token = _huge(all_locations_app)
    client = all_locations_app.test_client()
    if location == "cookies":
        # A raw header: the cookie jar of the test client warns about big cookies.
        raw = all_locations_app.test_client(use_cookies=False)
        response = raw.get("/protected", headers={"Cookie": f"access_token_cookie={token}"})
    else:
        response = send(client, token, location)
    message = assert_refused(response, token=token, statuses=(413, 422))
    assert "too large" in message
    assert pyjwt_parses == []


@pytest.mark.parametrize(
    "request_kwargs",
    [
        lambda token: {"headers": bearer(token)},
        lambda token: {"headers": {"Cookie": f"access_token_cookie={token}"}},
        lambda token: {"query_string": {"jwt": token}},
        lambda token: {"json": {"access_token": token}},
    ],
    ids=ALL_LOCATIONS,
)
def test_multi_megabyte_token_is_refused_fast(
    all_locations_app: Flask,
    request_kwargs: Callable[[str], dict[str, Any]],
    pyjwt_parses: list[int],
) -> None:
    token = _huge(all_locations_app)
    timings = []
    for _ in range(3):
        # A new request each time, so reading the request is counted too.
        kwargs = request_kwargs(token)
        method = "POST" if "json" in kwargs else "GET"
        with all_locations_app.test_request_context("/protected", method=method, **kwargs):
            started = time.thread_time()
            with pytest.raises(JWTDecodeError, match="too large"):
                verify_jwt_in_request()
            timings.append(time.thread_time() - started)
    # CPU time of this thread, best of three: a busy machine does not decide.
    assert min(timings) < 0.050, timings
    assert pyjwt_parses == []


def test_length_limit_also_guards_decode_token(app: Flask, pyjwt_parses: list[int]) -> None:
    token = _huge(app)
    with app.app_context(), pytest.raises(JWTDecodeError, match="too large"):
        decode_token(token)
    assert pyjwt_parses == []


def test_token_just_over_the_configured_limit(make_app: AppFactory, clock: Clock) -> None:
    app = make_app(JWT_MAX_TOKEN_LENGTH=400)
    small = access_token(app)
    assert len(small) < 400
    assert app.test_client().get("/protected", headers=bearer(small)).status_code == 200
    padded = access_token(app, additional_claims={"pad": "x" * 400})
    assert "too large" in _refused(app, padded)


@pytest.mark.parametrize("setup", ["plain", "decode_key_loader", "key_set"])
@pytest.mark.parametrize("bad", ["\ud800", "\udfff", "é", "\u2028", "\x80"])
def test_a_token_that_is_not_ascii_is_refused(make_app: AppFactory, setup: str, bad: str) -> None:
    """JSON bodies can carry any string, lone surrogates included: never a 500."""
    from flask_jwt_kit import get_unverified_jwt_headers
    from flask_jwt_kit.keys import generate_jwk

    config: dict[str, Any] = {"JWT_TOKEN_LOCATION": ["json"], "PROPAGATE_EXCEPTIONS": False}
    if setup == "key_set":
        config["JWT_KEYS"] = {"keys": [generate_jwk("ES256", kid="k")]}
    app = make_app(TESTING=False, **config)
    if setup == "decode_key_loader":
        manager: JWTManager = app.extensions["flask-jwt-kit"]
        manager.decode_key_loader(lambda header, claims: SECRET)
    token = f"eyJhbGciOiJIUzI1NiJ9.e30.{bad}abc"
    for path in ("/protected", "/optional"):
        response = app.test_client().post(path, json={"access_token": token})
        assert response.status_code == 422
        assert response.get_json() == {"msg": "Invalid token: not ASCII"}
    with pytest.raises(jwt.DecodeError, match="not ASCII"):
        get_unverified_jwt_headers(token)
