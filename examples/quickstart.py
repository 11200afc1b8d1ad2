"""Getting started: log in for a token, then call a protected view with it.

Run it with ``flask --app examples.quickstart run`` and follow
docs/getting-started.rst.
"""

import os
from typing import Any

from flask import Flask, request
from werkzeug.security import check_password_hash, generate_password_hash

from flask_jwt_kit import JWTManager, create_access_token, get_jwt_identity, jwt_required

app = Flask(__name__)
# Tokens are signed with this secret: in production, at least 32 random
# bytes from the environment, never a value written in the code.
app.config["JWT_SECRET_KEY"] = os.environ.get(
    "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
)
jwt = JWTManager(app)

# A stand-in for your user database: it keeps password hashes, not passwords.
PASSWORD_HASHES = {"alice": generate_password_hash("correct horse battery staple")}


@app.post("/login")
def login() -> tuple[dict[str, Any], int]:
    data = request.get_json(silent=True)
    username = data.get("username") if isinstance(data, dict) else None
    password = data.get("password") if isinstance(data, dict) else None
    password_hash = PASSWORD_HASHES.get(username) if isinstance(username, str) else None
    if password_hash is None or not isinstance(password, str):
        return {"msg": "Bad username or password"}, 401
    if not check_password_hash(password_hash, password):
        return {"msg": "Bad username or password"}, 401
    return {"access_token": create_access_token(identity=username)}, 200


@app.get("/me")
@jwt_required()
def me() -> dict[str, Any]:
    return {"logged_in_as": get_jwt_identity()}
