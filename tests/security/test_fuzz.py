"""Fuzzing the request path with hypothesis.

Tokens come from random text and bytes, and from structured mutations of
genuine tokens (characters flipped, inserted or deleted; segments swapped;
claims and headers changed and re-signed with wrong keys). They are sent
from every location. Whatever comes in, the answer is never a 5xx, and a
request is accepted only with a genuine token of the app, verbatim, whose
claims are the ones the view sees.

``FUZZ_EXAMPLES`` is the number of examples of the whole module (default
200, split between its tests); ``make fuzz`` runs 100 000.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm
from werkzeug.test import TestResponse

from flask_jwt_kit import create_access_token, create_refresh_token
from tests.conftest import SECRET, AppFactory
from tests.security.conftest import (
    ALL_LOCATIONS,
    KeyPair,
    assert_refused,
    asymmetric_app,
    b64url,
)

_TESTS = 5
_TOTAL = int(os.environ.get("FUZZ_EXAMPLES", "200"))

FUZZ = settings(
    max_examples=max(1, _TOTAL // _TESTS),
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

_B64 = string.ascii_letters + string.digits + "-_"
_NOISE = _B64 + "=.+/ ,;:\"'\\%\x00\t\x7f{}[]é€\u2028"


# --------------------------------------------------------------------------- the app and its tokens


@dataclass
class Target:
    """An app under fuzzing, and every token it issued."""

    app: Flask
    #: Genuine tokens: access (plain, fresh, another user) and refresh.
    genuine: dict[str, str] = field(repr=False)
    #: The private numbers of the app's key, if asymmetric.
    leaks: tuple[str, ...] = field(default=(), repr=False)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Hypothesis prints failing examples with this: keep keys out of it.
        printer.text(f"Target({self.app!r})")

    def claims_of(self, token: str) -> dict[str, Any]:
        payload = token.split(".")[1]
        claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "==="))
        return claims


def _target(app: Flask, leaks: tuple[str, ...] = ()) -> Target:
    with app.app_context():
        genuine = {
            "access": create_access_token("alice"),
            "fresh": create_access_token("alice", fresh=True),
            "bob": create_access_token("bob"),
            "refresh": create_refresh_token("alice"),
        }
    return Target(app, genuine, leaks)


@pytest.fixture
def hs_target(make_app: AppFactory) -> Target:
    return _target(make_app(JWT_TOKEN_LOCATION=list(ALL_LOCATIONS)))


@pytest.fixture
def rs_target(make_app: AppFactory, server_keys: dict[str, KeyPair]) -> Target:
    pair = server_keys["RS256"]
    app = asymmetric_app(make_app, pair, JWT_TOKEN_LOCATION=list(ALL_LOCATIONS))
    return _target(app, pair.private_texts)


# --------------------------------------------------------------------------- sending and judging


@dataclass(frozen=True)
class Delivery:
    """How a token travels: location, view, method and the CSRF header."""

    location: str
    refresh: bool
    method: str
    #: "right" (the token's own csrf), "none", or any other text sent as is.
    csrf: str


deliveries = st.builds(
    Delivery,
    location=st.sampled_from(ALL_LOCATIONS),
    refresh=st.booleans(),
    method=st.sampled_from(["GET", "POST"]),
    csrf=st.one_of(st.just("right"), st.just("none"), st.text(max_size=40)),
)


def _claimed_csrf(token: str) -> str:
    """The csrf claim a (possibly mangled) token says it has, as text."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "==="))
    except (ValueError, IndexError, TypeError):
        return "unreadable"
    value = claims.get("csrf") if isinstance(claims, dict) else None
    return value if isinstance(value, str) else json.dumps(value)


def _send(target: Target, token: str, delivery: Delivery) -> TestResponse:
    """Send *token*: raw environ values, so any text reaches the app as sent."""
    client: FlaskClient = target.app.test_client(use_cookies=False)
    path = "/refresh" if delivery.refresh else "/protected"
    environ: dict[str, str] = {}
    kwargs: dict[str, Any] = {}
    if delivery.location == "headers":
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    elif delivery.location == "cookies":
        name = "refresh_token_cookie" if delivery.refresh else "access_token_cookie"
        environ["HTTP_COOKIE"] = f"{name}={token}"
        if delivery.csrf == "right":
            environ["HTTP_X_CSRF_TOKEN"] = _claimed_csrf(token)
        elif delivery.csrf != "none":
            environ["HTTP_X_CSRF_TOKEN"] = delivery.csrf
    elif delivery.location == "query_string":
        kwargs["query_string"] = {"jwt": token}
    else:
        key = "refresh_token" if delivery.refresh else "access_token"
        kwargs["json"] = {key: token}
        return client.post(path, environ_base=environ, **kwargs)
    return client.open(path, method=delivery.method, environ_base=environ, **kwargs)


def _judge(target: Target, response: TestResponse, sent: str) -> None:
    """Never a 5xx; accepted only with a genuine token, verbatim; else a clean refusal."""
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code == 200:
        body = response.get_json()
        matches = [
            token
            for token in target.genuine.values()
            if token in sent and target.claims_of(token) == body["claims"]
        ]
        assert matches, f"accepted a token the app did not issue: {sent[:200]!r}"
        return
    # Short random text may appear in a message by chance; real tokens cannot.
    assert_refused(response, token=sent if len(sent) >= 16 else None, leaks=target.leaks)


# --------------------------------------------------------------------------- strategies

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


def _segment(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))


random_tokens = st.one_of(
    st.text(max_size=400),
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    st.lists(st.text(alphabet=_B64, max_size=80), min_size=1, max_size=6).map(".".join),
    st.tuples(
        st.dictionaries(st.text(max_size=8), json_values, max_size=4),
        st.dictionaries(st.text(max_size=8), json_values, max_size=6),
        st.binary(max_size=80),
    ).map(lambda t: f"{_segment(t[0])}.{_segment(t[1])}.{b64url(t[2])}"),
    st.tuples(json_values, json_values).map(lambda t: f"{_segment(t[0])}.{_segment(t[1])}."),
)


@st.composite
def char_mutations(draw: st.DrawFn, token: str) -> str:
    """A genuine token with characters flipped, inserted or deleted, or segments moved."""
    text = token
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "swap", "duplicate", "drop"]))
        parts = text.split(".")
        if kind in ("swap", "duplicate", "drop") and len(parts) > 1:
            i = draw(st.integers(0, len(parts) - 1))
            j = draw(st.integers(0, len(parts) - 1))
            if kind == "swap":
                parts[i], parts[j] = parts[j], parts[i]
            elif kind == "duplicate":
                parts.insert(j, parts[i])
            else:
                del parts[i]
            text = ".".join(parts)
            continue
        index = draw(st.integers(0, max(0, len(text) - 1)))
        char = draw(st.sampled_from(_NOISE))
        if kind == "flip":
            text = text[:index] + char + text[index + 1 :]
        elif kind == "insert":
            text = text[:index] + char + text[index:]
        else:
            text = text[:index] + text[index + 1 :]
    return text


_HASHES: dict[str, Callable[[], Any]] = {
    "HS256": hashlib.sha256,
    "HS384": hashlib.sha384,
    "HS512": hashlib.sha512,
}

header_changes = st.dictionaries(
    st.sampled_from(["alg", "kid", "typ", "jku", "x5u", "jwk", "crit", "b64", "cty", "x5c"]),
    st.one_of(
        st.sampled_from(
            ["none", "None", "HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "EdDSA", ""]
        ),
        json_values,
    ),
    max_size=3,
)

claim_changes = st.dictionaries(
    st.sampled_from(
        ["sub", "type", "fresh", "exp", "nbf", "iat", "jti", "csrf", "aud", "iss", "scope", "sid"]
    ),
    st.one_of(st.sampled_from(["admin", "refresh", True, 10**12]), json_values),
    min_size=1,
    max_size=3,
)

#: Keys that are never the app's: random bytes, and well-known secrets.
wrong_keys = st.one_of(
    st.binary(max_size=80),
    st.sampled_from([b"", b"secret", b"password", SECRET[:-1].encode(), SECRET.upper().encode()]),
).filter(lambda key: key != SECRET.encode())


@st.composite
def resigned(draw: st.DrawFn, target: Target, attacker: KeyPair) -> str:
    """A genuine token's header and claims, changed, then signed with a wrong key."""
    token = draw(st.sampled_from(sorted(target.genuine.values())))
    header_text, _, signature = token.split(".")
    header: dict[str, Any] = json.loads(base64.urlsafe_b64decode(header_text + "==="))
    claims = target.claims_of(token)
    header.update(draw(header_changes))
    claims.update(draw(claim_changes) if draw(st.booleans()) else {})
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    how = draw(st.sampled_from(["hmac", "rsa", "keep", "empty", "public-as-secret"]))
    if how == "hmac":
        alg = header.get("alg")
        digestmod = _HASHES[alg] if isinstance(alg, str) and alg in _HASHES else hashlib.sha256
        signed = hmac.new(draw(wrong_keys), signing_input.encode(), digestmod).digest()
        return f"{signing_input}.{b64url(signed)}"
    if how == "rsa":
        rs256 = RSAAlgorithm(RSAAlgorithm.SHA256)
        return f"{signing_input}.{b64url(rs256.sign(signing_input.encode(), attacker.private_key))}"
    if how == "public-as-secret":
        mac = hmac.new(attacker.public_pem.encode(), signing_input.encode(), hashlib.sha256)
        return f"{signing_input}.{b64url(mac.digest())}"
    if how == "keep":
        return f"{signing_input}.{signature}"
    return f"{signing_input}."


# --------------------------------------------------------------------------- tests


@FUZZ
@given(token=random_tokens, delivery=deliveries)
def test_random_tokens(hs_target: Target, token: str, delivery: Delivery) -> None:
    _judge(hs_target, _send(hs_target, token, delivery), token)


@FUZZ
@given(data=st.data(), delivery=deliveries)
def test_mutated_genuine_tokens(hs_target: Target, data: st.DataObject, delivery: Delivery) -> None:
    genuine = data.draw(st.sampled_from(sorted(hs_target.genuine.values())))
    token = data.draw(char_mutations(genuine))
    _judge(hs_target, _send(hs_target, token, delivery), token)


@FUZZ
@given(data=st.data(), delivery=deliveries, asymmetric=st.booleans())
def test_resigned_claims_and_headers(
    hs_target: Target,
    rs_target: Target,
    attacker_rsa: KeyPair,
    data: st.DataObject,
    delivery: Delivery,
    asymmetric: bool,
) -> None:
    target = rs_target if asymmetric else hs_target
    token = data.draw(resigned(target, attacker_rsa))
    _judge(target, _send(target, token, delivery), token)


@FUZZ
@given(
    authorization=st.one_of(st.none(), st.text(max_size=200)),
    cookie=st.one_of(st.none(), st.text(max_size=200)),
    csrf=st.one_of(st.none(), st.text(max_size=60)),
    query=st.dictionaries(st.sampled_from(["jwt", "csrf_token", "x"]), st.text(max_size=60)),
    body=st.one_of(
        st.none(),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.dictionaries(
            st.sampled_from(["access_token", "refresh_token", "x"]), json_values, max_size=3
        ).map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=200),
    ),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/x+json",
            "text/plain",
            "application/json; charset=latin-1",
        ]
    ),
    path=st.sampled_from(["/protected", "/optional", "/refresh", "/fresh", "/any"]),
    method=st.sampled_from(["GET", "POST"]),
)
def test_random_requests(
    hs_target: Target,
    authorization: str | None,
    cookie: str | None,
    csrf: str | None,
    query: dict[str, str],
    body: bytes | None,
    content_type: str,
    path: str,
    method: str,
) -> None:
    environ: dict[str, str] = {}
    if authorization is not None:
        environ["HTTP_AUTHORIZATION"] = authorization
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    if csrf is not None:
        environ["HTTP_X_CSRF_TOKEN"] = csrf
    client = hs_target.app.test_client(use_cookies=False)
    kwargs: dict[str, Any] = {"query_string": query, "environ_base": environ}
    if body is not None:
        kwargs.update(data=body, content_type=content_type)
    response = client.open(path, method=method, **kwargs)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code == 200:
        # Only the optional view lets a request without a token through.
        assert path == "/optional"
        assert response.get_json()["identity"] is None
    else:
        assert_refused(response)


@FUZZ
@given(data=st.data(), delivery=deliveries)
def test_genuine_tokens_pass_and_stay_genuine(
    hs_target: Target, data: st.DataObject, delivery: Delivery
) -> None:
    # The oracle's other half: genuine tokens, sent right, are accepted by
    # the views they are for, so the fuzzing above is not vacuous.
    name = data.draw(st.sampled_from(sorted(hs_target.genuine)))
    token = hs_target.genuine[name]
    response = _send(hs_target, token, delivery)
    _judge(hs_target, response, token)
    right_view = (name == "refresh") == delivery.refresh
    csrf_needed = delivery.location == "cookies" and delivery.method == "POST"
    if delivery.location == "json":
        csrf_needed = False
    if right_view and (not csrf_needed or delivery.csrf == "right"):
        assert response.status_code == 200
