"""Key sets, rotation, JWKS and trusted issuers, through a running app."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from flask import Flask

from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    get_jwks,
    get_unverified_jwt_headers,
)
from flask_jwt_kit.keys import generate_jwk
from tests.conftest import SECRET, AppFactory, Clock, bearer
from tests.plugins.oidc import LoopbackListener, OIDCProvider

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def token_for(app: Flask, identity: str = "alice", **kwargs: Any) -> str:
    with app.app_context():
        return create_access_token(identity, **kwargs)


@pytest.fixture
def es_key() -> dict[str, Any]:
    return generate_jwk("ES256", kid="es-1")


@pytest.fixture
def rs_key() -> dict[str, Any]:
    return generate_jwk("RS256", kid="rs-2")


def test_issued_tokens_carry_the_signers_kid_and_verify(
    make_app: AppFactory, es_key: dict[str, Any], rs_key: dict[str, Any]
) -> None:
    app = make_app(JWT_KEYS={"keys": [es_key, rs_key]})
    token = token_for(app)
    assert get_unverified_jwt_headers(token)["kid"] == "es-1"
    assert get_unverified_jwt_headers(token)["alg"] == "ES256"
    response = app.test_client().get("/protected", headers=bearer(token))
    assert response.status_code == 200
    assert response.json is not None and response.json["identity"] == "alice"


def test_rotation_without_downtime_between_requests(
    make_app: AppFactory, es_key: dict[str, Any], rs_key: dict[str, Any]
) -> None:
    app = make_app(JWT_KEYS={"keys": [es_key]})
    client = app.test_client()
    old = token_for(app)
    # Add a key and make it the signer: old tokens still verify.
    app.config["JWT_KEYS"] = {"keys": [es_key, rs_key]}
    app.config["JWT_SIGNING_KEY_ID"] = "rs-2"
    new = token_for(app)
    assert get_unverified_jwt_headers(new)["kid"] == "rs-2"
    assert client.get("/protected", headers=bearer(old)).status_code == 200
    assert client.get("/protected", headers=bearer(new)).status_code == 200
    # Remove the old key: its tokens stop verifying, new ones keep working.
    app.config["JWT_KEYS"] = {"keys": [rs_key]}
    response = client.get("/protected", headers=bearer(old))
    assert response.status_code == 422
    assert response.json == {"msg": "Unknown key id"}
    assert client.get("/protected", headers=bearer(new)).status_code == 200


def test_token_without_kid_is_refused_with_a_clear_message(
    make_app: AppFactory, es_key: dict[str, Any]
) -> None:
    app = make_app(JWT_KEYS={"keys": [es_key]})
    signer = app.extensions["flask-jwt-kit.state"].keyset.signer
    token = jwt.encode({"sub": "alice"}, signer.signing_key, algorithm="ES256")
    response = app.test_client().get("/protected", headers=bearer(token))
    assert response.status_code == 422
    assert response.json is not None and "kid" in response.json["msg"]


def test_a_service_with_public_keys_only_verifies_and_cannot_sign(
    make_app: AppFactory, es_key: dict[str, Any], rs_key: dict[str, Any]
) -> None:
    issuer = make_app(JWT_KEYS={"keys": [es_key, rs_key]}, JWT_SIGNING_KEY_ID="rs-2")
    with issuer.app_context():
        published = get_jwks()
    # Another service, given only the published keys.
    verifier = make_app(JWT_KEYS=published)
    client = verifier.test_client()
    token = token_for(issuer)
    assert client.get("/protected", headers=bearer(token)).status_code == 200
    with verifier.app_context(), pytest.raises(RuntimeError, match="JWT_KEYS holds public keys"):
        create_access_token("alice")


def test_a_key_only_verifies_its_own_algorithm(
    make_app: AppFactory, es_key: dict[str, Any], rs_key: dict[str, Any]
) -> None:
    app = make_app(JWT_KEYS={"keys": [es_key, rs_key]}, JWT_SIGNING_KEY_ID="rs-2")
    # Signed with the RS key under PS256: same key, another algorithm.
    token = token_for(app, additional_headers={"alg": "PS256"})
    response = app.test_client().get("/protected", headers=bearer(token))
    assert response.status_code == 422
    assert response.json == {"msg": "The specified alg value is not allowed"}


def test_jwks_endpoint_serves_public_keys_only_with_cache_control(
    make_app: AppFactory, es_key: dict[str, Any], rs_key: dict[str, Any]
) -> None:
    secret = generate_jwk("HS256", kid="hs-3")
    app = make_app(
        JWT_KEYS={"keys": [es_key, rs_key, secret]}, JWT_JWKS_URL_RULE="/.well-known/jwks.json"
    )
    response = app.test_client().get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.cache_control.max_age == 300
    body = response.json
    assert body is not None
    assert sorted(k["kid"] for k in body["keys"]) == ["es-1", "rs-2"]
    for key in body["keys"]:
        assert not PRIVATE_MEMBERS & set(key)


def test_without_a_key_set_the_jwks_is_empty(make_app: AppFactory) -> None:
    app = make_app(JWT_JWKS_URL_RULE="/jwks")
    assert app.test_client().get("/jwks").json == {"keys": []}


@pytest.mark.parametrize("rule", ["jwks.json", "/keys/<kid>", "/<path:p>", ""])
def test_a_jwks_rule_that_is_not_a_fixed_path_is_refused_at_start(rule: str) -> None:
    app = Flask("tests")
    app.config.update(JWT_SECRET_KEY=SECRET, JWT_JWKS_URL_RULE=rule)
    if rule == "":
        # Empty is "not set": no endpoint.
        JWTManager(app)
        assert "flask_jwt_kit_jwks" not in app.view_functions
        return
    with pytest.raises(RuntimeError, match="JWT_JWKS_URL_RULE") as info:
        JWTManager(app)
    assert repr(rule) in str(info.value)


def test_a_jwks_rule_that_would_hide_a_view_is_refused_at_start() -> None:
    app = Flask("tests")
    app.config.update(JWT_SECRET_KEY=SECRET, JWT_JWKS_URL_RULE="/me")

    @app.get("/me")
    def me() -> Any:
        return {}

    with pytest.raises(RuntimeError, match="JWT_JWKS_URL_RULE: '/me' is already served by"):
        JWTManager(app)


@pytest.fixture
def issuer_app(make_app: AppFactory, oidc_provider: OIDCProvider) -> Flask:
    return make_app(
        JWT_TRUSTED_ISSUERS=[
            {"issuer": oidc_provider.issuer, "audience": "my-api", "algorithms": ["RS256"]}
        ]
    )


def external_claims(clock: Clock, **extra: Any) -> dict[str, Any]:
    now = int(clock.now)
    return {"sub": "ext-user", "aud": "my-api", "iat": now, "exp": now + 600, **extra}


def test_trusted_issuer_tokens_are_accepted_as_non_fresh_access_tokens(
    issuer_app: Flask, oidc_provider: OIDCProvider, clock: Clock
) -> None:
    client = issuer_app.test_client()
    token = oidc_provider.sign(external_claims(clock, type="refresh", fresh=True))
    response = client.get("/protected", headers=bearer(token))
    assert response.status_code == 200
    assert response.json is not None and response.json["identity"] == "ext-user"
    assert client.get("/fresh", headers=bearer(token)).json == {"msg": "Fresh token required"}
    assert client.get("/refresh", headers=bearer(token)).status_code == 422
    # Cached keys: the second request fetched nothing new.
    assert oidc_provider.hits["/jwks.json"] == 1


def test_trusted_issuer_wrong_audience_and_foreign_keys_are_refused(
    issuer_app: Flask, oidc_provider: OIDCProvider, clock: Clock
) -> None:
    client = issuer_app.test_client()
    wrong_aud = oidc_provider.sign(external_claims(clock, aud="other-api"))
    assert client.get("/protected", headers=bearer(wrong_aud)).json == {
        "msg": "Audience doesn't match"
    }
    unpublished = oidc_provider.rotate(publish=False)
    forged = oidc_provider.sign(external_claims(clock), kid=unpublished)
    assert client.get("/protected", headers=bearer(forged)).status_code == 422


def test_trusted_issuer_tokens_without_an_audience_are_refused(
    issuer_app: Flask, oidc_provider: OIDCProvider, clock: Clock
) -> None:
    claims = external_claims(clock)
    del claims["aud"]
    token = oidc_provider.sign(claims)
    response = issuer_app.test_client().get("/protected", headers=bearer(token))
    assert response.status_code == 422
    assert response.json == {"msg": 'Token is missing the "aud" claim'}


@pytest.mark.parametrize("audience", [{}, {"audience": None}, {"audience": ""}])
def test_a_trusted_issuer_without_an_audience_is_a_configuration_error(
    make_app: AppFactory, oidc_provider: OIDCProvider, audience: dict[str, Any]
) -> None:
    # Else a token the issuer minted for any of its other clients would pass.
    config = [{"issuer": oidc_provider.issuer, "algorithms": ["RS256"], **audience}]
    with pytest.raises(RuntimeError, match=r"^JWT_TRUSTED_ISSUERS\[0\]\['audience'\] is required"):
        make_app(JWT_TRUSTED_ISSUERS=config)
    assert oidc_provider.hits == {}


def test_trusted_issuer_tokens_never_verify_with_our_secret(
    issuer_app: Flask, oidc_provider: OIDCProvider, clock: Clock
) -> None:
    # A token claiming the trusted issuer but signed with our own secret.
    token = token_for(issuer_app, additional_claims={"iss": oidc_provider.issuer})
    response = issuer_app.test_client().get("/protected", headers=bearer(token))
    assert response.status_code == 422


def test_rotation_at_the_provider_is_picked_up(
    issuer_app: Flask, oidc_provider: OIDCProvider, clock: Clock
) -> None:
    client = issuer_app.test_client()
    first = oidc_provider.sign(external_claims(clock))
    assert client.get("/protected", headers=bearer(first)).status_code == 200
    oidc_provider.rotate()
    clock.advance(31)  # past JWT_JWKS_MIN_REFRESH_SECONDS since the first fetch
    second = oidc_provider.sign(external_claims(clock))
    assert client.get("/protected", headers=bearer(second)).status_code == 200
    assert oidc_provider.hits["/jwks.json"] == 2


def test_provider_down_uses_cached_keys_and_fails_closed_without(
    make_app: AppFactory, oidc_provider: OIDCProvider, clock: Clock
) -> None:
    config = [{"issuer": oidc_provider.issuer, "audience": "my-api", "algorithms": ["RS256"]}]
    warm = make_app(JWT_TRUSTED_ISSUERS=config)
    token = oidc_provider.sign(external_claims(clock))
    assert warm.test_client().get("/protected", headers=bearer(token)).status_code == 200
    oidc_provider.down()
    clock.advance(3600)  # past the cache lifetime: still served from the cache
    fresh_token = oidc_provider.sign(external_claims(clock))
    assert warm.test_client().get("/protected", headers=bearer(fresh_token)).status_code == 200
    cold = make_app(JWT_TRUSTED_ISSUERS=config)
    response = cold.test_client().get("/protected", headers=bearer(fresh_token))
    assert response.json == {"msg": "Signing keys unavailable"}
    assert response.status_code == 503


def test_jku_and_x5u_headers_cause_no_request(
    issuer_app: Flask,
    oidc_provider: OIDCProvider,
    loopback_listener: LoopbackListener,
    clock: Clock,
) -> None:
    client = issuer_app.test_client()
    for header in ("jku", "x5u"):
        token = oidc_provider.sign(
            external_claims(clock), headers={header: loopback_listener.url, "kid": "nope"}
        )
        assert client.get("/protected", headers=bearer(token)).status_code == 422
        ours = token_for(issuer_app, additional_headers={header: loopback_listener.url})
        assert client.get("/protected", headers=bearer(ours)).status_code == 200
    assert loopback_listener.connection_count() == 0


def test_refresh_tokens_use_the_key_set_too(make_app: AppFactory, es_key: dict[str, Any]) -> None:
    app = make_app(JWT_KEYS={"keys": [es_key]})
    with app.app_context():
        token = create_refresh_token("alice")
    assert app.test_client().post("/refresh", headers=bearer(token)).status_code == 200
