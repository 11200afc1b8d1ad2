"""flask-smorest: the served OpenAPI document describes JWT security, and validates."""

# flask-smorest ships no type information; its decorators are untyped.
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from openapi_spec_validator import validate

from flask_jwt_kit import get_jwt_identity, jwt_required
from flask_jwt_kit.openapi import (
    COOKIE,
    CSRF,
    HEADER,
    SCOPES_EXTENSION,
    JWTSecurityPlugin,
    smorest_spec_kwargs,
)
from tests.conftest import AppFactory, bearer
from tests.ecosystem.conftest import access_token


class PetSchema(ma.Schema):
    name = ma.fields.String(required=True)


def pets_blueprint() -> Blueprint:
    blp = Blueprint("pets", __name__, url_prefix="/pets", description="Pets")

    @blp.route("/")
    class Pets(MethodView):
        @blp.response(200, PetSchema(many=True))
        @jwt_required(scopes="pets:read")
        def get(self) -> Any:
            return [{"name": get_jwt_identity()}]

        @jwt_required(optional=True, locations=["headers", "cookies"])
        @blp.arguments(PetSchema)
        @blp.response(201, PetSchema)
        def post(self, pet: dict[str, Any]) -> Any:
            return pet

    @blp.route("/count")
    @blp.response(200)
    def count() -> Any:
        return {"count": 1}

    @blp.route("/<int:pet_id>", methods=["DELETE"])
    @jwt_required(fresh=True, scopes=["pets:write", "admin"])
    @blp.response(204)
    def delete(pet_id: int) -> None:
        return None

    return blp


def make_api(make_app: AppFactory, version: str, **config: Any) -> tuple[Flask, Api]:
    app = make_app(
        API_TITLE="Pets",
        API_VERSION="1",
        OPENAPI_VERSION=version,
        OPENAPI_URL_PREFIX="/docs",
        **config,
    )
    api = Api(app, spec_kwargs=smorest_spec_kwargs(app))
    api.register_blueprint(pets_blueprint())
    return app, api


def served(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/docs/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.json  # type: ignore[assignment]
    validate(doc)
    return doc


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_served_document(make_app: AppFactory, version: str) -> None:
    app, _ = make_api(make_app, version)
    doc = served(app)
    in_arrays = version.startswith("3.1")
    schemes = doc["components"]["securitySchemes"]
    assert schemes[HEADER]["scheme"] == "bearer"
    paths = doc["paths"]
    listed = paths["/pets/"]["get"]
    assert listed["security"] == [{HEADER: ["pets:read"] if in_arrays else []}]
    assert listed[SCOPES_EXTENSION] == ["pets:read"]
    created = paths["/pets/"]["post"]
    assert created["security"] == [{HEADER: []}, {COOKIE: [], CSRF: []}, {}]
    assert SCOPES_EXTENSION not in created
    deleted = paths["/pets/{pet_id}"]["delete"]
    assert deleted[SCOPES_EXTENSION] == ["pets:write", "admin"]
    assert "security" not in paths["/pets/count"]["get"]
    assert set(schemes) == {HEADER, COOKIE, CSRF}


def test_document_follows_the_token_settings(make_app: AppFactory) -> None:
    app, _ = make_api(
        make_app,
        "3.0.3",
        JWT_TOKEN_LOCATION=["cookies", "headers"],
        JWT_HEADER_TYPE="",
        JWT_ACCESS_COOKIE_NAME="pets_session",
    )
    doc = served(app)
    schemes = doc["components"]["securitySchemes"]
    assert (schemes[HEADER]["type"], schemes[HEADER]["name"]) == ("apiKey", "Authorization")
    assert schemes[COOKIE]["name"] == "pets_session"
    # The configured order of locations is the order of the alternatives.
    assert doc["paths"]["/pets/"]["get"]["security"] == [{COOKIE: []}, {HEADER: []}]


def test_views_still_work(make_app: AppFactory) -> None:
    app, _ = make_api(make_app, "3.0.3")
    client = app.test_client()
    token = access_token(app, additional_claims={"scope": "pets:read"})
    assert client.get("/pets/", headers=bearer(token)).json == [{"name": "alice"}]
    assert client.get("/pets/").status_code == 401
    assert client.post("/pets/", json={"name": "Rex"}).status_code == 201


def test_application_factory_style(make_app: AppFactory) -> None:
    api = Api()
    app = make_app(API_TITLE="Pets", API_VERSION="1", OPENAPI_VERSION="3.1.0")
    api.init_app(app, spec_kwargs=smorest_spec_kwargs(app))
    api.register_blueprint(pets_blueprint())
    doc = api.spec.to_dict()
    validate(doc)
    assert doc["paths"]["/pets/"]["get"]["security"] == [{HEADER: ["pets:read"]}]


def test_spec_kwargs_keep_what_is_given(app: Flask) -> None:
    other = JWTSecurityPlugin(app)
    kwargs = smorest_spec_kwargs(app, extra_plugins=(other,), servers=[{"url": "/"}])
    assert kwargs["servers"] == [{"url": "/"}]
    first, ours = kwargs["extra_plugins"]
    assert first is other
    assert isinstance(ours, JWTSecurityPlugin) and ours.app is app
    assert smorest_spec_kwargs()["extra_plugins"][0].app is None
