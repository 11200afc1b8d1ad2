"""Scopes: ``jwt_required(scopes=...)`` against the ``JWT_SCOPE_CLAIM`` claim (RFC 9068)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flask_jwt_kit import JWTManager, get_jwt_identity, jwt_required, verify_jwt_in_request
from tests.conftest import AppFactory, bearer
from tests.ecosystem.conftest import access_token

INSUFFICIENT = 'Bearer error="insufficient_scope", scope="{}"'


def ok() -> Any:
    return jsonify(identity=get_jwt_identity())


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    app = make_app()
    app.add_url_rule("/read", "read", jwt_required(scopes=["read"])(ok))
    app.add_url_rule("/read-write", "read-write", jwt_required(scopes="read write")(ok))
    app.add_url_rule("/maybe-read", "maybe-read", jwt_required(optional=True, scopes="read")(ok))
    return app


def call(client: FlaskClient, path: str, app: Flask, scope: Any = None, **claims: Any) -> Any:
    if scope is not None:
        claims["scope"] = scope
    return client.get(path, headers=bearer(access_token(app, additional_claims=claims)))


@pytest.mark.parametrize(
    "scope", ["read write", "write  read", ["write", "read"], "x read y write"]
)
def test_space_separated_string_or_list_grants(app: Flask, client: FlaskClient, scope: Any) -> None:
    for path in ("/read", "/read-write"):
        response = call(client, path, app, scope)
        assert response.status_code == 200
        assert response.json == {"identity": "alice"}


def test_missing_scope_is_403_with_an_rfc6750_challenge(app: Flask, client: FlaskClient) -> None:
    response = call(client, "/read-write", app, "read")
    assert response.status_code == 403
    assert response.json == {"msg": "Missing required scope: write"}
    # The challenge names every scope the view needs, not only the missing one.
    assert response.headers["WWW-Authenticate"] == INSUFFICIENT.format("read write")


def test_scopes_are_case_sensitive_whole_words(app: Flask, client: FlaskClient) -> None:
    for scope in ("READ", "reader", "read-only", "read,write"):
        assert call(client, "/read", app, scope).status_code == 403


@pytest.mark.parametrize("separator", ["\t", "\n", "\u00a0", "\u2003", ","])
def test_only_spaces_separate_scopes(app: Flask, client: FlaskClient, separator: str) -> None:
    # RFC 6749 3.3: "read<tab>write" is one (invalid) scope, not two.
    assert call(client, "/read", app, f"read{separator}write").status_code == 403
    assert call(client, "/read", app, f"write{separator}read").status_code == 403


@pytest.mark.parametrize(
    "scope",
    [5, 1.5, True, {"read": True}, [["read"]], ["read", 5], ["read", None], [], ""],
    ids=repr,
)
def test_scope_claim_of_a_wrong_type_grants_nothing(
    app: Flask, client: FlaskClient, scope: Any
) -> None:
    response = call(client, "/read", app, scope)
    assert response.status_code == 403
    assert response.json == {"msg": "Missing required scope: read"}


def test_json_null_scope_grants_nothing(app: Flask, client: FlaskClient) -> None:
    # additional_claims={"scope": None} writes a JSON null into the token.
    token = access_token(app, additional_claims={"scope": None})
    assert client.get("/read", headers=bearer(token)).status_code == 403


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(scope=json_values)
def test_any_json_value_answers_200_or_403_never_500(
    app: Flask, client: FlaskClient, scope: Any
) -> None:
    granted = (isinstance(scope, str) and "read" in scope.split(" ")) or (
        isinstance(scope, list) and all(isinstance(s, str) for s in scope) and "read" in scope
    )
    token = access_token(app, additional_claims={"scope": scope})
    response = client.get("/read", headers=bearer(token))
    assert response.status_code == (200 if granted else 403)


def test_custom_scope_claim(make_app: AppFactory) -> None:
    app = make_app(JWT_SCOPE_CLAIM="scp")
    app.add_url_rule("/read", "read", jwt_required(scopes="read")(ok))
    client = app.test_client()
    assert call(client, "/read", app, scp=["read"]).status_code == 200
    # The default claim name means nothing once another is configured.
    assert call(client, "/read", app, "read").status_code == 403


def test_insufficient_scope_loader_answers(make_app: AppFactory) -> None:
    app = make_app()
    seen: list[tuple[dict[str, Any], dict[str, Any], Any]] = []
    manager: JWTManager = app.extensions["flask-jwt-kit"]

    @manager.insufficient_scope_loader
    def denied(header: dict[str, Any], claims: dict[str, Any], scopes: Any) -> Any:
        seen.append((header, claims, scopes))
        return jsonify(error="forbidden", needed=list(scopes)), 403, {"X-Reason": "scope"}

    app.add_url_rule("/admin", "admin", jwt_required(scopes=["admin", "audit"])(ok))
    response = call(app.test_client(), "/admin", app, "admin")
    assert response.status_code == 403
    assert response.json == {"error": "forbidden", "needed": ["admin", "audit"]}
    assert response.headers["X-Reason"] == "scope"
    # The callback's response is used as it is: no challenge is added to it.
    assert "WWW-Authenticate" not in response.headers
    [(header, claims, scopes)] = seen
    assert header["alg"] == "HS256"
    assert claims["sub"] == "alice"
    assert claims["scope"] == "admin"
    assert scopes == ("admin", "audit")


def test_optional_view_without_token_runs(app: Flask, client: FlaskClient) -> None:
    response = client.get("/maybe-read")
    assert response.status_code == 200
    assert response.json == {"identity": None}


def test_optional_view_with_a_token_lacking_the_scope_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    assert call(client, "/maybe-read", app, "write").status_code == 403
    assert call(client, "/maybe-read", app, "read").status_code == 200


def test_verify_jwt_in_request_takes_scopes(app: Flask, client: FlaskClient) -> None:
    @app.get("/manual")
    def manual() -> Any:
        verify_jwt_in_request(scopes=("read", "write"))
        return ok()

    assert call(client, "/manual", app, "read write").status_code == 200
    response = call(client, "/manual", app, "write")
    assert response.status_code == 403
    assert response.json == {"msg": "Missing required scope: read"}


def test_scopes_are_checked_before_the_user_is_loaded(app: Flask, client: FlaskClient) -> None:
    looked_up: list[Any] = []
    manager: JWTManager = app.extensions["flask-jwt-kit"]

    @manager.user_lookup_loader
    def lookup(header: dict[str, Any], claims: dict[str, Any]) -> str:
        looked_up.append(claims["sub"])
        return "user"

    assert call(client, "/read", app, "write").status_code == 403
    assert looked_up == []
    assert call(client, "/read", app, "read").status_code == 200
    assert looked_up == ["alice"]


def test_quotes_in_scope_names_cannot_break_the_challenge(make_app: AppFactory) -> None:
    app = make_app()
    app.add_url_rule("/odd", "odd", jwt_required(scopes=['a"b', "c"])(ok))
    response = call(app.test_client(), "/odd", app, "c")
    assert response.status_code == 403
    assert response.headers["WWW-Authenticate"] == INSUFFICIENT.format("ab c")


def test_async_view_with_scopes(app: Flask, client: FlaskClient) -> None:
    @app.get("/async")
    @jwt_required(scopes="read")
    async def async_view() -> Any:
        return ok()

    assert call(client, "/async", app, "read").status_code == 200
    assert call(client, "/async", app, "other").status_code == 403


@pytest.mark.parametrize(
    ("scopes", "error", "message"),
    [
        (5, TypeError, "must be a string or an iterable of strings, not int"),
        (b"read", TypeError, "must be a string or an iterable of strings, not bytes"),
        (["read", 5], TypeError, "must hold strings only, not int (5)"),
        (("read", None), TypeError, "must hold strings only, not NoneType (None)"),
        ([["read"]], TypeError, "must hold strings only, not list (['read'])"),
        (["read write"], ValueError, "holds 'read write', which no token can grant"),
        ([" "], ValueError, "holds ' ', which no token can grant"),
        ([""], ValueError, "holds '', which no token can grant"),
        (["read\t"], ValueError, "holds 'read\\t', which no token can grant"),
        ((" read",), ValueError, "holds ' read', which no token can grant"),
    ],
    ids=repr,
)
def test_bad_scopes_are_refused_when_the_view_is_decorated(
    scopes: Any, error: type[Exception], message: str
) -> None:
    # No application, no request: the mistake shows where the view is defined.
    with pytest.raises(error) as caught:
        jwt_required(scopes=scopes)
    assert "the scopes argument" in str(caught.value)
    assert message in str(caught.value)
    if error is ValueError:
        assert str(caught.value).endswith(
            "each scope must be a non-empty string without whitespace"
        )


def test_verify_jwt_in_request_refuses_bad_scopes(app: Flask) -> None:
    with app.test_request_context(), pytest.raises(TypeError, match="the scopes argument"):
        verify_jwt_in_request(scopes=["read", 5])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("scopes", "required"),
    [
        ("read", ("read",)),
        (" read  write ", ("read", "write")),
        ("", ()),
        (["read", "write"], ("read", "write")),
        (("read", "a:b/c"), ("read", "a:b/c")),
        ((s for s in ["read"]), ("read",)),
        ([], ()),
        (None, ()),
    ],
    ids=repr,
)
def test_valid_scopes_are_kept_as_they_were(
    make_app: AppFactory, scopes: Any, required: tuple[str, ...]
) -> None:
    app = make_app()
    view = jwt_required(scopes=scopes)(ok)
    assert view.__jwt_required__["scopes"] == required  # type: ignore[attr-defined]
    app.add_url_rule("/view", "view", view)
    client = app.test_client()
    for _ in range(2):  # a one-shot iterable serves every request
        assert call(client, "/view", app, " ".join(required)).status_code == 200
    if required:
        response = call(client, "/view", app, "other")
        assert response.json == {"msg": f"Missing required scope: {required[0]}"}
