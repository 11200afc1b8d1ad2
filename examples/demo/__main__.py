"""Serve the demo: ``python -m examples.demo``.

``DEMO_HOST`` and ``DEMO_PORT`` choose the address (default
``127.0.0.1:5000``; port ``0`` picks a free one); see :mod:`examples.demo.app`
for the rest of the configuration.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from .app import create_app
from .users import DEMO_USERS

ServerFactory = Callable[..., BaseWSGIServer]


def banner(app: Flask, url: str) -> str:
    """The start-up message: where to go, who to be, where the state lives."""
    users = "\n".join(
        f"   {name:<6} password {password!r}{'  (admin)' if is_admin else ''}"
        for name, password, is_admin in DEMO_USERS
    )
    keys = app.config["JWT_KEYS"]
    if not keys:
        keys = "HS256 with the secret key"
    elif not isinstance(keys, str) or keys.lstrip().startswith("{"):
        keys = "the JWK Set in JWT_KEYS"  # never the key material itself
    return (
        f"Flask-JWT-Kit demo on {url}\n"
        f" * Demo users:\n{users}\n"
        f" * Users:       {app.config['DEMO_DATABASE']}\n"
        f" * Revocations: {without_password(app.config['JWT_REVOCATION_STORE'])}\n"
        f" * Keys:        {keys}"
        f" (public: {url}/.well-known/jwks.json)\n"
        f" * JSON API:    curl -X POST {url}/api/login -H 'Content-Type: application/json' "
        f"""-d '{{"username": "bob", "password": "{DEMO_USERS[1][1]}"}}'\n"""
        " * Press Ctrl+C to stop"
    )


def without_password(url: str) -> str:
    """*url* with its password, if any, masked (``REDIS_URL`` may hold one)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def main(
    environ: Mapping[str, str] | None = None, server_factory: ServerFactory = make_server
) -> int:
    """Build the app, print the banner, serve until interrupted.

    :param environ: the environment (default: ``os.environ``).
    :param server_factory: makes the server, as :func:`werkzeug.serving.make_server`.
    """
    environ = os.environ if environ is None else environ
    host = environ.get("DEMO_HOST", "127.0.0.1")
    try:
        port = int(environ.get("DEMO_PORT", "5000"))
    except ValueError:
        print(f"DEMO_PORT must be a port number, not {environ['DEMO_PORT']!r}", file=sys.stderr)
        return 2
    app = create_app(environ=environ)
    server = server_factory(host, port, app, threaded=True)
    shown_host = f"[{host}]" if ":" in host else host
    print(banner(app, f"http://{shown_host}:{server.server_port}"), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
