"""Config changes apply however they are written, and only real changes rebuild.

The extension notices a write to ``app.config`` without reading every
watched key on each request; these tests write in every way a ``Config``
offers and check that the next request sees the change, and that writes
which change no setting keep the settings (and their decode cache).
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from flask import Config, Flask

from flask_jwt_kit import JWTManager, create_access_token, decode_token
from tests.conftest import SECRET, AppFactory, bearer
from tests.core.conftest import state_of

#: Ways of setting JWT_DECODE_LEEWAY to 30 on a config.
SETTERS: dict[str, Callable[[Config], object]] = {
    "item": lambda config: config.__setitem__("JWT_DECODE_LEEWAY", 30),
    "update": lambda config: config.update(JWT_DECODE_LEEWAY=30),
    "update-pairs": lambda config: config.update([("JWT_DECODE_LEEWAY", 30)]),
    "in-place-or": lambda config: config.__ior__({"JWT_DECODE_LEEWAY": 30}),
    "from_mapping": lambda config: config.from_mapping(JWT_DECODE_LEEWAY=30),
    "from_object": lambda config: config.from_object(type("Obj", (), {"JWT_DECODE_LEEWAY": 30})),
}


@pytest.mark.parametrize("write", SETTERS.values(), ids=SETTERS.keys())
def test_every_way_of_writing_a_setting_applies(
    app: Flask, write: Callable[[Config], object]
) -> None:
    assert state_of(app).settings.decode_leeway == 0
    write(app.config)
    assert state_of(app).settings.decode_leeway == 30


def test_setdefault_of_a_removed_key_applies(app: Flask) -> None:
    app.config["JWT_ACCESS_COOKIE_NAME"] = "custom"
    assert state_of(app).settings.access_cookie_name == "custom"
    del app.config["JWT_ACCESS_COOKIE_NAME"]
    app.config.setdefault("JWT_ACCESS_COOKIE_NAME", "other")
    assert state_of(app).settings.access_cookie_name == "other"


def test_pop_and_popitem_and_clear_apply(app: Flask) -> None:
    app.config["JWT_ACCESS_COOKIE_NAME"] = "custom"
    assert state_of(app).settings.access_cookie_name == "custom"
    assert app.config.pop("JWT_ACCESS_COOKIE_NAME") == "custom"
    # A removed key reads as its default.
    assert state_of(app).settings.access_cookie_name == "access_token_cookie"
    app.config["JWT_ACCESS_COOKIE_NAME"] = "last"
    assert app.config.popitem() == ("JWT_ACCESS_COOKIE_NAME", "last")
    assert state_of(app).settings.access_cookie_name == "access_token_cookie"
    app.config["JWT_ACCESS_COOKIE_NAME"] = "again"
    assert state_of(app).settings.access_cookie_name == "again"
    app.config.clear()
    assert state_of(app).settings.access_cookie_name == "access_token_cookie"


def test_a_failed_write_still_counts(app: Flask) -> None:
    first = state_of(app).settings
    with pytest.raises(KeyError):
        del app.config["NOT_THERE"]
    with pytest.raises(KeyError):
        app.config.pop("NOT_THERE")
    with pytest.raises(TypeError):
        app.config.update(1)  # type: ignore[call-overload]
    # Nothing that matters changed: the same settings object serves.
    assert state_of(app).settings is first


def test_mock_patch_dict_applies_and_restores(app: Flask) -> None:
    with app.test_request_context():
        token = create_access_token("a")
    client = app.test_client()
    with mock.patch.dict(app.config, {"JWT_HEADER_TYPE": "JWT"}):
        assert client.get("/protected", headers=bearer(token)).status_code == 401
    assert client.get("/protected", headers=bearer(token)).status_code == 200


def test_writes_to_other_keys_keep_the_settings_and_the_decode_cache(app: Flask) -> None:
    state = state_of(app)
    client = app.test_client()
    with app.test_request_context():
        token = create_access_token("a")
    assert client.get("/protected", headers=bearer(token)).status_code == 200
    settings, cache = state.settings, state.decode_cache
    assert len(cache) == 1
    for number in range(3):
        app.config["SOMETHING_ELSE"] = number
        app.config["JWT_DECODE_LEEWAY"] = 0  # the value it already had
        assert client.get("/protected", headers=bearer(token)).status_code == 200
    assert state.settings is settings
    assert state.decode_cache is cache and len(cache) == 1


def test_in_place_edits_apply_without_any_write(make_app: AppFactory) -> None:
    app = make_app(JWT_TOKEN_LOCATION=["headers"], JWT_DECODE_AUDIENCE=["one"])
    state = state_of(app)
    app.config["UNRELATED"] = 1  # the config has counted writes since the snapshot
    state.settings  # noqa: B018
    app.config["JWT_DECODE_AUDIENCE"].append("two")
    assert state.settings.decode_audience == ("one", "two")
    app.config["JWT_TOKEN_LOCATION"][0] = "cookies"
    assert state.settings.token_location == ("cookies",)


def test_a_replaced_config_object_applies(app: Flask) -> None:
    state = state_of(app)
    old = app.config
    new = app.make_config()
    new.update(old)
    new["JWT_DECODE_LEEWAY"] = 12
    app.config = new
    assert state.settings.decode_leeway == 12
    # The new object is the one watched now.
    app.config["JWT_DECODE_LEEWAY"] = 13
    assert state.settings.decode_leeway == 13
    old["JWT_DECODE_LEEWAY"] = 99
    assert state.settings.decode_leeway == 13


class CustomConfig(Config):
    """An application's own config class: left as it is, and still watched."""


class CustomConfigApp(Flask):
    config_class = CustomConfig


def test_a_custom_config_class_is_kept_and_changes_still_apply(clock: Any) -> None:
    app = CustomConfigApp("custom")
    app.config["JWT_SECRET_KEY"] = SECRET
    JWTManager(app, clock=clock)
    try:
        assert type(app.config) is CustomConfig
        state = state_of(app)
        first = state.settings
        app.config["OTHER"] = 1
        assert state.settings is first
        app.config["JWT_DECODE_LEEWAY"] = 4
        assert state.settings.decode_leeway == 4
        app.config["JWT_CSRF_METHODS"].append("GET")
        assert "GET" in state.settings.csrf_methods
    finally:
        state_of(app).close()


def test_the_watched_config_still_looks_and_copies_like_a_config(app: Flask) -> None:
    assert isinstance(app.config, Config)
    assert repr(app.config).startswith("<Config {")
    restored = pickle.loads(pickle.dumps(app.config))
    assert restored == app.config and isinstance(restored, Config)
    copied = copy.deepcopy(app.config)
    assert copied == app.config and copied is not app.config
    # A copy is a config of its own: writing to it changes nothing here.
    first = state_of(app).settings
    copied["JWT_DECODE_LEEWAY"] = 7
    assert state_of(app).settings is first


def test_a_setting_changed_between_requests_applies_to_tokens(app: Flask) -> None:
    with app.test_request_context():
        token = create_access_token("a")
        app.config.update(JWT_DECODE_AUDIENCE="api")
        with pytest.raises(Exception, match="audience|aud"):
            decode_token(token)
        app.config.pop("JWT_DECODE_AUDIENCE")
        app.config.setdefault("JWT_DECODE_AUDIENCE", None)
        assert decode_token(token)["sub"] == "a"


def test_writes_that_bypass_the_config_methods_apply_within_a_bounded_number_of_uses(
    app: Flask,
) -> None:
    from flask_jwt_kit.settings import FULL_CHECK_EVERY

    state = state_of(app)
    client = app.test_client()
    with app.test_request_context():
        token = create_access_token("a")
    assert client.get("/protected", headers=bearer(token)).status_code == 200
    # dict's own method: Config's overrides never see this write.
    dict.update(app.config, JWT_SECRET_KEY="rotated-" + "r" * 56)
    answers = [
        client.get("/protected", headers=bearer(token)).status_code
        for _ in range(FULL_CHECK_EVERY + 1)
    ]
    assert answers[-1] == 422
    assert state.settings.secret_key == "rotated-" + "r" * 56
