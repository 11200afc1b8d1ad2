"""Signing with a key set: ES256 keys with kid, a JWKS endpoint, rotation without downtime."""

import os
from typing import Any

from flask import Flask

from flask_jwt_kit import JWTManager, create_access_token, get_jwt_identity, jwt_required
from flask_jwt_kit.keys import add_key_to_file, generate_jwk

from .users import login_from_request

app = Flask(__name__)

# A JWK Set file, private: keep it out of version control (mode 0600).
KEYS_FILE = os.environ.get("JWT_KEYS_FILE", os.path.join(app.instance_path, "keys.json"))
if not os.path.exists(KEYS_FILE):
    # First start: one ES256 key. `flask jwt keys generate` adds more.
    os.makedirs(os.path.dirname(os.path.abspath(KEYS_FILE)), exist_ok=True)
    add_key_to_file(KEYS_FILE, generate_jwk("ES256"))

app.config.update(
    JWT_KEYS=KEYS_FILE,
    # Which key signs; by default the first of the file. Every key verifies.
    JWT_SIGNING_KEY_ID=os.environ.get("JWT_SIGNING_KEY_ID") or None,
    # The public keys, for other services that verify our tokens.
    JWT_JWKS_URL_RULE="/.well-known/jwks.json",
)
jwt = JWTManager(app)


@app.post("/login")
def login() -> tuple[dict[str, Any], int]:
    user = login_from_request()
    if user is None:
        return {"msg": "Bad username or password"}, 401
    return {"access_token": create_access_token(identity=user.username)}, 200


@app.get("/me")
@jwt_required()
def me() -> dict[str, Any]:
    return {"username": get_jwt_identity()}
