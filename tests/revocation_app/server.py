"""A small app with revocation views, for tests in this process and in others.

``python -m tests.revocation_app.server STORE_URL`` serves :func:`create_app`
on a free loopback port with Werkzeug's threaded server and prints the port
on its first line of output, so that a test can start several app processes
sharing one store.
"""

from __future__ import annotations

import sys
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    get_jwt,
    get_jwt_identity,
    jwt_required,
    revoke_all_tokens,
    revoke_token,
)
from tests.conftest import SECRET, add_views


def add_revocation_views(app: Flask) -> None:
    """``/login``, ``/revoke``, ``/revoke-token``, ``/logout-everywhere``, ``/unchecked``."""

    @app.post("/login")
    def login() -> Any:
        data = request.get_json()
        return jsonify(access_token=create_access_token(data["identity"]))

    @app.post("/revoke")
    @jwt_required()
    def revoke_current() -> Any:
        revoke_token()
        return jsonify(revoked=get_jwt()["jti"])

    @app.post("/revoke-token")
    def revoke_given() -> Any:
        revoke_token(request.get_json()["token"])
        return jsonify(revoked=True)

    @app.post("/logout-everywhere")
    @jwt_required()
    def logout_everywhere() -> Any:
        revoke_all_tokens(get_jwt_identity())
        return jsonify(revoked=True)

    @app.get("/unchecked")
    @jwt_required(skip_revocation_check=True)
    def unchecked() -> Any:
        return jsonify(identity=get_jwt_identity())


def create_app(store_url: str) -> Flask:
    """An app on the real clock whose revocations go to *store_url*."""
    app = Flask(__name__)
    app.config.update(JWT_SECRET_KEY=SECRET, JWT_REVOCATION_STORE=store_url)
    JWTManager(app)
    add_views(app)
    add_revocation_views(app)
    return app


def main(argv: list[str]) -> None:
    """Serve ``create_app(argv[0])`` until killed; print the port first."""
    server = make_server("127.0.0.1", 0, create_app(argv[0]), threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
