"""KeySet: the JWT_KEYS setting, kid lookup and the public JWKS."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flask_jwt_kit import jwk as jwk_module
from flask_jwt_kit.exceptions import InvalidKeyIdError
from flask_jwt_kit.keys import (
    ASYMMETRIC_ALGORITHMS,
    SUPPORTED_ALGORITHMS,
    Key,
    KeySet,
    check_kid,
    key_from_jwk,
)

from .conftest import ALGORITHMS, PRIVATE_MEMBERS, JWKFactory, sign_with, verify_with

#: The members a published JWK may have, per key type.
PUBLIC_MEMBERS = {
    "RSA": {"kty", "kid", "alg", "use", "n", "e"},
    "EC": {"kty", "kid", "alg", "use", "crv", "x", "y"},
    "OKP": {"kty", "kid", "alg", "use", "crv", "x"},
}


def sign_and_verify(keys: KeySet, claims: dict[str, Any]) -> dict[str, Any]:
    """Sign with the signer and verify by kid, as the core does."""
    token = sign_with(keys.signer, claims)
    return verify_with(keys.get(jwt.get_unverified_header(token)["kid"]), token)


def test_supported_algorithms_are_all_there() -> None:
    assert set(SUPPORTED_ALGORITHMS) == set(ALGORITHMS)
    assert set(ASYMMETRIC_ALGORITHMS) == {a for a, kty in ALGORITHMS.items() if kty != "oct"}


@pytest.mark.parametrize("alg", list(ALGORITHMS))
def test_every_algorithm_signs_and_verifies(make_jwk: JWKFactory, alg: str) -> None:
    keys = KeySet.from_config({"keys": [make_jwk(alg, "k1")]})
    key = keys.get("k1")
    assert (key.kid, key.alg, key.kty) == ("k1", alg, ALGORITHMS[alg])
    assert keys.signer is key
    assert sign_and_verify(keys, {"sub": "alice"}) == {"sub": "alice"}
    if key.kty == "oct":
        assert key.public_jwk is None
        assert key.signing_key == key.verifying_key
        assert isinstance(key.signing_key, bytes)
    else:
        assert key.public_jwk is not None
        assert set(key.public_jwk) == PUBLIC_MEMBERS[key.kty]
        assert (key.public_jwk["kid"], key.public_jwk["alg"]) == ("k1", alg)
        assert key.public_jwk["use"] == "sig"


def test_ed448_is_accepted_for_eddsa(make_jwk: JWKFactory) -> None:
    keys = KeySet.from_config({"keys": [make_jwk("EdDSA", curve="Ed448")]})
    assert keys.signer.public_jwk is not None
    assert keys.signer.public_jwk["crv"] == "Ed448"
    assert sign_and_verify(keys, {"n": 1}) == {"n": 1}


def test_other_key_types_verify_tokens_of_their_own_algorithm_only(make_jwk: JWKFactory) -> None:
    keys = KeySet.from_config({"keys": [make_jwk("RS256", "rsa"), make_jwk("HS256", "hmac")]})
    token = sign_with(keys.get("rsa"), {"a": 1}, kid="hmac")
    key = keys.get(jwt.get_unverified_header(token)["kid"])
    with pytest.raises(jwt.InvalidAlgorithmError):
        verify_with(key, token)


def test_the_first_key_signs_unless_a_signing_kid_is_given(make_jwk: JWKFactory) -> None:
    jwks = {"keys": [make_jwk("ES256", "a"), make_jwk("EdDSA", "b"), make_jwk("HS512", "c")]}
    assert KeySet.from_config(jwks).signer.kid == "a"
    assert KeySet.from_config(jwks, "c").signer.kid == "c"
    keys = KeySet.from_config(jwks, "b")
    assert keys.signer.kid == "b"
    for kid in "abc":
        assert keys.get(kid).kid == kid


def test_public_keys_verify_but_cannot_sign(make_jwk: JWKFactory) -> None:
    jwks = {"keys": [make_jwk("RS256", "new"), make_jwk("RS256", "old", public=True)]}
    keys = KeySet.from_config(jwks)
    old = keys.get("old")
    assert old.signing_key is None
    # The old public key is the same key pair here, so it verifies.
    assert verify_with(old, sign_with(keys.signer, {"a": 1})) == {"a": 1}
    with pytest.raises(RuntimeError) as excinfo:
        KeySet.from_config(jwks, "old")
    assert "JWT_SIGNING_KEY_ID" in str(excinfo.value)
    assert "JWT_KEYS" in str(excinfo.value)
    assert "private" in str(excinfo.value)


def test_a_set_of_public_keys_only_verifies(make_jwk: JWKFactory) -> None:
    pair = make_jwk("ES256", "a")
    signing = KeySet.from_config({"keys": [pair]})
    verifying = KeySet.from_config({"keys": [make_jwk("ES256", "a", public=True)]})
    assert verify_with(verifying.get("a"), sign_with(signing.signer, {"a": 1})) == {"a": 1}
    with pytest.raises(RuntimeError, match="^JWT_KEYS holds public keys only"):
        verifying.signer  # noqa: B018
    assert repr(verifying) == "<KeySet signer=None keys={'a': ES256}>"


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA", "HS256"])
def test_key_ops_decide_whether_a_key_signs(make_jwk: JWKFactory, alg: str) -> None:
    both = {**make_jwk(alg, "a"), "key_ops": ["sign", "verify"]}
    verify_only = {**make_jwk(alg, "a"), "key_ops": ["verify"]}
    signer = KeySet.from_config({"keys": [both]}).signer
    keys = KeySet.from_config({"keys": [verify_only]})
    assert verify_with(keys.get("a"), sign_with(signer, {"a": 1})) == {"a": 1}
    with pytest.raises(RuntimeError, match="public keys only"):
        keys.signer  # noqa: B018
    with pytest.raises(RuntimeError, match="JWT_SIGNING_KEY_ID.*no private part"):
        KeySet.from_config({"keys": [verify_only]}, "a")
    # The private part is never published, whatever key_ops say.
    for published in keys.public_jwks()["keys"]:
        assert not PRIVATE_MEMBERS & set(published)


@pytest.mark.parametrize(
    ("key_ops", "reason"),
    [
        (["sign"], "'key_ops' without 'verify'"),
        (["encrypt", "decrypt"], "'key_ops' without 'verify'"),
        ("verify", "not a list of strings"),
        ([1], "not a list of strings"),
    ],
)
def test_unusable_key_ops(make_jwk: JWKFactory, key_ops: Any, reason: str) -> None:
    with pytest.raises(RuntimeError, match=reason):
        KeySet.from_config({"keys": [{**make_jwk("ES256", "a"), "key_ops": key_ops}]})


def test_unknown_signing_kid(make_jwk: JWKFactory) -> None:
    with pytest.raises(RuntimeError, match=r"^JWT_SIGNING_KEY_ID: .*'nope'.*known: 'kid-1'"):
        KeySet.from_config({"keys": [make_jwk("HS256")]}, "nope")


def test_json_text_and_files(make_jwk: JWKFactory, tmp_path: Path) -> None:
    jwks = {"keys": [make_jwk("ES384", "e"), make_jwk("HS384", "h")]}
    text = json.dumps(jwks)
    path = tmp_path / "jwks.json"
    path.write_text(text)
    for value in (jwks, text, "\n  " + text, str(path), path):
        keys = KeySet.from_config(value)
        assert [k.kid for k in keys] == ["e", "h"]


BAD_SETS: list[tuple[object, str]] = [
    ("{not json", "not valid JSON"),
    ("{" * 100_000, "not valid JSON"),
    (["keys"], "must be a JWK Set"),
    (42, "must be a JWK Set"),
    (None, "must be a JWK Set"),
    ({"kty": "oct", "k": "abc"}, "must be a JWK Set"),
    ('{"keys": {}}', '"keys" must be a list'),
    ({"keys": []}, "holds no keys"),
    ({"keys": ["a string"]}, "key #0: a JWK must be a JSON object"),
]


@pytest.mark.parametrize(("value", "message"), BAD_SETS)
def test_bad_key_sets(value: object, message: str) -> None:
    with pytest.raises(RuntimeError) as excinfo:
        KeySet.from_config(value)
    assert str(excinfo.value).startswith("JWT_KEYS")
    assert message in str(excinfo.value)


def test_unreadable_files(tmp_path: Path) -> None:
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    for path in (tmp_path / "missing.json", tmp_path, str(binary)):
        with pytest.raises(RuntimeError, match="^JWT_KEYS: cannot read the JWK Set file"):
            KeySet.from_config(path)


def _drop(name: str) -> Any:
    return lambda jwk: {k: v for k, v in jwk.items() if k != name}


def _set(**members: Any) -> Any:
    return lambda jwk: {**jwk, **members}


#: (algorithm, change to a valid private JWK, expected message part)
BAD_KEYS: list[tuple[str, Any, str]] = [
    ("RS256", _drop("kid"), "needs a 'kid'"),
    ("RS256", _set(kid=""), "needs a 'kid'"),
    ("RS256", _set(kid=7), "needs a 'kid'"),
    ("ES256", _drop("alg"), "needs an 'alg'"),
    ("ES256", _set(alg="none"), "unsupported 'alg' 'none'"),
    ("HS256", _set(alg="HS1"), "unsupported 'alg' 'HS1'; accepted: HS256, HS384"),
    ("HS256", _set(alg=["HS256"]), "unsupported 'alg'"),
    ("HS256", _set(alg="x" * 500), "..."),
    ("EdDSA", _set(kty="XYZ"), "unknown 'kty' 'XYZ'"),
    ("EdDSA", _set(kty=["OKP"]), "unknown 'kty'"),
    ("EdDSA", _drop("kty"), "unknown 'kty' None"),
    ("HS256", _set(alg="RS256"), "of type oct cannot be used with RS256"),
    ("RS256", _set(alg="ES256"), "of type RSA cannot be used with ES256"),
    ("RS256", _set(alg="HS256"), "of type RSA cannot be used with HS256"),
    ("ES256", _set(alg="HS256"), "of type EC cannot be used with HS256"),
    ("ES256", _set(alg="EdDSA"), "of type EC cannot be used with EdDSA"),
    ("EdDSA", _set(alg="ES256"), "of type OKP cannot be used with ES256"),
    ("ES384", _set(alg="ES256"), "curve 'P-384' cannot be used with ES256"),
    ("ES256", _set(alg="ES256K"), "curve 'P-256' cannot be used with ES256K"),
    ("EdDSA", _set(crv="X25519"), "curve 'X25519' cannot be used with EdDSA"),
    ("RS256", _drop("n"), "needs a string 'n'"),
    ("RS256", _set(e=65537), "needs a string 'e'"),
    ("ES256", _set(x=""), "needs a string 'x'"),
    ("HS256", _drop("k"), "needs a string 'k'"),
    ("ES256", _set(d=12345), "'d' that is not a string"),
    ("ES256", _set(x="AAAA"), "invalid EC key material"),
    ("EdDSA", _set(d="AAAA"), "invalid OKP key material"),
    ("RS256", _set(n="!!!"), "invalid RSA key material"),
    ("HS256", _set(k="c2hvcnQ"), "too short for HS256: it needs at least 32 bytes"),
    ("RS256", _set(use="enc"), "has 'use' 'enc'"),
]


@pytest.mark.parametrize(("alg", "change", "message"), BAD_KEYS)
def test_bad_keys(make_jwk: JWKFactory, alg: str, change: Any, message: str) -> None:
    good = make_jwk(alg)
    bad = change(good)
    with pytest.raises(RuntimeError) as excinfo:
        KeySet.from_config({"keys": [make_jwk("HS512", "first"), bad]})
    text = str(excinfo.value)
    assert text.startswith("JWT_KEYS: key #1: ")
    assert message in text
    assert len(text) < 250
    for name in PRIVATE_MEMBERS | {"n", "x", "y"}:
        if isinstance(good.get(name), str) and len(good[name]) > 8:
            assert good[name] not in text


def test_small_rsa_keys_are_refused(make_jwk: JWKFactory) -> None:
    with pytest.raises(RuntimeError, match="RSA keys need 2048 bits or more"):
        KeySet.from_config({"keys": [make_jwk("RS256", rsa_bits=1024)]})


def test_duplicate_kids(make_jwk: JWKFactory) -> None:
    jwks = {"keys": [make_jwk("RS256", "same"), make_jwk("HS256", "same")]}
    with pytest.raises(RuntimeError, match="^JWT_KEYS: the kid 'same' is used by more than one"):
        KeySet.from_config(jwks)


def test_key_set_needs_keys() -> None:
    with pytest.raises(RuntimeError, match="^JWT_KEYS: the JWK Set holds no keys"):
        KeySet([])


def test_key_from_jwk_binds_an_algorithm(make_jwk: JWKFactory) -> None:
    jwk = make_jwk("RS256", with_alg=False)
    assert key_from_jwk(jwk, "PS384").alg == "PS384"
    assert key_from_jwk({**jwk, "alg": "RS512"}, "RS512").alg == "RS512"
    with pytest.raises(ValueError, match="is for 'RS512', not PS256"):
        key_from_jwk({**jwk, "alg": "RS512"}, "PS256")


def test_asymmetric_keys_need_cryptography(
    make_jwk: JWKFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    hmac_only = {a: o for a, o in jwk_module._ALGORITHMS.items() if a.startswith("HS")}
    monkeypatch.setattr(jwk_module, "_ALGORITHMS", hmac_only)
    with pytest.raises(RuntimeError, match=r"ES256 needs the 'cryptography' package"):
        KeySet.from_config({"keys": [make_jwk("ES256")]})
    assert KeySet.from_config({"keys": [make_jwk("HS256")]}).signer.alg == "HS256"


@pytest.mark.parametrize(
    ("kid", "message"),
    [
        (None, "Token has no 'kid' header"),
        ("", "Invalid 'kid' header"),
        (5, "Invalid 'kid' header"),
        (["kid-1"], "Invalid 'kid' header"),
        ({"kid": "kid-1"}, "Invalid 'kid' header"),
        ("unknown", "Unknown key id"),
        ("<script>" * 1000, "Unknown key id"),
    ],
)
def test_get_refuses_missing_and_unknown_kids(
    make_jwk: JWKFactory, kid: object, message: str
) -> None:
    keys = KeySet.from_config({"keys": [make_jwk("HS256")]})
    with pytest.raises(InvalidKeyIdError) as excinfo:
        keys.get(kid)
    assert excinfo.value.message == message
    assert excinfo.value.status_code == 422


def test_check_kid_returns_the_kid() -> None:
    assert check_kid("abc") == "abc"


@pytest.fixture(scope="module")
def every_key(make_jwk: JWKFactory) -> list[dict[str, Any]]:
    """One private JWK of every algorithm (and Ed448), plus one public only."""
    jwks = [make_jwk(alg, f"kid-{alg}") for alg in ALGORITHMS]
    jwks.append(make_jwk("EdDSA", "kid-ed448", curve="Ed448"))
    jwks.append(make_jwk("PS512", "kid-public", public=True))
    return jwks


@pytest.fixture(scope="module")
def every_key_set(every_key: list[dict[str, Any]]) -> KeySet:
    """A key set of :func:`every_key` (RSA private keys are slow to load)."""
    return KeySet.from_config({"keys": every_key})


def test_public_jwks_never_leak_private_or_symmetric_material(
    every_key: list[dict[str, Any]], every_key_set: KeySet
) -> None:
    keys = every_key_set
    published = keys.public_jwks()
    assert set(published) == {"keys"}
    asymmetric = [jwk for jwk in every_key if jwk["kty"] != "oct"]
    assert [jwk["kid"] for jwk in published["keys"]] == [jwk["kid"] for jwk in asymmetric]
    for public, private in zip(published["keys"], asymmetric, strict=True):
        assert set(public) == PUBLIC_MEMBERS[public["kty"]]
        assert not PRIVATE_MEMBERS & set(public)
        for name in public:
            if name not in ("kid", "use"):
                assert public[name] == private[name]
    text = json.dumps(published)
    for jwk in every_key:
        for name in PRIVATE_MEMBERS & set(jwk):
            assert jwk[name] not in text
    # Every published key verifies what its private key signed.
    # (The last key is public only: it signs nothing.)
    for public in published["keys"][:-1]:
        token = sign_with(keys.get(public["kid"]), {"a": 1})
        verifying = jwt.PyJWK(public).key
        assert jwt.decode(token, verifying, algorithms=[public["alg"]]) == {"a": 1}


def test_public_jwks_are_copies(make_jwk: JWKFactory) -> None:
    keys = KeySet.from_config({"keys": [make_jwk("ES256")]})
    keys.public_jwks()["keys"][0]["d"] = "leak"
    keys.public_jwks()["keys"].clear()
    assert set(keys.public_jwks()["keys"][0]) == PUBLIC_MEMBERS["EC"]


def test_symmetric_only_sets_publish_nothing(make_jwk: JWKFactory) -> None:
    assert KeySet.from_config({"keys": [make_jwk("HS256")]}).public_jwks() == {"keys": []}


def test_repr_names_kids_and_algorithms_only(
    every_key: list[dict[str, Any]], every_key_set: KeySet
) -> None:
    keys = KeySet(every_key_set, "kid-ES256")
    text = repr(keys) + "".join(repr(key) for key in keys)
    assert repr(keys).startswith("<KeySet signer='kid-ES256' keys={'kid-HS256': HS256, ")
    assert repr(keys.get("kid-RS256")) == "Key(kid='kid-RS256', alg='RS256', kty='RSA')"
    for jwk in every_key:
        for name in PRIVATE_MEMBERS | {"n", "x", "y"}:
            if name in jwk:
                assert jwk[name] not in text
    assert "PrivateKey" not in text and "bytes" not in text


def test_container_protocol(every_key: list[dict[str, Any]], every_key_set: KeySet) -> None:
    keys = every_key_set
    assert len(keys) == len(every_key)
    assert [key.kid for key in keys] == [jwk["kid"] for jwk in every_key]
    assert all(isinstance(key, Key) for key in keys)
    assert "kid-HS256" in keys
    assert "nope" not in keys
    assert None not in keys
    assert 3 not in keys


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=20,
)
jwk_like = st.fixed_dictionaries(
    {"kid": st.one_of(st.text(max_size=4), st.integers())},
    optional={
        "kty": st.sampled_from(["oct", "RSA", "EC", "OKP", "x"]) | json_values,
        "alg": st.sampled_from([*ALGORITHMS, "none"]) | json_values,
        "k": st.text(max_size=60) | json_values,
        "n": st.text(max_size=60),
        "e": st.text(max_size=8),
        "crv": st.sampled_from(["P-256", "Ed25519", "Ed448", "secp256k1"]) | json_values,
        "x": st.text(max_size=60),
        "y": st.text(max_size=60),
        "d": st.text(max_size=60) | json_values,
        "use": st.sampled_from(["sig", "enc"]) | json_values,
    },
)


@given(st.one_of(json_values, st.text(), st.builds(lambda keys: {"keys": keys}, json_values)))
def test_any_value_is_either_a_key_set_or_a_runtime_error(value: object) -> None:
    if isinstance(value, str) and not value.lstrip().startswith("{"):
        value = "{" + value  # never a path
    try:
        KeySet.from_config(value)
    except RuntimeError as exc:
        assert str(exc).startswith("JWT_KEYS")


@given(st.lists(jwk_like, min_size=1, max_size=3))
def test_any_jwk_is_either_a_key_or_a_runtime_error(jwks: list[dict[str, Any]]) -> None:
    try:
        KeySet.from_config(json.dumps({"keys": jwks}))
    except RuntimeError as exc:
        assert str(exc).startswith(("JWT_KEYS", "JWT_SIGNING_KEY_ID"))


def test_paths_are_accepted_as_os_pathlike(make_jwk: JWKFactory, tmp_path: Path) -> None:
    class Location(os.PathLike[str]):
        def __fspath__(self) -> str:
            return str(tmp_path / "keys.json")

    (tmp_path / "keys.json").write_text(json.dumps({"keys": [make_jwk("HS256")]}))
    assert KeySet.from_config(Location()).signer.kid == "kid-1"
