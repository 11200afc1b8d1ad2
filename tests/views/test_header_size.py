"""A huge Authorization header is refused before it is parsed."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_a_header_far_over_the_token_limit_is_refused_early(client: FlaskClient) -> None:
    response = client.get("/protected", headers={"Authorization": "Bearer " + "a," * 2_000_000})
    assert response.status_code == 422
    assert response.json == {"msg": "Token is too large (over 16384 characters)"}


def test_a_header_with_several_credentials_under_the_limit_is_parsed(client: FlaskClient) -> None:
    response = client.get(
        "/protected", headers={"Authorization": "Basic abc, Digest x=" + "y" * 900}
    )
    assert response.status_code == 401
    assert response.json is not None and response.json["msg"].startswith("Missing 'Bearer' type")
