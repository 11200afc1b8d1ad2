"""Attacks through JOSE header parameters (RFC 8725 3.10; RFC 7515 4.1).

``jwk``, ``jku``, ``x5u``, ``x5c`` and ``kid`` never choose, fetch or read a
key: a listener on a loopback port must see zero connections, a ``kid``
naming a file or holding SQL or shell text selects nothing, and unknown
``crit`` entries or ``b64: false`` make the token invalid even when it is
signed with the app's own key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import jwt
import pytest
from flask import Flask
from jwt.algorithms import get_default_algorithms

from flask_jwt_kit import get_unverified_jwt_headers
from tests.conftest import SECRET, AppFactory, Clock, bearer
from tests.plugins.oidc import LoopbackListener, OIDCProvider
from tests.security.conftest import (
    HS256_HEADER,
    KeyPair,
    app_signed,
    assert_refused,
    asymmetric_app,
    b64url,
    claims_at,
    forge,
    hmac_sign,
    segment,
)


def _refused(app: Flask, token: str, pair: KeyPair | None = None) -> str:
    leaks = pair.private_texts if pair else ()
    response = app.test_client().get("/protected", headers=bearer(token))
    return assert_refused(response, token=token, leaks=leaks)


def _public_jwk(private: Any, alg: str, **extra: Any) -> dict[str, Any]:
    jwk = dict(get_default_algorithms()[alg].to_jwk(private.public_key(), as_dict=True))
    jwk.pop("key_ops", None)
    jwk.update(extra)
    return jwk


def _private_jwk(private: Any, alg: str, kid: str) -> dict[str, Any]:
    jwk = dict(get_default_algorithms()[alg].to_jwk(private, as_dict=True))
    jwk.pop("key_ops", None)
    jwk.update(kid=kid, alg=alg, use="sig")
    return jwk


# --------------------------------------------------------------------------- apps under test


@pytest.fixture(params=["secret", "rs256", "jwt-keys"])
def target(
    request: pytest.FixtureRequest, make_app: AppFactory, server_keys: dict[str, KeyPair]
) -> tuple[Flask, KeyPair | None]:
    """The three ways an app holds its keys: an HMAC secret, a PEM pair, a JWK Set."""
    pair = server_keys["RS256"]
    if request.param == "secret":
        return make_app(), None
    if request.param == "rs256":
        return asymmetric_app(make_app, pair), pair
    jwk = _private_jwk(pair.private_key, "RS256", "server-key")
    return make_app(JWT_KEYS={"keys": [jwk]}), pair


# --------------------------------------------------------------------------- embedded jwk


def test_embedded_jwk_with_the_attackers_rsa_key(
    target: tuple[Flask, KeyPair | None], attacker_rsa: KeyPair, clock: Clock
) -> None:
    app, pair = target
    jwk = _public_jwk(attacker_rsa.private_key, "RS256", kid="server-key")
    for header in (
        {"alg": "RS256", "jwk": jwk},
        {"alg": "RS256", "jwk": jwk, "kid": "server-key"},
        {"alg": "RS256", "jwk": jwk, "kid": jwk["n"][:16]},
    ):
        token = jwt.encode(claims_at(clock), attacker_rsa.private_key, "RS256", header)
        _refused(app, token, pair)


def test_embedded_jwk_with_an_attacker_hmac_secret(
    target: tuple[Flask, KeyPair | None], clock: Clock
) -> None:
    app, pair = target
    attacker_secret = b"attacker-chosen-" * 4
    jwk = {"kty": "oct", "k": b64url(attacker_secret), "alg": "HS256"}
    for header in (
        {"alg": "HS256", "jwk": jwk},
        {"alg": "HS256", "jwk": jwk, "kid": "server-key"},
    ):
        _refused(app, hmac_sign(header, claims_at(clock), attacker_secret), pair)


def test_embedded_jwk_is_ignored_next_to_the_apps_own_signature(app: Flask, clock: Clock) -> None:
    # The app's own signature with an attacker jwk in the header verifies
    # with the app's secret and means what the app signed; the same header
    # with admin claims signed by the jwk's secret fails.
    attacker_secret = b"x" * 32
    header = {"alg": "HS256", "jwk": {"kty": "oct", "k": b64url(attacker_secret)}}
    genuine = app_signed(header, claims_at(clock))
    response = app.test_client().get("/protected", headers=bearer(genuine))
    assert response.get_json()["identity"] == "alice"
    _refused(app, hmac_sign(header, claims_at(clock, sub="admin"), attacker_secret))


def test_x5c_chain_with_the_attackers_certificate_material(
    target: tuple[Flask, KeyPair | None], attacker_rsa: KeyPair, clock: Clock
) -> None:
    app, pair = target
    der = attacker_rsa.public_forms["der"]
    header = {"alg": "RS256", "x5c": [b64url(der)], "kid": "server-key"}
    token = jwt.encode(claims_at(clock), attacker_rsa.private_key, "RS256", header)
    _refused(app, token, pair)


# --------------------------------------------------------------------------- jku / x5u


def _url_headers(listener: LoopbackListener, kid: str) -> list[dict[str, Any]]:
    url = listener.url
    return [
        {"jku": url + "/jwks.json", "kid": kid},
        {"x5u": url + "/cert.pem", "kid": kid},
        {"jku": url, "x5u": url, "kid": kid},
        {"jku": url + "/.well-known/jwks.json"},
        {"x5u": url},
        {"jku": [url], "x5u": {"url": url}},
    ]


def test_jku_and_x5u_are_never_fetched(
    target: tuple[Flask, KeyPair | None],
    attacker_rsa: KeyPair,
    loopback_listener: LoopbackListener,
    clock: Clock,
) -> None:
    app, pair = target
    for extra in _url_headers(loopback_listener, "server-key"):
        rs = jwt.encode(
            claims_at(clock), attacker_rsa.private_key, "RS256", {"alg": "RS256", **extra}
        )
        _refused(app, rs, pair)
        hs = hmac_sign({"alg": "HS256", **extra}, claims_at(clock), b"attacker-" * 4)
        _refused(app, hs, pair)
    assert loopback_listener.connection_count() == 0


def test_jku_is_never_fetched_even_next_to_the_apps_own_signature(
    app: Flask, loopback_listener: LoopbackListener, clock: Clock
) -> None:
    # Signed with the app's own secret, so verification succeeds; the jku is
    # still not followed, and the token is used on its own merits.
    header = {"alg": "HS256", "jku": loopback_listener.url, "x5u": loopback_listener.url}
    token = app_signed(header, claims_at(clock))
    assert app.test_client().get("/protected", headers=bearer(token)).status_code == 200
    assert loopback_listener.connection_count() == 0


def test_jku_and_x5u_with_trusted_issuers(
    make_app: AppFactory,
    oidc_provider: OIDCProvider,
    attacker_rsa: KeyPair,
    loopback_listener: LoopbackListener,
    clock: Clock,
) -> None:
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
    claims = claims_at(clock, iss=oidc_provider.issuer, aud="my-api")
    for extra in _url_headers(loopback_listener, oidc_provider.current_kid):
        # The attacker's key, naming the provider's kid or an unknown one,
        # pointing at their own key server.
        for kid in (oidc_provider.current_kid, "attacker-kid"):
            header = {"alg": "RS256", **extra, "kid": kid}
            token = jwt.encode(claims, attacker_rsa.private_key, "RS256", header)
            _refused(app, token)
        # An issuer that is not trusted, at the listener's address.
        untrusted = claims_at(clock, iss=loopback_listener.url, aud="my-api")
        token = jwt.encode(untrusted, attacker_rsa.private_key, "RS256", {**extra})
        _refused(app, token)
    assert loopback_listener.connection_count() == 0
    # The provider was asked for its keys (its configured URL) and nothing else.
    assert set(oidc_provider.hits) <= {"/jwks.json"}


def test_a_trusted_issuers_genuine_token_with_jku_does_not_fetch_it(
    make_app: AppFactory,
    oidc_provider: OIDCProvider,
    loopback_listener: LoopbackListener,
    clock: Clock,
) -> None:
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
    token = oidc_provider.sign(
        claims_at(clock, aud="my-api"),
        headers={"jku": loopback_listener.url, "x5u": loopback_listener.url},
    )
    assert app.test_client().get("/protected", headers=bearer(token)).status_code == 200
    assert loopback_listener.connection_count() == 0


# --------------------------------------------------------------------------- kid

#: What a kid-based key lookup might turn into a file read, a query or a command.
HOSTILE_KIDS = (
    "../../dev/null",
    "../../../../../../dev/null",
    "/dev/null",
    "/proc/self/environ",
    "../../../../etc/passwd",
    "file:///dev/null",
    "..\\..\\windows\\win.ini",
    "server-key/../../dev/null",
    "server-key\x00",
    "\x00",
    "' OR '1'='1",
    "x' UNION SELECT 'secret' --",
    "1; DROP TABLE keys; --",
    "server-key' --",
    "%s%s%s%n",
    "{kid}",
    "${jndi:ldap://127.0.0.1/a}",
    "SERVER-KEY",
    " server-key",
    "server-key ",
    "k" * 5000,
)

#: Secrets the attacks above would make a vulnerable server use.
KID_ATTACK_SECRETS = (b"", b"\n", b"secret", b"1", b"root:x:0:0:root:/root:/bin/bash\n")


@pytest.mark.parametrize("kid", HOSTILE_KIDS, ids=lambda k: repr(k[:30]))
def test_hostile_kid(target: tuple[Flask, KeyPair | None], clock: Clock, kid: str) -> None:
    app, pair = target
    for key in KID_ATTACK_SECRETS:
        _refused(app, hmac_sign({"alg": "HS256", "kid": kid}, claims_at(clock), key), pair)


def test_kid_with_shell_metacharacters_runs_nothing(
    target: tuple[Flask, KeyPair | None], clock: Clock, tmp_path: Path
) -> None:
    app, pair = target
    marker = tmp_path / "pwned"
    kids = [
        f"$(touch {marker})",
        f"`touch {marker}`",
        f"; touch {marker}",
        f"| touch {marker}",
        f"&& touch {marker}",
        f"server-key; touch {marker}",
    ]
    for kid in kids:
        for key in KID_ATTACK_SECRETS:
            _refused(app, hmac_sign({"alg": "HS256", "kid": kid}, claims_at(clock), key), pair)
    assert not marker.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "kid",
    [0, 1, -1, 1.5, True, False, None, [], ["server-key"], {}, {"kid": "server-key"}],
    ids=repr,
)
def test_non_string_kid(target: tuple[Flask, KeyPair | None], clock: Clock, kid: Any) -> None:
    app, pair = target
    for key in (b"", b"secret"):
        _refused(app, hmac_sign({"alg": "HS256", "kid": kid}, claims_at(clock), key), pair)


@pytest.mark.parametrize(
    "kid", [0, None, ["a"], {"a": 1}, "../../dev/null", "' OR 1=1 --"], ids=repr
)
def test_non_string_or_hostile_kid_on_the_apps_own_signature(
    app: Flask, clock: Clock, kid: Any
) -> None:
    # Signed with the app's secret: a kid that is not a string is refused by
    # PyJWT; a string kid names no key here (no JWT_KEYS), so it is ignored.
    token = app_signed({"alg": "HS256", "kid": kid}, claims_at(clock))
    status = app.test_client().get("/protected", headers=bearer(token)).status_code
    if isinstance(kid, str):
        assert status == 200
    else:
        _refused(app, token)


def test_kid_of_the_hmac_key_in_a_mixed_key_set(
    make_app: AppFactory, server_keys: dict[str, KeyPair], clock: Clock
) -> None:
    # kid selects a key, and the key fixes the algorithm: an HS256 token
    # naming the RSA key's kid, keyed with that key's public forms, fails.
    pair = server_keys["RS256"]
    secret_jwk = {"kty": "oct", "k": b64url(SECRET.encode()), "kid": "hmac", "alg": "HS256"}
    rsa_jwk = _private_jwk(pair.private_key, "RS256", "rsa")
    app = make_app(JWT_KEYS={"keys": [secret_jwk, rsa_jwk]})
    for public in pair.public_forms.values():
        _refused(app, hmac_sign({"alg": "HS256", "kid": "rsa"}, claims_at(clock), public), pair)
    # The RSA key named for an HS256 token signed with the real secret.
    _refused(app, app_signed({"alg": "HS256", "kid": "rsa"}, claims_at(clock)), pair)


# --------------------------------------------------------------------------- crit, b64


@pytest.mark.parametrize(
    "crit",
    [
        {"crit": ["exp"]},
        {"crit": ["x-custom"], "x-custom": True},
        {"crit": ["http://example.com/ext"], "http://example.com/ext": 1},
        {"crit": ["kid"], "kid": "a"},
        {"crit": []},
        {"crit": "b64"},
        {"crit": [1]},
        {"crit": None},
        {"crit": {"b64": False}},
        {"crit": ["b64"]},
        {"crit": ["b64", "unknown"], "b64": True},
    ],
    ids=repr,
)
def test_crit_entries_that_are_not_understood(
    app: Flask, clock: Clock, crit: dict[str, Any]
) -> None:
    # Signed with the app's own secret: the header alone makes it invalid.
    _refused(app, app_signed({"alg": "HS256", **crit}, claims_at(clock)))


@pytest.mark.parametrize(
    "crit",
    [
        {"crit": ["x-echo-<b>marker</b>"], "x-echo-<b>marker</b>": True},
        {"crit": ["x-echo-<b>marker</b>"]},
        {"crit": ["b64", "x-echo-<b>marker</b>"], "b64": True},
    ],
    ids=["unsupported", "unsupported-and-missing", "after-a-known-one"],
)
def test_a_crit_entry_is_not_quoted_in_the_answer(
    make_app: AppFactory, clock: Clock, server_keys: dict[str, KeyPair], crit: dict[str, Any]
) -> None:
    # Whatever path reads the header first: the secret, or a key set by kid.
    private = server_keys["RS256"].private_key
    plain = make_app()
    keyed = make_app(JWT_KEYS={"keys": [_private_jwk(private, "RS256", "k")]})
    tokens = {
        plain: app_signed({"alg": "HS256", **crit}, claims_at(clock)),
        keyed: jwt.encode(claims_at(clock), private, "RS256", {"kid": "k", **crit}),
    }
    for app, token in tokens.items():
        message = _refused(app, token)
        assert message == "Unsupported critical extension in the token header"
        assert "marker" not in app.test_client().get("/protected", headers=bearer(token)).text
    with plain.app_context(), pytest.raises(jwt.InvalidTokenError) as raised:
        get_unverified_jwt_headers(tokens[plain])
    assert "marker" not in str(raised.value)


def _unencoded(header: dict[str, Any], payload: bytes, key: bytes | str = SECRET) -> list[str]:
    """RFC 7797 tokens, correctly signed over the unencoded payload, in both forms."""
    protected = segment(header)
    secret = key.encode() if isinstance(key, str) else key
    signature = b64url(
        hmac.new(secret, protected.encode() + b"." + payload, hashlib.sha256).digest()
    )
    return [
        f"{protected}..{signature}",  # detached
        f"{protected}.{b64url(payload)}.{signature}",
        f"{protected}.{payload.decode('ascii', 'replace')}.{signature}",
    ]


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "HS256", "b64": False, "crit": ["b64"]},
        {"alg": "HS256", "b64": False},
        {"alg": "HS256", "b64": "false", "crit": ["b64"]},
        {"alg": "HS256", "b64": 0, "crit": ["b64"]},
    ],
    ids=repr,
)
def test_unencoded_payload_option(app: Flask, clock: Clock, header: dict[str, Any]) -> None:
    payload = json.dumps(claims_at(clock)).encode()
    for token in _unencoded(header, payload):
        response = app.test_client().get("/protected", headers={"Authorization": "Bearer " + token})
        assert_refused(response, token=token)


def test_b64_false_cannot_smuggle_other_claims(app: Flask, clock: Clock) -> None:
    # The signature covers the raw admin claims; the compact payload says alice.
    header = {"alg": "HS256", "b64": False, "crit": ["b64"]}
    admin = json.dumps(claims_at(clock, sub="admin")).encode()
    tokens = _unencoded(header, admin)
    alice = forge({}, claims_at(clock)).split(".")[1]
    protected, _, signature = tokens[0].split(".")
    _refused(app, f"{protected}.{alice}.{signature}")


def test_header_claims_do_not_override_payload_claims(app: Flask, clock: Clock) -> None:
    # Claims copied into the header (RFC 7519 5.3) are not read from there.
    header = {**HS256_HEADER, "sub": "admin", "type": "refresh", "exp": int(clock()) - 10}
    token = app_signed(header, claims_at(clock))
    body = app.test_client().get("/protected", headers=bearer(token)).get_json()
    assert body["identity"] == "alice"
    assert body["claims"]["type"] == "access"
