"""The demo's browser routes through the Flask test client: pages and ``/web/api``."""

from __future__ import annotations

import datetime as dt

import jwt
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.demo.conftest import PASSWORDS, DemoFactory

ALL_COOKIES = (
    "access_token_cookie",
    "refresh_token_cookie",
    "csrf_access_token",
    "csrf_refresh_token",
)


def form_login(client: FlaskClient, username: str = "alice", **headers: str) -> TestResponse:
    return client.post(
        "/login",
        data={"username": username, "password": PASSWORDS[username]},
        headers=headers,
    )


def set_cookies(response: TestResponse) -> dict[str, str]:
    """Each cookie the response sets, with its attributes."""
    return {header.partition("=")[0]: header for header in response.headers.getlist("Set-Cookie")}


def csrf(client: FlaskClient, name: str = "csrf_access_token") -> dict[str, str]:
    cookie = client.get_cookie(name)
    assert cookie is not None
    return {"X-CSRF-TOKEN": cookie.value}


def test_dashboard_needs_a_login(demo_client: FlaskClient) -> None:
    response = demo_client.get("/")
    assert (response.status_code, response.location) == (302, "/login")


def test_login_page(demo_client: FlaskClient) -> None:
    page = demo_client.get("/login").text
    assert '<form id="login" method="post" action="/login">' in page
    assert "<code>alice</code> / <code>wonderland-42</code> (admin)" in page
    assert 'id="notice"' not in page
    assert "Your session has ended" in demo_client.get("/login?notice=ended").text
    assert "You are signed out." in demo_client.get("/login?notice=logged-out").text
    assert 'id="notice"' not in demo_client.get("/login?notice=<script>").text


def test_form_login_sets_the_cookies(demo_client: FlaskClient) -> None:
    response = form_login(demo_client)
    assert (response.status_code, response.location) == (303, "/")
    cookies = set_cookies(response)
    assert set(cookies) == set(ALL_COOKIES)
    for name in ("access_token_cookie", "refresh_token_cookie"):
        assert "; HttpOnly" in cookies[name]
    for name in ("csrf_access_token", "csrf_refresh_token"):
        assert "HttpOnly" not in cookies[name]
    assert all("; SameSite=Lax" in value for value in cookies.values())
    assert "; Path=/web/api/refresh" in cookies["refresh_token_cookie"]
    assert "X-Access-Expires" in response.headers

    page = demo_client.get("/")
    assert page.status_code == 200
    assert 'data-implicit-refresh="120.0"' in page.text
    assert 'data-access-csrf-header="X-CSRF-TOKEN"' in page.text


def test_form_login_refused(demo_client: FlaskClient) -> None:
    response = demo_client.post("/login", data={"username": "alice", "password": "nope"})
    assert response.status_code == 401
    assert "Bad username or password." in response.text
    assert 'value="alice"' in response.text
    assert demo_client.post("/login").status_code == 401
    assert demo_client.get_cookie("access_token_cookie") is None


def test_form_login_from_another_site_is_refused(demo_client: FlaskClient) -> None:
    response = form_login(demo_client, Origin="http://127.0.0.1:1234")
    assert response.status_code == 403
    assert "Cross-site sign-in refused." in response.text
    assert "Set-Cookie" not in response.headers
    assert form_login(demo_client, Origin="http://localhost").status_code == 303


def test_form_login_with_store_down(make_demo: DemoFactory) -> None:
    client = make_demo(environ={"REDIS_URL": "redis://127.0.0.1:1/0"}).test_client()
    response = form_login(client)
    assert response.status_code == 503
    assert "the session store cannot be reached" in response.text


def test_web_api_reads_cookies_and_checks_csrf(demo_client: FlaskClient) -> None:
    form_login(demo_client)
    me = demo_client.get("/web/api/me")
    assert me.status_code == 200
    assert me.json["identity"] == "alice"  # type: ignore[index]
    refused = demo_client.post("/web/api/logout-all")
    assert (refused.status_code, refused.json) == (401, {"msg": "Missing CSRF token"})
    assert demo_client.get("/web/api/me").status_code == 200
    accepted = demo_client.post("/web/api/logout-all", headers=csrf(demo_client))
    assert accepted.status_code == 200
    assert set(set_cookies(accepted)) == set(ALL_COOKIES)
    assert demo_client.get_cookie("access_token_cookie") is None


def test_web_refresh_rotates_the_cookies(demo_client: FlaskClient) -> None:
    form_login(demo_client)
    before = demo_client.get_cookie("refresh_token_cookie", path="/web/api/refresh")
    assert before is not None
    response = demo_client.post(
        "/web/api/refresh",
        headers=csrf(demo_client, "csrf_refresh_token"),
    )
    assert (response.status_code, response.json) == (200, {"msg": "Signed in"})
    after = demo_client.get_cookie("refresh_token_cookie", path="/web/api/refresh")
    assert after is not None and after.value != before.value


def test_web_logout_and_revoking_this_session_clear_the_cookies(
    demo_client: FlaskClient,
) -> None:
    form_login(demo_client)
    response = demo_client.post("/web/api/logout", headers=csrf(demo_client))
    assert set(set_cookies(response)) == set(ALL_COOKIES)
    assert all("Expires=Thu, 01 Jan 1970" in v for v in set_cookies(response).values())

    form_login(demo_client)
    sid = demo_client.get("/web/api/me").json["sid"]  # type: ignore[index]
    response = demo_client.post(f"/web/api/sessions/{sid}/revoke", headers=csrf(demo_client))
    assert response.json == {"msg": "This session was revoked", "current": True}
    assert set(set_cookies(response)) == set(ALL_COOKIES)


def test_implicit_refresh_tells_the_page_the_new_expiry(make_demo: DemoFactory) -> None:
    # A window longer than the lifetime: every cookie request renews.
    client = make_demo(
        {
            "JWT_ACCESS_TOKEN_EXPIRES": dt.timedelta(minutes=1),
            "JWT_IMPLICIT_REFRESH": dt.timedelta(hours=1),
        }
    ).test_client()
    form_login(client)
    response = client.get("/web/api/me")
    new = set_cookies(response)
    assert set(new) == {"access_token_cookie", "csrf_access_token"}
    token = new["access_token_cookie"].partition("=")[2].partition(";")[0]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert response.headers["X-Access-Expires"] == str(claims["exp"])
    # Header tokens are never renewed this way.
    login = client.post("/api/login", json={"username": "bob", "password": PASSWORDS["bob"]})
    token = login.json["access_token"]  # type: ignore[index]
    response = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "X-Access-Expires" not in response.headers
    assert "Set-Cookie" not in response.headers
