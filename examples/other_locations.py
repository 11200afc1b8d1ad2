"""Tokens in the query string and in a JSON body, next to the usual header."""

import datetime as dt
import os
from typing import Any

from flask import Flask, request

from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    get_jwt,
    get_jwt_identity,
    get_jwt_request_location,
    jwt_required,
)

app = Flask(__name__)
app.config["JWT_SECRET_KEY"] = os.environ.get(
    "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
)
# Looked at in this order; a view may narrow it with locations=...
app.config["JWT_TOKEN_LOCATION"] = ["headers", "query_string", "json"]
jwt = JWTManager(app)


@app.post("/exports")
@jwt_required(locations="headers")
def create_export() -> dict[str, Any]:
    # A link that works without headers (e.g. in an <a href>): short-lived, one purpose.
    token = create_access_token(
        identity=get_jwt_identity(),
        expires_delta=dt.timedelta(minutes=1),
        additional_claims={"export": "invoices.csv"},
    )
    return {"url": f"/download?jwt={token}"}


@app.get("/download")
@jwt_required(locations="query_string")
def download() -> tuple[str, int, dict[str, str]]:
    export = get_jwt().get("export")
    if not isinstance(export, str):  # any other token is not a download link
        return "Not a download link", 403, {"Content-Type": "text/plain"}
    return f"contents of {export}", 200, {"Content-Type": "text/csv"}


@app.post("/webhook")
@jwt_required(locations="json")
def webhook() -> dict[str, Any]:
    # The token travels as {"access_token": "<JWT>", ...} in the body.
    event = (request.get_json() or {}).get("event")
    return {"received": event, "from": get_jwt_identity(), "found_in": get_jwt_request_location()}
