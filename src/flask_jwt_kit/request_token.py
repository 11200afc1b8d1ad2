"""Finding the token in a request: headers, cookies, query string or JSON body.

Each reader returns the encoded token and, for cookies on state-changing
methods, the CSRF value the client sent. Only a missing token
(:class:`NoAuthorizationError`) lets the search move to the next location.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Request

from .exceptions import (
    CSRFError,
    InvalidHeaderError,
    InvalidQueryParamError,
    JWTDecodeError,
    NoAuthorizationError,
)
from .settings import LOCATIONS, Settings

_COMMA_SPLIT = re.compile(r",\s*")

#: Room in the header for the type and other credentials beside the token.
_HEADER_SLACK = 1024


@dataclass(slots=True)
class Found:
    """A token found in a request (one per verified request: not frozen,
    which would cost three times as much to build)."""

    token: str
    location: str
    #: The CSRF value sent with a cookie token (``None``: no check needed).
    csrf_value: str | None = None


def normalise_locations(
    locations: str | Iterable[str] | None, settings: Settings
) -> tuple[str, ...]:
    """The locations a view reads from: its own, else ``JWT_TOKEN_LOCATION``.

    :raises RuntimeError: an entry is not a known location.
    """
    if not locations:
        return settings.token_location
    if isinstance(locations, str):
        locations = (locations,)
    result = tuple(locations)
    for location in result:
        if location not in LOCATIONS:
            raise RuntimeError(f"'{location}' is not a valid location")
    return result


def find_token(
    request: Request, settings: Settings, locations: tuple[str, ...], refresh: bool
) -> Found:
    """The first token found in *locations*, in order.

    :raises NoAuthorizationError: no location holds a token (the message
        lists each location's reason when there are several).
    :raises InvalidHeaderError, InvalidQueryParamError, CSRFError: the token
        is there but malformed, or its CSRF check failed.
    """
    missing: list[str] = []
    for location in locations:
        try:
            return _READERS[location](request, settings, refresh)
        except NoAuthorizationError as error:
            if len(locations) == 1:
                raise
            missing.append(str(error))
    names = list(locations)
    where = ", ".join(names[:-1]) + " or " + names[-1]
    raise NoAuthorizationError(f"Missing JWT in {where} ({'; '.join(missing)})")


def from_headers(request: Request, settings: Settings, refresh: bool) -> Found:
    """The token in the configured header (``Authorization: Bearer <JWT>``)."""
    name = settings.header_name
    # WSGI servers join repeated header lines into one comma-separated
    # value (RFC 9110 5.3), which the comma rules below then apply to.
    # Through request.headers, which an application's request class may
    # have rewritten, not the environ.
    value = request.headers.get(name) or ""
    if len(value) > settings.max_token_length + _HEADER_SLACK:
        # Refused before any splitting: a huge header costs nothing.
        raise JWTDecodeError(f"Token is too large (over {settings.max_token_length} characters)")
    types = settings.header_types
    if "," not in value:
        # The usual "Bearer <JWT>": what token_in_header finds in a value
        # without commas, at half the cost (no stripping, no second pass).
        words = value.split()
        if len(words) == 2 and words[0] in types:
            return Found(words[1], "headers")
    return Found(token_in_header(value, name, types), "headers")


def token_in_header(value: str, name: str, types: tuple[str, ...]) -> str:
    """The token in the header *name*'s *value*, by the full rules.

    Whitespace and commas around are ignored; of comma-separated
    credentials, exactly one must have a type in *types* (no *types*: the
    header holds the token alone).

    :raises NoAuthorizationError: no token of such a type.
    :raises InvalidHeaderError: the credential is not ``<type> <token>``.
    """
    value = value.strip().strip(",")
    if not value:
        raise NoAuthorizationError(f"Missing {name} Header")
    if not types:
        words = value.split()
        if len(words) != 1:
            raise InvalidHeaderError(f"Bad {name} header. Expected '{name}: <JWT>'")
        return words[0]
    if "," in value:
        candidates = [part.split() for part in _COMMA_SPLIT.split(value)]
    else:
        # Most headers hold one value: no regular expression then.
        candidates = [value.split()]
    matches = [words for words in candidates if words and words[0] in types]
    if len(matches) != 1:
        wanted = "' or '".join(types)
        raise NoAuthorizationError(
            f"Missing '{wanted}' type in '{name}' header. Expected '{name}: {types[0]} <JWT>'"
        )
    words = matches[0]
    if len(words) != 2:
        raise InvalidHeaderError(f"Bad {name} header. Expected '{name}: {words[0]} <JWT>'")
    return words[1]


def from_cookies(request: Request, settings: Settings, refresh: bool) -> Found:
    """The token in the access (or refresh) cookie, with the CSRF value when needed."""
    if refresh:
        cookie, header, form_field = (
            settings.refresh_cookie_name,
            settings.refresh_csrf_header_name,
            settings.refresh_csrf_field_name,
        )
    else:
        cookie, header, form_field = (
            settings.access_cookie_name,
            settings.access_csrf_header_name,
            settings.access_csrf_field_name,
        )
    token = request.cookies.get(cookie)
    if not token:
        raise NoAuthorizationError(f'Missing cookie "{cookie}"')
    csrf_value = None
    if settings.cookie_csrf_protect and request.method in settings.csrf_methods:
        # A repeated header arrives joined with ", ", so it never equals a token's value.
        csrf_value = request.headers.get(header, "")
        if not csrf_value and settings.csrf_check_form:
            csrf_value = request.form.get(form_field, "")
        if not csrf_value:
            raise CSRFError("Missing CSRF token")
    return Found(token, "cookies", csrf_value)


def from_query_string(request: Request, settings: Settings, refresh: bool) -> Found:
    """The token in the query string parameter, after its prefix."""
    name = settings.query_string_name
    value = request.args.get(name)
    if not value:
        raise NoAuthorizationError(f"Missing '{name}' query paramater")
    prefix = settings.query_string_value_prefix
    if not value.startswith(prefix):
        raise InvalidQueryParamError(
            f"Invalid value for query parameter '{name}'. "
            f"Expected the value to start with '{prefix}'"
        )
    return Found(value[len(prefix) :], "query_string")


def from_json(request: Request, settings: Settings, refresh: bool) -> Found:
    """The token under the access (or refresh) key of a JSON body."""
    if not request.is_json:
        raise NoAuthorizationError("Invalid content-type. Must be application/json.")
    key = settings.refresh_json_key if refresh else settings.json_key
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        # Nested deeper than the parser can go: as malformed as any bad JSON
        # ("silent" covers only ValueError), not a 500.
        data = None
    token = data.get(key) if isinstance(data, dict) else None
    if not token:
        raise NoAuthorizationError(f'Missing "{key}" key in json data.')
    if not isinstance(token, str):
        raise JWTDecodeError(f'Invalid "{key}" in json data: the token must be a string')
    return Found(token, "json")


_READERS: dict[str, Callable[[Request, Settings, bool], Found]] = {
    "headers": from_headers,
    "cookies": from_cookies,
    "query_string": from_query_string,
    "json": from_json,
}
