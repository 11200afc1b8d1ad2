"""Answering this extension's errors inside Flask-RESTX APIs.

Flask-RESTX routes every exception raised in one of its resources to its own
registry of error handlers (``Api.error_handlers`` and each namespace's)
before Flask's. An error found there is rendered by RESTX; an error found
nowhere becomes a 500 when ``PROPAGATE_EXCEPTIONS`` is off. Flask's handlers,
where :class:`~flask_jwt_kit.JWTManager` registers its answers, are only
its last resort: RESTX falls back to them when one of its handlers raises.

So each RESTX ``Api`` of the application gets, for this extension's errors,
a handler that defers: it calls a handler the application registered on the
``Api`` or a namespace for that error, if any, else raises the error again
so that Flask's handler (ours, or one the application registered) answers,
with its status, body and headers unchanged.

The ``Api`` objects are found at the first request of the application, when
every one of them is bound (Flask refuses new routes after that), whichever
was created first, the manager or the ``Api``. Nothing here imports
Flask-RESTX: an application that does not use it pays one check, once.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from typing import Any

import jwt
from flask import Flask, request_started

from .exceptions import JWTExtendedException

#: The errors whose answers come from Flask's handlers, registered by the manager.
HANDLED_ERRORS: tuple[type[Exception], ...] = (JWTExtendedException, jwt.InvalidTokenError)


def init_app(app: Flask) -> None:
    """Arrange for *app*'s RESTX APIs to be found at its first request."""
    request_started.connect(_on_first_request, app)


def _on_first_request(sender: Flask, **extra: Any) -> None:
    request_started.disconnect(_on_first_request, sender)
    for api in restx_apis(sender):
        defer_errors(api)


def restx_apis(app: Flask) -> Iterator[Any]:
    """The Flask-RESTX ``Api`` objects bound to *app* (directly or through a blueprint).

    Each binding wraps ``app.handle_user_exception`` in a partial of its
    ``Api.error_router``; the chain of those partials names them all.
    """
    restx = sys.modules.get("flask_restx")
    if restx is None:
        return
    handler: Any = app.__dict__.get("handle_user_exception")
    while isinstance(handler, functools.partial):
        owner = getattr(handler.func, "__self__", None)
        if isinstance(owner, restx.Api):
            yield owner
        handler = handler.args[0] if handler.args else None


def defer_errors(api: Any) -> None:
    """Make the RESTX *api* leave this extension's errors to Flask's handlers.

    Handlers the application registered on *api* or its namespaces for these
    errors still answer them. Calling this again changes nothing.

    :param api: a ``flask_restx.Api``.
    """
    for error in HANDLED_ERRORS:
        api.error_handlers.setdefault(error, _Deferral(api))


class _Deferral:
    """The RESTX error handler that hands an error back to Flask's handlers."""

    def __init__(self, api: Any) -> None:
        self.api = api

    def __call__(self, error: Exception) -> Any:
        handler = self._application_handler(error)
        if handler is not None:
            return handler(error)
        # RESTX answers an exception raised by one of its handlers with the
        # application's own (Flask) error handling.
        raise error

    def _application_handler(self, error: Exception) -> Callable[[Exception], Any] | None:
        # The order in which RESTX itself looks: the Api's handlers, then each
        # namespace's. A handler for the same class on a namespace replaces ours.
        registry: dict[type[Exception], Callable[[Exception], Any]] = dict(self.api.error_handlers)
        for namespace in self.api.namespaces:
            registry.update(namespace.error_handlers)
        for cls, handler in registry.items():
            if isinstance(error, cls) and not isinstance(handler, _Deferral):
                return handler
        return None
