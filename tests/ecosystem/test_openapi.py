"""``flask_jwt_kit.openapi``: security schemes, requirements and the apispec plugin."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from apispec import APISpec
from flask import Flask, jsonify
from flask.views import MethodView
from openapi_spec_validator import validate

from flask_jwt_kit import jwt_required
from flask_jwt_kit.openapi import (
    COOKIE,
    CSRF,
    HEADER,
    QUERY,
    REFRESH_COOKIE,
    REFRESH_CSRF,
    SCOPES_EXTENSION,
    JWTSecurityPlugin,
    register_security_schemes,
    required_scopes,
    security_requirements,
    security_schemes,
)
from tests.conftest import AppFactory

BEARER = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "A JSON Web Token in the Authorization header.",
}


def view() -> Any:
    return jsonify(ok=True)


def add(app: Flask, rule: str, *decorators: Any, methods: tuple[str, ...] = ("GET",)) -> None:
    function: Any = view
    for decorator in decorators:
        function = decorator(function)
    app.add_url_rule(rule, rule.strip("/"), function, methods=list(methods))


class Pets(MethodView):
    decorators = [jwt_required(scopes="pets")]

    @jwt_required(scopes=["pets:read"], optional=True)
    def get(self) -> Any:
        return jsonify([])

    @jwt_required(locations="cookies")
    def post(self) -> Any:
        return jsonify({})

    def delete(self) -> Any:
        return jsonify({})


class Owners(MethodView):
    @jwt_required()
    def get(self) -> Any:
        return jsonify([])


def document(app: Flask, version: str = "3.0.3", plugin: Any = None) -> dict[str, Any]:
    """An apispec document of every route of *app*, as apispec-webframeworks would make it."""
    spec = APISpec("API", "1.0", version, plugins=[plugin or JWTSecurityPlugin(app)])
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        operations = {m.lower(): {"responses": {"200": {"description": "OK"}}} for m in methods}
        spec.path(path=rule.rule, operations=operations, view=app.view_functions[rule.endpoint])
    result = spec.to_dict()
    validate(result)
    return result


class TestSchemes:
    def test_default_is_http_bearer(self, app: Flask) -> None:
        assert security_schemes(app) == {HEADER: BEARER}

    def test_current_app_by_default(self, app: Flask) -> None:
        with app.app_context():
            assert security_schemes() == {HEADER: BEARER}

    @pytest.mark.parametrize(
        ("config", "expected"),
        [
            ({"JWT_HEADER_TYPE": ["JWT", "Bearer"]}, BEARER),
            ({"JWT_HEADER_NAME": "authorization"}, BEARER),
            (
                {"JWT_HEADER_TYPE": "JWT"},
                {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "A JSON Web Token, sent as 'Authorization: JWT <JWT>'.",
                },
            ),
            (
                {"JWT_HEADER_TYPE": ""},
                {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "A JSON Web Token, sent as 'Authorization: <JWT>'.",
                },
            ),
            (
                {"JWT_HEADER_NAME": "X-Token"},
                {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Token",
                    "description": "A JSON Web Token, sent as 'X-Token: Bearer <JWT>'.",
                },
            ),
        ],
    )
    def test_header(
        self, make_app: AppFactory, config: dict[str, Any], expected: dict[str, Any]
    ) -> None:
        assert security_schemes(make_app(**config)) == {HEADER: expected}

    def test_cookies_with_their_csrf_headers(self, make_app: AppFactory) -> None:
        app = make_app(
            JWT_TOKEN_LOCATION="cookies",
            JWT_ACCESS_COOKIE_NAME="acc",
            JWT_REFRESH_COOKIE_NAME="ref",
            JWT_ACCESS_CSRF_HEADER_NAME="X-Acc-CSRF",
            JWT_REFRESH_CSRF_HEADER_NAME="X-Ref-CSRF",
            JWT_CSRF_METHODS=["POST", "DELETE"],
        )
        schemes = security_schemes(app)
        assert list(schemes) == [COOKIE, REFRESH_COOKIE, CSRF, REFRESH_CSRF]
        assert {k: v for k, v in schemes[COOKIE].items() if k != "description"} == {
            "type": "apiKey",
            "in": "cookie",
            "name": "acc",
        }
        assert schemes[REFRESH_COOKIE]["name"] == "ref"
        assert (schemes[CSRF]["in"], schemes[CSRF]["name"]) == ("header", "X-Acc-CSRF")
        assert schemes[REFRESH_CSRF]["name"] == "X-Ref-CSRF"
        assert "csrf_access_token cookie" in schemes[CSRF]["description"]
        assert "DELETE, POST requests" in schemes[CSRF]["description"]

    def test_csrf_header_without_csrf_cookie(self, make_app: AppFactory) -> None:
        app = make_app(JWT_TOKEN_LOCATION="cookies", JWT_CSRF_IN_COOKIES=False)
        assert "csrf_access_token" not in security_schemes(app)[CSRF]["description"]

    def test_no_csrf_scheme_without_csrf_protection(self, make_app: AppFactory) -> None:
        app = make_app(JWT_TOKEN_LOCATION="cookies", JWT_COOKIE_CSRF_PROTECT=False)
        assert list(security_schemes(app)) == [COOKIE, REFRESH_COOKIE]

    def test_query_string(self, make_app: AppFactory) -> None:
        plain = security_schemes(make_app(JWT_TOKEN_LOCATION="query_string"))[QUERY]
        assert (plain["type"], plain["in"], plain["name"]) == ("apiKey", "query", "jwt")
        prefixed = make_app(
            JWT_TOKEN_LOCATION="query_string",
            JWT_QUERY_STRING_NAME="token",
            JWT_QUERY_STRING_VALUE_PREFIX="Bearer ",
        )
        scheme = security_schemes(prefixed)[QUERY]
        assert scheme["name"] == "token"
        assert "after the prefix 'Bearer '" in scheme["description"]

    def test_json_body_has_no_scheme(self, make_app: AppFactory) -> None:
        assert security_schemes(make_app(JWT_TOKEN_LOCATION="json")) == {}

    def test_locations_argument(self, app: Flask) -> None:
        assert list(security_schemes(app, ["query_string", "headers"])) == [QUERY, HEADER]
        with pytest.raises(RuntimeError, match="'body' is not a valid location"):
            security_schemes(app, "body")

    def test_register_adds_only_what_is_missing(self, app: Flask) -> None:
        spec = APISpec("API", "1.0", "3.0.3")
        assert register_security_schemes(spec, app) == [HEADER]
        assert register_security_schemes(spec, app, ["headers", "query_string"]) == [QUERY]
        assert spec.to_dict()["components"]["securitySchemes"][HEADER] == BEARER


class TestRequirements:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        app = make_app(JWT_TOKEN_LOCATION=["headers", "cookies", "json", "query_string"])
        add(app, "/open")
        add(app, "/plain", jwt_required(locations="headers"))
        add(app, "/everywhere", jwt_required(), methods=("GET", "POST", "OPTIONS"))
        add(app, "/maybe", jwt_required(optional=True, locations=["headers"]))
        add(app, "/scoped", jwt_required(scopes="read write", locations="headers"))
        add(app, "/renew", jwt_required(refresh=True, locations="cookies"), methods=("POST",))
        add(app, "/body", jwt_required(locations="json"))
        add(app, "/twice", jwt_required(locations=["headers", "headers"]))
        app.add_url_rule("/pets", view_func=Pets.as_view("pets"))
        app.add_url_rule("/owners", view_func=Owners.as_view("owners"))
        return app

    def requirements(self, app: Flask, endpoint: str, **kwargs: Any) -> Any:
        return security_requirements(app.view_functions[endpoint], app, **kwargs)

    def test_public_view(self, app: Flask) -> None:
        assert self.requirements(app, "open") == []
        assert required_scopes(app.view_functions["open"]) == []

    def test_one_alternative_per_location_in_order(self, app: Flask) -> None:
        assert self.requirements(app, "plain") == [{HEADER: []}]
        assert self.requirements(app, "everywhere", method="GET") == [
            {HEADER: []},
            {COOKIE: []},
            {QUERY: []},
        ]
        assert self.requirements(app, "twice") == [{HEADER: []}]

    def test_cookies_need_the_csrf_header_on_csrf_methods(self, app: Flask) -> None:
        assert self.requirements(app, "everywhere", method="POST")[1] == {COOKIE: [], CSRF: []}
        assert self.requirements(app, "renew", method="POST") == [
            {REFRESH_COOKIE: [], REFRESH_CSRF: []}
        ]
        # Without a method, nothing says a CSRF header is needed.
        assert self.requirements(app, "renew") == [{REFRESH_COOKIE: []}]

    def test_preflight_needs_nothing(self, app: Flask) -> None:
        assert self.requirements(app, "everywhere", method="OPTIONS") == []

    def test_optional_adds_the_empty_alternative(self, app: Flask) -> None:
        assert self.requirements(app, "maybe") == [{HEADER: []}, {}]

    def test_scopes(self, app: Flask) -> None:
        assert self.requirements(app, "scoped") == [{HEADER: ["read", "write"]}]
        assert self.requirements(app, "scoped", scopes_in_requirements=False) == [{HEADER: []}]
        assert required_scopes(app.view_functions["scoped"]) == ["read", "write"]

    def test_a_json_body_only_view_cannot_be_described(self, app: Flask) -> None:
        assert self.requirements(app, "body") == []

    def test_class_based_view_combines_class_and_method_decorators(self, app: Flask) -> None:
        everywhere = [{HEADER: ["pets", "pets:read"]}, {COOKIE: ["pets", "pets:read"]}]
        everywhere.append({QUERY: ["pets", "pets:read"]})
        # Both decorators run: both scopes are needed, and the class one is not optional.
        assert self.requirements(app, "pets", method="GET") == everywhere
        assert self.requirements(app, "pets", method="HEAD") == everywhere
        # The method's own locations are where the token is read.
        assert self.requirements(app, "pets", method="POST") == [{COOKIE: ["pets"], CSRF: []}]
        assert self.requirements(app, "pets", method="DELETE")[0] == {HEADER: ["pets"]}
        assert required_scopes(app.view_functions["pets"], method="GET") == ["pets", "pets:read"]
        assert self.requirements(app, "owners", method="GET")[0] == {HEADER: []}
        assert self.requirements(app, "owners", method="HEAD")[0] == {HEADER: []}
        assert self.requirements(app, "owners") == []

    def test_method_is_keyword_only_in_both(self, app: Flask) -> None:
        view = app.view_functions["pets"]
        for function, args in ((required_scopes, (view,)), (security_requirements, (view, app))):
            parameter = inspect.signature(function).parameters["method"]
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
            with pytest.raises(TypeError, match="positional argument"):
                function(*args, "GET")  # type: ignore[call-arg]
        assert required_scopes(view) == ["pets"]
        assert security_requirements(view, app)[0] == {HEADER: ["pets"]}

    def test_current_app_by_default(self, app: Flask) -> None:
        with app.app_context():
            assert security_requirements(app.view_functions["plain"]) == [{HEADER: []}]

    def test_unknown_location_is_an_error(self, app: Flask) -> None:
        add(app, "/bad", jwt_required(locations="body"))
        with pytest.raises(RuntimeError, match="'body' is not a valid location"):
            self.requirements(app, "bad")


class TestPlugin:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        app = make_app()
        add(app, "/open")
        add(app, "/scoped", jwt_required(scopes=["admin"]), methods=("GET", "POST"))
        add(app, "/cookie", jwt_required(locations="cookies"), methods=("PUT",))
        return app

    def test_document_marks_protected_operations_only(self, app: Flask) -> None:
        doc = document(app, "3.0.3")
        assert doc["components"]["securitySchemes"][HEADER] == BEARER
        assert "security" not in doc["paths"]["/open"]["get"]
        # The standard views of the shared app factory.
        assert doc["paths"]["/protected"]["get"]["security"] == [{HEADER: []}]
        assert doc["paths"]["/optional"]["post"]["security"] == [{HEADER: []}, {}]
        assert SCOPES_EXTENSION not in doc["paths"]["/protected"]["get"]

    def test_openapi_30_lists_scopes_in_the_extension_only(self, app: Flask) -> None:
        operation = document(app, "3.0.3")["paths"]["/scoped"]["get"]
        assert operation["security"] == [{HEADER: []}]
        assert operation[SCOPES_EXTENSION] == ["admin"]

    def test_openapi_31_lists_scopes_in_the_requirements_too(self, app: Flask) -> None:
        operation = document(app, "3.1.0")["paths"]["/scoped"]["post"]
        assert operation["security"] == [{HEADER: ["admin"]}]
        assert operation[SCOPES_EXTENSION] == ["admin"]

    def test_schemes_a_view_needs_beyond_the_configuration_are_added(self, app: Flask) -> None:
        doc = document(app)
        assert doc["paths"]["/cookie"]["put"]["security"] == [{COOKIE: [], CSRF: []}]
        assert set(doc["components"]["securitySchemes"]) == {HEADER, COOKIE, CSRF}

    def test_security_documented_by_hand_is_kept(self, app: Flask) -> None:
        spec = APISpec("API", "1.0", "3.0.3", plugins=[JWTSecurityPlugin(app)])
        operations = {"get": {"security": [], "responses": {"200": {"description": "OK"}}}}
        spec.path(path="/protected", operations=operations, view=app.view_functions["protected"])
        assert spec.to_dict()["paths"]["/protected"]["get"]["security"] == []

    def test_paths_without_a_known_view_are_left_alone(self, app: Flask) -> None:
        spec = APISpec("API", "1.0", "3.0.3", plugins=[JWTSecurityPlugin(app)])
        ok = {"get": {"responses": {"200": {"description": "OK"}}}}
        spec.path(path="/a", operations=ok)
        rule = next(app.url_map.iter_rules("protected"))
        spec.path(path="/b", operations=ok, rule=rule)
        rule.endpoint = "gone"
        spec.path(path="/c", operations=ok, rule=rule)
        spec.path(path="/d")
        paths = spec.to_dict()["paths"]
        assert "security" not in paths["/a"]["get"]
        assert paths["/b"]["get"]["security"] == [{HEADER: []}]
        assert "security" not in paths["/c"]["get"]

    def test_openapi_2_is_refused(self, app: Flask) -> None:
        with pytest.raises(RuntimeError, match="OpenAPI 3"):
            APISpec("API", "1.0", "2.0", plugins=[JWTSecurityPlugin(app)])

    def test_the_current_app_when_none_is_given(self, app: Flask) -> None:
        with app.app_context():
            doc = document(app, plugin=JWTSecurityPlugin())
        assert doc["paths"]["/protected"]["get"]["security"] == [{HEADER: []}]
        assert HEADER in doc["components"]["securitySchemes"]

    def test_no_app_at_all_is_a_clear_error(self, app: Flask) -> None:
        spec = APISpec("API", "1.0", "3.0.3", plugins=[JWTSecurityPlugin()])
        assert "components" not in spec.to_dict()
        with pytest.raises(RuntimeError, match=r"JWTSecurityPlugin\(app\)"):
            spec.path(
                path="/protected",
                operations={"get": {"responses": {"200": {"description": "OK"}}}},
                view=app.view_functions["protected"],
            )
