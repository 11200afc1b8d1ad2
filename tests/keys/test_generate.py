"""generate_jwk, jwk_thumbprint and add_key_to_file."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import jwt
import pytest
from jwt.utils import base64url_decode

from flask_jwt_kit.keys import KeySet, add_key_to_file, generate_jwk, jwk_thumbprint

from .conftest import ALGORITHMS, JWKFactory, sign_with, verify_with

_HASH_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


@pytest.mark.parametrize("alg", list(ALGORITHMS))
def test_generated_keys_round_trip_through_a_key_set(alg: str) -> None:
    jwk = generate_jwk(alg)
    assert jwk["alg"] == alg
    assert jwk["use"] == "sig"
    assert jwk["kty"] == ALGORITHMS[alg]
    assert "key_ops" not in jwk
    keys = KeySet.from_config(json.dumps({"keys": [jwk]}))
    signer = keys.signer
    assert signer.kid == jwk["kid"]
    token = sign_with(signer, {"sub": "x"})
    assert verify_with(keys.get(jwt.get_unverified_header(token)["kid"]), token) == {"sub": "x"}
    if jwk["kty"] == "oct":
        assert len(base64url_decode(jwk["k"])) >= _HASH_BYTES[alg]
        # A random id: a thumbprint would be a hash of the secret.
        assert jwk["kid"] != jwk_thumbprint(jwk)
        assert len(jwk["kid"]) >= 16
    else:
        assert jwk["kid"] == jwk_thumbprint(jwk)
        assert "d" in jwk


def test_generated_keys_differ() -> None:
    first, second = generate_jwk("HS256"), generate_jwk("HS256")
    assert first["k"] != second["k"]
    assert first["kid"] != second["kid"]
    assert generate_jwk("EdDSA")["kid"] != generate_jwk("EdDSA")["kid"]


def test_generate_with_a_kid() -> None:
    assert generate_jwk("ES256", kid="2024-01")["kid"] == "2024-01"


@pytest.mark.parametrize(("alg", "kid"), [("none", None), ("HS1", None), ("ES256", "")])
def test_generate_refuses_bad_arguments(alg: str, kid: str | None) -> None:
    with pytest.raises(ValueError):
        generate_jwk(alg, kid)


def test_thumbprint_matches_rfc_8037() -> None:
    # RFC 8037, appendix A.1 and A.3.
    public = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    private = {**public, "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A", "kid": "x"}
    assert jwk_thumbprint(public) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert jwk_thumbprint(private) == jwk_thumbprint(public)


@pytest.mark.parametrize(
    "jwk",
    [{}, {"kty": "XYZ"}, {"kty": "RSA", "n": "abc"}, {"kty": "EC", "crv": 1, "x": "", "y": ""}],
)
def test_thumbprint_needs_a_complete_key(jwk: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="not a complete JWK"):
        jwk_thumbprint(jwk)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _kids(path: Path) -> list[str]:
    return [jwk["kid"] for jwk in json.loads(path.read_text())["keys"]]


def test_add_key_creates_a_private_file(tmp_path: Path, make_jwk: JWKFactory) -> None:
    path = tmp_path / "jwks.json"
    add_key_to_file(path, make_jwk("ES256", "one"))
    assert _mode(path) == 0o600
    assert _kids(path) == ["one"]
    assert KeySet.from_config(path).signer.kid == "one"
    assert os.listdir(tmp_path) == ["jwks.json"]


def test_add_key_appends_or_makes_the_signer(tmp_path: Path, make_jwk: JWKFactory) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [], "comment": "kept"}))
    path.chmod(0o644)
    add_key_to_file(str(path), make_jwk("HS256", "a"))
    add_key_to_file(path, make_jwk("RS256", "b"))
    assert _kids(path) == ["a", "b"]
    add_key_to_file(path, make_jwk("EdDSA", "c"), make_signer=True)
    assert _kids(path) == ["c", "a", "b"]
    assert json.loads(path.read_text())["comment"] == "kept"
    assert _mode(path) == 0o600
    assert KeySet.from_config(path).signer.kid == "c"


def test_add_key_refuses_duplicate_kids(tmp_path: Path, make_jwk: JWKFactory) -> None:
    path = tmp_path / "jwks.json"
    add_key_to_file(path, make_jwk("HS256", "same"))
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="already has a key with kid 'same'"):
        add_key_to_file(path, make_jwk("ES256", "same"), make_signer=True)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{oops", "not valid JSON"),
        ("[]", "must be a JWK Set"),
        ('{"keys": 3}', '"keys" must be a list'),
    ],
)
def test_add_key_refuses_bad_files(
    tmp_path: Path, make_jwk: JWKFactory, content: str, message: str
) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(content)
    with pytest.raises(RuntimeError, match=message):
        add_key_to_file(path, make_jwk("HS256"))
    assert path.read_text() == content


def test_add_key_refuses_unreadable_files(tmp_path: Path, make_jwk: JWKFactory) -> None:
    with pytest.raises(RuntimeError, match="cannot read the JWK Set file"):
        add_key_to_file(tmp_path, make_jwk("HS256"))


def test_add_key_refuses_invalid_keys(tmp_path: Path, make_jwk: JWKFactory) -> None:
    with pytest.raises(RuntimeError, match="^JWT_KEYS: cannot add the key: .*needs a 'kid'"):
        add_key_to_file(tmp_path / "jwks.json", make_jwk("HS256", kid=None))
    assert not (tmp_path / "jwks.json").exists()


def test_a_failed_write_leaves_the_file_and_no_temporary_file(
    tmp_path: Path, make_jwk: JWKFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "jwks.json"
    add_key_to_file(path, make_jwk("HS256", "a"))
    before = path.read_bytes()

    def fail(source: str, destination: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        add_key_to_file(path, make_jwk("HS384", "b"))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["jwks.json"]
