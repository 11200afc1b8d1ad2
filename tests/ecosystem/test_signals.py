"""Signals: ``token_issued``, ``token_revoked`` and ``auth_failed``, sent with the app as sender."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient

from flask_jwt_kit import (
    auth_failed,
    create_token_pair,
    decode_token,
    jwt_required,
    refresh_token_reused,
    revoke_all_tokens,
    revoke_token,
    rotate_tokens,
    token_issued,
    token_revoked,
)
from flask_jwt_kit.exceptions import JWTExtendedException
from tests.conftest import AppFactory, Clock, bearer
from tests.ecosystem.conftest import access_token, refresh_token

Record = Callable[..., Any]


class TestTokenIssued:
    def test_sent_for_each_token_with_its_claims(self, app: Flask, record: Record) -> None:
        with record(token_issued, app) as recorder:
            access = access_token(app, "alice", fresh=True, additional_claims={"role": "admin"})
            refresh = refresh_token(app, "bob")
        first, second = recorder.calls
        assert first[0] is app and second[0] is app
        assert first[1]["identity"] == "alice"
        assert first[1]["token_type"] == "access"
        assert second[1]["identity"] == "bob"
        assert second[1]["token_type"] == "refresh"
        with app.app_context():
            assert first[1]["claims"] == decode_token(access)
            assert second[1]["claims"] == decode_token(refresh)
        assert first[1]["claims"]["role"] == "admin"

    def test_identity_is_the_one_passed_before_the_identity_loader(
        self, app: Flask, record: Record
    ) -> None:
        user = {"id": 7, "name": "Gus"}
        app.extensions["flask-jwt-kit"].user_identity_loader(lambda u: str(u["id"]))
        with record(token_issued, app) as recorder:
            access_token(app, user)
        [kwargs] = recorder.kwargs
        assert kwargs["identity"] is user
        assert kwargs["claims"]["sub"] == "7"

    def test_only_receivers_of_that_app_hear_it(self, make_app: AppFactory, record: Record) -> None:
        one, other = make_app(), make_app()
        with record(token_issued, one) as recorder:
            access_token(other)
        assert recorder.calls == []
        with record(token_issued, one) as recorder:
            access_token(one)
        assert len(recorder.calls) == 1


class TestTokenRevoked:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        return make_app(JWT_REVOCATION_STORE="memory://")

    def test_one_token(self, app: Flask, record: Record) -> None:
        token = access_token(app)
        with app.app_context(), record(token_revoked, app) as recorder:
            revoke_token(token)
            jti = decode_token(token)["jti"]
        assert recorder.calls == [(app, {"kind": "token", "value": jti})]

    def test_the_token_of_the_current_request(self, app: Flask, record: Record) -> None:
        @app.post("/logout")
        @jwt_required()
        def logout() -> str:
            revoke_token()
            return "bye"

        token = access_token(app)
        with record(token_revoked, app) as recorder:
            assert app.test_client().post("/logout", headers=bearer(token)).status_code == 200
        with app.app_context():
            assert recorder.kwargs == [{"kind": "token", "value": decode_token(token)["jti"]}]
        assert app.test_client().get("/protected", headers=bearer(token)).status_code == 401

    @pytest.mark.parametrize(("identity", "value"), [("alice", "alice"), (5, "5")])
    def test_every_token_of_an_identity(
        self, app: Flask, record: Record, identity: Any, value: str
    ) -> None:
        with app.app_context(), record(token_revoked, app) as recorder:
            revoke_all_tokens(identity)
        assert recorder.kwargs == [{"kind": "identity", "value": value}]

    def test_not_sent_when_revocation_fails(self, make_app: AppFactory, record: Record) -> None:
        app = make_app()  # no store
        with app.app_context(), record(token_revoked, app) as recorder:
            with pytest.raises(RuntimeError, match="JWT_REVOCATION_STORE"):
                revoke_token(access_token(app))
        assert recorder.calls == []


def strings_in(value: Any, seen: set[int] | None = None) -> Iterator[str]:
    """Every text a receiver could read out of *value* (its repr, args, attributes, causes)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    yield str(value)
    yield repr(value)
    if isinstance(value, BaseException):
        for part in (*value.args, *vars(value).values(), value.__cause__, value.__context__):
            yield from strings_in(part, seen)
    elif isinstance(value, dict):
        for item in value.items():
            yield from strings_in(item, seen)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings_in(item, seen)


def segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


class TestAuthFailed:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        app = make_app(JWT_TOKEN_LOCATION=["headers", "cookies"], JWT_REVOCATION_STORE="memory://")
        app.add_url_rule("/admin", "admin", jwt_required(scopes="admin")(lambda: "ok"))
        return app

    def failures(self, app: Flask, client: FlaskClient, clock: Clock) -> dict[str, Any]:
        """Refused requests, each with the token text it carried ("" for none)."""
        good = access_token(app, expires_delta=3600)
        revoked = access_token(app)
        with app.app_context():
            revoke_token(revoked)
        expiring = access_token(app, expires_delta=5)
        clock.advance(10)
        claims = jwt.decode(good, options={"verify_signature": False})
        forged = jwt.encode(claims, "not our secret, but long enough: " + "z" * 32, "HS256")
        header = segment({"alg": "HS256", "typ": "JWT"})
        garbage = f"{header}.c2VjcmV0LW1hcmtlci1pbi1wYXlsb2Fk.c2lnbmF0dXJl"
        none_alg = f"{segment({'alg': 'none'})}.{segment(claims)}."
        refresh = refresh_token(app)
        missing = client.get("/protected")
        client.set_cookie("access_token_cookie", good)
        cases = {
            "Missing JWT in headers or cookies": ("", missing),
            "Signature has expired": (expiring, client.get("/fresh", headers=bearer(expiring))),
            "Signature verification failed": (forged, client.get("/any", headers=bearer(forged))),
            "Token has been revoked": (revoked, client.get("/any", headers=bearer(revoked))),
            "Only non-refresh tokens are allowed": (
                refresh,
                client.get("/protected", headers=bearer(refresh)),
            ),
            "Missing required scope: admin": (good, client.get("/admin", headers=bearer(good))),
            "Fresh token required": (good, client.get("/fresh", headers=bearer(good))),
            "CSRF double submit tokens do not match": (
                good,
                client.post("/protected", headers={"X-CSRF-TOKEN": "guess"}),
            ),
            "garbage": (garbage, client.get("/protected", headers=bearer(garbage))),
            "alg none": (none_alg, client.get("/protected", headers=bearer(none_alg))),
        }
        return {reason: token for reason, (token, response) in cases.items()}

    def test_sent_with_the_reason_and_the_error(
        self, app: Flask, clock: Clock, record: Record
    ) -> None:
        with record(auth_failed, app) as recorder:
            expected = self.failures(app, app.test_client(), clock)
        assert len(recorder.calls) == len(expected)
        for (sender, kwargs), reason in zip(recorder.calls, expected, strict=True):
            assert sender is app
            assert set(kwargs) == {"reason", "error"}
            assert isinstance(kwargs["error"], (JWTExtendedException, jwt.PyJWTError))
            assert kwargs["reason"] == str(kwargs["error"])
            if reason not in ("garbage", "alg none"):
                assert kwargs["reason"].startswith(reason)

    def test_the_token_appears_in_no_argument(
        self, app: Flask, clock: Clock, record: Record
    ) -> None:
        with record(auth_failed, app) as recorder:
            tokens = list(self.failures(app, app.test_client(), clock).values())
        for (_, kwargs), token in zip(recorder.calls, tokens, strict=True):
            texts = list(strings_in(kwargs))
            for part in filter(None, [token, *token.split(".")]):
                assert all(part not in text for text in texts), (kwargs["reason"], part)

    def test_not_sent_for_accepted_or_preflight_requests(self, app: Flask, record: Record) -> None:
        client = app.test_client()
        with record(auth_failed, app) as recorder:
            assert client.get("/protected", headers=bearer(access_token(app))).status_code == 200
            assert client.options("/protected").status_code == 200
            assert client.get("/optional").status_code == 200
        assert recorder.calls == []


class TestRefreshTokenReused:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        app = make_app(JWT_REVOCATION_STORE="memory://", JWT_REFRESH_TOKEN_ROTATION=True)

        @app.post("/rotate")
        @jwt_required(refresh=True)
        def rotate() -> Any:
            return jsonify(rotate_tokens()._asdict())

        return app

    def test_reuse_is_reported_without_the_token(
        self, app: Flask, clock: Clock, record: Record
    ) -> None:
        with app.app_context():
            pair = create_token_pair("alice")
            sid = decode_token(pair.refresh_token)["sid"]
        client = app.test_client()
        assert client.post("/rotate", headers=bearer(pair.refresh_token)).status_code == 200
        clock.advance(1)
        with (
            record(refresh_token_reused, app) as reused,
            record(token_revoked, app) as revoked,
            record(auth_failed, app) as failed,
        ):
            response = client.post("/rotate", headers=bearer(pair.refresh_token))
        assert response.status_code == 401
        assert response.json == {"msg": "Refresh token reuse detected"}
        assert reused.calls == [(app, {"identity": "alice", "sid": sid})]
        assert revoked.kwargs == [{"kind": "session", "value": sid}]
        assert [kwargs["reason"] for kwargs in failed.kwargs] == ["Refresh token reuse detected"]
        for recorder in (reused, revoked, failed):
            texts = list(strings_in(recorder.kwargs))
            for part in (pair.refresh_token, *pair.refresh_token.split(".")):
                assert all(part not in text for text in texts)
