"""examples/cookies.py and examples/other_locations.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from flask_jwt_kit import create_access_token
from tests.conftest import bearer
from tests.examples.conftest import body, credentials, example_app

HTTPS = "https://localhost"


@pytest.fixture
def cookie_app() -> Iterator[Flask]:
    app = example_app("cookies")
    yield app
    app.extensions["flask-jwt-kit.state"].close()


@pytest.fixture
def locations_app() -> Iterator[Flask]:
    yield example_app("other_locations")


def cookie(client: FlaskClient, name: str, path: str = "/") -> str | None:
    found = client.get_cookie(name, domain="localhost", path=path)
    return None if found is None else found.value


def browser_login(client: FlaskClient) -> TestResponse:
    return client.post("/auth/login", json=credentials(), base_url=HTTPS)


def test_login_sets_httponly_secure_cookies(cookie_app: Flask) -> None:
    client = cookie_app.test_client()
    response = browser_login(client)
    assert response.json == {"msg": "Logged in"}
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) == {
        "access_token_cookie",
        "csrf_access_token",
        "refresh_token_cookie",
        "csrf_refresh_token",
    }
    for name, header in cookies.items():
        assert "Secure" in header
        assert "SameSite=Lax" in header
        assert ("HttpOnly" in header) == name.endswith("token_cookie")
    assert "Path=/auth/refresh" in cookies["refresh_token_cookie"]
    assert client.post("/auth/login", json={}, base_url=HTTPS).status_code == 401


def test_csrf_double_submit(cookie_app: Flask) -> None:
    client = cookie_app.test_client()
    browser_login(client)
    csrf = cookie(client, "csrf_access_token")
    assert csrf
    # GET needs no CSRF header.
    assert client.get("/notes", base_url=HTTPS).json == {"notes": []}
    # POST without the header, or with a wrong one, is refused.
    response = client.post("/notes", base_url=HTTPS)
    assert response.status_code == 401
    assert response.json == {"msg": "Missing CSRF token"}
    response = client.post("/notes", base_url=HTTPS, headers={"X-CSRF-TOKEN": "forged"})
    assert response.json == {"msg": "CSRF double submit tokens do not match"}
    response = client.post("/notes", base_url=HTTPS, headers={"X-CSRF-TOKEN": csrf})
    assert response.status_code == 201


def test_refresh_and_logout(cookie_app: Flask) -> None:
    client = cookie_app.test_client()
    browser_login(client)
    csrf = cookie(client, "csrf_refresh_token")
    assert csrf
    response = client.post("/auth/refresh", base_url=HTTPS, headers={"X-CSRF-TOKEN": csrf})
    assert response.json == {"msg": "Refreshed"}
    client.post("/auth/logout", base_url=HTTPS)
    assert cookie(client, "access_token_cookie") is None
    assert client.get("/notes", base_url=HTTPS).status_code == 401


def test_sliding_session(cookie_app: Flask) -> None:
    client = cookie_app.test_client()
    browser_login(client)
    old = cookie(client, "access_token_cookie")
    # A request long before expiry keeps the cookie...
    response = client.get("/notes", base_url=HTTPS)
    assert not response.headers.getlist("Set-Cookie")
    # ... one within the last 5 minutes gets a new one.
    with cookie_app.app_context():
        token = create_access_token("alice", expires_delta=240)
    client.set_cookie("access_token_cookie", token, domain="localhost", secure=True)
    response = client.get("/notes", base_url=HTTPS)
    assert any(c.startswith("access_token_cookie=") for c in response.headers.getlist("Set-Cookie"))
    assert cookie(client, "access_token_cookie") not in (old, token)


def test_download_link_in_the_query_string(locations_app: Flask) -> None:
    client = locations_app.test_client()
    with locations_app.app_context():
        token = create_access_token("alice")
    url = body(client.post("/exports", headers=bearer(token)))["url"]
    response = client.get(url)
    assert response.status_code == 200
    assert response.text == "contents of invoices.csv"
    assert response.mimetype == "text/csv"
    # An ordinary token is no download link, and links need the query string.
    assert client.get(f"/download?jwt={token}").status_code == 403
    assert client.get("/download", headers=bearer(token)).status_code == 401
    # The link cannot create more links: /exports reads headers only.
    link_token = url.split("jwt=", 1)[1]
    assert client.post(f"/exports?jwt={link_token}").status_code == 401


def test_token_in_the_json_body(locations_app: Flask) -> None:
    client = locations_app.test_client()
    with locations_app.app_context():
        token = create_access_token("hook-sender")
    response = client.post("/webhook", json={"access_token": token, "event": "paid"})
    assert response.json == {"received": "paid", "from": "hook-sender", "found_in": "json"}
    response = client.post("/webhook", json={"event": "paid"})
    assert response.status_code == 401
    assert response.json == {"msg": 'Missing "access_token" key in json data.'}
