"""``token_in_blocklist_loader``: the revocation callback on the request path."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient

from flask_jwt_kit import JWTManager, decode_token, get_jti, get_jwt, jwt_required
from tests.conftest import AppFactory, Clock
from tests.views.conftest import (
    INVALID_TOKEN,
    access_token,
    answer,
    forge,
    get,
    manager_of,
    refresh_token,
)

REVOKED = (401, {"msg": "Token has been revoked"})


class Blocklist:
    """An in-memory blocklist of ``jti`` values, recording every call."""

    def __init__(self, manager: JWTManager):
        self.jtis: set[str | None] = set()
        self.calls: list[tuple[dict[str, Any], dict[str, Any]]] = []
        manager.token_in_blocklist_loader(self)

    def __call__(self, header: dict[str, Any], claims: dict[str, Any]) -> bool:
        self.calls.append((header, claims))
        return claims["jti"] in self.jtis

    def revoke(self, app: Flask, token: str) -> None:
        with app.app_context():
            self.jtis.add(get_jti(token))


@pytest.fixture
def blocklist(manager: JWTManager) -> Blocklist:
    return Blocklist(manager)


def test_not_revoked(client: FlaskClient, token: str, blocklist: Blocklist) -> None:
    assert get(client, token=token).status_code == 200
    header, claims = blocklist.calls[0]
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims["sub"] == "alice"
    assert claims["type"] == "access"


def test_revoked(app: Flask, client: FlaskClient, token: str, blocklist: Blocklist) -> None:
    other = access_token(app)
    blocklist.revoke(app, token)
    response = get(client, token=token)
    assert answer(response) == REVOKED
    assert response.headers["WWW-Authenticate"] == INVALID_TOKEN
    assert get(client, token=other).status_code == 200


@pytest.mark.parametrize("path", ["/protected", "/optional", "/fresh", "/any"])
def test_every_access_view_checks(
    app: Flask, client: FlaskClient, blocklist: Blocklist, path: str
) -> None:
    token = access_token(app, fresh=True)
    blocklist.revoke(app, token)
    assert answer(get(client, path, token)) == REVOKED


def test_refresh_tokens_are_checked(app: Flask, client: FlaskClient, blocklist: Blocklist) -> None:
    token = refresh_token(app)
    assert get(client, "/refresh", token).status_code == 200
    blocklist.revoke(app, token)
    assert answer(get(client, "/refresh", token)) == REVOKED
    assert blocklist.calls[0][1]["type"] == "refresh"


def test_token_without_jti(client: FlaskClient, clock: Clock, blocklist: Blocklist) -> None:
    token = forge(clock.now, drop=["jti"])
    assert get(client, token=token).status_code == 200
    blocklist.jtis.add(None)
    assert answer(get(client, token=token)) == REVOKED


@pytest.mark.parametrize("result", [False, None, 0, ""])
def test_falsy_means_not_revoked(app: Flask, manager: JWTManager, token: str, result: Any) -> None:
    manager.token_in_blocklist_loader(lambda h, c: result)
    assert get(app.test_client(), token=token).status_code == 200


@pytest.mark.parametrize("result", [True, 1, "yes"])
def test_truthy_means_revoked(app: Flask, manager: JWTManager, token: str, result: Any) -> None:
    manager.token_in_blocklist_loader(lambda h, c: result)
    assert answer(get(app.test_client(), token=token)) == REVOKED


def test_not_called_without_a_token(client: FlaskClient, blocklist: Blocklist) -> None:
    assert get(client, "/optional").status_code == 200
    assert get(client).status_code == 401
    assert blocklist.calls == []


def test_not_called_for_invalid_or_expired_tokens(
    app: Flask, client: FlaskClient, clock: Clock, blocklist: Blocklist
) -> None:
    token = access_token(app)
    assert get(client, token="abc").status_code == 422
    clock.advance(3600)
    assert get(client, token=token).status_code == 401
    assert blocklist.calls == []


def test_skip_revocation_check(app: Flask, blocklist: Blocklist) -> None:
    @app.get("/logout")
    @jwt_required(skip_revocation_check=True)
    def logout() -> Any:
        return jsonify(jti=get_jwt()["jti"])

    @app.get("/refresh-skip")
    @jwt_required(refresh=True, skip_revocation_check=True)
    def refresh_skip() -> Any:
        return jsonify(jti=get_jwt()["jti"])

    client = app.test_client()
    access, refresh = access_token(app), refresh_token(app)
    blocklist.revoke(app, access)
    blocklist.revoke(app, refresh)
    with app.app_context():
        access_jti, refresh_jti = get_jti(access), get_jti(refresh)
    assert answer(get(client, "/logout", access)) == (200, {"jti": access_jti})
    assert answer(get(client, "/refresh-skip", refresh)) == (200, {"jti": refresh_jti})
    assert blocklist.calls == []


def test_decode_token_does_not_check_revocation(
    app: Flask, token: str, blocklist: Blocklist
) -> None:
    blocklist.revoke(app, token)
    with app.app_context():
        assert decode_token(token)["sub"] == "alice"
    assert blocklist.calls == []


def test_loader_exception_propagates(make_app: AppFactory) -> None:
    app = make_app()

    @manager_of(app).token_in_blocklist_loader
    def broken(header: dict[str, Any], claims: dict[str, Any]) -> bool:
        raise LookupError("database down")

    with pytest.raises(LookupError, match="database down"):
        get(app.test_client(), token=access_token(app))
