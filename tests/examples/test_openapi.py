"""examples/openapi_smorest.py and examples/openapi_apispec.py: valid documents."""

from __future__ import annotations

from openapi_spec_validator import validate

from tests.conftest import bearer
from tests.examples.conftest import body, example_app, load_example


def test_smorest_document() -> None:
    app = example_app("openapi_smorest")
    client = app.test_client()
    document = body(client.get("/openapi.json"))
    validate(document)
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {
        "jwtHeader",
        "jwtCookie",
        "jwtRefreshCookie",
        "jwtCsrf",
        "jwtRefreshCsrf",
    }
    assert schemes["jwtHeader"]["scheme"] == "bearer"
    orders = document["paths"]["/orders/"]
    assert orders["get"]["security"] == [
        {"jwtHeader": ["orders:read"]},
        {"jwtCookie": ["orders:read"]},
    ]
    # A cookie token on POST needs the CSRF header too.
    assert orders["post"]["security"][1] == {
        "jwtCookie": ["orders:read", "orders:write"],
        "jwtCsrf": [],
    }
    assert orders["post"]["x-required-scopes"] == ["orders:read", "orders:write"]
    assert "security" not in document["paths"]["/orders/catalogue"]["get"]


def test_smorest_views_work() -> None:
    app = example_app("openapi_smorest")
    client = app.test_client()
    with app.app_context():
        from flask_jwt_kit import create_access_token

        token = create_access_token("alice", additional_claims={"scope": "orders:read"})
    assert client.get("/orders/", headers=bearer(token)).json == [{"item": "book for alice"}]
    assert client.post("/orders/", headers=bearer(token), json={"item": "pen"}).status_code == 403
    assert client.get("/orders/catalogue").json == {"items": ["book", "pen"]}


def test_apispec_document() -> None:
    module = load_example("openapi_apispec")
    client = module.app.test_client()
    document = body(client.get("/openapi.json"))
    validate(document)
    assert document["paths"]["/me"]["get"]["security"] == [{"jwtHeader": []}]
    assert document["paths"]["/token/refresh"]["post"]["security"] == [{"jwtHeader": []}]
    assert "security" not in document["paths"]["/health"]["get"]
    assert client.get("/health").json == {"ok": True}
    with module.app.app_context():
        from flask_jwt_kit import create_access_token, create_refresh_token

        access, refresh = create_access_token("alice"), create_refresh_token("alice")
    assert client.get("/me", headers=bearer(access)).json == {"username": "alice"}
    assert client.post("/token/refresh", headers=bearer(refresh)).status_code == 200
