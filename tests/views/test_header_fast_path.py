"""The usual ``Bearer <JWT>`` header takes a short path; it must read as the full rules do.

``from_headers`` answers a header without commas that splits into a type
and a token before applying the full rules of ``token_in_header``
(stripping, comma-separated credentials, whitespace splitting). For any
header text, both must give the same token or the same refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flask_jwt_kit import JWTManager
from flask_jwt_kit.request_token import from_headers, token_in_header
from flask_jwt_kit.state import get_state
from tests.conftest import SECRET

#: Characters the general rules treat specially, and ordinary token ones.
_ALPHABET = "Bearer JWTx.-_ \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2028,;=é"

EXAMPLES = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def outcome(app: Flask, value: str) -> tuple[str, Any]:
    """What ``from_headers`` makes of *value*: the token found, or the refusal."""
    # Put in the environ directly: the test client refuses some of these values.
    with app.test_request_context(environ_overrides={"HTTP_AUTHORIZATION": value}):
        try:
            found = from_headers(request, get_state(app).settings, False)
        except Exception as error:  # every refusal is compared, whatever its kind
            return type(error).__name__, str(error)
    return "found", found.token


def full_rules(app: Flask, value: str) -> tuple[str, Any]:
    """What the full rules make of *value*."""
    settings = get_state(app).settings
    try:
        return "found", token_in_header(value, settings.header_name, settings.header_types)
    except Exception as error:
        return type(error).__name__, str(error)


def header_values() -> st.SearchStrategy[str]:
    words = st.text(alphabet=_ALPHABET, max_size=12)
    types = st.sampled_from(["Bearer", "JWT", "bearer", "", "Bearer\t", ","])
    return st.one_of(
        st.text(alphabet=_ALPHABET, max_size=30),
        st.builds(lambda kind, token: f"{kind} {token}", types, words),
        st.builds(lambda kind, a, b: f"{kind} {a} {b}", types, words, words),
    )


@pytest.fixture(scope="module", params=["Bearer", ["Bearer", "JWT"]], ids=["one", "several"])
def app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    made = Flask("fast-path")
    made.config.update(JWT_SECRET_KEY=SECRET, JWT_HEADER_TYPE=request.param)
    JWTManager(made)
    yield made
    get_state(made).close()


@EXAMPLES
@given(value=header_values())
def test_the_short_path_reads_the_header_as_the_full_rules_do(app: Flask, value: str) -> None:
    assert outcome(app, value) == full_rules(app, value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Bearer abc.def.ghi", ("found", "abc.def.ghi")),
        ("Bearer\tabc.def.ghi", ("found", "abc.def.ghi")),
        ("Bearer abc.def.ghi ", ("found", "abc.def.ghi")),
        ("Bearer abc.def.ghi,", ("found", "abc.def.ghi")),
        # Whitespace inside the token: refused, whichever path reads it.
        (
            "Bearer abc\xa0def",
            (
                "InvalidHeaderError",
                "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'",
            ),
        ),
        (
            "Bearer abc\x1cdef",
            (
                "InvalidHeaderError",
                "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'",
            ),
        ),
    ],
)
def test_usual_and_unusual_headers(app: Flask, value: str, expected: tuple[str, Any]) -> None:
    assert outcome(app, value) == expected
