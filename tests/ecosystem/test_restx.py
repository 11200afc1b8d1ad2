"""Flask-RESTX: every error keeps its status, JSON body and challenge inside a RESTX ``Api``.

Whatever the order of ``JWTManager(app)`` and ``Api(app)``, with
``PROPAGATE_EXCEPTIONS`` on or off, with the ``Api`` on the app or on a
blueprint, and with no change to the application's code.
"""

# Flask-RESTX ships no type information: its decorators are untyped and its
# Resource is Any (hence the ignores on resource classes).
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from flask import Blueprint, Flask, jsonify, request
from flask.testing import FlaskClient
from flask_restx import Api, Resource
from werkzeug.test import TestResponse

from flask_jwt_kit import JWTManager, decode_token, get_jwt_identity, jwt_required
from flask_jwt_kit.exceptions import JWTExtendedException, NoAuthorizationError
from flask_jwt_kit.restx import HANDLED_ERRORS, defer_errors, restx_apis
from tests.conftest import SECRET, Clock, bearer
from tests.ecosystem.conftest import access_token, refresh_token

# --------------------------------------------------------------------------- the app


def add_resources(api: Api) -> None:
    ns = api.namespace("r")

    def me() -> dict[str, Any]:
        return {"identity": get_jwt_identity()}

    @ns.route("/protected")
    class Protected(Resource):  # type: ignore[misc]
        @jwt_required()
        def get(self) -> Any:
            return me()

        @jwt_required()
        def post(self) -> Any:
            return me()

    @ns.route("/fresh")
    class Fresh(Resource):  # type: ignore[misc]
        @jwt_required(fresh=True)
        def get(self) -> Any:
            return me()

    @ns.route("/refresh")
    class Refresh(Resource):  # type: ignore[misc]
        @jwt_required(refresh=True)
        def post(self) -> Any:
            return me()

    @ns.route("/scoped")
    class Scoped(Resource):  # type: ignore[misc]
        @jwt_required(scopes="admin")
        def get(self) -> Any:
            return me()

    @ns.route("/decode")
    class Decode(Resource):  # type: ignore[misc]
        def get(self) -> Any:
            # A PyJWT error the application itself lets escape.
            return decode_token(request.args["token"])

    @ns.route("/class-decorated")
    class ClassDecorated(Resource):  # type: ignore[misc]
        method_decorators = [jwt_required()]

        def get(self) -> Any:
            return me()


def build(
    clock: Clock,
    *,
    manager_first: bool = True,
    propagate: bool = False,
    blueprint: bool = False,
    **config: Any,
) -> Flask:
    """A RESTX application built the way its author would, in the order asked."""
    app = Flask("restx")
    app.config.update(TESTING=True, JWT_SECRET_KEY=SECRET, PROPAGATE_EXCEPTIONS=propagate)
    app.config.update(config)

    @app.get("/plain")
    @jwt_required()
    def plain() -> Any:
        return jsonify(identity=get_jwt_identity())

    if manager_first:
        JWTManager(app, clock=clock)
    if blueprint:
        bp = Blueprint("api", __name__, url_prefix="/api")
        add_resources(Api(bp))
        app.register_blueprint(bp)
    else:
        add_resources(Api(app))
    if not manager_first:
        JWTManager(app, clock=clock)
    return app


def manager(app: Flask) -> JWTManager:
    found: JWTManager = app.extensions["flask-jwt-kit"]
    return found


# --------------------------------------------------------------------------- the contract table


@dataclass
class Case:
    send: Callable[[Flask, FlaskClient, Clock, str], TestResponse]
    status: int
    message: str
    config: dict[str, Any] = field(default_factory=dict)
    setup: Callable[[JWTManager], Any] | None = None


def get(path: str, **kwargs: Any) -> Callable[[Flask, FlaskClient, Clock, str], TestResponse]:
    def send(app: Flask, client: FlaskClient, clock: Clock, base: str) -> TestResponse:
        return client.get(base + path, **kwargs)

    return send


def with_token(
    path: str = "/r/protected",
    method: str = "GET",
    make: Callable[[Flask], str] = access_token,
    advance: float = 0,
) -> Callable[[Flask, FlaskClient, Clock, str], TestResponse]:
    def send(app: Flask, client: FlaskClient, clock: Clock, base: str) -> TestResponse:
        token = make(app)
        clock.advance(advance)
        return client.open(base + path, method=method, headers=bearer(token))

    return send


def with_cookie(csrf: str | None) -> Callable[[Flask, FlaskClient, Clock, str], TestResponse]:
    def send(app: Flask, client: FlaskClient, clock: Clock, base: str) -> TestResponse:
        client.set_cookie("access_token_cookie", access_token(app))
        headers = {} if csrf is None else {"X-CSRF-TOKEN": csrf}
        return client.post(base + "/r/protected", headers=headers)

    return send


def signed(claims: dict[str, Any], key: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm)


def forged(app: Flask) -> str:
    claims = jwt.decode(access_token(app), options={"verify_signature": False})
    return signed(claims, "a different secret of the same length: " + "q" * 32)


COOKIES = {"JWT_TOKEN_LOCATION": ["cookies"]}
QUERY = {"JWT_TOKEN_LOCATION": ["query_string"]}
JSON = {"JWT_TOKEN_LOCATION": ["json"]}

CASES: dict[str, Case] = {
    "no header": Case(get("/r/protected"), 401, "Missing Authorization Header"),
    "no bearer credential": Case(
        get("/r/protected", headers={"Authorization": "Basic eDp5"}),
        401,
        "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'",
    ),
    "no cookie": Case(get("/r/protected"), 401, 'Missing cookie "access_token_cookie"', COOKIES),
    # The contract keeps the original's spelling.
    "no query parameter": Case(
        get("/r/protected"),
        401,
        "Missing 'jwt' query paramater",  # codespell:ignore
        QUERY,
    ),
    "no JSON key": Case(
        get("/r/protected", json={}), 401, 'Missing "access_token" key in json data.', JSON
    ),
    "not JSON": Case(
        get("/r/protected", data="x"), 401, "Invalid content-type. Must be application/json.", JSON
    ),
    "several locations": Case(
        get("/r/protected"),
        401,
        "Missing JWT in headers or query_string "
        "(Missing Authorization Header; Missing 'jwt' query paramater)",  # codespell:ignore
        {"JWT_TOKEN_LOCATION": ["headers", "query_string"]},
    ),
    "bad header shape": Case(
        get("/r/protected", headers={"Authorization": "Bearer a b"}),
        422,
        "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'",
    ),
    "bad header shape without type": Case(
        get("/r/protected", headers={"Authorization": "a b"}),
        422,
        "Bad Authorization header. Expected 'Authorization: <JWT>'",
        {"JWT_HEADER_TYPE": ""},
    ),
    "no CSRF value": Case(with_cookie(None), 401, "Missing CSRF token", COOKIES),
    "CSRF mismatch": Case(
        with_cookie("guess"), 401, "CSRF double submit tokens do not match", COOKIES
    ),
    "expired": Case(
        with_token(make=lambda app: access_token(app, expires_delta=5), advance=6),
        401,
        "Token has expired",
    ),
    "bad signature": Case(with_token(make=forged), 422, "Signature verification failed"),
    "malformed": Case(with_token(make=lambda app: "abc"), 422, "Not enough segments"),
    "algorithm not allowed": Case(
        with_token(make=lambda app: signed({"sub": "alice"}, SECRET, "HS512")),
        422,
        "The specified alg value is not allowed",
    ),
    "wrong issuer": Case(
        with_token(make=lambda app: access_token(app, additional_claims={"iss": "https://b"})),
        422,
        "Invalid issuer",
        {"JWT_DECODE_ISSUER": "https://a"},
    ),
    "wrong audience": Case(
        with_token(make=lambda app: access_token(app, additional_claims={"aud": "them"})),
        422,
        "Audience doesn't match",
        {"JWT_DECODE_AUDIENCE": "us"},
    ),
    "subject not a string": Case(
        with_token(make=lambda app: access_token(app, 5)), 422, "Subject must be a string"
    ),
    "no identity claim": Case(
        with_token(make=lambda app: signed({"type": "access", "jti": "j"})),
        422,
        "Missing claim: sub",
    ),
    "refresh token for an access view": Case(
        with_token(make=refresh_token), 422, "Only non-refresh tokens are allowed"
    ),
    "access token for a refresh view": Case(
        with_token("/r/refresh", "POST"), 422, "Only refresh tokens are allowed"
    ),
    "not fresh": Case(with_token("/r/fresh"), 401, "Fresh token required"),
    "revoked": Case(
        with_token(),
        401,
        "Token has been revoked",
        setup=lambda m: m.token_in_blocklist_loader(lambda header, claims: True),
    ),
    "claims verification failed": Case(
        with_token(),
        400,
        "User claims verification failed",
        setup=lambda m: m.token_verification_loader(lambda header, claims: False),
    ),
    "user lookup failed": Case(
        with_token(),
        401,
        "Error loading the user alice",
        setup=lambda m: m.user_lookup_loader(lambda header, claims: None),
    ),
    "bad query prefix": Case(
        get("/r/protected", query_string={"jwt": "abc"}),
        422,
        "Invalid value for query parameter 'jwt'. Expected the value to start with 'Bearer '",
        {**QUERY, "JWT_QUERY_STRING_VALUE_PREFIX": "Bearer "},
    ),
    "missing scope": Case(with_token("/r/scoped"), 403, "Missing required scope: admin"),
    "PyJWT error raised by the app": Case(
        get("/r/decode", query_string={"token": "abc"}), 422, "Not enough segments"
    ),
    "method_decorators": Case(get("/r/class-decorated"), 401, "Missing Authorization Header"),
}

CHALLENGES = {
    "no header": "Bearer",
    "expired": 'Bearer error="invalid_token"',
    "revoked": 'Bearer error="invalid_token"',
    "missing scope": 'Bearer error="insufficient_scope", scope="admin"',
    "bad signature": None,
}


@pytest.fixture(params=[True, False], ids=["manager-first", "api-first"])
def manager_first(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture(params=[False, True], ids=["propagate-off", "propagate-on"])
def propagate(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture(params=[False, True], ids=["on-app", "on-blueprint"])
def blueprint(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def run(
    case: Case, clock: Clock, manager_first: bool, propagate: bool, blueprint: bool
) -> TestResponse:
    app = build(
        clock,
        manager_first=manager_first,
        propagate=propagate,
        blueprint=blueprint,
        **case.config,
    )
    if case.setup is not None:
        case.setup(manager(app))
    return case.send(app, app.test_client(), clock, "/api" if blueprint else "")


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_every_error_keeps_its_answer(
    case: Case, clock: Clock, manager_first: bool, propagate: bool, blueprint: bool
) -> None:
    response = run(case, clock, manager_first, propagate, blueprint)
    assert response.status_code == case.status
    assert response.json == {"msg": case.message}


@pytest.mark.parametrize("name", CHALLENGES)
def test_challenges_are_kept(
    name: str, clock: Clock, manager_first: bool, propagate: bool, blueprint: bool
) -> None:
    response = run(CASES[name], clock, manager_first, propagate, blueprint)
    assert response.headers.get("WWW-Authenticate") == CHALLENGES[name]


def test_accepted_tokens_still_work(
    clock: Clock, manager_first: bool, propagate: bool, blueprint: bool
) -> None:
    app = build(clock, manager_first=manager_first, propagate=propagate, blueprint=blueprint)
    base = "/api" if blueprint else ""
    client = app.test_client()
    response = client.get(base + "/r/protected", headers=bearer(access_token(app)))
    assert (response.status_code, response.json) == (200, {"identity": "alice"})


@pytest.mark.parametrize("propagate", [False, True])
def test_same_answer_as_a_plain_flask_view(clock: Clock, propagate: bool) -> None:
    app = build(clock, propagate=propagate)
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer a b"}, bearer(forged(app))):
        restx = client.get("/r/protected", headers=headers)
        plain = client.get("/plain", headers=headers)
        assert (restx.status_code, restx.json) == (plain.status_code, plain.json)
        assert restx.headers.get("WWW-Authenticate") == plain.headers.get("WWW-Authenticate")


# --------------------------------------------------------------------------- the app's own handlers


def test_callback_responses_pass_through_unchanged(clock: Clock) -> None:
    app = build(clock)
    manager(app).unauthorized_loader(
        lambda message: (jsonify(error=message), 418, {"X-Why": "callback"})
    )
    response = app.test_client().get("/r/protected")
    assert response.status_code == 418
    assert response.json == {"error": "Missing Authorization Header"}
    assert response.headers["X-Why"] == "callback"


def test_a_namespace_handler_of_the_app_still_answers(clock: Clock) -> None:
    app = Flask("restx")
    app.config.update(JWT_SECRET_KEY=SECRET, PROPAGATE_EXCEPTIONS=False)
    JWTManager(app, clock=clock)
    api = Api(app)
    ns = api.namespace("n")

    @ns.errorhandler(NoAuthorizationError)
    def no_auth(error: NoAuthorizationError) -> Any:
        return {"message": f"login first ({error})"}, 401

    @ns.route("/x")
    class X(Resource):  # type: ignore[misc]
        @jwt_required()
        def get(self) -> Any:
            return {}

    client = app.test_client()
    response = client.get("/n/x")
    assert (response.status_code, response.json) == (
        401,
        {"message": "login first (Missing Authorization Header)"},
    )
    # Other errors of ours are still answered by the extension.
    response = client.get("/n/x", headers={"Authorization": "Bearer a b"})
    assert response.json == {
        "msg": "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'"
    }


def test_an_api_handler_of_the_app_still_answers(clock: Clock) -> None:
    app = Flask("restx")
    app.config.update(JWT_SECRET_KEY=SECRET, PROPAGATE_EXCEPTIONS=False)
    api = Api(app)

    @api.errorhandler(jwt.ExpiredSignatureError)
    def expired(error: Exception) -> Any:
        return {"message": "please log in again"}, 401

    add_resources(api)
    JWTManager(app, clock=clock)
    client = app.test_client()
    token = access_token(app, expires_delta=1)
    clock.advance(2)
    response = client.get("/r/protected", headers=bearer(token))
    assert (response.status_code, response.json) == (401, {"message": "please log in again"})


def test_a_flask_handler_of_the_app_answers_inside_restx(clock: Clock) -> None:
    app = build(clock)
    app.register_error_handler(NoAuthorizationError, lambda e: ({"app": str(e)}, 401))
    response = app.test_client().get("/r/protected")
    assert (response.status_code, response.json) == (401, {"app": "Missing Authorization Header"})


def test_restx_keeps_answering_its_own_errors(clock: Clock) -> None:
    app = Flask("restx")
    app.config.update(JWT_SECRET_KEY=SECRET, PROPAGATE_EXCEPTIONS=False)
    JWTManager(app, clock=clock)
    api = Api(app)

    @api.route("/broken")
    class Broken(Resource):  # type: ignore[misc]
        def get(self) -> Any:
            raise ValueError("bug")

    @api.route("/refused")
    class Refused(Resource):  # type: ignore[misc]
        def get(self) -> Any:
            api.abort(409, "taken")

    client = app.test_client()
    broken = client.get("/broken")
    assert (broken.status_code, broken.json) == (500, {"message": "Internal Server Error"})
    refused = client.get("/refused")
    assert (refused.status_code, refused.json) == (409, {"message": "taken"})


# --------------------------------------------------------------------------- finding the APIs


def test_every_api_of_the_app_is_found(clock: Clock) -> None:
    app = Flask("restx")
    app.config.update(JWT_SECRET_KEY=SECRET, PROPAGATE_EXCEPTIONS=False)
    JWTManager(app, clock=clock)
    apis = []
    for name in ("v1", "v2"):
        bp = Blueprint(name, __name__, url_prefix=f"/{name}")
        api = Api(bp, doc=False)
        add_resources(api)
        apis.append(api)
        app.register_blueprint(bp)
    assert list(restx_apis(app)) == apis[::-1]
    client = app.test_client()
    for name in ("v1", "v2"):
        assert client.get(f"/{name}/r/protected").status_code == 401


def test_other_wrappers_of_the_error_handling_are_passed_over(clock: Clock) -> None:
    app = build(clock)
    [api] = restx_apis(app)

    def audit(original: Callable[[Exception], Any], error: Exception) -> Any:
        return original(error)

    app.handle_user_exception = functools.partial(  # type: ignore[method-assign]
        audit, app.handle_user_exception
    )
    assert list(restx_apis(app)) == [api]
    assert app.test_client().get("/r/protected").status_code == 401


def test_no_restx_no_apis(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    app = build(clock)
    monkeypatch.delitem(sys.modules, "flask_restx")
    assert list(restx_apis(app)) == []


def test_an_app_without_restx_is_untouched(clock: Clock) -> None:
    app = Flask("plain")
    app.config.update(JWT_SECRET_KEY=SECRET, PROPAGATE_EXCEPTIONS=False)
    JWTManager(app, clock=clock)
    app.add_url_rule("/x", "x", jwt_required()(lambda: "ok"))
    client = app.test_client()
    for _ in range(2):
        assert client.get("/x").status_code == 401
    assert "handle_user_exception" not in app.__dict__


def test_deferring_twice_changes_nothing_and_keeps_the_apps_handler(clock: Clock) -> None:
    api = Api()

    def mine(error: Exception) -> Any:
        return {"message": "mine"}, 401

    api.error_handlers[JWTExtendedException] = mine
    defer_errors(api)
    handlers = dict(api.error_handlers)
    defer_errors(api)
    assert api.error_handlers == handlers
    assert api.error_handlers[JWTExtendedException] is mine
    assert all(error in api.error_handlers for error in HANDLED_ERRORS)


@pytest.mark.parametrize("target", ["api", "app"])
def test_the_flask_jwt_extended_recipe_call_still_works(clock: Clock, target: str) -> None:
    """Apps written for the original call ``jwt._set_error_handler_callbacks(api)``."""
    app = Flask("restx")
    app.config.update(TESTING=True, JWT_SECRET_KEY=SECRET, PROPAGATE_EXCEPTIONS=False)
    jwt_manager = JWTManager(app, clock=clock)
    api = Api(app)
    add_resources(api)
    jwt_manager._set_error_handler_callbacks(api if target == "api" else app)
    if target == "api":
        assert all(api.error_handlers.get(error) for error in HANDLED_ERRORS)
    response = app.test_client().get("/r/protected")
    assert (response.status_code, response.json) == (401, {"msg": "Missing Authorization Header"})
