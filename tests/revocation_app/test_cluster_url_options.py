"""Query parameters of a ``redis+cluster://`` URL, on a real Redis Cluster."""

from __future__ import annotations

from flask_jwt_kit import revoke_token
from tests.conftest import AppFactory
from tests.revocation_app.conftest import REVOKED, RedisClusterNodes, answer, get, token_for


def test_parameters_redis_py_accepts_reach_every_node(
    redis_cluster: RedisClusterNodes, make_app: AppFactory
) -> None:
    redis_cluster.flush()
    url = f"{redis_cluster.url}?socket_timeout=1.5&client_name=jwtkit&db=0&max_connections=8"
    app = make_app(JWT_REVOCATION_STORE=url)
    client = app.test_client()
    token = token_for(app)
    assert get(client, token).status_code == 200
    with app.app_context():
        revoke_token(token)
    assert answer(get(client, token)) == REVOKED
