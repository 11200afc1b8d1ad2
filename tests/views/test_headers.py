"""Reading the token from the ``Authorization`` header (contract: "Header parsing")."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import AppFactory
from tests.views.conftest import access_token, answer, body

BAD_BEARER = "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'"
MISSING_BEARER = (
    "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'"
)


def call(
    client: FlaskClient, value: str | list[str], path: str = "/protected"
) -> tuple[int, dict[str, Any]]:
    values = [value] if isinstance(value, str) else value
    return answer(client.get(path, headers=[("Authorization", v) for v in values]))


def test_bearer_token_is_accepted(client: FlaskClient, token: str) -> None:
    status, data = call(client, f"Bearer {token}")
    assert status == 200
    assert data["identity"] == "alice"
    assert data["location"] == "headers"


def test_no_header_is_missing(client: FlaskClient) -> None:
    response = client.get("/protected")
    assert answer(response) == (401, {"msg": "Missing Authorization Header"})
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("value", ["", " ", "\t", ",", " , ", ",,", " ,, \t"])
def test_blank_or_commas_only_is_missing(client: FlaskClient, value: str) -> None:
    assert call(client, value) == (401, {"msg": "Missing Authorization Header"})


@pytest.mark.parametrize(
    "template",
    [
        " Bearer {t} ",
        "\tBearer {t}\t",
        ",Bearer {t},",
        " , Bearer {t} , ",
        "Bearer   {t}",
        "Bearer\t{t}",
    ],
)
def test_whitespace_and_commas_around_are_stripped(
    client: FlaskClient, token: str, template: str
) -> None:
    status, data = call(client, template.format(t=token))
    assert status == 200
    assert data["identity"] == "alice"


@pytest.mark.parametrize(
    "template",
    [
        "Basic dXNlcjpwYXNz, Bearer {t}",
        "Bearer {t}, Basic dXNlcjpwYXNz",
        "Basic dXNlcjpwYXNz,Bearer {t}",
        "Basic dXNlcjpwYXNz,   Bearer {t}",
        "Digest username=x, Bearer {t}, Negotiate abc",
    ],
)
def test_one_bearer_among_comma_separated_credentials(
    client: FlaskClient, token: str, template: str
) -> None:
    status, data = call(client, template.format(t=token))
    assert status == 200
    assert data["identity"] == "alice"


@pytest.mark.parametrize(
    "value",
    [
        "Basic dXNlcjpwYXNz",
        "bearer {t}",
        "BEARER {t}",
        "Bearer{t}",
        "{t}",
        "Token {t}",
        "Bearer {t}, Bearer {t}",
        "Bearer {t}, Basic x, Bearer {t}",
    ],
)
def test_none_or_several_bearer_credentials_is_missing(
    client: FlaskClient, token: str, value: str
) -> None:
    assert call(client, value.format(t=token)) == (401, {"msg": MISSING_BEARER})


def test_missing_type_counts_as_missing_for_optional_views(client: FlaskClient) -> None:
    status, data = call(client, "Basic dXNlcjpwYXNz", "/optional")
    assert status == 200
    assert data == {"identity": None, "claims": {}, "location": None}


@pytest.mark.parametrize("value", ["Bearer", "Bearer {t} extra", "Bearer a b c", "Basic x, Bearer"])
def test_bearer_part_must_be_two_words(client: FlaskClient, token: str, value: str) -> None:
    assert call(client, value.format(t=token)) == (422, {"msg": BAD_BEARER})


def test_bad_shape_is_an_error_even_for_optional_views(client: FlaskClient) -> None:
    assert call(client, "Bearer a b", "/optional") == (422, {"msg": BAD_BEARER})


def test_bearer_with_something_that_is_no_token(client: FlaskClient) -> None:
    assert call(client, "Bearer not-a-token") == (422, {"msg": "Not enough segments"})


def test_header_name_is_case_insensitive(client: FlaskClient, token: str) -> None:
    response = client.get("/protected", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200


class TestRepeatedHeaderLines:
    """Repeated header lines are one comma-separated list (RFC 9110 5.3)."""

    def test_bearer_on_one_of_several_lines(self, client: FlaskClient, token: str) -> None:
        status, data = call(client, ["Basic dXNlcjpwYXNz", f"Bearer {token}"])
        assert status == 200
        assert data["identity"] == "alice"

    def test_bearer_on_two_lines_is_missing(self, client: FlaskClient, token: str) -> None:
        assert call(client, [f"Bearer {token}", f"Bearer {token}"]) == (
            401,
            {"msg": MISSING_BEARER},
        )

    def test_bad_shape_on_one_line(self, client: FlaskClient, token: str) -> None:
        assert call(client, ["Basic x", f"Bearer {token} {token}"]) == (422, {"msg": BAD_BEARER})


class TestEmptyHeaderType:
    """``JWT_HEADER_TYPE = ""``: the header holds only the token."""

    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        return make_app(JWT_HEADER_TYPE="")

    @pytest.mark.parametrize("template", ["{t}", " {t} ", ",{t},", " , {t} , "])
    def test_token_alone(self, client: FlaskClient, token: str, template: str) -> None:
        status, data = call(client, template.format(t=token))
        assert status == 200
        assert data["identity"] == "alice"

    @pytest.mark.parametrize(
        "template", ["Bearer {t}", "{t} {t}", "Basic x, {t}", "{t}, Basic x", "{t} ,x"]
    )
    def test_more_than_one_word_is_bad(
        self, client: FlaskClient, token: str, template: str
    ) -> None:
        # Nothing is split on commas: the whole value must be one word.
        assert call(client, template.format(t=token)) == (
            422,
            {"msg": "Bad Authorization header. Expected 'Authorization: <JWT>'"},
        )

    @pytest.mark.parametrize("value", ["", "  ", ",", " , "])
    def test_blank_is_missing(self, client: FlaskClient, value: str) -> None:
        assert call(client, value) == (401, {"msg": "Missing Authorization Header"})


class TestCustomNameAndType:
    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        return make_app(JWT_HEADER_NAME="X-Api-Auth", JWT_HEADER_TYPE="JWT")

    def test_token_in_custom_header(self, client: FlaskClient, token: str) -> None:
        response = client.get("/protected", headers={"X-Api-Auth": f"JWT {token}"})
        assert response.status_code == 200
        assert body(response)["location"] == "headers"

    def test_authorization_header_is_ignored(self, client: FlaskClient, token: str) -> None:
        response = client.get("/protected", headers={"Authorization": f"JWT {token}"})
        assert answer(response) == (401, {"msg": "Missing X-Api-Auth Header"})

    def test_messages_use_the_configured_names(self, client: FlaskClient, token: str) -> None:
        wrong_type = client.get("/protected", headers={"X-Api-Auth": f"Bearer {token}"})
        assert answer(wrong_type) == (
            401,
            {"msg": "Missing 'JWT' type in 'X-Api-Auth' header. Expected 'X-Api-Auth: JWT <JWT>'"},
        )
        bad = client.get("/protected", headers={"X-Api-Auth": "JWT a b"})
        assert answer(bad) == (
            422,
            {"msg": "Bad X-Api-Auth header. Expected 'X-Api-Auth: JWT <JWT>'"},
        )

    def test_custom_name_with_empty_type(self, make_app: AppFactory) -> None:
        app = make_app(JWT_HEADER_NAME="X-Token", JWT_HEADER_TYPE="")
        client = app.test_client()
        good = client.get("/protected", headers={"X-Token": access_token(app)})
        assert good.status_code == 200
        bad = client.get("/protected", headers={"X-Token": "a b"})
        assert answer(bad) == (422, {"msg": "Bad X-Token header. Expected 'X-Token: <JWT>'"})


class TestSeveralHeaderTypes:
    """``JWT_HEADER_TYPE`` may be a list of accepted types."""

    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        return make_app(JWT_HEADER_TYPE=["Bearer", "JWT"])

    @pytest.mark.parametrize("kind", ["Bearer", "JWT"])
    def test_each_type_is_accepted(self, client: FlaskClient, token: str, kind: str) -> None:
        status, data = call(client, f"Basic x, {kind} {token}")
        assert status == 200
        assert data["identity"] == "alice"

    @pytest.mark.parametrize("value", ["Basic x", "jwt {t}", "Bearer {t}, JWT {t}"])
    def test_none_or_several_is_missing(self, client: FlaskClient, token: str, value: str) -> None:
        assert call(client, value.format(t=token)) == (
            401,
            {
                "msg": "Missing 'Bearer' or 'JWT' type in 'Authorization' header. "
                "Expected 'Authorization: Bearer <JWT>'"
            },
        )

    def test_bad_shape_names_the_type_used(self, client: FlaskClient) -> None:
        assert call(client, "JWT a b") == (
            422,
            {"msg": "Bad Authorization header. Expected 'Authorization: JWT <JWT>'"},
        )
