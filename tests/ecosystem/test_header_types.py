"""``JWT_HEADER_TYPE`` as a list of accepted types, matched case-sensitively."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import AppFactory
from tests.ecosystem.conftest import access_token


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app(JWT_HEADER_TYPE=("JWT", "Bearer"))


def status(app: Flask, value: str) -> tuple[int, Any]:
    response = app.test_client().get("/protected", headers={"Authorization": value})
    return response.status_code, response.json


@pytest.mark.parametrize("kind", ["JWT", "Bearer"])
def test_every_listed_type_is_accepted(app: Flask, kind: str) -> None:
    code, body = status(app, f"{kind} {access_token(app)}")
    assert code == 200
    assert body["identity"] == "alice"


@pytest.mark.parametrize("kind", ["jwt", "bearer", "BEARER", "Jwt", "JWT:", "Token"])
def test_types_match_case_sensitively(app: Flask, kind: str) -> None:
    code, body = status(app, f"{kind} {access_token(app)}")
    assert code == 401
    # The message names every accepted type and shows the first as the example.
    assert body == {
        "msg": "Missing 'JWT' or 'Bearer' type in 'Authorization' header. "
        "Expected 'Authorization: JWT <JWT>'"
    }


def test_a_change_of_the_setting_applies_at_once(app: Flask) -> None:
    token = access_token(app)
    assert status(app, f"Bearer {token}")[0] == 200
    app.config["JWT_HEADER_TYPE"] = ["JWT"]
    assert status(app, f"Bearer {token}")[0] == 401
    assert status(app, f"JWT {token}")[0] == 200


@pytest.mark.parametrize(
    "value", [[], ["Bearer", ""], ["Bearer", "two words"], ["a,b"], ["Bearer", 5]], ids=repr
)
def test_a_bad_list_is_refused_naming_the_key(make_app: AppFactory, value: Any) -> None:
    with pytest.raises(RuntimeError, match="JWT_HEADER_TYPE"):
        make_app(JWT_HEADER_TYPE=value)
