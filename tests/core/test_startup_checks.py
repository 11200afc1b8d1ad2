"""Start-up validation of algorithms, and revoke_token() outside a verified token."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, jsonify

from flask_jwt_kit import JWTManager, jwt_required, revoke_token
from tests.conftest import SECRET, AppFactory


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("JWT_ALGORITHM", "FOO", "JWT_ALGORITHM: unknown algorithm 'FOO'"),
        ("JWT_ALGORITHM", "none", "JWT_ALGORITHM: the 'none' algorithm is never accepted"),
        ("JWT_DECODE_ALGORITHMS", ["HS256", "NONE"], "JWT_DECODE_ALGORITHMS: the 'none'"),
        ("JWT_DECODE_ALGORITHMS", ["HS257"], "JWT_DECODE_ALGORITHMS: unknown algorithm 'HS257'"),
    ],
)
def test_unknown_or_none_algorithms_fail_at_init(key: str, value: object, message: str) -> None:
    app = Flask("startup")
    app.config.update(JWT_SECRET_KEY=SECRET, **{key: value})
    with pytest.raises(RuntimeError, match=message):
        JWTManager(app)


def test_revoke_token_without_argument_in_an_optional_view_without_token(
    make_app: AppFactory,
) -> None:
    app = make_app(JWT_REVOCATION_STORE="memory://")

    @app.post("/logout")
    @jwt_required(optional=True)
    def logout() -> Any:
        try:
            revoke_token()
        except RuntimeError as error:
            return jsonify(error=str(error)), 400
        return jsonify(ok=True)  # pragma: no cover (never reached without a token)

    response = app.test_client().post("/logout")
    assert response.status_code == 400
    assert response.json is not None
    assert "needs a verified request" in response.json["error"]
