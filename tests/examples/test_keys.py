"""examples/key_rotation.py (with the rotation steps of docs/guide/keys.rst) and
examples/trusted_issuers.py (against a real OpenID provider on loopback)."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from flask import Flask

from flask_jwt_kit import create_access_token
from tests.conftest import bearer
from tests.examples.conftest import body, example_app, login
from tests.plugins.oidc import OIDCProvider


@pytest.fixture
def keys_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "instance" / "keys.json"
    monkeypatch.setenv("JWT_KEYS_FILE", str(path))
    monkeypatch.delenv("JWT_SIGNING_KEY_ID", raising=False)
    return path


def kids(path: Path) -> list[str]:
    return [key["kid"] for key in json.loads(path.read_text())["keys"]]


def test_first_start_creates_a_private_key_file(keys_file: Path) -> None:
    app = example_app("key_rotation")
    [kid] = kids(keys_file)
    assert stat.S_IMODE(os.stat(keys_file).st_mode) == 0o600
    client = app.test_client()
    token = login(client)["access_token"]
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": kid, "typ": "JWT"}
    assert client.get("/me", headers=bearer(token)).json == {"username": "alice"}
    jwks = body(client.get("/.well-known/jwks.json"))
    assert [key["kid"] for key in jwks["keys"]] == [kid]
    assert "d" not in jwks["keys"][0]
    assert client.post("/login", json={}).status_code == 401


def test_rotation_without_downtime(keys_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = example_app("key_rotation")
    [old_kid] = kids(keys_file)
    old_token = login(app.test_client())["access_token"]

    # 1. Add the next key: every server verifies with it after a restart.
    result = app.test_cli_runner().invoke(
        args=["jwt", "keys", "generate", "--alg", "ES256", "--kid", "2026-01"]
    )
    assert result.exit_code == 0, result.output
    assert kids(keys_file) == [old_kid, "2026-01"]
    app = example_app("key_rotation")
    client = app.test_client()
    assert jwt.get_unverified_header(login(client)["access_token"])["kid"] == old_kid
    assert len(body(client.get("/.well-known/jwks.json"))["keys"]) == 2

    # 2. Once every server has it, sign with it.
    monkeypatch.setenv("JWT_SIGNING_KEY_ID", "2026-01")
    app = example_app("key_rotation")
    client = app.test_client()
    new_token = login(client)["access_token"]
    assert jwt.get_unverified_header(new_token)["kid"] == "2026-01"
    assert client.get("/me", headers=bearer(old_token)).status_code == 200

    # 3. When the old key's last tokens have expired, remove it.
    data = json.loads(keys_file.read_text())
    data["keys"] = [key for key in data["keys"] if key["kid"] != old_kid]
    keys_file.write_text(json.dumps(data))
    app = example_app("key_rotation")
    client = app.test_client()
    assert client.get("/me", headers=bearer(new_token)).status_code == 200
    response = client.get("/me", headers=bearer(old_token))
    assert response.status_code == 422
    assert response.json == {"msg": "Unknown key id"}


# --------------------------------------------------------------------------- issuers


def keycloak_like(provider: OIDCProvider) -> dict[str, Any]:
    return {
        "issuer": provider.issuer,
        "audience": "orders-api",
        "algorithms": ["RS256"],
        "identity_claim": "preferred_username",
    }


def auth0_like(provider: OIDCProvider) -> dict[str, Any]:
    return {
        "issuer": provider.issuer,
        "jwks_uri": provider.jwks_uri,
        "audience": "https://orders.acme.example",
        "algorithms": ["RS256"],
    }


@pytest.fixture
def issuers_app() -> Iterator[Flask]:
    yield example_app("trusted_issuers")


def test_the_documented_issuers_are_valid_settings(issuers_app: Flask) -> None:
    # The manager was built with them: every entry passed validation.
    issuers = issuers_app.extensions["flask-jwt-kit.state"].issuers
    assert list(issuers) == ["https://sso.example.com/realms/acme", "https://acme.eu.auth0.com/"]


def test_tokens_of_a_keycloak_like_provider(
    issuers_app: Flask, oidc_provider: OIDCProvider
) -> None:
    issuers_app.config["JWT_TRUSTED_ISSUERS"] = [keycloak_like(oidc_provider)]
    client = issuers_app.test_client()
    token = oidc_provider.sign(
        {"sub": "f81d4fae", "preferred_username": "carol", "aud": "orders-api", "exp": 4e9}
    )
    response = client.get("/orders", headers=bearer(token))
    assert response.json == {"orders": [], "for": "carol", "issuer": oidc_provider.issuer}
    assert oidc_provider.hits["/.well-known/openid-configuration"] == 1
    wrong_audience = oidc_provider.sign({"preferred_username": "carol", "aud": "other"})
    assert client.get("/orders", headers=bearer(wrong_audience)).status_code == 422


def test_tokens_of_an_auth0_like_provider(issuers_app: Flask, oidc_provider: OIDCProvider) -> None:
    issuers_app.config["JWT_TRUSTED_ISSUERS"] = [auth0_like(oidc_provider)]
    client = issuers_app.test_client()
    token = oidc_provider.sign({"sub": "auth0|42", "aud": "https://orders.acme.example"})
    response = client.get("/orders", headers=bearer(token))
    assert body(response)["for"] == "auth0|42"
    assert oidc_provider.hits["/.well-known/openid-configuration"] == 0


def test_own_tokens_still_work_and_never_pass_for_the_provider(
    issuers_app: Flask, oidc_provider: OIDCProvider
) -> None:
    issuers_app.config["JWT_TRUSTED_ISSUERS"] = [keycloak_like(oidc_provider)]
    client = issuers_app.test_client()
    own = login(client)["access_token"]
    assert body(client.get("/orders", headers=bearer(own)))["issuer"] == "self"
    assert client.post("/login", json={}).status_code == 401
    # Signed with our secret but naming the provider: only its keys count.
    with issuers_app.app_context():
        forged = create_access_token(
            "carol", additional_claims={"iss": oidc_provider.issuer, "aud": "orders-api"}
        )
    assert client.get("/orders", headers=bearer(forged)).status_code == 422
