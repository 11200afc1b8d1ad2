"""Attacks on the ``alg`` header (RFC 8725 2.1, 3.1, 3.2).

The algorithm a token is verified with comes from configuration, never
from the token: ``none`` in any spelling, a missing or non-string ``alg``,
an algorithm outside the allow-list even with a valid signature, and
HMAC tokens keyed with the server's public key (key confusion) are all
refused.
"""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask
from jwt.algorithms import RSAAlgorithm, get_default_algorithms

from tests.conftest import SECRET, AppFactory, Clock, bearer
from tests.plugins.oidc import OIDCProvider
from tests.security.conftest import (
    HS256_HEADER,
    KeyPair,
    access_token,
    app_signed,
    assert_refused,
    asymmetric_app,
    claims_at,
    forge,
    hmac_sign,
)

NONE_SPELLINGS = ("none", "None", "NONE", "nOnE", "NoNe")


def _refused(app: Flask, token: str, pair: KeyPair | None = None) -> str:
    leaks = pair.private_texts if pair else ()
    response = app.test_client().get("/protected", headers=bearer(token))
    return assert_refused(response, token=token, leaks=leaks)


# --------------------------------------------------------------------------- none


@pytest.mark.parametrize("alg", NONE_SPELLINGS)
@pytest.mark.parametrize("signature", [b"", b"\x00", b"anything at all"])
def test_none_algorithm_in_any_case_with_any_signature(
    app: Flask, clock: Clock, alg: str, signature: bytes
) -> None:
    token = forge({"alg": alg, "typ": "JWT"}, claims_at(clock), signature)
    assert "not allowed" in _refused(app, token)


@pytest.mark.parametrize("alg", NONE_SPELLINGS)
def test_none_algorithm_with_the_signature_of_a_genuine_token(
    app: Flask, clock: Clock, alg: str
) -> None:
    genuine = access_token(app)
    header, claims, signature = genuine.split(".")
    tampered = forge({"alg": alg}, claims_at(clock, sub="admin")).rsplit(".", 1)[0]
    _refused(app, f"{tampered}.{signature}")
    # The genuine claims under a "none" header, without and with the signature.
    none_header = forge({"alg": alg}, {}).split(".")[0]
    _refused(app, f"{none_header}.{claims}.")
    _refused(app, f"{none_header}.{claims}.{signature}")


@pytest.mark.parametrize("alg", NONE_SPELLINGS)
def test_none_algorithm_on_an_asymmetric_app(
    make_app: AppFactory, server_keys: dict[str, KeyPair], clock: Clock, alg: str
) -> None:
    pair = server_keys["RS256"]
    app = asymmetric_app(make_app, pair)
    _refused(app, forge({"alg": alg}, claims_at(clock)), pair)


@pytest.mark.parametrize("alg", NONE_SPELLINGS)
def test_none_algorithm_cannot_be_configured(make_app: AppFactory, alg: str) -> None:
    with pytest.raises(RuntimeError, match="none"):
        make_app(JWT_DECODE_ALGORITHMS=["HS256", alg])
    with pytest.raises(RuntimeError, match="none"):
        make_app(JWT_ALGORITHM=alg)


# --------------------------------------------------------------------------- missing / odd alg


@pytest.mark.parametrize(
    "header",
    [
        {"typ": "JWT"},
        {},
        {"alg": ""},
        {"alg": 256},
        {"alg": 0},
        {"alg": None},
        {"alg": True},
        {"alg": ["HS256"]},
        {"alg": ["HS256", "none"]},
        {"alg": {"name": "HS256"}},
        {"alg": "HS256 "},
        {"alg": " HS256"},
        {"alg": "hs256"},
        {"alg": "HS256\u0000"},
        {"alg": "HS2\u0035\u0036\u200b"},
    ],
    ids=repr,
)
def test_missing_or_non_string_alg_even_with_a_valid_hmac(
    app: Flask, clock: Clock, header: dict[str, Any]
) -> None:
    # The signature is a correct HMAC with the app's secret: only the header is wrong.
    _refused(app, app_signed(header, claims_at(clock)))


# --------------------------------------------------------------------------- allow-list


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_other_hmac_algorithm_with_the_same_secret(app: Flask, clock: Clock, alg: str) -> None:
    token = hmac_sign({"alg": alg, "typ": "JWT"}, claims_at(clock), SECRET, alg)
    assert "not allowed" in _refused(app, token)


@pytest.mark.parametrize("alg", ["HS256", "HS384"])
def test_weaker_hmac_algorithm_than_configured(
    make_app: AppFactory, clock: Clock, alg: str
) -> None:
    app = make_app(JWT_ALGORITHM="HS512")
    token = hmac_sign({"alg": alg}, claims_at(clock), SECRET, alg)
    _refused(app, token)


def test_algorithm_outside_explicit_decode_list(make_app: AppFactory, clock: Clock) -> None:
    app = make_app(JWT_ALGORITHM="HS256", JWT_DECODE_ALGORITHMS=["HS256", "HS384"])
    _refused(app, hmac_sign({"alg": "HS512"}, claims_at(clock), SECRET, "HS512"))


@pytest.mark.parametrize("alg", ["RS384", "RS512"])
def test_other_rsa_hash_with_the_servers_own_private_key(
    make_app: AppFactory, server_keys: dict[str, KeyPair], clock: Clock, alg: str
) -> None:
    pair = server_keys["RS256"]
    app = asymmetric_app(make_app, pair)
    token = jwt.encode(claims_at(clock), pair.private_key, algorithm=alg)
    assert "not allowed" in _refused(app, token, pair)


def test_rs256_token_on_ps256_app(
    make_app: AppFactory, server_keys: dict[str, KeyPair], clock: Clock
) -> None:
    pair = server_keys["PS256"]
    app = asymmetric_app(make_app, pair)
    token = jwt.encode(claims_at(clock), pair.private_key, algorithm="RS256")
    _refused(app, token, pair)


@pytest.mark.parametrize("alg", ["PS256", "PS384", "PS512"])
def test_ps_token_on_rs256_app(
    make_app: AppFactory, server_keys: dict[str, KeyPair], clock: Clock, alg: str
) -> None:
    pair = server_keys["RS256"]
    app = asymmetric_app(make_app, pair)
    token = jwt.encode(claims_at(clock), pair.private_key, algorithm=alg)
    _refused(app, token, pair)


def test_es384_signature_on_es256_app(
    make_app: AppFactory, server_keys: dict[str, KeyPair], clock: Clock
) -> None:
    # An ES384 token signed with another key, presented to an ES256 app.
    app = asymmetric_app(make_app, server_keys["ES256"])
    other = server_keys["ES384"]
    _refused(app, jwt.encode(claims_at(clock), other.private_key, algorithm="ES384"))


def test_algorithm_from_additional_headers_is_not_trusted_on_decode(
    app: Flask, clock: Clock
) -> None:
    # The app may sign with another algorithm by passing "alg" in headers;
    # verification still accepts only the configured ones.
    token = access_token(app, additional_headers={"alg": "HS512"})
    _refused(app, token)


# --------------------------------------------------------------------------- key confusion


CONFUSED = ("RS256", "PS256", "ES256", "EdDSA")


@pytest.mark.parametrize("alg", CONFUSED)
@pytest.mark.parametrize("hmac_alg", ["HS256", "HS384", "HS512"])
@pytest.mark.parametrize(
    "decode_algorithms",
    [None, "with-hs"],
    ids=["configured-alone", "decode-list-wrongly-has-HS"],
)
def test_hmac_token_keyed_with_the_servers_public_key(
    make_app: AppFactory,
    server_keys: dict[str, KeyPair],
    clock: Clock,
    alg: str,
    hmac_alg: str,
    decode_algorithms: str | None,
) -> None:
    pair = server_keys[alg]
    config: dict[str, Any] = {}
    if decode_algorithms:
        # A misconfiguration: the allow-list names an HMAC algorithm too.
        config["JWT_DECODE_ALGORITHMS"] = [hmac_alg, alg]
    app = asymmetric_app(make_app, pair, **config)
    client = app.test_client()
    claims = claims_at(clock, sub="admin")
    for form, public in pair.public_forms.items():
        for key in (public, public + b"\n"):
            token = hmac_sign({"alg": hmac_alg, "typ": "JWT"}, claims, key, hmac_alg)
            response = client.get("/protected", headers=bearer(token))
            assert_refused(response, token=token, leaks=pair.private_texts), form
    # The public key as configured (text, as the app holds it).
    token = hmac_sign({"alg": hmac_alg}, claims, pair.public_pem, hmac_alg)
    _refused(app, token, pair)


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
@pytest.mark.parametrize("form", ["openssh", "pkcs1-pem"])
def test_hmac_token_keyed_with_the_public_key_as_configured_in_another_format(
    make_app: AppFactory, server_keys: dict[str, KeyPair], clock: Clock, alg: str, form: str
) -> None:
    pair = server_keys[alg]
    if form not in pair.public_forms:
        form = "openssh"  # PKCS#1 exists for RSA only
    configured = pair.public_forms[form].decode()
    app = asymmetric_app(
        make_app, pair, JWT_PUBLIC_KEY=configured, JWT_DECODE_ALGORITHMS=["HS256", alg]
    )
    # The key is usable as configured: genuine tokens pass.
    genuine = access_token(app)
    assert app.test_client().get("/protected", headers=bearer(genuine)).status_code == 200
    token = hmac_sign(HS256_HEADER, claims_at(clock), configured)
    _refused(app, token, pair)


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_hmac_token_keyed_with_a_public_key_object(
    make_app: AppFactory, server_keys: dict[str, KeyPair], clock: Clock, alg: str
) -> None:
    pair = server_keys[alg]
    app = asymmetric_app(
        make_app, pair, JWT_PUBLIC_KEY=pair.public_key, JWT_DECODE_ALGORITHMS=["HS256", alg]
    )
    for public in pair.public_forms.values():
        _refused(app, hmac_sign(HS256_HEADER, claims_at(clock), public), pair)


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_hmac_token_keyed_with_a_published_jwks_key(
    make_app: AppFactory, server_keys: dict[str, KeyPair], clock: Clock, alg: str
) -> None:
    pair = server_keys[alg]
    jwk = dict(get_default_algorithms()[alg].to_jwk(pair.private_key, as_dict=True))
    jwk.pop("key_ops", None)
    jwk.update(kid="server-key", alg=alg, use="sig")
    app = make_app(JWT_KEYS={"keys": [jwk]}, JWT_JWKS_URL_RULE="/.well-known/jwks.json")
    client = app.test_client()
    published = client.get("/.well-known/jwks.json").get_json()
    (public_jwk,) = published["keys"]
    candidates = [
        json.dumps(public_jwk).encode(),
        json.dumps(public_jwk, separators=(",", ":")).encode(),
        json.dumps(published).encode(),
        *pair.public_forms.values(),
    ]
    for key in candidates:
        for header in ({"alg": "HS256", "kid": "server-key"}, {"alg": "HS256"}):
            token = hmac_sign(header, claims_at(clock), key)
            response = client.get("/protected", headers=bearer(token))
            assert_refused(response, token=token, leaks=pair.private_texts)


@pytest.mark.parametrize("alg", ["ES256", "EdDSA"])
def test_rsa_token_on_non_rsa_app(
    make_app: AppFactory,
    server_keys: dict[str, KeyPair],
    attacker_rsa: KeyPair,
    clock: Clock,
    alg: str,
) -> None:
    pair = server_keys[alg]
    app = asymmetric_app(make_app, pair, JWT_DECODE_ALGORITHMS=[alg, "RS256"])
    token = jwt.encode(claims_at(clock), attacker_rsa.private_key, algorithm="RS256")
    _refused(app, token, pair)


def test_asymmetric_token_on_hmac_app_whose_secret_is_a_pem(
    make_app: AppFactory, attacker_rsa: KeyPair, clock: Clock
) -> None:
    # The reverse confusion: an RS256 token presented to an HS256 app.
    app = make_app()
    token = jwt.encode(claims_at(clock), attacker_rsa.private_key, algorithm="RS256")
    _refused(app, token)
    app.config["JWT_DECODE_ALGORITHMS"] = ["HS256", "RS256"]
    _refused(app, token)


@pytest.mark.parametrize("alg", ["none", "HS256", "HS512", "RS384", "PS256", "ES256"])
def test_trusted_issuer_token_with_another_algorithm(
    make_app: AppFactory, oidc_provider: OIDCProvider, clock: Clock, alg: str
) -> None:
    # The issuer's tokens are verified with its configured algorithms only;
    # its published keys are never an HMAC secret, and "none" is never one.
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
    (public_jwk,) = oidc_provider.jwks()["keys"]
    public = RSAAlgorithm.from_jwk(public_jwk)
    assert isinstance(public, RSAPublicKey)
    pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": alg, "kid": oidc_provider.current_kid, "typ": "JWT"}
    claims = claims_at(clock, iss=oidc_provider.issuer, aud="my-api")
    if alg.startswith("HS"):
        keys = [pem, json.dumps(public_jwk).encode(), json.dumps(oidc_provider.jwks()).encode()]
        tokens = [hmac_sign(header, claims, key, alg) for key in keys]
    else:
        tokens = [forge(header, claims), forge(header, claims, b"\x00" * 256)]
    for token in tokens:
        _refused(app, token)
    # The provider's genuine token passes: the refusals are about the algorithm.
    genuine = oidc_provider.sign(claims_at(clock, aud="my-api"))
    assert app.test_client().get("/protected", headers=bearer(genuine)).status_code == 200
