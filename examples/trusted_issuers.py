"""Accepting tokens of an identity provider (Keycloak, Auth0, ...) next to our own."""

import os
from typing import Any

from flask import Flask

from flask_jwt_kit import JWTManager, create_access_token, get_jwt, get_jwt_identity, jwt_required

from .users import login_from_request

#: The identity providers whose tokens this API accepts.
TRUSTED_ISSUERS = [
    {
        # Keycloak: the realm URL is the issuer; its keys are found through
        # <issuer>/.well-known/openid-configuration.
        "issuer": "https://sso.example.com/realms/acme",
        "audience": "orders-api",
        "algorithms": ["RS256"],
        # Keycloak's "sub" is an opaque id; use the user name as identity.
        "identity_claim": "preferred_username",
    },
    {
        # Auth0: the issuer ends with "/"; the JWK Set URL can be given directly.
        "issuer": "https://acme.eu.auth0.com/",
        "jwks_uri": "https://acme.eu.auth0.com/.well-known/jwks.json",
        "audience": "https://orders.acme.example",
        "algorithms": ["RS256"],
    },
]

app = Flask(__name__)
app.config.update(
    # Our own tokens (from /login) are still signed with our secret.
    JWT_SECRET_KEY=os.environ.get(
        "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
    ),
    JWT_TRUSTED_ISSUERS=TRUSTED_ISSUERS,
    # Keys are fetched on first use, then kept for 10 minutes; an unknown
    # kid fetches again, at most once a minute per issuer.
    JWT_JWKS_CACHE_SECONDS=600,
    JWT_JWKS_MIN_REFRESH_SECONDS=60,
)
jwt = JWTManager(app)


@app.post("/login")
def login() -> tuple[dict[str, Any], int]:
    user = login_from_request()
    if user is None:
        return {"msg": "Bad username or password"}, 401
    return {"access_token": create_access_token(identity=user.username)}, 200


@app.get("/orders")
@jwt_required()
def orders() -> dict[str, Any]:
    claims = get_jwt()
    # "iss" tells who vouched for the caller: absent for our own tokens.
    return {"orders": [], "for": get_jwt_identity(), "issuer": claims.get("iss", "self")}
