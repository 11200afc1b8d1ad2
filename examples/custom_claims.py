"""Creating tokens: lifetimes, custom claims from a loader and per token."""

import datetime as dt
import os
from typing import Any

from flask import Flask

from flask_jwt_kit import JWTManager, create_access_token, get_jwt, get_jwt_identity, jwt_required

from .users import find_username, login_from_request

app = Flask(__name__)
app.config["JWT_SECRET_KEY"] = os.environ.get(
    "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
)
app.config["JWT_ACCESS_TOKEN_EXPIRES"] = dt.timedelta(minutes=30)
jwt = JWTManager(app)


@jwt.additional_claims_loader
def add_roles(identity: str) -> dict[str, Any]:
    # Called for every new token, with the identity as it was passed.
    user = find_username(identity)
    return {"roles": list(user.roles) if user else []}


@app.post("/login")
def login() -> tuple[dict[str, Any], int]:
    user = login_from_request()
    if user is None:
        return {"msg": "Bad username or password"}, 401
    token = create_access_token(
        identity=user.username,
        # Claims given here win over the loader's, which win over the defaults.
        additional_claims={"tenant": "acme"},
    )
    return {"access_token": token}, 200


@app.post("/report-link")
@jwt_required()
def report_link() -> dict[str, Any]:
    # A short-lived token for one purpose.
    token = create_access_token(
        identity=get_jwt_identity(),
        expires_delta=dt.timedelta(minutes=2),
        additional_claims={"purpose": "report"},
    )
    return {"token": token}


@app.get("/claims")
@jwt_required()
def claims() -> dict[str, Any]:
    claims = get_jwt()
    return {
        "identity": get_jwt_identity(),
        "roles": claims["roles"],
        "tenant": claims.get("tenant"),
        "expires_at": claims["exp"],
    }
