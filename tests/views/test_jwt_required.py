"""``jwt_required`` and ``verify_jwt_in_request``: every argument and the order of checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask, jsonify, request
from flask.testing import FlaskClient

from flask_jwt_kit import (
    auth_failed,
    current_user,
    get_current_user,
    get_jwt,
    get_jwt_header,
    get_jwt_identity,
    get_jwt_request_location,
    jwt_required,
    verify_jwt_in_request,
)
from flask_jwt_kit.exceptions import JWTExtendedException
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

FRESH_REQUIRED = (401, {"msg": "Fresh token required"})
ONLY_REFRESH = (422, {"msg": "Only refresh tokens are allowed"})
ONLY_ACCESS = (422, {"msg": "Only non-refresh tokens are allowed"})
NO_TOKEN: dict[str, Any] = {"identity": None, "claims": {}, "location": None}


def test_must_be_called_with_parentheses() -> None:
    def view() -> str:
        return "x"

    with pytest.raises(TypeError, match=r"@jwt_required\(\)"):
        jwt_required(view)  # type: ignore[arg-type]


def test_decorator_keeps_the_view_name_and_docstring() -> None:
    def view() -> str:
        """Doc."""
        return "x"

    wrapped = jwt_required()(view)
    assert wrapped.__name__ == "view"
    assert wrapped.__doc__ == "Doc."


class TestRequired:
    def test_valid_token(self, client: FlaskClient, token: str) -> None:
        status, data = answer(get(client, token=token))
        assert status == 200
        assert data["identity"] == "alice"
        assert data["claims"]["type"] == "access"
        assert data["location"] == "headers"

    def test_no_token(self, client: FlaskClient) -> None:
        assert answer(get(client)) == (401, {"msg": "Missing Authorization Header"})

    def test_expired_token(self, app: Flask, client: FlaskClient, clock: Clock) -> None:
        token = access_token(app, expires_delta=dt.timedelta(seconds=60))
        clock.advance(59)
        assert get(client, token=token).status_code == 200
        clock.advance(1)
        response = get(client, token=token)
        assert answer(response) == (401, {"msg": "Token has expired"})
        assert response.headers["WWW-Authenticate"] == INVALID_TOKEN

    def test_leeway_applies_to_expiry(self, make_app: AppFactory, clock: Clock) -> None:
        app = make_app(JWT_DECODE_LEEWAY=30)
        token = access_token(app, expires_delta=60)
        clock.advance(89)
        assert get(app.test_client(), token=token).status_code == 200
        clock.advance(1)
        assert get(app.test_client(), token=token).status_code == 401

    def test_token_without_expiry(self, app: Flask, client: FlaskClient, clock: Clock) -> None:
        token = access_token(app, expires_delta=False)
        clock.advance(10 * 365 * 86400)
        assert get(client, token=token).status_code == 200


class TestOptional:
    def test_no_token(self, client: FlaskClient) -> None:
        assert answer(get(client, "/optional")) == (200, NO_TOKEN)

    def test_header_without_bearer_credential(self, client: FlaskClient) -> None:
        response = client.get("/optional", headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert answer(response) == (200, NO_TOKEN)

    def test_valid_token(self, client: FlaskClient, token: str) -> None:
        status, data = answer(get(client, "/optional", token))
        assert status == 200
        assert data["identity"] == "alice"

    def test_invalid_token_is_still_an_error(self, client: FlaskClient) -> None:
        assert answer(get(client, "/optional", "abc")) == (422, {"msg": "Not enough segments"})

    def test_expired_token_is_still_an_error(
        self, app: Flask, client: FlaskClient, clock: Clock
    ) -> None:
        token = access_token(app)
        clock.advance(3600)
        assert answer(get(client, "/optional", token)) == (401, {"msg": "Token has expired"})

    def test_refresh_token_is_still_an_error(self, app: Flask, client: FlaskClient) -> None:
        assert answer(get(client, "/optional", refresh_token(app))) == ONLY_ACCESS

    def test_everything_reads_empty(self, make_app: AppFactory) -> None:
        app = make_app()
        lookups: list[Any] = []

        @manager_of(app).user_lookup_loader
        def lookup(header: dict[str, Any], claims: dict[str, Any]) -> Any:
            lookups.append(claims)
            return "user"

        @app.get("/empty")
        @jwt_required(optional=True)
        def empty() -> Any:
            return jsonify(
                claims=get_jwt(),
                header=get_jwt_header(),
                identity=get_jwt_identity(),
                user=get_current_user(),
                proxy=current_user._get_current_object(),
                location=get_jwt_request_location(),
            )

        assert answer(app.test_client().get("/empty")) == (
            200,
            {
                "claims": {},
                "header": {},
                "identity": None,
                "user": None,
                "proxy": None,
                "location": None,
            },
        )
        assert lookups == []

    def test_verify_returns_none(self, make_app: AppFactory) -> None:
        app = make_app()

        @app.get("/verify")
        def verify() -> Any:
            return jsonify(result=verify_jwt_in_request(optional=True))

        assert answer(app.test_client().get("/verify")) == (200, {"result": None})


class TestFresh:
    def test_fresh_token(self, app: Flask, client: FlaskClient) -> None:
        status, data = answer(get(client, "/fresh", access_token(app, fresh=True)))
        assert status == 200
        assert data["claims"]["fresh"] is True

    def test_not_fresh_token(self, client: FlaskClient, token: str) -> None:
        response = get(client, "/fresh", token)
        assert answer(response) == FRESH_REQUIRED
        assert response.headers["WWW-Authenticate"] == INVALID_TOKEN

    def test_fresh_token_passes_non_fresh_views(self, app: Flask, client: FlaskClient) -> None:
        assert get(client, token=access_token(app, fresh=True)).status_code == 200

    def test_timedelta_fresh_expires_by_the_clock(
        self, app: Flask, client: FlaskClient, clock: Clock
    ) -> None:
        token = access_token(app, fresh=dt.timedelta(minutes=5))
        assert get(client, "/fresh", token).status_code == 200
        clock.advance(299)
        assert get(client, "/fresh", token).status_code == 200
        clock.advance(1)
        assert answer(get(client, "/fresh", token)) == FRESH_REQUIRED
        # Still a valid token for views that do not need freshness.
        assert get(client, token=token).status_code == 200

    def test_numeric_fresh_is_a_deadline_without_leeway(
        self, make_app: AppFactory, clock: Clock
    ) -> None:
        app = make_app(JWT_DECODE_LEEWAY=600)
        client = app.test_client()
        token = access_token(app, fresh=clock.now + 10)
        assert get(client, "/fresh", token).status_code == 200
        clock.advance(10)
        assert answer(get(client, "/fresh", token)) == FRESH_REQUIRED

    @pytest.mark.parametrize(
        ("fresh", "expected"),
        [
            (True, (200, None)),
            (False, FRESH_REQUIRED),
            (0, FRESH_REQUIRED),
            (1.5, FRESH_REQUIRED),
            ("true", (422, {"msg": "Invalid claim: 'fresh' must be a boolean or a number"})),
            (None, (422, {"msg": "Invalid claim: 'fresh' must be a boolean or a number"})),
        ],
    )
    def test_forged_fresh_values(
        self, clock: Clock, client: FlaskClient, fresh: Any, expected: tuple[int, Any]
    ) -> None:
        status, data = answer(get(client, "/fresh", forge(clock.now, fresh=fresh)))
        assert status == expected[0]
        if expected[1] is not None:
            assert data == expected[1]

    def test_token_without_fresh_claim_is_not_fresh(
        self, clock: Clock, client: FlaskClient
    ) -> None:
        token = forge(clock.now, drop=["fresh"])
        assert answer(get(client, "/fresh", token)) == FRESH_REQUIRED
        status, data = answer(get(client, token=token))
        assert status == 200
        assert data["claims"]["fresh"] is False

    def test_refresh_token_is_never_fresh(self, app: Flask, client: FlaskClient) -> None:
        # The type check comes first.
        assert answer(get(client, "/fresh", refresh_token(app))) == ONLY_ACCESS


class TestRefresh:
    def test_refresh_token(self, app: Flask, client: FlaskClient) -> None:
        status, data = answer(get(client, "/refresh", refresh_token(app)))
        assert status == 200
        assert data["claims"]["type"] == "refresh"
        assert data["claims"]["fresh"] is False

    def test_access_token_at_refresh_view(self, client: FlaskClient, token: str) -> None:
        response = get(client, "/refresh", token)
        assert answer(response) == ONLY_REFRESH
        assert "WWW-Authenticate" not in response.headers

    def test_refresh_token_at_access_view(self, app: Flask, client: FlaskClient) -> None:
        assert answer(get(client, token=refresh_token(app))) == ONLY_ACCESS

    def test_refresh_with_fresh(self, make_app: AppFactory) -> None:
        app = make_app()
        app.add_url_rule("/both", "both", jwt_required(refresh=True, fresh=True)(lambda: "ok"))
        # Refresh tokens are never fresh: such a view accepts nothing.
        assert answer(get(app.test_client(), "/both", refresh_token(app))) == FRESH_REQUIRED


class TestTokenTypes:
    def test_token_without_type_is_an_access_token(self, clock: Clock, client: FlaskClient) -> None:
        token = forge(clock.now, drop=["type"])
        status, data = answer(get(client, token=token))
        assert status == 200
        assert data["claims"]["type"] == "access"
        assert answer(get(client, "/refresh", token)) == ONLY_REFRESH

    def test_token_without_jti(self, clock: Clock, client: FlaskClient) -> None:
        status, data = answer(get(client, token=forge(clock.now, drop=["jti"])))
        assert status == 200
        assert data["claims"]["jti"] is None

    def test_minimal_token(self, clock: Clock, client: FlaskClient) -> None:
        token = forge(clock.now, drop=["type", "fresh", "jti", "iat", "nbf", "exp"])
        status, data = answer(get(client, token=token))
        assert status == 200
        assert data["claims"] == {"sub": "alice", "type": "access", "fresh": False, "jti": None}

    def test_custom_type(self, clock: Clock, client: FlaskClient) -> None:
        token = forge(clock.now, type="app")
        status, data = answer(get(client, token=token))
        assert status == 200
        assert data["claims"]["type"] == "app"
        assert answer(get(client, "/refresh", token)) == ONLY_REFRESH
        assert get(client, "/any", token).status_code == 200

    def test_verify_type_false_accepts_both(self, app: Flask, client: FlaskClient) -> None:
        for token, kind in ((access_token(app), "access"), (refresh_token(app), "refresh")):
            status, data = answer(get(client, "/any", token))
            assert status == 200
            assert data["claims"]["type"] == kind

    def test_verify_type_false_with_refresh(self, make_app: AppFactory) -> None:
        app = make_app()
        app.add_url_rule("/r", "r", jwt_required(refresh=True, verify_type=False)(lambda: "ok"))
        client = app.test_client()
        assert get(client, "/r", access_token(app)).status_code == 200
        assert get(client, "/r", refresh_token(app)).status_code == 200


class TestOptions:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        app = make_app()

        @app.route("/cors", methods=["GET", "OPTIONS"])
        @jwt_required()
        def cors() -> Any:
            try:
                claims: Any = get_jwt()
            except RuntimeError as error:
                claims = str(error)
            return jsonify(
                method=request.method,
                claims=claims,
                location=get_jwt_request_location(),
                verified=verify_jwt_in_request(),
            )

        return app

    @pytest.mark.parametrize(
        "headers", [{}, {"Authorization": "Bearer abc"}, {"Authorization": "Bearer a b"}]
    )
    def test_options_passes_and_stores_nothing(
        self, client: FlaskClient, headers: dict[str, str]
    ) -> None:
        response = client.options("/cors", headers=headers)
        assert answer(response) == (
            200,
            {
                "method": "OPTIONS",
                "claims": "You must call `@jwt_required()` or `verify_jwt_in_request()` "
                "before using this method",
                "location": None,
                "verified": None,
            },
        )

    def test_options_skips_even_unknown_locations(self, make_app: AppFactory) -> None:
        app = make_app()
        app.add_url_rule(
            "/odd", "odd", jwt_required(locations="nowhere")(lambda: "ok"), methods=["OPTIONS"]
        )
        assert app.test_client().options("/odd").status_code == 200

    def test_get_is_checked(self, client: FlaskClient) -> None:
        assert client.get("/cors").status_code == 401


class TestAsyncViews:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        app = make_app()

        @app.get("/async")
        @jwt_required()
        async def async_protected() -> Any:
            return jsonify(identity=get_jwt_identity(), location=get_jwt_request_location())

        @app.get("/async-optional")
        @jwt_required(optional=True)
        async def async_optional() -> Any:
            return jsonify(identity=get_jwt_identity())

        @app.get("/async-fresh")
        @jwt_required(fresh=True)
        async def async_fresh() -> Any:
            return jsonify(claims=get_jwt())

        return app

    def test_valid_token(self, client: FlaskClient, token: str) -> None:
        assert answer(get(client, "/async", token)) == (
            200,
            {"identity": "alice", "location": "headers"},
        )

    def test_no_token(self, client: FlaskClient) -> None:
        assert answer(get(client, "/async")) == (401, {"msg": "Missing Authorization Header"})
        assert answer(get(client, "/async-optional")) == (200, {"identity": None})

    def test_not_fresh(self, client: FlaskClient, token: str) -> None:
        assert answer(get(client, "/async-fresh", token)) == FRESH_REQUIRED


class TestVerifyJwtInRequest:
    def test_returns_header_and_claims(self, make_app: AppFactory) -> None:
        app = make_app()

        @app.get("/manual")
        def manual() -> Any:
            result = verify_jwt_in_request()
            assert result is not None
            header, claims = result
            return jsonify(
                header=header, claims=claims, same=(header, claims) == (get_jwt_header(), get_jwt())
            )

        status, data = answer(get(app.test_client(), "/manual", access_token(app)))
        assert status == 200
        assert data["header"] == {"alg": "HS256", "typ": "JWT"}
        assert data["claims"]["sub"] == "alice"
        assert data["same"] is True

    def test_arguments_are_passed_on(self, make_app: AppFactory) -> None:
        app = make_app()

        @app.get("/manual")
        def manual() -> Any:
            verify_jwt_in_request(refresh=True, locations=["query_string"])
            return jsonify(type=get_jwt()["type"])

        client = app.test_client()
        response = client.get("/manual", query_string={"jwt": refresh_token(app)})
        assert answer(response) == (200, {"type": "refresh"})
        assert answer(get(client, "/manual", refresh_token(app)))[0] == 401

    def test_claims_edited_by_a_view_do_not_leak(self, make_app: AppFactory) -> None:
        app = make_app()

        @app.get("/edit")
        @jwt_required()
        def edit() -> Any:
            before = get_jwt()["sub"]
            get_jwt()["sub"] = "mallory"
            get_jwt_header()["alg"] = "none"
            return jsonify(before=before)

        client = app.test_client()
        token = access_token(app)
        for _ in range(2):
            assert answer(get(client, "/edit", token)) == (200, {"before": "alice"})


class TestSkipRevocationCheck:
    def test_skip(self, make_app: AppFactory) -> None:
        app = make_app()
        calls: list[str] = []

        @manager_of(app).token_in_blocklist_loader
        def revoked(header: dict[str, Any], claims: dict[str, Any]) -> bool:
            calls.append(claims["sub"])
            return True

        app.add_url_rule("/skip", "skip", jwt_required(skip_revocation_check=True)(lambda: "ok"))
        client = app.test_client()
        token = access_token(app)
        assert get(client, "/skip", token).status_code == 200
        assert calls == []
        assert answer(get(client, token=token)) == (401, {"msg": "Token has been revoked"})
        assert calls == ["alice"]


class TestOrderOfChecks:
    """Type, freshness, revocation, claims verification, then user lookup."""

    @pytest.fixture
    def calls(self, app: Flask) -> dict[str, Any]:
        state: dict[str, Any] = {"log": [], "revoked": False, "valid": True, "user": "u"}
        manager = manager_of(app)

        @manager.token_in_blocklist_loader
        def revoked(header: dict[str, Any], claims: dict[str, Any]) -> Any:
            state["log"].append("revocation")
            return state["revoked"]

        @manager.token_verification_loader
        def verify(header: dict[str, Any], claims: dict[str, Any]) -> Any:
            state["log"].append("verification")
            return state["valid"]

        @manager.user_lookup_loader
        def lookup(header: dict[str, Any], claims: dict[str, Any]) -> Any:
            state["log"].append("lookup")
            return state["user"]

        return state

    def test_all_pass_in_order(
        self, client: FlaskClient, token: str, calls: dict[str, Any]
    ) -> None:
        assert get(client, token=token).status_code == 200
        assert calls["log"] == ["revocation", "verification", "lookup"]

    def test_type_comes_first(self, app: Flask, client: FlaskClient, calls: dict[str, Any]) -> None:
        calls.update(revoked=True, valid=False, user=None)
        assert answer(get(client, "/fresh", refresh_token(app))) == ONLY_ACCESS
        assert calls["log"] == []

    def test_freshness_before_revocation(
        self, client: FlaskClient, token: str, calls: dict[str, Any]
    ) -> None:
        calls.update(revoked=True, valid=False, user=None)
        assert answer(get(client, "/fresh", token)) == FRESH_REQUIRED
        assert calls["log"] == []

    def test_revocation_before_verification(
        self, client: FlaskClient, token: str, calls: dict[str, Any]
    ) -> None:
        calls.update(revoked=True, valid=False, user=None)
        assert answer(get(client, token=token)) == (401, {"msg": "Token has been revoked"})
        assert calls["log"] == ["revocation"]

    def test_verification_before_lookup(
        self, client: FlaskClient, token: str, calls: dict[str, Any]
    ) -> None:
        calls.update(valid=False, user=None)
        assert answer(get(client, token=token)) == (400, {"msg": "User claims verification failed"})
        assert calls["log"] == ["revocation", "verification"]

    def test_lookup_last(self, client: FlaskClient, token: str, calls: dict[str, Any]) -> None:
        calls.update(user=None)
        response = get(client, token=token)
        assert answer(response) == (401, {"msg": "Error loading the user alice"})
        assert response.headers["WWW-Authenticate"] == INVALID_TOKEN
        assert calls["log"] == ["revocation", "verification", "lookup"]

    @pytest.mark.parametrize("value", [False, None, 0, "", [], {}])
    def test_any_falsy_verification_fails(
        self, client: FlaskClient, token: str, calls: dict[str, Any], value: Any
    ) -> None:
        calls.update(valid=value)
        response = get(client, token=token)
        assert answer(response) == (400, {"msg": "User claims verification failed"})
        assert "WWW-Authenticate" not in response.headers

    @pytest.mark.parametrize("value", [True, 1, "yes", [0], {"a": 1}])
    def test_any_truthy_verification_passes(
        self, client: FlaskClient, token: str, calls: dict[str, Any], value: Any
    ) -> None:
        calls.update(valid=value)
        assert get(client, token=token).status_code == 200

    @pytest.mark.parametrize("user", [0, {}, "", False, []])
    def test_only_none_is_a_lookup_failure(
        self, make_app: AppFactory, calls: dict[str, Any], user: Any
    ) -> None:
        app = make_app()

        @manager_of(app).user_lookup_loader
        def lookup(header: dict[str, Any], claims: dict[str, Any]) -> Any:
            return user

        @app.get("/user")
        @jwt_required()
        def view() -> Any:
            return jsonify(user=get_current_user(), proxy=current_user._get_current_object())

        assert answer(get(app.test_client(), "/user", access_token(app))) == (
            200,
            {"user": user, "proxy": user},
        )


class TestStateStoredOnlyWhenAllPass:
    @pytest.mark.parametrize(
        ("path", "configure"),
        [
            ("/refresh", {}),
            ("/fresh", {}),
            ("/protected", {"token_in_blocklist_loader": True}),
            ("/protected", {"token_verification_loader": False}),
            ("/protected", {"user_lookup_loader": None}),
        ],
    )
    def test_nothing_stored_after_a_failed_check(
        self, make_app: AppFactory, path: str, configure: dict[str, Any]
    ) -> None:
        app = make_app()
        manager = manager_of(app)
        for name, result in configure.items():
            getattr(manager, name)(lambda header, claims, result=result: result)
        view = app.view_functions[path.strip("/")]

        @app.get("/probe")
        def probe() -> Any:
            try:
                view()
            except JWTExtendedException as error:
                failed = type(error).__name__
            try:
                get_jwt()
            except RuntimeError:
                return jsonify(failed=failed, location=get_jwt_request_location())
            raise AssertionError("the request state was stored")

        status, data = answer(get(app.test_client(), "/probe", access_token(app)))
        assert status == 200
        assert data["location"] is None
        assert data["failed"]


class TestAuthFailedSignal:
    def test_sent_with_reason_and_error_never_the_token(self, app: Flask) -> None:
        received: list[dict[str, Any]] = []

        def receiver(sender: Flask, **kwargs: Any) -> None:
            received.append({"sender": sender, **kwargs})

        token = access_token(app)
        client = app.test_client()
        with auth_failed.connected_to(receiver, app):
            get(client, "/refresh", token)
            get(client)
            get(client, token=token)
        assert [r["reason"] for r in received] == [
            "Only refresh tokens are allowed",
            "Missing Authorization Header",
        ]
        assert all(r["sender"] is app for r in received)
        assert all(token not in r["reason"] for r in received)
        assert isinstance(received[0]["error"], JWTExtendedException)

    def test_not_sent_for_optional_views_without_token(self, app: Flask) -> None:
        received: list[Any] = []
        with auth_failed.connected_to(lambda sender, **kw: received.append(kw), app):
            assert get(app.test_client(), "/optional").status_code == 200
        assert received == []


class TestScopes:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        app = make_app()
        app.add_url_rule("/read", "read", jwt_required(scopes="read")(lambda: jsonify(ok=True)))
        app.add_url_rule(
            "/both", "both", jwt_required(scopes=["read", "write"])(lambda: jsonify(ok=True))
        )
        app.add_url_rule(
            "/both-string", "both-string", jwt_required(scopes="read write")(lambda: "ok")
        )
        return app

    @pytest.mark.parametrize("scope", ["read write", ["write", "read"], "admin read write"])
    def test_granted(self, app: Flask, client: FlaskClient, scope: Any) -> None:
        token = access_token(app, additional_claims={"scope": scope})
        for path in ("/read", "/both", "/both-string"):
            assert get(client, path, token).status_code == 200

    @pytest.mark.parametrize("scope", [None, "", "readwrite", ["read", 5], 5, {"read": 1}, "Read"])
    def test_missing(self, app: Flask, client: FlaskClient, scope: Any) -> None:
        claims = {} if scope is None else {"scope": scope}
        token = access_token(app, additional_claims=claims)
        response = get(client, "/read", token)
        assert answer(response) == (403, {"msg": "Missing required scope: read"})
        assert response.headers["WWW-Authenticate"] == (
            'Bearer error="insufficient_scope", scope="read"'
        )

    def test_first_missing_scope_is_named(self, app: Flask, client: FlaskClient) -> None:
        token = access_token(app, additional_claims={"scope": "read"})
        response = get(client, "/both", token)
        assert answer(response) == (403, {"msg": "Missing required scope: write"})
        assert response.headers["WWW-Authenticate"] == (
            'Bearer error="insufficient_scope", scope="read write"'
        )

    def test_one_shot_iterable_applies_to_every_request(self, make_app: AppFactory) -> None:
        app = make_app()
        app.add_url_rule("/gen", "gen", jwt_required(scopes=iter(["admin"]))(lambda: "ok"))
        client = app.test_client()
        token = access_token(app, additional_claims={"scope": "read"})
        for _ in range(2):
            assert answer(get(client, "/gen", token)) == (
                403,
                {"msg": "Missing required scope: admin"},
            )

    def test_custom_claim_and_callback(self, make_app: AppFactory) -> None:
        app = make_app(JWT_SCOPE_CLAIM="scp")
        seen: list[Any] = []

        @manager_of(app).insufficient_scope_loader
        def denied(header: dict[str, Any], claims: dict[str, Any], scopes: Any) -> Any:
            seen.append((header["alg"], claims["sub"], scopes))
            return jsonify(denied=list(scopes)), 403

        app.add_url_rule("/admin", "admin", jwt_required(scopes=("admin",))(lambda: "ok"))
        client = app.test_client()
        assert (
            get(client, "/admin", access_token(app, additional_claims={"scp": "admin"})).status_code
            == 200
        )
        response = get(client, "/admin", access_token(app, additional_claims={"scope": "admin"}))
        assert answer(response) == (403, {"denied": ["admin"]})
        assert "WWW-Authenticate" not in response.headers
        assert seen == [("HS256", "alice", ("admin",))]
