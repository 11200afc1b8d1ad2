"""Attacks on the signature itself.

Empty, truncated, corrupted and transplanted signatures; ECDSA "psychic
signatures" (CVE-2022-21449: r = s = 0 verified as valid by a broken
verifier) and malformed signature lengths; HMAC tokens signed with a blank
or well-known secret.
"""

from __future__ import annotations

import jwt
import pytest
from flask import Flask

from flask_jwt_kit import revoke_token
from tests.conftest import AppFactory, Clock, bearer
from tests.security.conftest import (
    HS256_HEADER,
    KeyPair,
    access_token,
    assert_refused,
    asymmetric_app,
    b64url,
    claims_at,
    forge,
    hmac_sign,
    refresh_token,
)


def _refused(app: Flask, token: str, pair: KeyPair | None = None) -> str:
    leaks = pair.private_texts if pair else ()
    response = app.test_client().get("/protected", headers=bearer(token))
    return assert_refused(response, token=token, leaks=leaks)


def _parts(token: str) -> tuple[str, str, str]:
    header, claims, signature = token.split(".")
    return header, claims, signature


# --------------------------------------------------------------------------- HMAC signatures


def test_empty_signature(app: Flask) -> None:
    header, claims, _ = _parts(access_token(app))
    _refused(app, f"{header}.{claims}.")


@pytest.mark.parametrize("keep", [0.0, 0.25, 0.5, 0.75, 0.97])
def test_truncated_signature(app: Flask, keep: float) -> None:
    header, claims, signature = _parts(access_token(app))
    cut = signature[: int(len(signature) * keep)]
    _refused(app, f"{header}.{claims}.{cut}")


def test_truncated_signature_by_whole_bytes(app: Flask) -> None:
    header, claims, signature = _parts(access_token(app))
    raw = jwt.utils.base64url_decode(signature)
    for length in (1, 16, 31):
        _refused(app, f"{header}.{claims}.{b64url(raw[:length])}")


def test_extended_signature(app: Flask) -> None:
    header, claims, signature = _parts(access_token(app))
    raw = jwt.utils.base64url_decode(signature)
    for extra in (b"\x00", b"\x00" * 32, raw):
        _refused(app, f"{header}.{claims}.{b64url(raw + extra)}")


def test_every_single_bit_flip_of_the_signature(app: Flask) -> None:
    header, claims, signature = _parts(access_token(app))
    raw = bytearray(jwt.utils.base64url_decode(signature))
    client = app.test_client()
    for index in range(len(raw)):
        for bit in (0, 7):
            flipped = bytearray(raw)
            flipped[index] ^= 1 << bit
            token = f"{header}.{claims}.{b64url(bytes(flipped))}"
            assert_refused(client.get("/protected", headers=bearer(token)), token=token)


def test_zeroed_signature(app: Flask) -> None:
    header, claims, _ = _parts(access_token(app))
    _refused(app, f"{header}.{claims}.{b64url(bytes(32))}")


def test_signature_swapped_from_another_token(app: Flask) -> None:
    alice = access_token(app, "alice")
    mallory = access_token(app, "mallory")
    header, claims, _ = _parts(alice)
    _refused(app, f"{header}.{claims}.{_parts(mallory)[2]}")


def test_signature_kept_after_changing_the_claims(app: Flask, clock: Clock) -> None:
    header, _, signature = _parts(access_token(app, "alice"))
    for claims in (
        claims_at(clock, sub="admin"),
        claims_at(clock, exp=int(clock()) + 10**6),
        claims_at(clock, fresh=True),
        claims_at(clock, type="refresh"),
    ):
        forged_claims = forge({}, claims).split(".")[1]
        _refused(app, f"{header}.{forged_claims}.{signature}")


def test_signature_kept_after_changing_the_header(app: Flask) -> None:
    _, claims, signature = _parts(access_token(app))
    for header in ({"alg": "HS256"}, {"alg": "HS256", "typ": "JWT", "kid": "x"}):
        forged_header = forge(header, {}).split(".")[0]
        _refused(app, f"{forged_header}.{claims}.{signature}")


def test_signature_of_another_app_with_another_secret(make_app: AppFactory, clock: Clock) -> None:
    ours = make_app()
    theirs = make_app(JWT_SECRET_KEY="another-app-" + "y" * 60)
    _refused(ours, access_token(theirs))


def test_refresh_signature_on_access_claims(app: Flask, clock: Clock) -> None:
    header, _, signature = _parts(refresh_token(app))
    _, claims, _ = _parts(access_token(app))
    _refused(app, f"{header}.{claims}.{signature}")


# --------------------------------------------------------------------------- weak HMAC secrets

#: Blank and dictionary secrets, and the usual tutorial placeholders.
DICTIONARY_SECRETS = (
    "",
    " ",
    "\x00",
    "secret",
    "Secret",
    "SECRET",
    "password",
    "changeme",
    "change-me",
    "123456",
    "12345678",
    "qwerty",
    "admin",
    "key",
    "jwt",
    "jwt-secret",
    "secretkey",
    "secret-key",
    "super-secret",
    "super-secret-key",
    "your-256-bit-secret",
    "your_jwt_secret",
    "default",
    "test",
    "HS256",
    "null",
    "None",
    "undefined",
    "s3cr3t",
)


@pytest.mark.parametrize("weak", DICTIONARY_SECRETS, ids=repr)
def test_token_signed_with_a_blank_or_dictionary_secret(
    app: Flask, clock: Clock, weak: str
) -> None:
    for claims in (claims_at(clock), claims_at(clock, sub="admin", fresh=True)):
        _refused(app, hmac_sign(HS256_HEADER, claims, weak))


@pytest.mark.parametrize("weak", ["", "secret", "password"])
def test_dictionary_secret_under_other_hmac_algorithms(
    make_app: AppFactory, clock: Clock, weak: str
) -> None:
    app = make_app(JWT_DECODE_ALGORITHMS=["HS256", "HS384", "HS512"])
    for alg in ("HS256", "HS384", "HS512"):
        _refused(app, hmac_sign({"alg": alg}, claims_at(clock), weak, alg))


def test_the_secret_of_flask_is_not_a_fallback_when_jwt_secret_is_set(
    make_app: AppFactory, clock: Clock
) -> None:
    flask_secret = "flask-session-secret-" + "z" * 50
    app = make_app(SECRET_KEY=flask_secret)
    _refused(app, hmac_sign(HS256_HEADER, claims_at(clock), flask_secret))


# --------------------------------------------------------------------------- ECDSA

_ORDERS = {
    "ES256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "ES384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
}
_SIZES = {"ES256": 32, "ES384": 48}


def _raw_signature(r: int, s: int, size: int) -> bytes:
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _der_integer(value: int) -> bytes:
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")
    return b"\x02" + bytes([len(body)]) + body


def _der_signature(r: int, s: int) -> bytes:
    body = _der_integer(r) + _der_integer(s)
    return b"\x30" + bytes([len(body)]) + body


@pytest.mark.parametrize("alg", ["ES256", "ES384"])
def test_psychic_signature_r_and_s_zero(
    make_app: AppFactory, server_keys: dict[str, KeyPair], clock: Clock, alg: str
) -> None:
    pair = server_keys[alg]
    app = asymmetric_app(make_app, pair)
    size, order = _SIZES[alg], _ORDERS[alg]
    signatures = [
        bytes(2 * size),  # raw r = s = 0
        _der_signature(0, 0),  # DER SEQUENCE { INTEGER 0, INTEGER 0 }
        b"\x30\x06\x02\x01\x00\x02\x01\x00",
        _raw_signature(order, order, size),  # r = s = n, which is 0 modulo n
        _raw_signature(0, 1, size),
        _raw_signature(1, 0, size),
        _raw_signature(1, 1, size),
        _der_signature(order, order),
        b"\xff" * (2 * size),
    ]
    for claims in (claims_at(clock), claims_at(clock, sub="admin")):
        for signature in signatures:
            _refused(app, forge({"alg": alg, "typ": "JWT"}, claims, signature), pair)


@pytest.mark.parametrize("length", [0, 1, 31, 63, 65, 70, 72, 96, 128, 4096])
def test_ecdsa_signature_of_malformed_length(
    make_app: AppFactory, server_keys: dict[str, KeyPair], clock: Clock, length: int
) -> None:
    pair = server_keys["ES256"]
    app = asymmetric_app(make_app, pair)
    genuine = access_token(app)
    header, claims, signature = _parts(genuine)
    raw = jwt.utils.base64url_decode(signature)
    padded = (raw * (length // len(raw) + 1))[:length]
    _refused(app, f"{header}.{claims}.{b64url(padded)}", pair)


def test_ecdsa_signature_in_der_instead_of_raw(
    make_app: AppFactory, server_keys: dict[str, KeyPair]
) -> None:
    # JWS needs the fixed-size r || s form; the DER form of a true signature
    # is refused, so one signature has one encoding.
    pair = server_keys["ES256"]
    app = asymmetric_app(make_app, pair)
    header, claims, signature = _parts(access_token(app))
    raw = jwt.utils.base64url_decode(signature)
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    _refused(app, f"{header}.{claims}.{b64url(_der_signature(r, s))}", pair)


def test_ecdsa_signature_with_negated_s(
    make_app: AppFactory, server_keys: dict[str, KeyPair], clock: Clock
) -> None:
    # (r, n - s) is the other valid ECDSA signature of the same message: a
    # malleated token. It verifies (ECDSA allows it), but only for the very
    # claims the server signed, so it grants nothing new; changed claims fail.
    pair = server_keys["ES256"]
    app = asymmetric_app(make_app, pair)
    header, _, signature = _parts(access_token(app))
    raw = jwt.utils.base64url_decode(signature)
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    malleated = b64url(_raw_signature(r, _ORDERS["ES256"] - s, 32))
    forged_claims = forge({}, claims_at(clock, sub="admin")).split(".")[1]
    _refused(app, f"{header}.{forged_claims}.{malleated}", pair)


def test_ecdsa_malleated_copy_of_a_revoked_token_stays_revoked(
    make_app: AppFactory, server_keys: dict[str, KeyPair]
) -> None:
    # The malleated copy is another string for the same signed claims, so
    # revocation must follow the claims (jti), never the token text.
    pair = server_keys["ES256"]
    app = asymmetric_app(make_app, pair, JWT_REVOCATION_STORE="memory://")
    token = access_token(app)
    header, claims, signature = _parts(token)
    raw = jwt.utils.base64url_decode(signature)
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    copy = f"{header}.{claims}.{b64url(_raw_signature(r, _ORDERS['ES256'] - s, 32))}"
    client = app.test_client()
    assert client.get("/protected", headers=bearer(copy)).status_code == 200
    with app.app_context():
        revoke_token(token)
    for sent in (token, copy):
        response = client.get("/protected", headers=bearer(sent))
        assert assert_refused(response, token=sent, leaks=pair.private_texts) == (
            "Token has been revoked"
        )


@pytest.mark.parametrize("alg", ["RS256", "PS256", "EdDSA"])
def test_zero_and_truncated_signatures_on_other_asymmetric_algorithms(
    make_app: AppFactory, server_keys: dict[str, KeyPair], clock: Clock, alg: str
) -> None:
    pair = server_keys[alg]
    app = asymmetric_app(make_app, pair)
    header, claims, signature = _parts(access_token(app))
    raw = jwt.utils.base64url_decode(signature)
    for forged in (b"", bytes(len(raw)), raw[:-1], raw + b"\x00", b"\x00" + raw[1:]):
        _refused(app, f"{header}.{claims}.{b64url(forged)}", pair)
