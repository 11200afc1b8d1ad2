"""The demo in a real browser: Playwright driving Debian's Chromium, headless.

The demo runs in a server thread with a 3-second access token and a
2-second implicit-refresh window. Screenshots go to ``test-artifacts/``.
Without ``/usr/bin/chromium`` the tests skip, except under ``CI=true``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from tests.conftest import bearer
from tests.demo.conftest import PASSWORDS, DemoFactory
from tests.plugins.stores import missing

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: Longest wait for anything the page does (milliseconds).
TIMEOUT = 15_000

ACCESS_LIFETIME = dt.timedelta(seconds=3)
IMPLICIT_WINDOW = dt.timedelta(seconds=2)

TOKEN_COOKIES = ("access_token_cookie", "refresh_token_cookie")
CSRF_COOKIES = ("csrf_access_token", "csrf_refresh_token")


class Served:
    """A WSGI app served on a free loopback port by a thread."""

    def __init__(self, app: Callable[..., Any]):
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, launched once for the module."""
    if not os.path.exists(CHROMIUM):
        missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def demo_server(make_demo: DemoFactory) -> Iterator[str]:
    """The demo, with short token lifetimes, served on a free port; yields its URL."""
    app: Flask = make_demo(
        {
            "JWT_ACCESS_TOKEN_EXPIRES": ACCESS_LIFETIME,
            "JWT_IMPLICIT_REFRESH": IMPLICIT_WINDOW,
        }
    )
    served = Served(app)
    yield served.url
    served.stop()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[[], Any]]:
    """``new_page()``: a page in a new browser context (its own cookie jar)."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context()
        context.set_default_timeout(TIMEOUT)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, url: str, username: str = "alice") -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    page.wait_for_selector(f"#identity:text-is('{username}')")
    page.wait_for_selector("#sessions tbody tr")


def cookies(page: Any) -> dict[str, dict[str, Any]]:
    return {cookie["name"]: cookie for cookie in page.context.cookies()}


def fetch(page: Any, method: str, path: str, csrf: bool) -> dict[str, Any]:
    """Call the demo from the page's script, with or without the CSRF header."""
    result: dict[str, Any] = page.evaluate(
        """async ([method, path, csrf]) => {
            const headers = {};
            if (csrf) {
                const value = document.cookie.split("; ")
                    .find((part) => part.startsWith("csrf_access_token="));
                headers["X-CSRF-TOKEN"] = value.split("=")[1];
            }
            const response = await fetch(path, {method, headers});
            return {status: response.status, body: await response.json()};
        }""",
        [method, path, csrf],
    )
    return result


def api_login(url: str, username: str = "alice") -> dict[str, str]:
    """A session made by another client, through the JSON API."""
    body = json.dumps({"username": username, "password": PASSWORDS[username]}).encode()
    request = urllib.request.Request(
        f"{url}/api/login", body, {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        tokens: dict[str, str] = json.load(response)
    return tokens


def api_status(url: str, path: str, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(f"{url}{path}", headers=bearer(token))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def test_login_sets_httponly_token_cookies_and_readable_csrf_cookies(
    new_page: Callable[[], Any], demo_server: str
) -> None:
    page = new_page()
    page.goto(f"{demo_server}/")
    page.wait_for_url(f"{demo_server}/login")
    screenshot(page, "login")
    sign_in(page, demo_server)
    screenshot(page, "dashboard")

    jar = cookies(page)
    assert set(jar) == {*TOKEN_COOKIES, *CSRF_COOKIES}
    for name in TOKEN_COOKIES:
        assert jar[name]["httpOnly"] is True, name
    for name in CSRF_COOKIES:
        assert jar[name]["httpOnly"] is False, name
    assert {cookie["sameSite"] for cookie in jar.values()} == {"Lax"}
    # The refresh token goes only to the endpoint that uses it.
    assert jar["refresh_token_cookie"]["path"] == "/web/api/refresh"
    # Scripts see the CSRF values, never the tokens.
    visible = page.evaluate("document.cookie")
    assert "csrf_access_token=" in visible and "csrf_refresh_token=" in visible
    assert "token_cookie" not in visible
    assert page.text_content("#role") == "admin"


def test_state_changing_call_needs_the_csrf_header(
    new_page: Callable[[], Any], demo_server: str
) -> None:
    page = new_page()
    sign_in(page, demo_server)
    other = api_login(demo_server)
    page.click("#reload")
    page.wait_for_selector("#sessions tbody tr >> nth=1")
    row = page.locator("#sessions tbody tr[data-current=false]")
    sid = row.get_attribute("data-sid")
    screenshot(page, "sessions")

    refused = fetch(page, "POST", f"/web/api/sessions/{sid}/revoke", csrf=False)
    assert refused == {"status": 401, "body": {"msg": "Missing CSRF token"}}
    assert api_status(demo_server, "/api/me", other["access_token"])[0] == 200

    # The page's own button sends the header.
    row.locator("button.revoke").click()
    page.wait_for_selector("#message:text-is('Session revoked')")
    page.wait_for_selector(f"#sessions tbody tr[data-sid='{sid}']", state="detached")
    assert api_status(demo_server, "/api/me", other["access_token"]) == (
        401,
        {"msg": "Token has been revoked"},
    )
    accepted = fetch(page, "POST", "/web/api/logout-all", csrf=True)
    assert accepted == {"status": 200, "body": {"msg": "Logged out everywhere"}}


def test_cross_origin_form_post_does_nothing(new_page: Callable[[], Any], demo_server: str) -> None:
    target = f"{demo_server}/web/api/logout-all"

    @Request.application
    def attacker(request: Request) -> Response:
        form = f'<form method="post" action="{target}"><button id="go">Win</button></form>'
        return Response(f"<!doctype html><title>Prize</title>{form}", mimetype="text/html")

    evil = Served(attacker)
    try:
        assert evil.url != demo_server
        page = new_page()
        sign_in(page, demo_server)
        page.goto(evil.url)
        with page.expect_navigation():
            page.click("#go")
        # The browser sent the cookies (same site, other port): the CSRF check refused.
        assert page.url == target
        assert json.loads(page.text_content("body")) == {"msg": "Missing CSRF token"}
        screenshot(page, "cross-origin-refused")
    finally:
        evil.stop()
    page.goto(f"{demo_server}/")
    page.wait_for_selector("#identity:text-is('alice')")
    assert fetch(page, "GET", "/web/api/me", csrf=False)["status"] == 200


def test_implicit_refresh_keeps_the_session_alive(
    new_page: Callable[[], Any], demo_server: str
) -> None:
    page = new_page()
    sign_in(page, demo_server)
    first = cookies(page)
    expires = jwt.decode(
        first["access_token_cookie"]["value"], options={"verify_signature": False}
    )["exp"]
    # Wait (a real browser timer: the page renews on its own) until the first
    # access token has expired and its cookie has been re-issued a few times.
    page.wait_for_function(
        f"Date.now() / 1000 > {expires + 0.5}"
        " && Number(document.querySelector('#renewals').textContent) >= 2",
        timeout=TIMEOUT,
    )
    assert api_status(demo_server, "/api/me", first["access_token_cookie"]["value"]) == (
        401,
        {"msg": "Token has expired"},
    )
    now = cookies(page)
    assert now["access_token_cookie"]["value"] != first["access_token_cookie"]["value"]
    # Implicit refresh, not rotation: the refresh token is the one from the login.
    assert now["refresh_token_cookie"]["value"] == first["refresh_token_cookie"]["value"]
    assert fetch(page, "GET", "/web/api/me", csrf=False)["status"] == 200
    assert page.url == f"{demo_server}/"
    countdown = page.text_content("#countdown")
    assert countdown in {"0:01", "0:02", "0:03"}, countdown
    screenshot(page, "dashboard-renewed")


def test_logout_removes_all_four_cookies(new_page: Callable[[], Any], demo_server: str) -> None:
    page = new_page()
    sign_in(page, demo_server)
    assert len(cookies(page)) == 4
    page.click("#logout")
    page.wait_for_url(f"{demo_server}/login?notice=logged-out")
    assert cookies(page) == {}
    assert page.text_content("#notice") == "You are signed out."
    screenshot(page, "logged-out")
    page.goto(f"{demo_server}/")
    page.wait_for_url(f"{demo_server}/login")


def test_log_out_everywhere_ends_the_other_browser_session(
    new_page: Callable[[], Any], demo_server: str
) -> None:
    first, second = new_page(), new_page()
    sign_in(first, demo_server)
    sign_in(second, demo_server)
    first.click("#reload")
    first.wait_for_selector("#sessions tbody tr >> nth=1")
    first.click("#logout-all")
    first.wait_for_url(f"{demo_server}/login?notice=logged-out")

    # The other browser's tokens are revoked: its next call (on opening the
    # dashboard, or its own timer's, whichever comes first) is refused, and
    # it lands on the login page.
    from playwright.sync_api import Error as PlaywrightError

    try:
        second.goto(f"{demo_server}/")
    except PlaywrightError as error:
        # The page's own timer redirected first, which aborts this navigation
        # (Chromium and Playwright word that two ways).
        assert "net::ERR_ABORTED" in str(error) or "interrupted by another navigation" in str(
            error
        ), error
    second.wait_for_url(f"{demo_server}/login?notice=ended")
    assert second.text_content("#notice") == "Your session has ended. Please sign in again."
    screenshot(second, "session-ended")


def test_error_messages(new_page: Callable[[], Any], demo_server: str) -> None:
    page = new_page()
    sign_in(page, demo_server, "bob")
    page.click("#admin")
    page.wait_for_selector("#message:text-is('403 Forbidden: Missing required scope: admin')")
    screenshot(page, "forbidden")
    page.click("#invalid")
    page.wait_for_selector("#message:text-is('422 Invalid token: Not enough segments')")
