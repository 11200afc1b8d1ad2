"""What ``init_app`` wires into an application beyond error handlers.

The JWKS endpoint (``JWT_JWKS_URL_RULE``), error answers inside Flask-RESTX
APIs (:mod:`flask_jwt_kit.restx`), and the ``flask jwt`` commands
(:mod:`flask_jwt_kit.cli`). Nothing runs on every request: the implicit
refresh of access cookies is arranged per request, by the verification
that found a cookie token (see :mod:`flask_jwt_kit.sessions`).
"""

from __future__ import annotations

from flask import Flask, Response, jsonify

from . import restx
from .cli import jwt_cli
from .state import AppState, get_state


def init_app(app: Flask, state: AppState) -> None:
    """Register the JWKS route when configured; keep errors right inside RESTX APIs."""
    rule = state.settings.jwks_url_rule
    if rule:
        _check_jwks_rule(app, rule)
        app.add_url_rule(rule, "flask_jwt_kit_jwks", _jwks_view, methods=["GET"])

    restx.init_app(app)
    app.cli.add_command(jwt_cli)


def _check_jwks_rule(app: Flask, rule: str) -> None:
    """Refuse a JWKS rule that cannot serve the key set, or would hide a view."""
    if not rule.startswith("/") or "<" in rule or ">" in rule:
        raise RuntimeError(
            f"JWT_JWKS_URL_RULE must be a fixed path starting with '/' "
            f"(e.g. '/.well-known/jwks.json'), got {rule!r}"
        )
    for existing in app.url_map.iter_rules():
        if existing.rule == rule and "GET" in (existing.methods or ()):
            raise RuntimeError(
                f"JWT_JWKS_URL_RULE: {rule!r} is already served by the view {existing.endpoint!r}"
            )


def _jwks_view() -> Response:
    from .utils import get_jwks

    response = jsonify(get_jwks())
    response.cache_control.public = True
    response.cache_control.max_age = get_state().settings.jwks_max_age
    return response
