"""JSON Web Keys: one JWK checked and prepared as a :class:`Key` for PyJWT.

The algorithm of a key comes from its configuration, never from a token,
and its key type (and curve) must match that algorithm. Weak keys (HMAC
secrets shorter than the hash, RSA below 2048 bits) are refused.

Nothing here performs cryptography by hand: PyJWT (:class:`jwt.PyJWK` and
:mod:`jwt.algorithms`) loads and exports keys, ``cryptography`` generates
them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from jwt.algorithms import Algorithm, get_default_algorithms

from .exceptions import InvalidKeyIdError

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "SUPPORTED_ALGORITHMS",
    "Key",
    "check_kid",
    "generate_jwk",
    "jwk_thumbprint",
    "key_from_jwk",
]

#: The key type (``kty``) each algorithm needs.
KTY_OF_ALG: dict[str, str] = {
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

#: The curves (``crv``) each elliptic-curve or Edwards algorithm accepts.
_CURVES_OF_ALG: dict[str, tuple[str, ...]] = {
    "ES256": ("P-256",),
    "ES384": ("P-384",),
    "ES512": ("P-521",),
    "ES256K": ("secp256k1",),
    "EdDSA": ("Ed25519", "Ed448"),
}

#: Minimum HMAC key length in bytes: the hash output size (RFC 7518, 3.2).
_HMAC_KEY_BYTES: dict[str, int] = {"HS256": 32, "HS384": 48, "HS512": 64}

#: Minimum RSA modulus size in bits (RFC 7518, 3.3).
_RSA_MIN_BITS = 2048

#: The public members of each key type, which are also the members hashed by
#: an RFC 7638 thumbprint. Public JWKs are built from this allow-list, so
#: private members (``d``, ``p``, ``q``, ``dp``, ``dq``, ``qi``, ``oth``)
#: can never reach them.
_PUBLIC_MEMBERS: dict[str, tuple[str, ...]] = {
    "RSA": ("e", "n"),
    "EC": ("crv", "x", "y"),
    "OKP": ("crv", "x"),
}
_REQUIRED_MEMBERS: dict[str, tuple[str, ...]] = {"oct": ("k",), **_PUBLIC_MEMBERS}

#: PyJWT's algorithm objects; asymmetric ones exist only with ``cryptography``.
_ALGORITHMS = get_default_algorithms()

#: Every algorithm a key may be configured with, in a stable order. ES256K is
#: listed only when PyJWT offers it (with ``cryptography`` installed).
SUPPORTED_ALGORITHMS: tuple[str, ...] = tuple(
    alg for alg in KTY_OF_ALG if alg != "ES256K" or "ES256K" in _ALGORITHMS
)
#: The supported algorithms that use a public/private key pair.
ASYMMETRIC_ALGORITHMS: tuple[str, ...] = tuple(
    alg for alg in SUPPORTED_ALGORITHMS if KTY_OF_ALG[alg] != "oct"
)


@dataclass(frozen=True, eq=False)
class Key:
    """One key, prepared for PyJWT.

    Verify a token with ``jwt.decode(token, key.verifying_key,
    algorithms=[key.alg])``: the algorithm is the key's, never the token's.
    Key material is left out of ``repr()``, and keys compare by identity,
    so secrets are never compared byte by byte.
    """

    #: The key id, sent in the ``kid`` header of the tokens it signs.
    kid: str
    #: The JWS algorithm, such as ``"RS256"``, ``"EdDSA"`` or ``"HS256"``.
    alg: str
    #: The JWK key type: ``"oct"``, ``"RSA"``, ``"EC"`` or ``"OKP"``.
    kty: str
    #: What :func:`jwt.encode` accepts: a private key object, the secret bytes
    #: of an ``oct`` key, or ``None`` when only the public key is known.
    signing_key: object | None = field(repr=False)
    #: What :func:`jwt.decode` accepts: a public key object or secret bytes.
    verifying_key: object = field(repr=False)
    #: The public JWK (``kty``, public members, ``kid``, ``alg``, ``use``);
    #: ``None`` for ``oct`` keys, which have no public part.
    public_jwk: dict[str, Any] | None = field(repr=False)


def check_kid(kid: object) -> str:
    """Return a token's ``kid`` header if it can name a key.

    :param kid: the ``kid`` header value, of any type.
    :raises InvalidKeyIdError: if it is missing, not a string or empty. The
        message never repeats the value.
    """
    if kid is None:
        raise InvalidKeyIdError("Token has no 'kid' header")
    if not isinstance(kid, str) or not kid:
        raise InvalidKeyIdError("Invalid 'kid' header")
    return kid


def _short(value: object) -> str:
    """``repr`` of a configured value, cut short for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def key_from_jwk(jwk: Mapping[str, Any], alg: str | None = None) -> Key:
    """Prepare one JWK as a :class:`Key`.

    :param jwk: the JWK; it needs a string ``kid``.
    :param alg: the algorithm to bind the key to; default the JWK's ``alg``,
        which then must be present. When both are given they must agree.
    :raises ValueError: if the JWK is malformed, its type does not match the
        algorithm, the algorithm is not supported, or the key is too weak.
        The message names no key material.
    """
    if not isinstance(jwk, Mapping):
        raise ValueError("a JWK must be a JSON object")
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not kid:
        raise ValueError("every key needs a 'kid' (a non-empty string)")
    declared = jwk.get("alg")
    if alg is None:
        if declared is None:
            raise ValueError(f"key {kid!r} needs an 'alg'")
        alg = declared
    elif declared is not None and declared != alg:
        raise ValueError(f"key {kid!r} is for {_short(declared)}, not {alg}")
    algorithm = _algorithm(alg)
    if jwk.get("use", "sig") != "sig":
        raise ValueError(f"key {kid!r} has 'use' {_short(jwk['use'])}; only 'sig' keys sign")
    may_sign = _may_sign(kid, jwk.get("key_ops"))
    kty = jwk.get("kty")
    if not isinstance(kty, str) or kty not in _REQUIRED_MEMBERS:
        raise ValueError(
            f"key {kid!r} has unknown 'kty' {_short(kty)}; accepted: oct, RSA, EC, OKP"
        )
    if kty != KTY_OF_ALG[alg]:
        raise ValueError(f"key {kid!r} of type {kty} cannot be used with {alg}")
    for member in _REQUIRED_MEMBERS[kty]:
        if not isinstance(jwk.get(member), str) or not jwk[member]:
            raise ValueError(f"key {kid!r} needs a string '{member}'")
    if not isinstance(jwk.get("d", ""), str):
        raise ValueError(f"key {kid!r} has a 'd' that is not a string")
    if alg in _CURVES_OF_ALG and jwk["crv"] not in _CURVES_OF_ALG[alg]:
        raise ValueError(f"key {kid!r} on curve {_short(jwk['crv'])} cannot be used with {alg}")
    try:
        material: Any = jwt.PyJWK(dict(jwk), algorithm=alg).key
    except Exception:
        # PyJWT and cryptography raise many types here, and their messages
        # may quote the key: report neither.
        raise ValueError(f"key {kid!r} holds invalid {kty} key material") from None
    if kty == "oct":
        if len(material) < _HMAC_KEY_BYTES[alg]:
            raise ValueError(
                f"key {kid!r} is too short for {alg}: "
                f"it needs at least {_HMAC_KEY_BYTES[alg]} bytes"
            )
        return Key(kid, alg, kty, material if may_sign else None, material, None)
    private = "d" in jwk
    public = material.public_key() if private else material
    if kty == "RSA" and public.key_size < _RSA_MIN_BITS:
        raise ValueError(f"key {kid!r} is too small: RSA keys need {_RSA_MIN_BITS} bits or more")
    exported = algorithm.to_jwk(public, as_dict=True)
    public_jwk = {"kty": kty, **{m: exported[m] for m in _PUBLIC_MEMBERS[kty]}}
    public_jwk.update(kid=kid, alg=alg, use="sig")
    return Key(kid, alg, kty, material if private and may_sign else None, public, public_jwk)


def _may_sign(kid: str, key_ops: object) -> bool:
    """Whether ``key_ops`` (RFC 7517 4.3; absent: any) lets the key sign.

    :raises ValueError: ``key_ops`` is malformed or does not allow ``verify``.
    """
    if key_ops is None:
        return True
    if not isinstance(key_ops, list) or not all(isinstance(op, str) for op in key_ops):
        raise ValueError(f"key {kid!r} has 'key_ops' that is not a list of strings")
    if "verify" not in key_ops:
        raise ValueError(f"key {kid!r} has 'key_ops' without 'verify'; only signature keys serve")
    return "sign" in key_ops


def _algorithm(alg: object) -> Algorithm:
    """PyJWT's implementation of a supported algorithm, or ``ValueError``."""
    if not isinstance(alg, str) or alg not in SUPPORTED_ALGORITHMS:
        raise ValueError(
            f"unsupported 'alg' {_short(alg)}; accepted: {', '.join(SUPPORTED_ALGORITHMS)}"
        )
    if alg not in _ALGORITHMS:
        raise ValueError(
            f"{alg} needs the 'cryptography' package: pip install Flask-JWT-Kit[crypto]"
        )
    return _ALGORITHMS[alg]


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a JWK, base64url-encoded.

    :param jwk: a public or private JWK; only its public members count.
    :raises ValueError: if the key type is unknown or a member is missing.
    """
    members = _REQUIRED_MEMBERS.get(str(jwk.get("kty")))
    if members is None or not all(isinstance(jwk.get(m), str) for m in members):
        raise ValueError("not a complete JWK of type oct, RSA, EC or OKP")
    canonical = json.dumps(
        {m: jwk[m] for m in ("kty", *members)}, sort_keys=True, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def generate_jwk(alg: str, kid: str | None = None) -> dict[str, Any]:
    """Generate a new private JWK for ``alg``.

    RSA keys have 2048 bits, ``EdDSA`` keys use Ed25519, and ``oct`` keys
    hold as many random bytes as the hash outputs.

    :param alg: one of :data:`SUPPORTED_ALGORITHMS`.
    :param kid: the key id; default the key's RFC 7638 thumbprint, or a
        random id for ``oct`` keys (whose thumbprint would hash the secret).
    :returns: the JWK with ``kid``, ``alg`` and ``use`` set to ``"sig"``.
    :raises ValueError: if ``alg`` is not supported or ``kid`` is empty.
    """
    algorithm = _algorithm(alg)
    if kid is not None and (not isinstance(kid, str) or not kid):
        raise ValueError("kid must be a non-empty string")
    kty = KTY_OF_ALG[alg]
    material: Any
    if kty == "oct":
        material = secrets.token_bytes(_HMAC_KEY_BYTES[alg])
    else:
        # Only reached when PyJWT found cryptography, so the import works.
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

        if kty == "RSA":
            material = rsa.generate_private_key(public_exponent=65537, key_size=_RSA_MIN_BITS)
        elif kty == "EC":
            curves: dict[str, type[ec.EllipticCurve]] = {
                "P-256": ec.SECP256R1,
                "P-384": ec.SECP384R1,
                "P-521": ec.SECP521R1,
                "secp256k1": ec.SECP256K1,
            }
            material = ec.generate_private_key(curves[_CURVES_OF_ALG[alg][0]]())
        else:
            material = ed25519.Ed25519PrivateKey.generate()
    jwk: dict[str, Any] = dict(algorithm.to_jwk(material, as_dict=True))
    # PyJWT adds "key_ops" to RSA keys; "use" says the same, and RFC 7517
    # advises against giving both.
    jwk.pop("key_ops", None)
    if kid is None:
        kid = secrets.token_urlsafe(16) if kty == "oct" else jwk_thumbprint(jwk)
    jwk.update(kid=kid, alg=alg, use="sig")
    return jwk
