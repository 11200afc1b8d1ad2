"""Several token locations, tried in order; the ``locations`` argument of views."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient

from flask_jwt_kit import get_jwt_identity, get_jwt_request_location, jwt_required
from tests.conftest import AppFactory
from tests.views.conftest import MISSING, access_token, answer

ALL = ["headers", "cookies", "query_string", "json"]


def missing_message(*locations: str) -> str:
    where = ", ".join(locations[:-1]) + " or " + locations[-1]
    reasons = "; ".join(MISSING[location] for location in locations)
    return f"Missing JWT in {where} ({reasons})"


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app(JWT_TOKEN_LOCATION=ALL)


def test_combined_missing_message(client: FlaskClient) -> None:
    response = client.get("/protected")
    assert answer(response) == (401, {"msg": missing_message(*ALL)})
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert answer(response)[1]["msg"] == (
        "Missing JWT in headers, cookies, query_string or json (Missing Authorization Header; "
        "Missing cookie \"access_token_cookie\"; Missing 'jwt' query paramater; "
        "Invalid content-type. Must be application/json.)"
    )


def test_two_locations_message(make_app: AppFactory) -> None:
    app = make_app(JWT_TOKEN_LOCATION=["cookies", "headers"])
    response = app.test_client().get("/protected")
    assert answer(response) == (
        401,
        {
            "msg": 'Missing JWT in cookies or headers (Missing cookie "access_token_cookie"; '
            "Missing Authorization Header)"
        },
    )


def test_combined_message_uses_configured_names(make_app: AppFactory) -> None:
    app = make_app(
        JWT_TOKEN_LOCATION=["headers", "json"],
        JWT_HEADER_NAME="X-Auth",
        JWT_JSON_KEY="tok",
    )
    response = app.test_client().post("/protected", json={}, headers={"X-Auth": "Basic x"})
    assert answer(response) == (
        401,
        {
            "msg": "Missing JWT in headers or json (Missing 'Bearer' type in 'X-Auth' header. "
            "Expected 'X-Auth: Bearer <JWT>'; Missing \"tok\" key in json data.)"
        },
    )


def test_optional_view_with_no_token_anywhere(client: FlaskClient) -> None:
    assert answer(client.get("/optional")) == (
        200,
        {"identity": None, "claims": {}, "location": None},
    )


@pytest.mark.parametrize("location", ALL)
def test_each_location_is_found(app: Flask, location: str) -> None:
    token = access_token(app, "bob")
    client = app.test_client()
    kwargs: dict[str, Any] = {}
    if location == "headers":
        kwargs["headers"] = {"Authorization": f"Bearer {token}"}
    elif location == "cookies":
        client.set_cookie("access_token_cookie", token)
    elif location == "query_string":
        kwargs["query_string"] = {"jwt": token}
    else:
        kwargs["json"] = {"access_token": token}
    status, data = answer(client.get("/protected", **kwargs))
    assert status == 200
    assert data["identity"] == "bob"
    assert data["location"] == location


def everywhere(app: Flask, client: FlaskClient) -> dict[str, Any]:
    """Request arguments with a different identity's token in each location."""
    client.set_cookie("access_token_cookie", access_token(app, "in-cookies"))
    return {
        "headers": {"Authorization": f"Bearer {access_token(app, 'in-headers')}"},
        "query_string": {"jwt": access_token(app, "in-query_string")},
        "json": {"access_token": access_token(app, "in-json")},
    }


@pytest.mark.parametrize(
    "order",
    [ALL, ["json", "query_string", "cookies", "headers"], ["query_string", "headers"]],
)
def test_first_location_in_order_wins(make_app: AppFactory, order: list[str]) -> None:
    app = make_app(JWT_TOKEN_LOCATION=order)
    client = app.test_client()
    status, data = answer(client.get("/protected", **everywhere(app, client)))
    assert status == 200
    assert data["location"] == order[0]
    assert data["identity"] == f"in-{order[0]}"


def test_missing_token_falls_through(app: Flask) -> None:
    client = app.test_client()
    response = client.get(
        "/protected",
        headers={"Authorization": "Basic dXNlcjpwYXNz"},
        query_string={"jwt": access_token(app)},
    )
    assert answer(response)[1]["location"] == "query_string"


class TestOnlyMissingFallsThrough:
    """An invalid token or a CSRF error stops the search."""

    def test_invalid_token(self, app: Flask, client: FlaskClient) -> None:
        response = client.get(
            "/protected",
            headers={"Authorization": "Bearer abc"},
            query_string={"jwt": access_token(app)},
        )
        assert answer(response) == (422, {"msg": "Not enough segments"})

    def test_bad_header_shape(self, app: Flask, client: FlaskClient) -> None:
        response = client.get(
            "/protected",
            headers={"Authorization": "Bearer a b"},
            query_string={"jwt": access_token(app)},
        )
        assert answer(response)[0] == 422

    def test_csrf_error(self, app: Flask, client: FlaskClient) -> None:
        client.set_cookie("access_token_cookie", access_token(app))
        response = client.post("/protected", query_string={"jwt": access_token(app)})
        assert answer(response) == (401, {"msg": "Missing CSRF token"})

    def test_bad_query_prefix(self, make_app: AppFactory) -> None:
        app = make_app(
            JWT_TOKEN_LOCATION=["query_string", "json"], JWT_QUERY_STRING_VALUE_PREFIX="x:"
        )
        response = app.test_client().post(
            "/protected", query_string={"jwt": "abc"}, json={"access_token": access_token(app)}
        )
        assert answer(response)[0] == 422

    def test_non_string_json_value(self, make_app: AppFactory) -> None:
        app = make_app(JWT_TOKEN_LOCATION=["json", "headers"])
        response = app.test_client().post(
            "/protected",
            json={"access_token": 5},
            headers={"Authorization": f"Bearer {access_token(app)}"},
        )
        assert answer(response)[0] == 422

    def test_expired_token(self, app: Flask, client: FlaskClient, clock: Any) -> None:
        old = access_token(app)
        clock.advance(3600)
        response = client.get(
            "/protected",
            headers={"Authorization": f"Bearer {old}"},
            query_string={"jwt": access_token(app)},
        )
        assert answer(response) == (401, {"msg": "Token has expired"})


class TestLocationsArgument:
    """``jwt_required(locations=...)`` overrides ``JWT_TOKEN_LOCATION``."""

    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        app = make_app()  # headers only

        def view() -> Any:
            return jsonify(identity=get_jwt_identity(), location=get_jwt_request_location())

        for name, locations in {
            "string": "query_string",
            "list": ["json", "query_string"],
            "tuple": ("cookies",),
            "none": None,
            "empty-list": [],
            "empty-string": "",
            "unknown": "body",
            "unknown-in-list": ["headers", "Headers"],
        }.items():
            app.add_url_rule(
                f"/{name}",
                name,
                jwt_required(locations=locations)(view),
                methods=["GET", "POST"],
            )
        return app

    def test_string(self, app: Flask, client: FlaskClient) -> None:
        token = access_token(app)
        assert answer(client.get("/string", headers={"Authorization": f"Bearer {token}"})) == (
            401,
            {"msg": "Missing 'jwt' query paramater"},
        )
        assert answer(client.get("/string", query_string={"jwt": token})) == (
            200,
            {"identity": "alice", "location": "query_string"},
        )

    def test_list_in_order(self, app: Flask, client: FlaskClient) -> None:
        response = client.post(
            "/list",
            json={"access_token": access_token(app, "json-user")},
            query_string={"jwt": access_token(app, "query-user")},
        )
        assert answer(response) == (200, {"identity": "json-user", "location": "json"})
        assert answer(client.get("/list")) == (
            401,
            {"msg": missing_message("json", "query_string")},
        )

    def test_tuple(self, app: Flask, client: FlaskClient) -> None:
        client.set_cookie("access_token_cookie", access_token(app))
        assert answer(client.get("/tuple")) == (200, {"identity": "alice", "location": "cookies"})

    @pytest.mark.parametrize("path", ["/none", "/empty-list", "/empty-string"])
    def test_none_or_empty_means_configured(
        self, app: Flask, client: FlaskClient, path: str
    ) -> None:
        token = access_token(app)
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert answer(response) == (200, {"identity": "alice", "location": "headers"})
        assert answer(client.get(path, query_string={"jwt": token})) == (
            401,
            {"msg": "Missing Authorization Header"},
        )

    @pytest.mark.parametrize(
        ("path", "name"), [("/unknown", "body"), ("/unknown-in-list", "Headers")]
    )
    def test_unknown_location_fails_when_called(
        self, app: Flask, client: FlaskClient, path: str, name: str
    ) -> None:
        with pytest.raises(RuntimeError) as info:
            client.get(path, headers={"Authorization": f"Bearer {access_token(app)}"})
        assert str(info.value) == f"'{name}' is not a valid location"

    def test_one_shot_iterable_serves_every_request(self, make_app: AppFactory) -> None:
        app = make_app()
        app.add_url_rule(
            "/iter", "iter", jwt_required(locations=iter(["query_string"]))(lambda: "ok")
        )
        client = app.test_client()
        for _ in range(2):
            response = client.get("/iter", query_string={"jwt": access_token(app)})
            assert response.status_code == 200
            assert answer(client.get("/iter")) == (401, {"msg": "Missing 'jwt' query paramater"})

    def test_config_change_applies_to_views_without_locations(
        self, app: Flask, client: FlaskClient
    ) -> None:
        app.config["JWT_TOKEN_LOCATION"] = ["query_string"]
        response = client.get("/none", query_string={"jwt": access_token(app)})
        assert answer(response) == (200, {"identity": "alice", "location": "query_string"})
