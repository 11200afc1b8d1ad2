"""``flask jwt keys generate`` and ``flask jwt keys show``."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from flask_jwt_kit.keys import generate_jwk
from tests.cli.conftest import Run, runner_for
from tests.conftest import AppFactory

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k"}


def key_set(path: Path) -> list[dict[str, str]]:
    keys: list[dict[str, str]] = json.loads(path.read_text())["keys"]
    return keys


def test_generate_to_a_new_file(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "keys.json"
    result = run("keys", "generate", "--out", str(out))
    assert result.exit_code == 0, result.output
    (key,) = key_set(out)
    assert (key["kty"], key["alg"], key["crv"]) == ("EC", "ES256", "P-256")
    assert "d" in key
    assert result.output == f"Added ES256 key {key['kid']!r} to {out} (mode 0600).\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_generate_appends_or_makes_a_signer(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "keys.json"
    run("keys", "generate", "--out", str(out), "--kid", "old")
    result = run("keys", "generate", "--out", str(out), "--kid", "new", "--alg", "EdDSA")
    assert result.exit_code == 0
    result = run("keys", "generate", "--out", str(out), "--kid", "next", "--signer")
    assert result.output == f"Added ES256 signing key 'next' to {out} (mode 0600).\n"
    assert [(k["kid"], k["alg"]) for k in key_set(out)] == [
        ("next", "ES256"),
        ("old", "ES256"),
        ("new", "EdDSA"),
    ]


def test_generate_into_jwt_keys_file(make_app: AppFactory, tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [generate_jwk("ES256", "first")]}))
    for setting in (str(path), path):
        app = make_app(JWT_KEYS=setting)
        result = runner_for(app)("keys", "generate", "--alg", "RS256")
        assert result.exit_code == 0, result.output
    assert [k["alg"] for k in key_set(path)] == ["ES256", "RS256", "RS256"]


@pytest.mark.parametrize("setting", ["none", "dict", "json"])
def test_generate_needs_a_path(make_app: AppFactory, setting: str) -> None:
    jwks = {"keys": [generate_jwk("ES256", "k")]}
    value = {"none": None, "dict": jwks, "json": json.dumps(jwks)}[setting]
    result = runner_for(make_app(JWT_KEYS=value))("keys", "generate")
    assert result.exit_code == 2
    assert "no --out given, and JWT_KEYS is not a file path" in result.output


def test_generate_duplicate_kid(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "keys.json"
    run("keys", "generate", "--out", str(out), "--kid", "k1")
    result = run("keys", "generate", "--out", str(out), "--kid", "k1")
    assert result.exit_code == 1
    assert "already has a key with kid 'k1'" in result.output
    assert len(key_set(out)) == 1


def test_generate_bad_input(run: Run, tmp_path: Path) -> None:
    out = str(tmp_path / "keys.json")
    result = run("keys", "generate", "--out", out, "--kid", "")
    assert result.exit_code == 2
    assert "Invalid value for '--kid': kid must be a non-empty string" in result.output
    result = run("keys", "generate", "--out", out, "--alg", "none")
    assert result.exit_code == 2
    assert "Invalid value for '--alg'" in result.output
    assert not Path(out).exists()


def test_generate_unreadable_file(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "keys.json"
    out.write_text("not json")
    result = run("keys", "generate", "--out", str(out))
    assert result.exit_code == 1
    assert "the JWK Set is not valid JSON" in result.output


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("missing/dir/keys.json", "No such file or directory"),
        ("a-file/keys.json", "Not a directory"),
    ],
)
def test_generate_unwritable_file(run: Run, tmp_path: Path, where: str, reason: str) -> None:
    (tmp_path / "a-file").write_text("")
    out = tmp_path / where
    result = run("keys", "generate", "--out", str(out))
    assert (result.exit_code, result.output) == (
        1,
        f"Error: cannot write the JWK Set file: {reason}: {str(out)!r}\n",
    )
    assert isinstance(result.exception, SystemExit)
    assert not out.exists()


def test_show_public_keys_only(make_app: AppFactory, tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    keys = [generate_jwk("ES256", "ec"), generate_jwk("HS256", "hmac"), generate_jwk("RS256")]
    path.write_text(json.dumps({"keys": keys}))
    result = runner_for(make_app(JWT_KEYS=str(path)))("keys", "show")
    assert result.exit_code == 0
    shown = json.loads(result.output)["keys"]
    assert [k["kid"] for k in shown] == ["ec", keys[2]["kid"]]
    assert not any(PRIVATE_MEMBERS & set(k) for k in shown)


def test_show_without_keys(run: Run) -> None:
    result = run("keys", "show")
    assert (result.exit_code, json.loads(result.output)) == (0, {"keys": []})
