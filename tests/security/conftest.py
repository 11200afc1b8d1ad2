"""Shared pieces of the security tests: key material, token forgery, the refusal check.

Forged tokens are built by hand here (base64url and HMAC from the standard
library) because an attacker does not use PyJWT's safe defaults: PyJWT
refuses to sign with a PEM key as an HMAC secret, or to produce ``none``
tokens with signatures, which is exactly what these tests need to send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from flask import Flask, jsonify
from flask.testing import FlaskClient
from jwt.algorithms import get_default_algorithms
from werkzeug.test import TestResponse

from flask_jwt_kit import create_access_token, create_refresh_token, get_jwt_identity, jwt_required
from tests.conftest import SECRET, AppFactory, Clock

#: Every location a token may be read from.
ALL_LOCATIONS = ("headers", "cookies", "query_string", "json")

#: Statuses a refusal may have: unauthorised, forbidden, invalid, too large.
REFUSAL_STATUSES = (401, 403, 413, 422)

_HASHES: dict[str, Callable[[], Any]] = {
    "HS256": hashlib.sha256,
    "HS384": hashlib.sha384,
    "HS512": hashlib.sha512,
}

#: Text that must never reach a response body: the app's secret, key markers,
#: the words of a Python stack trace.
_NEVER_IN_BODY = (SECRET, "-----BEGIN", "PRIVATE KEY", "Traceback", 'File "')


# --------------------------------------------------------------------------- refusal


def assert_refused(
    response: TestResponse,
    *,
    token: str | None = None,
    leaks: Iterable[str] = (),
    statuses: Iterable[int] = REFUSAL_STATUSES,
) -> str:
    """Check that *response* refused the request cleanly, and return its message.

    Refused means: a status of *statuses*, a JSON object body holding the
    message under ``msg``, and nothing that helps an attacker: no stack
    trace, no secret or key material (the app's ``SECRET`` and every string
    of *leaks*), and no echo of the submitted *token* or of any of its
    segments.
    """
    allowed = tuple(statuses)
    text = response.get_data(as_text=True)
    assert response.status_code in allowed, (response.status_code, text[:300])
    body = response.get_json(silent=True)
    assert isinstance(body, dict), text[:300]
    message = body.get("msg")
    assert isinstance(message, str) and message, body
    for secret in (*_NEVER_IN_BODY, *leaks):
        assert secret not in text, f"{secret[:20]!r}... leaked in {text[:300]!r}"
    if token:
        assert token not in text, "the token is echoed back"
        for part in token.split("."):
            # Short segments ("e30", "") could match by chance; real ones cannot.
            if len(part) >= 12:
                assert part not in text, f"a token segment is echoed back: {part[:20]}"
    return message


# --------------------------------------------------------------------------- forgery


def b64url(data: bytes) -> str:
    """Base64url without padding, as JWS uses."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(value: Any) -> str:
    """A token segment: raw bytes as they are, anything else as compact JSON."""
    if isinstance(value, bytes):
        return b64url(value)
    return b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def forge(header: Any, claims: Any, signature: bytes = b"") -> str:
    """A compact token with any header, claims and signature bytes."""
    return f"{segment(header)}.{segment(claims)}.{b64url(signature)}"


def hmac_sign(header: Any, claims: Any, key: bytes | str, alg: str = "HS256") -> str:
    """A compact token whose HMAC signature is computed with *key*, whatever the header says."""
    signing_input = f"{segment(header)}.{segment(claims)}"
    secret = key.encode("utf-8") if isinstance(key, str) else key
    digest = hmac.new(secret, signing_input.encode("ascii"), _HASHES[alg]).digest()
    return f"{signing_input}.{b64url(digest)}"


def app_signed(header: Any, claims: Any, alg: str = "HS256") -> str:
    """A token signed with the test app's own secret: only its structure can be refused."""
    return hmac_sign(header, claims, SECRET, alg)


def claims_at(clock: Clock, **overrides: Any) -> dict[str, Any]:
    """The claims of a valid access token at the clock's time; overrides win.

    An override of :data:`DROP` removes the claim.
    """
    now = int(clock())
    claims: dict[str, Any] = {
        "sub": "alice",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "jti-1",
        "type": "access",
        "fresh": False,
        "csrf": "csrf-1",
    }
    for name, value in overrides.items():
        if value is DROP:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


DROP = object()

HS256_HEADER: dict[str, Any] = {"alg": "HS256", "typ": "JWT"}


def access_token(app: Flask, identity: str = "alice", **kwargs: Any) -> str:
    """A genuine access token of *app*."""
    with app.app_context():
        return create_access_token(identity, **kwargs)


def refresh_token(app: Flask, identity: str = "alice", **kwargs: Any) -> str:
    """A genuine refresh token of *app*."""
    with app.app_context():
        return create_refresh_token(identity, **kwargs)


def csrf_of(token: str) -> str:
    """The ``csrf`` claim of a token (read without verifying: tests only)."""
    payload = token.split(".")[1]
    value = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["csrf"]
    assert isinstance(value, str)
    return value


# --------------------------------------------------------------------------- requests


def send(
    client: FlaskClient,
    token: str,
    location: str,
    *,
    path: str = "/protected",
    method: str = "GET",
    csrf: str | None = None,
    refresh: bool = False,
) -> TestResponse:
    """Send *token* from *location*; for cookies on POST, *csrf* goes in the header."""
    headers: dict[str, str] = {}
    kwargs: dict[str, Any] = {}
    if location == "headers":
        headers["Authorization"] = f"Bearer {token}"
    elif location == "cookies":
        name = "refresh_token_cookie" if refresh else "access_token_cookie"
        client.set_cookie(name, token)
        if csrf is not None:
            headers["X-CSRF-TOKEN"] = csrf
    elif location == "query_string":
        kwargs["query_string"] = {"jwt": token}
    else:
        method = "POST"
        kwargs["json"] = {"refresh_token" if refresh else "access_token": token}
    return client.open(path, method=method, headers=headers, **kwargs)


def add_scoped_view(app: Flask) -> None:
    """``/scoped``: needs the ``read`` scope."""

    def view() -> Any:
        return jsonify(identity=get_jwt_identity())

    app.add_url_rule("/scoped", "scoped", jwt_required(scopes="read")(view))


@pytest.fixture
def all_locations_app(make_app: AppFactory) -> Flask:
    """An app reading tokens from every location, with a ``/scoped`` view."""
    app = make_app(JWT_TOKEN_LOCATION=list(ALL_LOCATIONS))
    add_scoped_view(app)
    return app


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class KeyPair:
    """An asymmetric key pair of the server, in every form an attacker may try."""

    alg: str
    private_key: Any = field(repr=False)
    public_key: Any = field(repr=False)
    private_pem: str = field(repr=False)
    public_pem: str = field(repr=False)
    #: The public key serialised every way it may be published or configured,
    #: each a candidate "HMAC secret" for a key confusion attack.
    public_forms: Mapping[str, bytes] = field(repr=False)
    #: Text forms of the private numbers: none may ever reach a response.
    private_texts: tuple[str, ...] = field(repr=False)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Hypothesis prints failing examples with this: keep keys out of it.
        printer.text(repr(self))


def _public_forms(public: Any, alg: str) -> dict[str, bytes]:
    enc, fmt = serialization.Encoding, serialization.PublicFormat
    pem = public.public_bytes(enc.PEM, fmt.SubjectPublicKeyInfo)
    jwk = get_default_algorithms()[alg].to_jwk(public, as_dict=True)
    forms = {
        "pem": pem,
        "pem-stripped": pem.strip(),
        "pem-crlf": pem.replace(b"\n", b"\r\n"),
        "der": public.public_bytes(enc.DER, fmt.SubjectPublicKeyInfo),
        "openssh": public.public_bytes(enc.OpenSSH, fmt.OpenSSH),
        "jwk": json.dumps(jwk, separators=(",", ":")).encode(),
        "jwk-spaced": json.dumps(jwk).encode(),
        "jwk-set": json.dumps({"keys": [jwk]}).encode(),
    }
    if isinstance(public, rsa.RSAPublicKey):
        forms["pkcs1-pem"] = public.public_bytes(enc.PEM, fmt.PKCS1)
        forms["pkcs1-der"] = public.public_bytes(enc.DER, fmt.PKCS1)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        forms["x962-point"] = public.public_bytes(enc.X962, fmt.UncompressedPoint)
    else:
        forms["raw"] = public.public_bytes(enc.Raw, fmt.Raw)
    return forms


def _private_texts(private: Any, alg: str) -> tuple[str, ...]:
    jwk = get_default_algorithms()[alg].to_jwk(private, as_dict=True)
    texts = [jwk["d"]]
    if isinstance(private, rsa.RSAPrivateKey):
        numbers = private.private_numbers()
        for n in (numbers.d, numbers.p, numbers.q):
            texts += [str(n), format(n, "x")]
        texts += [jwk["p"], jwk["q"]]
    elif isinstance(private, ec.EllipticCurvePrivateKey):
        value = private.private_numbers().private_value
        texts += [str(value), format(value, "x")]
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    # Each base64 line of the private PEM is as secret as the whole.
    texts += [line for line in pem.splitlines() if not line.startswith("-----")]
    return tuple(texts)


def _key_pair(alg: str, private: Any) -> KeyPair:
    public = private.public_key()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return KeyPair(
        alg,
        private,
        public,
        private_pem,
        public_pem,
        _public_forms(public, alg),
        _private_texts(private, alg),
    )


def _generate(alg: str) -> KeyPair:
    private: Any
    if alg.startswith(("RS", "PS")):
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif alg == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    elif alg == "ES384":
        private = ec.generate_private_key(ec.SECP384R1())
    else:
        private = ed25519.Ed25519PrivateKey.generate()
    return _key_pair(alg, private)


#: The asymmetric algorithms the server is tested with, one key each.
SERVER_ALGORITHMS = ("RS256", "PS256", "ES256", "ES384", "EdDSA")


@pytest.fixture(scope="session")
def server_keys() -> dict[str, KeyPair]:
    """One server key pair per algorithm of :data:`SERVER_ALGORITHMS` (RS/PS share one)."""
    rsa_pair = _generate("RS256")
    keys = {alg: _generate(alg) for alg in SERVER_ALGORITHMS if not alg.startswith(("RS", "PS"))}
    keys["RS256"] = rsa_pair
    keys["PS256"] = _key_pair("PS256", rsa_pair.private_key)
    return keys


@pytest.fixture(scope="session")
def attacker_rsa() -> KeyPair:
    """A key pair the attacker controls."""
    return _generate("RS256")


def asymmetric_app(make_app: AppFactory, pair: KeyPair, **config: Any) -> Flask:
    """An app signing with *pair*'s private key and verifying with its public PEM."""
    settings: dict[str, Any] = {
        "JWT_ALGORITHM": pair.alg,
        "JWT_PRIVATE_KEY": pair.private_pem,
        "JWT_PUBLIC_KEY": pair.public_pem,
    }
    settings.update(config)
    return make_app(**settings)
