"""Helpers and key material for the core tests.

Asymmetric keys are generated once per session with ``cryptography``; the
helpers here build tokens by hand with PyJWT (to get shapes the extension
would never issue) and read tokens back without the extension.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from flask import Flask

from flask_jwt_kit.state import AppState
from tests.conftest import SECRET


@dataclass(frozen=True)
class KeyPair:
    """A PEM key pair (text)."""

    private: str
    public: str


def _pem_pair(private_key: Any) -> KeyPair:
    private = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private, public)


#: Every asymmetric algorithm, with the kind of key it needs.
ASYMMETRIC = {
    "RS256": "rsa",
    "RS384": "rsa",
    "RS512": "rsa",
    "PS256": "rsa",
    "PS384": "rsa",
    "PS512": "rsa",
    "ES256": "p256",
    "ES384": "p384",
    "ES512": "p521",
    "EdDSA": "ed25519",
}
SYMMETRIC = ("HS256", "HS384", "HS512")


@pytest.fixture(scope="session")
def key_pairs() -> dict[str, KeyPair]:
    """One PEM key pair per key kind of :data:`ASYMMETRIC` (plus a second RSA pair)."""
    return {
        "rsa": _pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "rsa2": _pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "p256": _pem_pair(ec.generate_private_key(ec.SECP256R1())),
        "p384": _pem_pair(ec.generate_private_key(ec.SECP384R1())),
        "p521": _pem_pair(ec.generate_private_key(ec.SECP521R1())),
        "ed25519": _pem_pair(ed25519.Ed25519PrivateKey.generate()),
    }


def state_of(app: Flask) -> AppState:
    """The extension's per-app state."""
    state: AppState = app.extensions["flask-jwt-kit.state"]
    return state


def raw_token(
    claims: dict[str, Any],
    key: Any = SECRET,
    algorithm: str = "HS256",
    headers: dict[str, Any] | None = None,
) -> str:
    """A token signed directly with PyJWT, with exactly *claims*."""
    return jwt.encode(claims, key, algorithm, headers)


def read_claims(token: str, key: Any = SECRET, algorithms: tuple[str, ...] = ("HS256",)) -> Any:
    """The claims of *token*, signature checked with PyJWT; time claims not checked.

    (The test clock is not the real clock, so PyJWT's own time checks are off.)
    """
    return jwt.decode(
        token,
        key,
        list(algorithms),
        options={
            "verify_exp": False,
            "verify_iat": False,
            "verify_nbf": False,
            "verify_aud": False,
            "verify_sub": False,
        },
    )


def is_uuid4(value: Any) -> bool:
    """Whether *value* is a uuid4 in its canonical string form."""
    if not isinstance(value, str):
        return False
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    return parsed.version == 4 and str(parsed) == value
