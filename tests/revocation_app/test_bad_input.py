"""Odd identities, token ids and session ids through the app: matched exactly, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from flask_jwt_kit import revoke_all_tokens, revoke_session, revoke_token
from tests.conftest import Clock, bearer
from tests.revocation_app.conftest import (
    REVOKED,
    RevocationAppFactory,
    answer,
    get,
    token_for,
)

ODD = [
    pytest.param("o'brien", id="single-quote"),
    pytest.param('"quoted"', id="double-quote"),
    pytest.param("nul\x00inside", id="nul"),
    pytest.param("two\nlines\r\n", id="newlines"),
    pytest.param("k" * 10240, id="10kB"),
    pytest.param("é" * 5120, id="10kB-non-ascii"),
    pytest.param("Zoë Ωμέγα 山田 🔑", id="non-ascii"),
    pytest.param("x' OR '1'='1", id="sql-injection"),
    pytest.param("%", id="like-wildcard"),
    pytest.param("*", id="glob"),
    pytest.param("jwtkit:jti:*", id="key-pattern"),
    pytest.param("\ud83d", id="lone-surrogate"),
]


def near_misses(value: str) -> list[str]:
    """Values a sloppy store would confuse with *value*, and an ordinary one."""
    candidates = [value + "\x00", value[:-1], value.upper(), value + " ", " " + value, "alice"]
    return [c for c in dict.fromkeys(candidates) if c != value]


def odd_app(revocation_app: RevocationAppFactory, **config: Any) -> Flask:
    """An app answering 500 for unhandled errors, accepting tokens of 10 kB claims.

    10 kB of non-ASCII text takes 40 kB in a token (JSON escapes, base64);
    the near misses carry it three times.
    """
    return revocation_app(TESTING=False, JWT_MAX_TOKEN_LENGTH=2**18, **config)


def statuses(app: Flask, tokens: list[str]) -> list[int]:
    client = app.test_client()
    return [get(client, token).status_code for token in tokens]


@pytest.mark.parametrize("odd", ODD)
def test_odd_values_are_matched_exactly(
    revocation_app: RevocationAppFactory, clock: Clock, odd: str
) -> None:
    app = odd_app(revocation_app)
    client = app.test_client()
    misses = near_misses(odd)
    by_identity = token_for(app, odd)
    by_jti = token_for(app, additional_claims={"jti": odd})
    by_sid = token_for(app, additional_claims={"sid": odd})
    others = [
        token_for(app, other, additional_claims={"jti": other, "sid": other}) for other in misses
    ]
    status, body = answer(get(client, by_identity))
    assert (status, body["identity"]) == (200, odd)
    assert statuses(app, [by_jti, by_sid]) == [200, 200]

    clock.advance(1)
    with app.app_context():
        revoke_all_tokens(odd)
        revoke_token(by_jti)
        revoke_session(odd)
    for token in (by_identity, by_jti, by_sid):
        assert answer(get(client, token)) == REVOKED
    # Nothing else: no prefix, pattern or case-insensitive match.
    assert statuses(app, others) == [200] * len(others)


def test_odd_identity_through_json(revocation_app: RevocationAppFactory) -> None:
    """Identities of every JSON shape, logged in and out over HTTP."""
    app = odd_app(revocation_app, JWT_VERIFY_SUB=False)
    client = app.test_client()
    identities: list[Any] = [{"name": "o'brien\x00", "tags": ["\n", "🔑"]}, ["*", "%"], 1.5]
    for identity in identities:
        token = client.post("/login", json={"identity": identity}).get_json()["access_token"]
        status, body = answer(get(client, token))
        assert (status, body["identity"]) == (200, identity)
        assert client.post("/logout-everywhere", headers=bearer(token)).status_code == 200
        assert answer(get(client, token)) == REVOKED
