"""examples/migrated.py: an application written for Flask-JWT-Extended 4.x."""

from __future__ import annotations

from flask_jwt_kit import create_access_token
from tests.conftest import bearer
from tests.examples.conftest import body, example_app


def test_the_application_works_unchanged() -> None:
    app = example_app("migrated")
    client = app.test_client()
    assert client.post("/login", json={"username": "eve"}).status_code == 401
    tokens = body(client.post("/login", json={"username": "admin"}))
    access = bearer(tokens["access_token"])
    assert client.get("/admin", headers=access).json == {"msg": "Welcome, admin"}
    refreshed = body(client.post("/refresh", headers=bearer(tokens["refresh_token"])))
    assert client.get("/admin", headers=bearer(refreshed["access_token"])).status_code == 200
    assert client.delete("/logout", headers=access).status_code == 200
    assert client.get("/admin", headers=access).json == {"msg": "Token has been revoked"}
    # The extension is found under the original's name too.
    assert app.extensions["flask-jwt-extended"] is app.extensions["flask-jwt-kit"]
    with app.app_context():
        expired = create_access_token("admin", expires_delta=-1)
        other = create_access_token("eve")
    response = client.get("/admin", headers=bearer(expired))
    assert response.json == {"code": "token_expired", "msg": "Token has expired"}
    assert client.get("/admin", headers=bearer(other)).status_code == 403
