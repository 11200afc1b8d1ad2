"""TrustedIssuers: configuration, discovery, caching, rate limits, failures."""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from http.client import HTTPMessage
from typing import Any

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flask_jwt_kit import issuers as issuers_module
from flask_jwt_kit.exceptions import InvalidKeyIdError, SigningKeysUnavailable
from flask_jwt_kit.keys import IssuerConfig, Key, TrustedIssuers
from tests.conftest import Clock
from tests.plugins.oidc import LoopbackListener, OIDCProvider

from .conftest import JWKFactory, verify_with

JWKS = "/jwks.json"
DISCOVERY = "/.well-known/openid-configuration"
#: The audience of this API at the issuers; their tokens for it name it in "aud".
AUD = "my-api"


def trust(
    provider: OIDCProvider, clock: Clock, *, discover: bool = False, **options: Any
) -> TrustedIssuers:
    """Trust ``provider`` for RS256 and ES256 and :data:`AUD`, by discovery or by its jwks_uri."""
    entry: dict[str, Any] = {
        "issuer": provider.issuer,
        "audience": AUD,
        "algorithms": ["RS256", "ES256"],
    }
    if not discover:
        entry["jwks_uri"] = provider.jwks_uri
    return TrustedIssuers.from_config([entry], clock=clock, **options)


def verify(trusted: TrustedIssuers, token: str) -> dict[str, Any]:
    """Verify a token the way the extension does: key by iss and kid, alg from the key."""
    header = jwt.get_unverified_header(token)
    iss = jwt.decode(token, options={"verify_signature": False})["iss"]
    assert iss in trusted
    key = trusted.key_for(iss, header.get("kid"), header.get("alg"))
    config = trusted.config(iss)
    return verify_with(key, token, issuer=iss, audience=config.audience)


# -- configuration ----------------------------------------------------------------------------

GOOD = {"issuer": "https://id.example.com", "audience": AUD, "algorithms": ["RS256"]}
NO_AUDIENCE = {"issuer": "https://id.example.com", "algorithms": ["RS256"]}
AUDIENCE_REQUIRED = (
    r"\['audience'\] is required: the audience this API's tokens are issued for, "
    r"as a non-empty string or a non-empty list of them"
)

BAD_CONFIGS: list[tuple[object, str]] = [
    ("https://id.example.com", "JWT_TRUSTED_ISSUERS must be a list"),
    ({"issuer": "x"}, "JWT_TRUSTED_ISSUERS must be a list"),
    (["https://id.example.com"], r"JWT_TRUSTED_ISSUERS\[0\] must be a dict"),
    (
        [GOOD, {**GOOD, "audiences": "x"}],
        r"JWT_TRUSTED_ISSUERS\[1\] has unknown keys \['audiences'\]",
    ),
    ([{"algorithms": ["RS256"]}], r"\[0\]\['issuer'\] must be a non-empty string"),
    ([{**GOOD, "issuer": ""}], r"\['issuer'\] must be a non-empty string"),
    ([{**GOOD, "issuer": 5}], r"\['issuer'\] must be a non-empty string"),
    ([{**GOOD, "issuer": "id.example.com"}], r"without 'jwks_uri' the 'issuer' must be an http"),
    ([{**GOOD, "issuer": "file:///etc"}], r"without 'jwks_uri' the 'issuer' must be an http"),
    (
        [{**GOOD, "jwks_uri": "file:///etc/passwd"}],
        r"\['jwks_uri'\] must be an http:// or https://",
    ),
    ([{**GOOD, "jwks_uri": "ftp://x/keys"}], r"\['jwks_uri'\] must be an http"),
    ([{**GOOD, "jwks_uri": "https:///keys"}], r"\['jwks_uri'\] must be an http"),
    ([{**GOOD, "jwks_uri": 3}], r"\['jwks_uri'\] must be an http"),
    # The audience is required: without it, tokens the issuer minted for any
    # of its other clients would be accepted (RFC 8725 section 3.9).
    ([NO_AUDIENCE], r"^JWT_TRUSTED_ISSUERS\[0\]" + AUDIENCE_REQUIRED + "$"),
    ([GOOD, NO_AUDIENCE], r"JWT_TRUSTED_ISSUERS\[1\]\['audience'\] is required"),
    ([{**GOOD, "audience": None}], AUDIENCE_REQUIRED),
    ([{**GOOD, "audience": ""}], AUDIENCE_REQUIRED),
    ([{**GOOD, "audience": []}], AUDIENCE_REQUIRED),
    ([{**GOOD, "audience": ()}], AUDIENCE_REQUIRED),
    ([{**GOOD, "audience": ["a", 1]}], AUDIENCE_REQUIRED),
    ([{**GOOD, "audience": ["a", None]}], AUDIENCE_REQUIRED),
    ([{**GOOD, "audience": ["a", ""]}], AUDIENCE_REQUIRED),
    ([{**GOOD, "audience": [["a"]]}], AUDIENCE_REQUIRED),
    ([{**GOOD, "audience": 7}], AUDIENCE_REQUIRED),
    ([{**GOOD, "audience": b"my-api"}], AUDIENCE_REQUIRED),
    ([{**GOOD, "audience": {"my-api"}}], AUDIENCE_REQUIRED),
    (
        [{"issuer": "https://a", "audience": AUD}],
        r"\['algorithms'\] must be a non-empty list of asymmetric",
    ),
    ([{**GOOD, "algorithms": []}], r"\['algorithms'\] must be a non-empty list"),
    ([{**GOOD, "algorithms": "RS256"}], r"\['algorithms'\] must be a non-empty list"),
    ([{**GOOD, "algorithms": ["HS256"]}], r"never HS\* or 'none'"),
    ([{**GOOD, "algorithms": ["none"]}], r"\['algorithms'\] must be"),
    ([{**GOOD, "algorithms": ["RS256", "XS1"]}], r"from: RS256, RS384"),
    ([{**GOOD, "identity_claim": ""}], r"\['identity_claim'\] must be a non-empty string or None"),
    ([{**GOOD, "identity_claim": 1}], r"\['identity_claim'\] must be"),
    ([GOOD, GOOD], "the issuer 'https://id.example.com' is listed twice"),
]


@pytest.mark.parametrize(("value", "message"), BAD_CONFIGS)
def test_bad_configuration(value: object, message: str) -> None:
    with pytest.raises(RuntimeError, match=message) as excinfo:
        TrustedIssuers.from_config(value)
    assert str(excinfo.value).startswith("JWT_TRUSTED_ISSUERS")


def test_configuration_is_kept() -> None:
    trusted = TrustedIssuers.from_config(
        (
            GOOD,
            {
                "issuer": "accounts.example.org",
                "jwks_uri": "https://keys.example.org/jwks",
                "audience": ["api", "web"],
                "algorithms": ("ES256", "EdDSA"),
                "identity_claim": "email",
            },
        )
    )
    assert trusted.config("https://id.example.com") == IssuerConfig(
        "https://id.example.com", AUD, ("RS256",)
    )
    assert trusted.config("accounts.example.org") == IssuerConfig(
        issuer="accounts.example.org",
        audience=("api", "web"),
        algorithms=("ES256", "EdDSA"),
        identity_claim="email",
        jwks_uri="https://keys.example.org/jwks",
    )
    assert list(trusted) == ["https://id.example.com", "accounts.example.org"]
    assert len(trusted) == 2
    assert repr(trusted) == "<TrustedIssuers ['https://id.example.com', 'accounts.example.org']>"
    with pytest.raises(KeyError):
        trusted.config("https://evil.example.com")


@pytest.mark.parametrize("value", [None, []])
def test_no_trusted_issuer(value: object) -> None:
    trusted = TrustedIssuers.from_config(value)
    assert len(trusted) == 0
    assert "https://id.example.com" not in trusted


@pytest.mark.parametrize(
    "options",
    [{"cache_seconds": -1}, {"min_refresh_seconds": -0.1}, {"timeout": 0}],
)
def test_bad_timings(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        TrustedIssuers.from_config([GOOD], **options)


@pytest.mark.parametrize(
    "issuer",
    [
        "https://id.example.com/",
        "https://id.example.co",
        "https://id.example.com.evil.net",
        "https://id.example.com/tenant",
        "http://id.example.com",
        "HTTPS://ID.EXAMPLE.COM",
        " https://id.example.com",
        "",
        None,
        ["https://id.example.com"],
        b"https://id.example.com",
    ],
)
def test_only_exact_issuers_are_trusted(issuer: object) -> None:
    trusted = TrustedIssuers.from_config([GOOD])
    assert "https://id.example.com" in trusted
    assert issuer not in trusted


# -- fetching and caching ---------------------------------------------------------------------


def test_keys_found_by_discovery(oidc_provider: OIDCProvider, clock: Clock) -> None:
    trusted = trust(oidc_provider, clock, discover=True)
    assert verify(trusted, oidc_provider.sign({"sub": "alice", "aud": AUD})) == {
        "sub": "alice",
        "aud": AUD,
        "iss": oidc_provider.issuer,
    }
    assert oidc_provider.hits == {DISCOVERY: 1, JWKS: 1}


def test_keys_from_an_explicit_jwks_uri(oidc_provider: OIDCProvider, clock: Clock) -> None:
    trusted = trust(oidc_provider, clock)
    assert verify(trusted, oidc_provider.sign({"sub": "bob", "aud": AUD}))["sub"] == "bob"
    assert oidc_provider.hits == {JWKS: 1}


def test_cached_keys_are_reused(oidc_provider: OIDCProvider, clock: Clock) -> None:
    trusted = trust(oidc_provider, clock, discover=True)
    token = oidc_provider.sign({"sub": "alice", "aud": AUD})
    for _ in range(5):
        verify(trusted, token)
        clock.advance(59)
    assert oidc_provider.hits == {DISCOVERY: 1, JWKS: 1}


def test_keys_are_refreshed_when_the_cache_expires(
    oidc_provider: OIDCProvider, clock: Clock
) -> None:
    trusted = trust(oidc_provider, clock, discover=True, cache_seconds=300)
    token = oidc_provider.sign({"aud": AUD})
    verify(trusted, token)
    clock.advance(299)
    verify(trusted, token)
    assert oidc_provider.hits[JWKS] == 1
    clock.advance(1)
    verify(trusted, token)
    verify(trusted, token)
    # The discovered location is remembered.
    assert oidc_provider.hits == {DISCOVERY: 1, JWKS: 2}


def test_unknown_kid_refreshes_once(oidc_provider: OIDCProvider, clock: Clock) -> None:
    trusted = trust(oidc_provider, clock)
    verify(trusted, oidc_provider.sign({"aud": AUD}))
    clock.advance(31)
    oidc_provider.rotate("ES256")
    token = oidc_provider.sign({"sub": "new key", "aud": AUD})
    assert verify(trusted, token)["sub"] == "new key"
    assert verify(trusted, token)["sub"] == "new key"
    assert oidc_provider.hits[JWKS] == 2


def test_unknown_kids_are_rate_limited(oidc_provider: OIDCProvider, clock: Clock) -> None:
    trusted = trust(oidc_provider, clock, min_refresh_seconds=30)
    verify(trusted, oidc_provider.sign({"aud": AUD}))
    clock.advance(30)
    for n in range(100):
        forged = oidc_provider.sign({"aud": AUD}, headers={"kid": f"made-up-{n}"})
        with pytest.raises(InvalidKeyIdError, match="^Unknown key id$"):
            verify(trusted, forged)
        clock.advance(0.25)
    # 100 unknown kids in 25 seconds: one refresh.
    assert oidc_provider.hits[JWKS] == 2
    clock.advance(5)
    with pytest.raises(InvalidKeyIdError):
        trusted.key_for(oidc_provider.issuer, "made-up-again", "RS256")
    assert oidc_provider.hits[JWKS] == 3


def test_right_after_a_fetch_an_unknown_kid_waits(
    oidc_provider: OIDCProvider, clock: Clock
) -> None:
    trusted = trust(oidc_provider, clock)
    verify(trusted, oidc_provider.sign({"aud": AUD}))
    oidc_provider.rotate()
    with pytest.raises(InvalidKeyIdError):
        verify(trusted, oidc_provider.sign({"aud": AUD}))
    assert oidc_provider.hits[JWKS] == 1
    clock.advance(30)
    verify(trusted, oidc_provider.sign({"aud": AUD}))
    assert oidc_provider.hits[JWKS] == 2


def test_rotation_at_the_provider(oidc_provider: OIDCProvider, clock: Clock) -> None:
    trusted = trust(oidc_provider, clock, discover=True)
    old_kid = oidc_provider.current_kid
    old_token = oidc_provider.sign({"sub": "old", "aud": AUD})
    verify(trusted, old_token)
    oidc_provider.rotate("ES256")
    oidc_provider.remove(old_kid)
    clock.advance(300)
    assert verify(trusted, oidc_provider.sign({"sub": "new", "aud": AUD}))["sub"] == "new"
    with pytest.raises(InvalidKeyIdError):
        verify(trusted, old_token)


@pytest.mark.parametrize("refuse", [False, True])
def test_provider_down_with_cached_keys(
    oidc_provider: OIDCProvider, clock: Clock, refuse: bool, caplog: pytest.LogCaptureFixture
) -> None:
    trusted = trust(oidc_provider, clock, discover=True)
    token = oidc_provider.sign({"sub": "alice", "aud": AUD})
    verify(trusted, token)
    oidc_provider.down(refuse=refuse)
    with caplog.at_level(logging.WARNING, logger="flask_jwt_kit.issuers"):
        for _ in range(3):
            clock.advance(3600)
            assert verify(trusted, token)["sub"] == "alice"
    assert "Cannot fetch the signing keys of trusted issuer" in caplog.text
    oidc_provider.up()
    clock.advance(30)
    oidc_provider.rotate()
    assert verify(trusted, oidc_provider.sign({"sub": "bob", "aud": AUD}))["sub"] == "bob"


@pytest.mark.parametrize("refuse", [False, True])
def test_provider_down_without_cached_keys(
    oidc_provider: OIDCProvider, clock: Clock, refuse: bool
) -> None:
    trusted = trust(oidc_provider, clock, discover=True)
    token = oidc_provider.sign({"aud": AUD})
    oidc_provider.down(refuse=refuse)
    with pytest.raises(SigningKeysUnavailable) as excinfo:
        verify(trusted, token)
    assert excinfo.value.status_code == 503
    oidc_provider.up()
    # The failed attempt counts for the rate limit too.
    with pytest.raises(SigningKeysUnavailable):
        verify(trusted, token)
    clock.advance(30)
    verify(trusted, token)


def test_a_failed_key_fetch_rediscovers(oidc_provider: OIDCProvider, clock: Clock) -> None:
    trusted = trust(oidc_provider, clock, discover=True)
    oidc_provider.overrides[JWKS] = (500, {}, b"oops")
    with pytest.raises(SigningKeysUnavailable):
        verify(trusted, oidc_provider.sign({"aud": AUD}))
    del oidc_provider.overrides[JWKS]
    clock.advance(30)
    verify(trusted, oidc_provider.sign({"aud": AUD}))
    assert oidc_provider.hits == {DISCOVERY: 2, JWKS: 2}


@pytest.mark.parametrize(
    "document",
    [
        b"not json",
        b"[]",
        b'{"jwks_uri": "/jwks.json"}',
        b'{"issuer": "https://evil.example.com", "jwks_uri": "%(jwks)s"}',
        b'{"issuer": "%(issuer)s/", "jwks_uri": "%(jwks)s"}',
        b'{"issuer": "%(issuer)s"}',
        b'{"issuer": "%(issuer)s", "jwks_uri": "file:///etc/passwd"}',
        b'{"issuer": "%(issuer)s", "jwks_uri": 5}',
    ],
)
def test_bad_discovery_documents(
    oidc_provider: OIDCProvider, clock: Clock, document: bytes
) -> None:
    values = {b"issuer": oidc_provider.issuer.encode(), b"jwks": oidc_provider.jwks_uri.encode()}
    oidc_provider.overrides[DISCOVERY] = (200, {}, document % values)
    trusted = trust(oidc_provider, clock, discover=True)
    with pytest.raises(SigningKeysUnavailable):
        verify(trusted, oidc_provider.sign({"aud": AUD}))
    assert oidc_provider.hits[JWKS] == 0


@pytest.mark.parametrize(
    "body",
    [b"", b"<html>", b"[1]", b'{"keys": {}}', b'{"keys": []}', b'{"keys": [{"kty": "RSA"}]}'],
)
def test_bad_key_sets_are_failures(oidc_provider: OIDCProvider, clock: Clock, body: bytes) -> None:
    trusted = trust(oidc_provider, clock)
    token = oidc_provider.sign({"aud": AUD})
    verify(trusted, token)
    oidc_provider.overrides[JWKS] = (200, {}, body)
    clock.advance(301)
    # Still the cached keys: an empty or broken answer does not wipe them.
    verify(trusted, token)
    fresh = trust(oidc_provider, clock)
    with pytest.raises(SigningKeysUnavailable):
        verify(fresh, token)


def test_unusable_keys_are_skipped(make_jwk: JWKFactory, clock: Clock) -> None:
    good = make_jwk("ES256", "good", public=True)
    jwks = {
        "keys": [
            "not an object",
            {"kty": "RSA", "kid": "broken", "alg": "RS256", "n": "!!", "e": "AQAB"},
            make_jwk("RS256", "weak", public=True, rsa_bits=1024),
            make_jwk("HS256", "secret"),
            make_jwk("HS256", "secret-no-alg", with_alg=False),
            make_jwk("ES384", "other-alg", public=True),
            make_jwk("ES256", None, public=True),
            {**make_jwk("ES256", "enc", public=True), "use": "enc"},
            good,
        ]
    }
    trusted = TrustedIssuers.from_config(
        [
            {
                "issuer": "https://id",
                "jwks_uri": "https://id/jwks",
                "audience": AUD,
                "algorithms": ["ES256", "RS256"],
            }
        ],
        fetch=lambda url, timeout: json.dumps(jwks).encode(),
        clock=clock,
    )
    assert trusted.key_for("https://id", "good", "ES256").public_jwk == good | {"use": "sig"}
    for kid in ("broken", "weak", "secret", "secret-no-alg", "other-alg", "enc"):
        clock.advance(30)
        with pytest.raises(InvalidKeyIdError):
            trusted.key_for("https://id", kid, "ES256" if kid != "weak" else "RS256")


# -- algorithms -------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["HS256", "none", "None", "PS256", "EdDSA", None, 5, ["RS256"]])
def test_algorithms_not_configured_are_refused_before_any_fetch(
    oidc_provider: OIDCProvider, clock: Clock, alg: object
) -> None:
    trusted = trust(oidc_provider, clock)
    with pytest.raises(jwt.InvalidAlgorithmError, match="^The specified alg value is not allowed$"):
        trusted.key_for(oidc_provider.issuer, oidc_provider.current_kid, alg)
    assert oidc_provider.hits[JWKS] == 0


def test_a_token_alg_must_match_the_key_alg(oidc_provider: OIDCProvider, clock: Clock) -> None:
    trusted = trust(oidc_provider, clock)
    verify(trusted, oidc_provider.sign({"aud": AUD}))
    # ES256 is allowed for the issuer, but the key with this kid is for RS256.
    with pytest.raises(jwt.InvalidAlgorithmError):
        trusted.key_for(oidc_provider.issuer, oidc_provider.current_kid, "ES256")
    assert oidc_provider.hits[JWKS] == 1


def test_a_key_without_alg_serves_every_fitting_algorithm(
    make_jwk: JWKFactory, clock: Clock
) -> None:
    private = make_jwk("RS256", "rsa", with_alg=False)
    public = make_jwk("RS256", "rsa", with_alg=False, public=True)
    trusted = TrustedIssuers.from_config(
        [
            {
                "issuer": "https://id",
                "jwks_uri": "https://id/k",
                "audience": AUD,
                "algorithms": ["RS256", "PS512", "ES256"],
            }
        ],
        fetch=lambda url, timeout: json.dumps({"keys": [public]}).encode(),
        clock=clock,
    )
    signing = jwt.PyJWK(private, "RS256").key
    for alg in ("RS256", "PS512"):
        token = jwt.encode({"iss": "https://id", "aud": AUD}, signing, alg, {"kid": "rsa"})
        assert verify(trusted, token) == {"iss": "https://id", "aud": AUD}
        key = trusted.key_for("https://id", "rsa", alg)
        assert key.alg == alg
        assert key.signing_key is None
    with pytest.raises(jwt.InvalidAlgorithmError):
        trusted.key_for("https://id", "rsa", "ES256")


def test_audience_is_part_of_the_config(oidc_provider: OIDCProvider, clock: Clock) -> None:
    trusted = TrustedIssuers.from_config(
        [{"issuer": oidc_provider.issuer, "algorithms": ["RS256"], "audience": "api"}], clock=clock
    )
    assert verify(trusted, oidc_provider.sign({"aud": "api"}))["aud"] == "api"
    assert verify(trusted, oidc_provider.sign({"aud": ["web", "api"]}))["aud"] == ["web", "api"]
    # A token the issuer minted for another of its clients, or for none.
    with pytest.raises(jwt.InvalidAudienceError):
        verify(trusted, oidc_provider.sign({"aud": "other"}))
    with pytest.raises(jwt.MissingRequiredClaimError, match='"aud"'):
        verify(trusted, oidc_provider.sign({}))


def test_any_of_the_configured_audiences_is_accepted(
    oidc_provider: OIDCProvider, clock: Clock
) -> None:
    trusted = TrustedIssuers.from_config(
        [{"issuer": oidc_provider.issuer, "algorithms": ["RS256"], "audience": ["api", "web"]}],
        clock=clock,
    )
    assert trusted.config(oidc_provider.issuer).audience == ("api", "web")
    for aud in ("api", "web", ["other", "web"]):
        assert verify(trusted, oidc_provider.sign({"aud": aud}))["aud"] == aud
    with pytest.raises(jwt.InvalidAudienceError):
        verify(trusted, oidc_provider.sign({"aud": "other"}))


# -- kid --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kid", "message"),
    [
        (None, "Token has no 'kid' header"),
        (3, "Invalid 'kid' header"),
        ("", "Invalid 'kid' header"),
    ],
)
def test_bad_kids_are_refused_before_any_fetch(
    oidc_provider: OIDCProvider, clock: Clock, kid: object, message: str
) -> None:
    trusted = trust(oidc_provider, clock)
    with pytest.raises(InvalidKeyIdError) as excinfo:
        trusted.key_for(oidc_provider.issuer, kid, "RS256")
    assert excinfo.value.message == message
    assert oidc_provider.hits[JWKS] == 0


def test_headers_pointing_elsewhere_are_ignored(
    oidc_provider: OIDCProvider,
    clock: Clock,
    loopback_listener: LoopbackListener,
    make_jwk: JWKFactory,
) -> None:
    trusted = trust(oidc_provider, clock)
    elsewhere = loopback_listener.url + "/keys"
    attacker = make_jwk("RS256", "attacker")
    headers = {
        "jku": elsewhere,
        "x5u": elsewhere,
        "jwk": make_jwk("RS256", "attacker", public=True),
        "x5c": ["MIIB"],
    }
    # Signed by the provider: verifies, and nothing is fetched from elsewhere.
    genuine = oidc_provider.sign({"sub": "a", "aud": AUD}, headers=headers)
    assert verify(trusted, genuine)["sub"] == "a"
    # Signed by an attacker who names the provider's kid and embeds a key.
    forged = jwt.encode(
        {"iss": oidc_provider.issuer, "aud": AUD},
        jwt.PyJWK(attacker).key,
        "RS256",
        {**headers, "kid": oidc_provider.current_kid},
    )
    with pytest.raises(jwt.InvalidSignatureError):
        verify(trusted, forged)
    assert loopback_listener.connection_count() == 0
    assert set(oidc_provider.hits) == {JWKS}


# -- concurrency and clocks ------------------------------------------------------------------


def test_one_fetch_at_a_time(make_jwk: JWKFactory, clock: Clock) -> None:
    release = threading.Event()
    calls: list[str] = []
    body = json.dumps({"keys": [make_jwk("ES256", "k", public=True)]}).encode()

    def slow_fetch(url: str, timeout: float) -> bytes:
        calls.append(url)
        release.wait(5)
        return body

    trusted = TrustedIssuers.from_config(
        [
            {
                "issuer": "https://id",
                "jwks_uri": "https://id/k",
                "audience": AUD,
                "algorithms": ["ES256"],
            }
        ],
        fetch=slow_fetch,
        clock=clock,
    )
    found: list[Key] = []

    def worker() -> None:
        found.append(trusted.key_for("https://id", "k", "ES256"))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(found) == 16
    assert len({id(key) for key in found}) == 1
    assert calls == ["https://id/k"]


def test_expired_keys_serve_while_another_thread_fetches(
    make_jwk: JWKFactory, clock: Clock
) -> None:
    body = json.dumps({"keys": [make_jwk("ES256", "k", public=True)]}).encode()
    calls: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def fetch(url: str, timeout: float) -> bytes:
        calls.append(url)
        if len(calls) == 2:  # the refresh: hold the issuer's lock until released
            inside.set()
            release.wait(5)
        return body

    trusted = TrustedIssuers.from_config(
        [
            {
                "issuer": "https://id",
                "jwks_uri": "https://id/k",
                "audience": AUD,
                "algorithms": ["ES256"],
            }
        ],
        fetch=fetch,
        clock=clock,
    )
    first = trusted.key_for("https://id", "k", "ES256")
    clock.advance(301)
    refresher = threading.Thread(target=trusted.key_for, args=("https://id", "k", "ES256"))
    refresher.start()
    assert inside.wait(5)
    # The expired key is served at once instead of waiting for the fetch.
    assert trusted.key_for("https://id", "k", "ES256") is first
    release.set()
    refresher.join(5)
    assert trusted.key_for("https://id", "k", "ES256") is not first
    assert len(calls) == 2


def test_a_clock_going_backwards_does_not_freeze_the_cache(
    oidc_provider: OIDCProvider, clock: Clock
) -> None:
    trusted = trust(oidc_provider, clock)
    verify(trusted, oidc_provider.sign({"aud": AUD}))
    clock.advance(-1000)
    oidc_provider.rotate()
    verify(trusted, oidc_provider.sign({"aud": AUD}))
    assert oidc_provider.hits[JWKS] == 2


def test_a_fetcher_raising_anything_means_unavailable(clock: Clock) -> None:
    def broken(url: str, timeout: float) -> bytes:
        raise ZeroDivisionError

    trusted = TrustedIssuers.from_config(
        [
            {
                "issuer": "https://id",
                "jwks_uri": "https://id/k",
                "audience": AUD,
                "algorithms": ["ES256"],
            }
        ],
        fetch=broken,
        clock=clock,
    )
    with pytest.raises(SigningKeysUnavailable):
        trusted.key_for("https://id", "k", "ES256")


def test_the_fetch_timeout_is_honoured(loopback_listener: LoopbackListener, clock: Clock) -> None:
    trusted = TrustedIssuers.from_config(
        [
            {
                "issuer": "https://id",
                "jwks_uri": loopback_listener.url + "/k",
                "audience": AUD,
                "algorithms": ["ES256"],
            }
        ],
        clock=clock,
        timeout=0.5,
    )
    started = time.monotonic()
    with pytest.raises(SigningKeysUnavailable):
        trusted.key_for("https://id", "k", "ES256")
    elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 2.5
    assert loopback_listener.connection_count() == 1


# -- the default fetcher ---------------------------------------------------------------------


def test_http_fetch(oidc_provider: OIDCProvider) -> None:
    body = issuers_module.http_fetch(oidc_provider.jwks_uri, 5)
    assert json.loads(body) == oidc_provider.jwks()


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:,{}", "/jwks.json", "http://"]
)
def test_http_fetch_fetches_http_only(url: str) -> None:
    with pytest.raises(ValueError, match="only http:// and https://"):
        issuers_module.http_fetch(url, 1)


def test_http_fetch_limits_the_size(oidc_provider: OIDCProvider) -> None:
    url = oidc_provider.issuer + "/big"
    oidc_provider.overrides["/big"] = (200, {}, b"x" * 100)
    assert issuers_module.http_fetch(url, 5, max_bytes=100) == b"x" * 100
    with pytest.raises(ValueError, match="larger than 99 bytes"):
        issuers_module.http_fetch(url, 5, max_bytes=99)
    oidc_provider.overrides["/big"] = (200, {}, b"x" * (issuers_module.MAX_RESPONSE_BYTES + 1))
    with pytest.raises(ValueError, match="larger than 1048576 bytes"):
        issuers_module.http_fetch(url, 5)


def test_http_fetch_follows_redirects_to_http_only(oidc_provider: OIDCProvider) -> None:
    oidc_provider.overrides["/moved"] = (302, {"Location": "/jwks.json"}, b"")
    assert json.loads(issuers_module.http_fetch(oidc_provider.issuer + "/moved", 5))
    for target in ("file:///etc/passwd", "ftp://127.0.0.1/x", "data:,{}"):
        oidc_provider.overrides["/moved"] = (302, {"Location": target}, b"")
        with pytest.raises(OSError):
            issuers_module.http_fetch(oidc_provider.issuer + "/moved", 5)


@pytest.mark.parametrize(
    ("origin", "target", "followed"),
    [
        ("https://id/a", "https://keys/b", True),
        ("http://id/a", "https://id/b", True),
        ("http://id/a", "http://id/b", True),
        ("https://id/a", "http://id/b", False),
        ("https://id/a", "file:///etc/passwd", False),
    ],
)
def test_redirects_never_downgrade(origin: str, target: str, followed: bool) -> None:
    handler = issuers_module._RedirectHandler()
    request = urllib.request.Request(origin)
    if followed:
        redirected = handler.redirect_request(
            request, io.BytesIO(), 302, "Found", HTTPMessage(), target
        )
        assert redirected is not None
        assert redirected.full_url == target
    else:
        with pytest.raises(urllib.error.HTTPError, match="redirect refused"):
            handler.redirect_request(request, io.BytesIO(), 302, "Found", HTTPMessage(), target)


def test_http_fetch_fails_on_errors(oidc_provider: OIDCProvider) -> None:
    with pytest.raises(OSError, match="404"):
        issuers_module.http_fetch(oidc_provider.issuer + "/missing", 5)


def test_http_fetch_gives_up_after_the_timeout(
    oidc_provider: OIDCProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter([0.0, 10.0])

    class SlowTime:
        @staticmethod
        def monotonic() -> float:
            return next(ticks)

    # Each read is quick, but together they take longer than the timeout.
    monkeypatch.setattr(issuers_module, "time", SlowTime)
    with pytest.raises(TimeoutError, match="longer than 5 seconds"):
        issuers_module.http_fetch(oidc_provider.jwks_uri, 5)


def test_http_fetch_gives_up_on_a_server_that_drips() -> None:
    """A body sent a byte at a time: each read is quick, the whole is not."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        connection, _ = server.accept()
        with connection:
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            while not stop.wait(0.05):
                try:
                    connection.sendall(b" ")
                except OSError:
                    return

    thread = threading.Thread(target=drip)
    thread.start()
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError, match="longer than 0.5 seconds"):
            issuers_module.http_fetch(f"http://127.0.0.1:{server.getsockname()[1]}/jwks", 0.5)
    finally:
        stop.set()
        thread.join()
        server.close()
    # The drip would last 250 s (100,000 bytes, 20 a second).
    assert time.monotonic() - started < 5


# -- any answer -------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=20,
)
jwk_like = st.dictionaries(
    st.sampled_from(["kid", "kty", "alg", "use", "crv", "x", "y", "n", "e", "d", "k"]),
    st.sampled_from(["RSA", "EC", "OKP", "oct", "RS256", "ES256", "P-256", "AQAB", "k"])
    | json_values,
)


@settings(max_examples=100)
@given(
    st.one_of(
        json_values,
        st.builds(lambda keys: {"keys": keys}, st.lists(jwk_like | json_values, max_size=4)),
    ),
    st.one_of(st.none(), st.text(max_size=4), st.integers()),
    st.one_of(st.sampled_from(["RS256", "ES256", "HS256", "none"]), json_values),
)
def test_any_answer_and_header_give_a_key_or_a_token_error(
    answer: object, kid: object, alg: object
) -> None:
    trusted = TrustedIssuers.from_config(
        [
            {
                "issuer": "https://id",
                "jwks_uri": "https://id/k",
                "audience": AUD,
                "algorithms": ["RS256", "ES256"],
            }
        ],
        fetch=lambda url, timeout: json.dumps(answer).encode(),
    )
    try:
        trusted.key_for("https://id", kid, alg)
    except (InvalidKeyIdError, SigningKeysUnavailable, jwt.InvalidAlgorithmError):
        pass
