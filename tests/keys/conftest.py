"""Key material for the key tests, generated at test time with cryptography.

Keys are generated once per session and handed out as fresh copies, so a
test may change what it gets. The ``clock``, ``oidc_provider`` and
``loopback_listener`` fixtures come from the root conftest.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from jwt.algorithms import get_default_algorithms

from flask_jwt_kit.keys import Key

#: Every algorithm a key may have, with the key type it needs.
ALGORITHMS: dict[str, str] = {
    "HS256": "oct",
    "HS384": "oct",
    "HS512": "oct",
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "EC",
    "ES384": "EC",
    "ES512": "EC",
    "ES256K": "EC",
    "EdDSA": "OKP",
}

#: JWK members that hold private or secret material.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

_EC_CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
    "secp256k1": ec.SECP256K1(),
}
_CURVE_OF_ALG = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "ES256K": "secp256k1"}
_HMAC_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


def _new_private_jwk(alg: str, curve: str | None, rsa_bits: int) -> dict[str, Any]:
    kty = ALGORITHMS[alg]
    material: Any
    if kty == "oct":
        material = secrets.token_bytes(_HMAC_BYTES[alg])
    elif kty == "RSA":
        material = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    elif kty == "EC":
        material = ec.generate_private_key(_EC_CURVES[curve or _CURVE_OF_ALG[alg]])
    elif curve == "Ed448":
        material = ed448.Ed448PrivateKey.generate()
    else:
        material = ed25519.Ed25519PrivateKey.generate()
    # The algorithm object only serialises; any of the key type's will do.
    jwk = dict(get_default_algorithms()[alg].to_jwk(material, as_dict=True))
    jwk.pop("key_ops", None)
    return jwk


class JWKFactory:
    """Make JWKs: ``make_jwk("ES256", "kid-1")``.

    :param alg: the algorithm, written into the JWK unless ``with_alg`` is false.
    :param kid: the key id, ``None`` to leave it out.
    :param curve: another curve than the algorithm's (``"Ed448"``, or a
        mismatching one).
    :param public: drop the private members.
    :param rsa_bits: the RSA modulus size.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str | None, int], dict[str, Any]] = {}

    def __call__(
        self,
        alg: str,
        kid: str | None = "kid-1",
        *,
        curve: str | None = None,
        public: bool = False,
        with_alg: bool = True,
        rsa_bits: int = 2048,
    ) -> dict[str, Any]:
        cache_key = (alg, curve, rsa_bits)
        if cache_key not in self._cache:
            self._cache[cache_key] = _new_private_jwk(alg, curve, rsa_bits)
        jwk = copy.deepcopy(self._cache[cache_key])
        if public:
            jwk = {name: value for name, value in jwk.items() if name not in PRIVATE_MEMBERS}
        if kid is not None:
            jwk["kid"] = kid
        if with_alg:
            jwk["alg"] = alg
        return jwk


@pytest.fixture(scope="session")
def make_jwk() -> JWKFactory:
    """A factory of private (or public) JWKs for every algorithm."""
    return JWKFactory()


def sign_with(key: Key, claims: dict[str, Any], **headers: Any) -> str:
    """A token signed by ``key``, with its ``kid`` unless ``headers`` say otherwise."""
    signing_key: Any = key.signing_key
    return jwt.encode(claims, signing_key, algorithm=key.alg, headers={"kid": key.kid, **headers})


def verify_with(key: Key, token: str, **options: Any) -> dict[str, Any]:
    """The claims of ``token`` verified with ``key`` and its algorithm only."""
    verifying_key: Any = key.verifying_key
    claims: dict[str, Any] = jwt.decode(token, verifying_key, algorithms=[key.alg], **options)
    return claims
