"""Two app processes sharing one store: what one revokes, the other refuses at once."""

from __future__ import annotations

import pytest

from tests.revocation_app.conftest import REVOKED, StartApps


@pytest.mark.parametrize("store_url", ["sqlite", "redis", "postgresql"], indirect=True)
def test_what_one_process_revokes_the_next_request_to_another_refuses(
    store_url: str, app_processes: StartApps
) -> None:
    one, two = app_processes(store_url, 2)
    token, other = one.login("alice"), two.login("alice")
    assert two.call("GET", "/protected", token)[0] == 200
    assert one.call("POST", "/revoke", token)[0] == 200
    assert two.call("GET", "/protected", token) == REVOKED
    assert one.call("GET", "/protected", token) == REVOKED

    # A token revoked by value, through the other process.
    assert one.call("GET", "/protected", other)[0] == 200
    assert two.call("POST", "/revoke-token", body={"token": other})[0] == 200
    assert one.call("GET", "/protected", other) == REVOKED

    # Log out everywhere.
    first, second, bob = one.login("carol"), two.login("carol"), two.login("bob")
    assert two.call("POST", "/logout-everywhere", first)[0] == 200
    assert one.call("GET", "/protected", first) == REVOKED
    assert one.call("GET", "/protected", second) == REVOKED
    assert one.call("GET", "/protected", bob)[0] == 200
    # Logged in again right away, in either process: accepted by both.
    for again in (one.login("carol"), two.login("carol")):
        assert one.call("GET", "/protected", again)[0] == 200
        assert two.call("GET", "/protected", again)[0] == 200
