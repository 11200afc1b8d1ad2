"""The pytest plugin, run as a user would: a project with an ``app`` fixture, in pytester."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

APP_CONFTEST = """
import pytest
from flask import Flask, jsonify
from flask_jwt_kit import JWTManager, get_jwt, get_jwt_identity, jwt_required

@pytest.fixture
def app():
    app = Flask("project")
    app.config.update(
        JWT_SECRET_KEY="a project secret that is long enough for HS256",
        JWT_TOKEN_LOCATION=["headers", "cookies"],
        @CONFIG@
    )
    JWTManager(app)

    @app.route("/me", methods=["GET", "POST"])
    @jwt_required()
    def me():
        return jsonify(identity=get_jwt_identity(), fresh=get_jwt()["fresh"])

    @app.post("/token/refresh")
    @jwt_required(refresh=True)
    def refresh():
        return jsonify(identity=get_jwt_identity())

    return app

@pytest.fixture
def client(app):
    return app.test_client()
"""

USER_TESTS = """
def test_headers(client, jwt_headers):
    assert client.get("/me", headers=jwt_headers("alice")).json["identity"] == "alice"

def test_create_arguments(client, jwt_headers):
    assert client.get("/me", headers=jwt_headers("alice", fresh=True)).json["fresh"] is True

def test_refresh_headers(client, jwt_refresh_headers):
    response = client.post("/token/refresh", headers=jwt_refresh_headers("bob"))
    assert response.json == {"identity": "bob"}

def test_cookies(client, jwt_cookies):
    csrf = jwt_cookies(client, "carol")
    assert client.post("/me", headers=csrf).json["identity"] == "carol"
    assert client.post("/me").status_code == 401

def test_refresh_cookie(client, jwt_cookies):
    csrf = jwt_cookies(client, "dan", refresh=True)
    assert client.post("/token/refresh", headers=csrf).json == {"identity": "dan"}

def test_jwt_auth(app, client, jwt_auth):
    assert jwt_auth.app is app
    token = jwt_auth.access_token("erin")
    assert client.get("/me", headers={@HEADER@: @PREFIX@ + token}).json["identity"] == "erin"
    assert list(jwt_auth.headers("erin")) == [@HEADER@]

def test_unauthenticated(client):
    assert client.get("/me").status_code == 401
"""


def write_project(
    pytester: pytest.Pytester,
    config: str = "",
    header: str = "Authorization",
    prefix: str = "Bearer ",
) -> None:
    pytester.makeconftest(APP_CONFTEST.replace("@CONFIG@", config))
    tests = USER_TESTS.replace("@HEADER@", repr(header)).replace("@PREFIX@", repr(prefix))
    pytester.makepyfile(test_user=tests)


def test_installed_as_a_pytest11_entry_point() -> None:
    [plugin] = entry_points(group="pytest11", name="flask_jwt_kit")
    assert plugin.value == "flask_jwt_kit.pytest_plugin"


def test_fixtures_log_requests_in_with_no_setup(pytester: pytest.Pytester) -> None:
    write_project(pytester)
    result = pytester.runpytest("-W", "error")
    result.assert_outcomes(passed=7)


def test_fixtures_follow_the_apps_settings(pytester: pytest.Pytester) -> None:
    config = (
        'JWT_HEADER_NAME="X-Token", JWT_HEADER_TYPE=["JWT", "Bearer"],'
        ' JWT_ACCESS_COOKIE_NAME="sid", JWT_REFRESH_COOKIE_PATH="/token/",'
        ' JWT_ACCESS_CSRF_HEADER_NAME="X-XSRF",'
    )
    write_project(pytester, config, header="X-Token", prefix="JWT ")
    result = pytester.runpytest("-W", "error")
    result.assert_outcomes(passed=7)


def test_fixtures_are_listed(pytester: pytest.Pytester) -> None:
    write_project(pytester)
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(
        [
            "jwt_auth -- *",
            "*Token helpers for the ``app`` fixture's application.",
            "jwt_headers -- *",
            "jwt_refresh_headers -- *",
            "jwt_cookies -- *",
        ]
    )


def test_a_project_without_an_app_fixture_is_told_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(jwt_headers):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'app' not found*"])


def test_can_be_turned_off(pytester: pytest.Pytester) -> None:
    write_project(pytester)
    result = pytester.runpytest("-p", "no:flask_jwt_kit", "-k", "test_headers")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'jwt_headers' not found*"])
