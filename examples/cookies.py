"""Tokens in cookies for browser apps: HttpOnly cookies, CSRF double submit, sliding sessions."""

import datetime as dt
import os
from typing import Any

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    get_jwt_identity,
    jwt_required,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
)

from .users import login_from_request

app = Flask(__name__)
app.config.update(
    JWT_SECRET_KEY=os.environ.get(
        "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
    ),
    JWT_TOKEN_LOCATION=["cookies"],
    # Cookies only over HTTPS (set False to try it on http://localhost).
    JWT_COOKIE_SECURE=True,
    JWT_COOKIE_SAMESITE="Lax",
    # The refresh cookie is sent to the refresh view only.
    JWT_REFRESH_COOKIE_PATH="/auth/refresh",
    # Reissue the access cookie when a request comes less than 5 minutes before it expires.
    JWT_ACCESS_TOKEN_EXPIRES=dt.timedelta(minutes=15),
    JWT_IMPLICIT_REFRESH=dt.timedelta(minutes=5),
)
jwt = JWTManager(app)

NOTES: dict[str, list[str]] = {}


@app.post("/auth/login")
def login() -> ResponseReturnValue:
    user = login_from_request()
    if user is None:
        return {"msg": "Bad username or password"}, 401
    response = jsonify(msg="Logged in")
    set_access_cookies(response, create_access_token(identity=user.username))
    set_refresh_cookies(response, create_refresh_token(identity=user.username))
    return response


@app.post("/auth/refresh")
@jwt_required(refresh=True)
def refresh() -> ResponseReturnValue:
    response = jsonify(msg="Refreshed")
    set_access_cookies(response, create_access_token(identity=get_jwt_identity()))
    return response


@app.post("/auth/logout")
def logout() -> ResponseReturnValue:
    response = jsonify(msg="Logged out")
    unset_jwt_cookies(response)
    return response


@app.get("/notes")
@jwt_required()
def list_notes() -> dict[str, Any]:
    # GET reads no CSRF header: safe methods change nothing.
    return {"notes": NOTES.get(get_jwt_identity(), [])}


@app.post("/notes")
@jwt_required()
def add_note() -> tuple[dict[str, Any], int]:
    # POST needs the X-CSRF-TOKEN header, equal to the csrf_access_token cookie.
    NOTES.setdefault(get_jwt_identity(), []).append("a note")
    return {"count": len(NOTES[get_jwt_identity()])}, 201
