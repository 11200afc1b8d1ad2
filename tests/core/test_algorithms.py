"""Algorithms and keys: every JWS algorithm, key loaders, accepted algorithms, weak secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from typing import Any

import jwt
import pytest
from flask import Flask

from flask_jwt_kit import JWTManager, create_access_token, create_refresh_token, decode_token
from flask_jwt_kit.state import WeakSecretWarning
from tests.conftest import SECRET, AppFactory, bearer
from tests.core.conftest import ASYMMETRIC, SYMMETRIC, KeyPair, raw_token, read_claims

NOW = 1_800_000_000


def get(app: Flask, token: str, path: str = "/protected") -> tuple[int, Any]:
    response = app.test_client().get(path, headers=bearer(token))
    return response.status_code, response.json


def asymmetric_app(make_app: AppFactory, alg: str, pair: KeyPair, **config: Any) -> Flask:
    return make_app(
        JWT_ALGORITHM=alg, JWT_PRIVATE_KEY=pair.private, JWT_PUBLIC_KEY=pair.public, **config
    )


@pytest.mark.parametrize("alg", SYMMETRIC)
def test_every_hmac_algorithm(make_app: AppFactory, alg: str) -> None:
    app = make_app(JWT_ALGORITHM=alg)
    with app.app_context():
        access, refresh = create_access_token("alice"), create_refresh_token("alice")
        assert decode_token(access)["sub"] == "alice"
    assert jwt.get_unverified_header(access)["alg"] == alg
    assert read_claims(access, algorithms=(alg,))["sub"] == "alice"
    status, body = get(app, access)
    assert status == 200 and body["identity"] == "alice"
    assert get(app, refresh, "/refresh")[0] == 200


@pytest.mark.parametrize("alg", list(ASYMMETRIC))
def test_every_asymmetric_algorithm(
    make_app: AppFactory, key_pairs: dict[str, KeyPair], alg: str
) -> None:
    pair = key_pairs[ASYMMETRIC[alg]]
    app = asymmetric_app(make_app, alg, pair)
    with app.app_context():
        access, refresh = create_access_token("alice"), create_refresh_token("alice")
        assert decode_token(access)["sub"] == "alice"
    assert jwt.get_unverified_header(access)["alg"] == alg
    # Verifiable by anyone holding only the public key.
    assert read_claims(access, key=pair.public, algorithms=(alg,))["sub"] == "alice"
    status, body = get(app, access)
    assert status == 200 and body["identity"] == "alice"
    assert get(app, refresh, "/refresh")[0] == 200
    # Signed with the app's JWT_SECRET_KEY: not a key for this algorithm.
    forged = raw_token({"sub": "mallory"})
    assert get(app, forged) == (422, {"msg": "The specified alg value is not allowed"})


def test_pem_keys_may_be_bytes(make_app: AppFactory, key_pairs: dict[str, KeyPair]) -> None:
    pair = key_pairs["p256"]
    app = make_app(
        JWT_ALGORITHM="ES256",
        JWT_PRIVATE_KEY=pair.private.encode(),
        JWT_PUBLIC_KEY=pair.public.encode(),
    )
    with app.app_context():
        assert decode_token(create_access_token("a"))["sub"] == "a"


def test_a_token_signed_by_another_private_key_is_refused(
    make_app: AppFactory, key_pairs: dict[str, KeyPair]
) -> None:
    app = asymmetric_app(make_app, "RS256", key_pairs["rsa"])
    other = raw_token({"sub": "a"}, key=key_pairs["rsa2"].private, algorithm="RS256")
    assert get(app, other) == (422, {"msg": "Signature verification failed"})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hmac_signed_by_hand(header: dict[str, Any], claims: dict[str, Any], key: str) -> str:
    """An HS256 token keyed with *key* (which PyJWT itself would refuse to use)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def test_the_algorithm_comes_from_config_not_from_the_token(
    make_app: AppFactory, key_pairs: dict[str, KeyPair]
) -> None:
    pair = key_pairs["rsa"]
    # Even with HS256 accepted, the public key never serves as an HMAC secret.
    app = asymmetric_app(make_app, "RS256", pair, JWT_DECODE_ALGORITHMS=["RS256", "HS256"])
    forged = hmac_signed_by_hand({"alg": "HS256", "typ": "JWT"}, {"sub": "mallory"}, pair.public)
    status, response = get(app, forged)
    assert status == 422
    assert response == {"msg": "Signature verification failed"}
    # A token of another key family fails the same way, never with a 500.
    app2 = asymmetric_app(make_app, "RS256", pair, JWT_DECODE_ALGORITHMS=["ES256"])
    es = raw_token({"sub": "a"}, key=key_pairs["p256"].private, algorithm="ES256")
    assert get(app2, es) == (422, {"msg": "Signature verification failed"})


def test_the_none_algorithm_is_never_accepted(app: Flask) -> None:
    unsigned = jwt.encode({"sub": "a"}, None, "none")  # type: ignore[arg-type]
    assert get(app, unsigned) == (422, {"msg": "The specified alg value is not allowed"})


# --------------------------------------------------------------------------- default key loaders


def test_asymmetric_algorithms_never_fall_back_to_the_secret(make_app: AppFactory) -> None:
    app = make_app(JWT_ALGORITHM="ES256")  # JWT_SECRET_KEY is set, but is not a key for ES256
    with app.app_context():
        with pytest.raises(RuntimeError, match="JWT_PRIVATE_KEY"):
            create_access_token("a")
        with pytest.raises(RuntimeError, match="JWT_PUBLIC_KEY"):
            decode_token(raw_token({"sub": "a"}))


def test_keys_are_chosen_by_jwt_algorithm_not_by_the_token(
    make_app: AppFactory, key_pairs: dict[str, KeyPair]
) -> None:
    pair = key_pairs["rsa"]
    # HMAC configured, asymmetric keys configured too: the secret is used.
    app = make_app(
        JWT_ALGORITHM="HS256",
        JWT_PRIVATE_KEY=pair.private,
        JWT_PUBLIC_KEY=pair.public,
        JWT_DECODE_ALGORITHMS=["HS256", "RS256"],
    )
    with app.app_context():
        token = create_access_token("a")
    read_claims(token)
    rs = raw_token({"sub": "a"}, key=pair.private, algorithm="RS256")
    assert get(app, rs) == (422, {"msg": "Signature verification failed"})


def test_a_mismatched_key_for_the_configured_algorithm_is_refused(
    make_app: AppFactory, key_pairs: dict[str, KeyPair]
) -> None:
    app = make_app(
        JWT_ALGORITHM="ES256",
        JWT_PRIVATE_KEY=key_pairs["p256"].private,
        JWT_PUBLIC_KEY=key_pairs["rsa"].public,
    )
    es = raw_token({"sub": "a"}, key=key_pairs["p256"].private, algorithm="ES256")
    assert get(app, es) == (422, {"msg": "Signature verification failed"})


# --------------------------------------------------------------------------- custom key loaders


def test_encode_and_decode_key_loaders(make_app: AppFactory) -> None:
    keys = {"alice": "alice-" + "a" * 40, "bob": "bob-" + "b" * 40}
    app = make_app(JWT_SECRET_KEY=None)
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    seen: list[tuple[dict[str, Any], dict[str, Any]]] = []

    @manager.encode_key_loader
    def encode_key(identity: str) -> str:
        return keys[identity]

    @manager.decode_key_loader
    def decode_key(header: dict[str, Any], claims: dict[str, Any]) -> str:
        seen.append((header, claims))
        return keys[claims["sub"]]

    with app.app_context():
        alice = create_access_token("alice", additional_claims={"x": 1})
        assert decode_token(alice)["sub"] == "alice"
    read_claims(alice, key=keys["alice"])
    header, claims = seen[-1]
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims["sub"] == "alice" and claims["x"] == 1
    assert get(app, alice)[0] == 200
    # Claims that name bob but are signed with alice's key.
    forged = raw_token({"sub": "bob"}, key=keys["alice"])
    assert get(app, forged) == (422, {"msg": "Signature verification failed"})


def test_the_decode_key_loader_sees_unverified_claims_of_a_forged_token(
    make_app: AppFactory,
) -> None:
    app = make_app()
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    seen: list[dict[str, Any]] = []

    @manager.decode_key_loader
    def decode_key(header: dict[str, Any], claims: dict[str, Any]) -> str:
        seen.append(claims)
        return SECRET

    forged = raw_token({"sub": "mallory", "admin": True}, key="wrong-" + "w" * 40)
    assert get(app, forged) == (422, {"msg": "Signature verification failed"})
    assert seen == [{"sub": "mallory", "admin": True}]
    assert get(app, "not.a.token")[0] == 422


def test_a_decode_key_loader_choosing_an_asymmetric_key_by_kid(
    make_app: AppFactory, key_pairs: dict[str, KeyPair]
) -> None:
    pairs = {"one": key_pairs["rsa"], "two": key_pairs["rsa2"]}
    app = make_app(JWT_ALGORITHM="RS256")
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    manager.encode_key_loader(lambda identity: pairs[identity].private)
    manager.additional_headers_loader(lambda identity: {"kid": identity})
    manager.decode_key_loader(lambda header, claims: pairs[header["kid"]].public)
    with app.app_context():
        one, two = create_access_token("one"), create_access_token("two")
    assert get(app, one)[1]["identity"] == "one"
    assert get(app, two)[1]["identity"] == "two"


def test_many_keys_from_loaders_all_keep_working(make_app: AppFactory) -> None:
    # More keys than any internal cache of prepared keys holds.
    keys = {f"user{i}": f"key-{i:03d}-" + "k" * 40 for i in range(100)}
    app = make_app()
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    manager.encode_key_loader(lambda identity: keys[identity])
    manager.decode_key_loader(lambda header, claims: keys[claims["sub"]])
    with app.app_context():
        tokens = {identity: create_access_token(identity) for identity in keys}
        for _ in range(2):
            for identity, token in tokens.items():
                assert decode_token(token)["sub"] == identity
    read_claims(tokens["user99"], key=keys["user99"])


def test_an_unusable_key_from_a_loader_is_refused_not_crashed(make_app: AppFactory) -> None:
    app = make_app()
    manager: JWTManager = app.extensions["flask-jwt-kit"]
    manager.decode_key_loader(lambda header, claims: {"not": "a key"})
    with app.app_context():
        token = create_access_token("a")
    assert get(app, token) == (422, {"msg": "Signature verification failed"})


# --------------------------------------------------------------------------- JWT_DECODE_ALGORITHMS


def test_decode_algorithms(make_app: AppFactory) -> None:
    app = make_app(JWT_DECODE_ALGORITHMS=["HS512"])
    hs256 = raw_token({"sub": "a"}, algorithm="HS256")
    hs512 = raw_token({"sub": "a"}, algorithm="HS512")
    hs384 = raw_token({"sub": "a"}, algorithm="HS384")
    # The signing algorithm is always accepted; the listed ones too.
    assert get(app, hs256)[0] == 200
    assert get(app, hs512)[0] == 200
    assert get(app, hs384) == (422, {"msg": "The specified alg value is not allowed"})
    with app.app_context(), pytest.raises(jwt.InvalidAlgorithmError):
        decode_token(hs384)


def test_decode_algorithms_default_to_the_signing_algorithm(make_app: AppFactory) -> None:
    app = make_app(JWT_ALGORITHM="HS384")
    assert get(app, raw_token({"sub": "a"}, algorithm="HS384"))[0] == 200
    for alg in ("HS256", "HS512"):
        assert get(app, raw_token({"sub": "a"}, algorithm=alg)) == (
            422,
            {"msg": "The specified alg value is not allowed"},
        )


def test_decode_algorithms_across_key_families(
    make_app: AppFactory, key_pairs: dict[str, KeyPair]
) -> None:
    pair = key_pairs["rsa"]
    app = asymmetric_app(make_app, "RS256", pair, JWT_DECODE_ALGORITHMS=["PS256", "RS512"])
    for alg in ("RS256", "PS256", "RS512"):
        assert get(app, raw_token({"sub": "a"}, key=pair.private, algorithm=alg))[0] == 200
    assert get(app, raw_token({"sub": "a"}, key=pair.private, algorithm="PS512")) == (
        422,
        {"msg": "The specified alg value is not allowed"},
    )


# --------------------------------------------------------------------------- weak secrets


@pytest.mark.parametrize(
    ("alg", "secret"),
    [
        ("HS256", "x" * 31),
        ("HS256", b"\x00" * 16),
        ("HS384", "x" * 47),
        ("HS512", "x" * 63),
        ("HS512", "x" * 48),
    ],
)
def test_a_weak_secret_warns_once_at_init(
    make_app: AppFactory, alg: str, secret: str | bytes
) -> None:
    with pytest.warns(WeakSecretWarning) as record:
        app = make_app(JWT_ALGORITHM=alg, JWT_SECRET_KEY=secret)
    assert len(record) == 1
    assert str(len(secret)) in str(record[0].message)
    assert "JWT_SECRET_KEY" in str(record[0].message)
    # Using it, and rebuilding the settings, warns no more (warnings are errors here).
    with app.app_context():
        token = create_access_token("a")
        assert decode_token(token)["sub"] == "a"
        app.config["JWT_DECODE_LEEWAY"] = 3
        assert decode_token(create_refresh_token("a"))["type"] == "refresh"
    assert get(app, token)[0] == 200


@pytest.mark.parametrize(("alg", "length"), [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_a_secret_of_the_hash_length_does_not_warn(
    make_app: AppFactory, alg: str, length: int
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        app = make_app(JWT_ALGORITHM=alg, JWT_SECRET_KEY="k" * length)
        with app.app_context():
            decode_token(create_access_token("a"))


def test_the_flask_secret_key_is_checked_too(make_app: AppFactory) -> None:
    with pytest.warns(WeakSecretWarning) as record:
        make_app(JWT_SECRET_KEY=None, SECRET_KEY="dev")
    assert len(record) == 1


def test_switching_to_a_weak_secret_after_init_warns_at_next_use(app: Flask) -> None:
    app.config["JWT_SECRET_KEY"] = "short"
    with app.app_context():
        with pytest.warns(WeakSecretWarning) as record:
            token = create_access_token("a")
        assert len(record) == 1
        decode_token(token)


def test_reject_weak_secrets(make_app: AppFactory) -> None:
    with pytest.raises(RuntimeError, match="JWT_REJECT_WEAK_SECRETS") as caught:
        make_app(JWT_SECRET_KEY="short", JWT_REJECT_WEAK_SECRETS=True)
    assert "JWT_SECRET_KEY" in str(caught.value)
    app = make_app(JWT_REJECT_WEAK_SECRETS=True)
    with app.app_context():
        app.config["JWT_SECRET_KEY"] = "short"
        with pytest.raises(RuntimeError, match="JWT_REJECT_WEAK_SECRETS"):
            create_access_token("a")


def test_weak_secrets_are_not_checked_for_asymmetric_algorithms(
    make_app: AppFactory, key_pairs: dict[str, KeyPair]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        asymmetric_app(
            make_app,
            "ES256",
            key_pairs["p256"],
            JWT_SECRET_KEY="short",
            JWT_REJECT_WEAK_SECRETS=True,
        )
