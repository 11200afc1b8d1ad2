"""The demo's browser pages: a login form and the dashboard.

The pages hold no token: the login form's answer puts the tokens in
HttpOnly cookies, and the dashboard's script calls ``/web/api`` with the
CSRF value it reads from the readable CSRF cookie.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from flask_jwt_kit import set_access_cookies, set_refresh_cookies
from flask_jwt_kit.exceptions import RevocationStoreUnavailable

from .api import sign_in
from .users import DEMO_USERS

#: What the login page says when the dashboard sends the user back.
NOTICES = {
    "ended": "Your session has ended. Please sign in again.",
    "logged-out": "You are signed out.",
}


def web_blueprint() -> Blueprint:
    """The pages: ``/`` (dashboard) and ``/login``."""
    bp = Blueprint("web", __name__)

    @bp.get("/")
    def dashboard() -> Any:
        config = current_app.config
        if not (
            request.cookies.get(config["JWT_ACCESS_COOKIE_NAME"])
            or request.cookies.get(config["JWT_ACCESS_CSRF_COOKIE_NAME"])
            or request.cookies.get(config["JWT_REFRESH_CSRF_COOKIE_NAME"])
        ):
            return redirect(url_for("web.login"))
        window = config["JWT_IMPLICIT_REFRESH"]
        return render_template(
            "dashboard.html",
            implicit_refresh=window.total_seconds() if window else 0,
            access_csrf_cookie=config["JWT_ACCESS_CSRF_COOKIE_NAME"],
            refresh_csrf_cookie=config["JWT_REFRESH_CSRF_COOKIE_NAME"],
            access_csrf_header=config["JWT_ACCESS_CSRF_HEADER_NAME"],
            refresh_csrf_header=config["JWT_REFRESH_CSRF_HEADER_NAME"],
        )

    @bp.get("/login")
    def login() -> Any:
        return _login_page(notice=NOTICES.get(request.args.get("notice", "")))

    @bp.post("/login")
    def login_submit() -> Any:
        origin = request.headers.get("Origin")
        if origin is not None and origin != request.host_url.rstrip("/"):
            # Login CSRF: another site must not sign the browser in to an
            # account of its choosing.
            return _login_page(403, error="Cross-site sign-in refused.")
        username = request.form.get("username", "")
        try:
            pair = sign_in(username, request.form.get("password", ""), client="browser")
        except RevocationStoreUnavailable:
            error = "Sign-in is unavailable: the session store cannot be reached. Try again later."
            return _login_page(503, error=error, username=username)
        if pair is None:
            return _login_page(401, error="Bad username or password.", username=username)
        response = make_response(redirect(url_for("web.dashboard"), 303))
        set_access_cookies(response, pair.access_token)
        set_refresh_cookies(response, pair.refresh_token)
        return response

    return bp


def _login_page(status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template("login.html", demo_users=DEMO_USERS, **context), status
