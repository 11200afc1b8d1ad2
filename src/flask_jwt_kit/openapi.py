"""OpenAPI security for apispec-based stacks (apispec, flask-smorest, APIFairy).

Describes how clients send tokens (security schemes) and which operations
need one (security requirements), read from the application's settings and
from each view's :func:`~flask_jwt_kit.jwt_required` arguments. Needs the
``openapi`` extra (apispec); OpenAPI 3 only.

The scheme names, and what each describes:

``jwtHeader``
    the token in ``JWT_HEADER_NAME``: HTTP ``bearer`` authentication when
    the header is ``Authorization`` and ``Bearer`` is an accepted
    ``JWT_HEADER_TYPE``, else an API key in that header.
``jwtCookie``, ``jwtRefreshCookie``
    the access or refresh token in its cookie.
``jwtCsrf``, ``jwtRefreshCsrf``
    the CSRF double-submit header that must come with a cookie token on the
    ``JWT_CSRF_METHODS``; required together with the cookie.
``jwtQuery``
    the token in the ``JWT_QUERY_STRING_NAME`` query parameter.

Tokens in a JSON body have no OpenAPI description; a view that reads only
the body gets no requirement.

Scopes: OpenAPI 3.1 lets requirements of any scheme list "role names", so
there the required scopes are in the requirement arrays; OpenAPI 3.0 wants
those arrays empty. Either way, an operation with scopes also gets the
extension ``x-required-scopes``.

With apispec::

    spec = APISpec("API", "1.0", "3.1.0", plugins=[FlaskPlugin(), JWTSecurityPlugin(app)])

With flask-smorest::

    api = Api(app, spec_kwargs=smorest_spec_kwargs(app))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from apispec import APISpec, BasePlugin
from flask import Flask, current_app, has_app_context

from .request_token import normalise_locations
from .settings import Settings
from .state import get_state

HEADER = "jwtHeader"
COOKIE = "jwtCookie"
REFRESH_COOKIE = "jwtRefreshCookie"
CSRF = "jwtCsrf"
REFRESH_CSRF = "jwtRefreshCsrf"
QUERY = "jwtQuery"

#: The operation extension that lists the scopes an operation requires.
SCOPES_EXTENSION = "x-required-scopes"

Requirement = dict[str, list[str]]


def security_schemes(
    app: Flask | None = None, locations: str | Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """The security scheme objects for tokens in *locations*.

    :param app: the application (default: the current one).
    :param locations: token locations (default: ``JWT_TOKEN_LOCATION``).
    :returns: scheme name -> OpenAPI security scheme object. Cookies bring
        the access and refresh cookie schemes, and their CSRF header schemes
        when ``JWT_COOKIE_CSRF_PROTECT`` is on.
    :raises RuntimeError: a location is unknown, or no manager is bound to *app*.
    """
    settings = get_state(app).settings
    names: list[str] = []
    for location in normalise_locations(locations, settings):
        if location == "headers":
            names.append(HEADER)
        elif location == "cookies":
            names += [COOKIE, REFRESH_COOKIE]
            if settings.cookie_csrf_protect:
                names += [CSRF, REFRESH_CSRF]
        elif location == "query_string":
            names.append(QUERY)
    return {name: _SCHEMES[name](settings) for name in names}


def register_security_schemes(
    spec: APISpec, app: Flask | None = None, locations: str | Iterable[str] | None = None
) -> list[str]:
    """Add :func:`security_schemes` to *spec*'s components (those not there yet).

    :returns: the names added.
    """
    added = []
    for name, scheme in security_schemes(app, locations).items():
        if name not in spec.components.security_schemes:
            spec.components.security_scheme(name, scheme)
            added.append(name)
    return added


def required_scopes(view_function: Callable[..., Any], *, method: str | None = None) -> list[str]:
    """The scopes *view_function* requires (``[]`` when none, or when it is not protected).

    :param view_function: a Flask view function (a class-based view's too).
    :param method: the HTTP method, to find the method of a class-based view;
        keyword-only, as in :func:`security_requirements`.
    """
    protection = _protection(view_function, method)
    return [] if protection is None else list(protection.scopes)


def security_requirements(
    view_function: Callable[..., Any],
    app: Flask | None = None,
    *,
    method: str | None = None,
    scopes_in_requirements: bool = True,
) -> list[Requirement]:
    """The OpenAPI security requirements of a view protected by ``jwt_required``.

    One alternative per token location the view reads, in order; with
    ``optional=True``, the empty requirement ``{}`` as a last alternative.

    :param view_function: a Flask view function, e.g. ``app.view_functions[endpoint]``.
        For a class-based view, the decorators of the class and of the
        *method*'s handler both count.
    :param app: the application (default: the current one).
    :param method: the HTTP method; needed for class-based views and to
        require the CSRF header with cookie tokens on ``JWT_CSRF_METHODS``.
    :param scopes_in_requirements: list the required scopes in the
        requirement arrays (right for OpenAPI 3.1; OpenAPI 3.0 wants them empty).
    :returns: ``[]`` for a view that is not protected.
    :raises RuntimeError: the view names an unknown location, or no manager
        is bound to *app*.
    """
    protection = _protection(view_function, method)
    if protection is None:
        return []
    settings = get_state(app).settings
    scopes = list(protection.scopes) if scopes_in_requirements else []
    csrf = settings.cookie_csrf_protect and method is not None and method in settings.csrf_methods
    requirements: list[Requirement] = []
    for location in normalise_locations(protection.locations, settings):
        if location == "headers":
            requirement = {HEADER: scopes}
        elif location == "cookies":
            requirement = {REFRESH_COOKIE if protection.refresh else COOKIE: scopes}
            if csrf:
                requirement[REFRESH_CSRF if protection.refresh else CSRF] = []
        elif location == "query_string":
            requirement = {QUERY: scopes}
        else:
            continue
        if requirement not in requirements:
            requirements.append(requirement)
    if requirements and protection.optional:
        requirements.append({})
    return requirements


class JWTSecurityPlugin(BasePlugin):
    """An apispec plugin: security schemes, and ``security`` on protected operations.

    The schemes of ``JWT_TOKEN_LOCATION`` are registered when the spec is
    made, and any other scheme an operation needs when the operation is
    added. An operation whose documentation already has ``security`` keeps it.
    Works with paths given a ``view`` (apispec-webframeworks' ``FlaskPlugin``)
    or a werkzeug ``rule`` (flask-smorest).

    :param app: the application; default: the current one when the spec is
        made and its paths added.
    """

    def __init__(self, app: Flask | None = None) -> None:
        #: The application documented.
        self.app = app
        self.spec: APISpec | None = None

    def init_spec(self, spec: APISpec) -> None:
        """Check the OpenAPI version; register the configured schemes when an app is known.

        :raises RuntimeError: the spec is not OpenAPI 3.
        """
        super().init_spec(spec)
        if spec.openapi_version.major < 3:
            raise RuntimeError("JWTSecurityPlugin describes OpenAPI 3 documents only")
        self.spec = spec
        app = self._app()
        if app is not None:
            register_security_schemes(spec, app)

    def operation_helper(
        self, path: str | None = None, operations: dict[Any, Any] | None = None, **kwargs: Any
    ) -> None:
        """Fill ``security`` (and ``x-required-scopes``) on the operations of a protected view.

        :raises RuntimeError: no application is known.
        """
        spec = self.spec
        if not operations or spec is None:
            return
        app = self._app()
        if app is None:
            raise RuntimeError(
                "JWTSecurityPlugin needs an application: pass it to JWTSecurityPlugin(app), "
                "or add the paths in an application context"
            )
        view = kwargs.get("view")
        rule = kwargs.get("rule")
        if view is None and rule is not None:
            view = app.view_functions.get(rule.endpoint)
        if view is None:
            return
        version = spec.openapi_version
        in_arrays = (version.major, version.minor) >= (3, 1)
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "security" in operation:
                continue
            requirements = security_requirements(
                view, app, method=method.upper(), scopes_in_requirements=in_arrays
            )
            if not requirements:
                continue
            settings = get_state(app).settings
            for requirement in requirements:
                for name in requirement:
                    if name not in spec.components.security_schemes:
                        spec.components.security_scheme(name, _SCHEMES[name](settings))
            operation["security"] = requirements
            scopes = required_scopes(view, method=method.upper())
            if scopes:
                operation[SCOPES_EXTENSION] = scopes

    def _app(self) -> Flask | None:
        if self.app is not None:
            return self.app
        if has_app_context():
            app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
            return app
        return None


def smorest_spec_kwargs(app: Flask | None = None, **spec_kwargs: Any) -> dict[str, Any]:
    """``spec_kwargs`` for ``flask_smorest.Api``, with a :class:`JWTSecurityPlugin` added.

    ``Api(app, spec_kwargs=smorest_spec_kwargs(app))``, or
    ``api.init_app(app, spec_kwargs=smorest_spec_kwargs(app))``. Pass other
    plugins as ``extra_plugins`` here: flask-smorest replaces, not merges, it.

    :param app: the application documented.
    :param spec_kwargs: other arguments for the ``APISpec``.
    """
    plugins = list(spec_kwargs.pop("extra_plugins", None) or ())
    plugins.append(JWTSecurityPlugin(app))
    return {**spec_kwargs, "extra_plugins": plugins}


# ---------------------------------------------------------------- view analysis


@dataclass(frozen=True)
class _Protection:
    """What the ``jwt_required`` decorators of one operation ask for."""

    locations: Any
    refresh: bool
    optional: bool
    scopes: tuple[str, ...]


def _protection(view: Callable[..., Any], method: str | None) -> _Protection | None:
    if method is not None and method.upper() == "OPTIONS":
        # Preflight requests pass without a token.
        return None
    # Outermost first: a class-based view's decorators run before its method's.
    found = [getattr(view, "__jwt_required__", None)]
    view_class = getattr(view, "view_class", None)
    if view_class is not None and method is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method.upper() == "HEAD":
            # Flask's MethodView answers HEAD with the GET handler.
            handler = getattr(view_class, "get", None)
        found.append(getattr(handler, "__jwt_required__", None))
    protections = [kwargs for kwargs in found if kwargs]
    if not protections:
        return None
    # Every decorator runs: the innermost (the method's) reads the token, and
    # the scopes of all of them are needed.
    inner = protections[-1]
    scopes: list[str] = []
    for kwargs in protections:
        scopes += [s for s in kwargs["scopes"] if s not in scopes]
    return _Protection(
        locations=inner["locations"],
        refresh=bool(inner["refresh"]),
        optional=all(kwargs["optional"] for kwargs in protections),
        scopes=tuple(scopes),
    )


# ---------------------------------------------------------------- scheme objects


def _header_scheme(settings: Settings) -> dict[str, Any]:
    name, types = settings.header_name, settings.header_types
    if name.lower() == "authorization" and "Bearer" in types:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A JSON Web Token in the Authorization header.",
        }
    value = f"{types[0]} <JWT>" if types else "<JWT>"
    return {
        "type": "apiKey",
        "in": "header",
        "name": name,
        "description": f"A JSON Web Token, sent as '{name}: {value}'.",
    }


def _cookie_scheme(refresh: bool) -> Callable[[Settings], dict[str, Any]]:
    def scheme(settings: Settings) -> dict[str, Any]:
        kind = "refresh" if refresh else "access"
        name = settings.refresh_cookie_name if refresh else settings.access_cookie_name
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": name,
            "description": f"The {kind} token, in a cookie the server sets.",
        }

    return scheme


def _csrf_scheme(refresh: bool) -> Callable[[Settings], dict[str, Any]]:
    def scheme(settings: Settings) -> dict[str, Any]:
        if refresh:
            header, cookie = settings.refresh_csrf_header_name, settings.refresh_csrf_cookie_name
        else:
            header, cookie = settings.access_csrf_header_name, settings.access_csrf_cookie_name
        methods = ", ".join(sorted(settings.csrf_methods))
        source = f"the value of the {cookie} cookie" if settings.csrf_in_cookies else "its value"
        return {
            "type": "apiKey",
            "in": "header",
            "name": header,
            "description": (
                f"The CSRF double-submit header, {source}; needed with a cookie token "
                f"on {methods} requests."
            ),
        }

    return scheme


def _query_scheme(settings: Settings) -> dict[str, Any]:
    prefix = settings.query_string_value_prefix
    after = f", after the prefix '{prefix}'" if prefix else ""
    return {
        "type": "apiKey",
        "in": "query",
        "name": settings.query_string_name,
        "description": f"A JSON Web Token in the query string{after}.",
    }


_SCHEMES: dict[str, Callable[[Settings], dict[str, Any]]] = {
    HEADER: _header_scheme,
    COOKIE: _cookie_scheme(refresh=False),
    REFRESH_COOKIE: _cookie_scheme(refresh=True),
    CSRF: _csrf_scheme(refresh=False),
    REFRESH_CSRF: _csrf_scheme(refresh=True),
    QUERY: _query_scheme,
}
