"""JWTManager: binding to apps, registration, callback setters, template context."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from flask import Flask, jsonify, render_template_string

from flask_jwt_kit import (
    JWTManager,
    create_access_token,
    current_user,
    decode_token,
    jwt_required,
    revoke_token,
)
from flask_jwt_kit.exceptions import NoAuthorizationError
from flask_jwt_kit.revocation.memory import MemoryStore
from tests.conftest import SECRET, Clock, add_views, bearer
from tests.core.conftest import read_claims, state_of

#: Every callback setter of the API contract.
CONTRACT_SETTERS = (
    "additional_claims_loader",
    "additional_headers_loader",
    "user_identity_loader",
    "user_lookup_loader",
    "user_lookup_error_loader",
    "token_in_blocklist_loader",
    "token_verification_loader",
    "token_verification_failed_loader",
    "expired_token_loader",
    "invalid_token_loader",
    "unauthorized_loader",
    "needs_fresh_token_loader",
    "revoked_token_loader",
    "encode_key_loader",
    "decode_key_loader",
)


def new_app(name: str = "app", secret: str = SECRET, **config: Any) -> Flask:
    app = Flask(name)
    app.config["TESTING"] = True
    app.config["JWT_SECRET_KEY"] = secret
    app.config.update(config)
    return app


def test_the_signatures_are_those_of_the_contract() -> None:
    init = inspect.signature(JWTManager).parameters
    assert list(init)[:2] == ["app", "add_context_processor"]
    assert init["app"].default is None and init["add_context_processor"].default is False
    init_app = inspect.signature(JWTManager.init_app).parameters
    assert list(init_app) == ["self", "app", "add_context_processor"]
    assert init_app["add_context_processor"].default is False


def test_the_manager_is_registered_under_both_names() -> None:
    app = new_app()
    manager = JWTManager(app)
    assert app.extensions["flask-jwt-kit"] is manager
    assert app.extensions["flask-jwt-extended"] is manager


def test_the_factory_pattern() -> None:
    manager = JWTManager()
    first, second = new_app("first"), new_app("second", secret="second-" + "s" * 40)
    assert "flask-jwt-kit" not in first.extensions
    manager.init_app(first)
    manager.init_app(second)
    assert first.extensions["flask-jwt-kit"] is second.extensions["flask-jwt-kit"] is manager
    with first.app_context():
        from_first = create_access_token("a")
    with second.app_context():
        from_second = create_access_token("a")
        assert decode_token(from_second)["sub"] == "a"
        with pytest.raises(jwt.InvalidSignatureError):
            decode_token(from_first)
    read_claims(from_first)


def test_callbacks_are_shared_by_every_app_of_a_manager() -> None:
    manager = JWTManager()
    first, second = new_app("first"), new_app("second")
    manager.init_app(first)

    @manager.additional_claims_loader
    def claims(identity: Any) -> dict[str, Any]:
        return {"role": "admin"}

    manager.init_app(second)
    for app in (first, second):
        with app.app_context():
            assert read_claims(create_access_token("a"))["role"] == "admin"


def test_apps_with_separate_managers_have_separate_callbacks() -> None:
    first, second = new_app("first"), new_app("second")
    JWTManager(first).additional_claims_loader(lambda identity: {"role": "admin"})
    JWTManager(second)
    with second.app_context():
        assert "role" not in read_claims(create_access_token("a"))


def test_a_second_registration_is_refused() -> None:
    app = new_app()
    manager = JWTManager(app)
    with pytest.raises(RuntimeError, match="already registered"):
        JWTManager(app)
    with pytest.raises(RuntimeError, match="already registered"):
        manager.init_app(app)
    assert app.extensions["flask-jwt-kit"] is manager
    with app.app_context():
        assert decode_token(create_access_token("a"))["sub"] == "a"


def test_init_app_validates_the_config_up_front() -> None:
    app = new_app(JWT_TOKEN_LOCATION=["header"])
    with pytest.raises(RuntimeError, match="JWT_TOKEN_LOCATION"):
        JWTManager().init_app(app)


@pytest.mark.parametrize(
    "name", CONTRACT_SETTERS + ("insufficient_scope_loader", "revocation_unavailable_loader")
)
def test_every_setter_is_a_decorator_that_returns_the_function(name: str) -> None:
    manager = JWTManager()

    def callback(*args: Any) -> Any:
        return None

    setter: Callable[[Any], Any] = getattr(manager, name)
    assert setter(callback) is callback
    assert getattr(manager.callbacks, name) is callback


def test_an_unknown_callback_name_is_refused() -> None:
    with pytest.raises(AttributeError):
        JWTManager().callbacks.set("not_a_loader", lambda: None)


def test_the_clock_and_id_factory_are_injectable() -> None:
    app = new_app()
    clock = Clock(2_000_000_000.0)
    counter = itertools.count()
    JWTManager(app, clock=clock, id_factory=lambda: f"id-{next(counter)}")
    with app.app_context():
        claims = read_claims(create_access_token("a"))
    assert claims["iat"] == 2_000_000_000.0
    assert (claims["jti"], claims["csrf"]) == ("id-0", "id-1")


# --------------------------------------------------------------------------- error handlers


def test_error_handlers_are_app_wide() -> None:
    app = new_app()
    JWTManager(app)

    @app.get("/decode/<token>")
    def decode(token: str) -> Any:
        return jsonify(decode_token(token))

    @app.get("/escape")
    def escape() -> Any:
        raise jwt.InvalidIssuerError("Invalid issuer")

    client = app.test_client()
    assert client.get("/decode/abc").status_code == 422
    assert client.get("/decode/abc").json == {"msg": "Not enough segments"}
    assert client.get("/escape").json == {"msg": "Invalid issuer"}
    with app.app_context():
        token = create_access_token("a")
    assert client.get(f"/decode/{token}").json["sub"] == "a"  # type: ignore[index]


def test_custom_loaders_answer_errors_raised_anywhere_in_the_app(clock: Clock) -> None:
    app = new_app()
    manager = JWTManager(app, clock=clock)
    manager.invalid_token_loader(lambda message: ({"invalid": message}, 400))
    manager.expired_token_loader(lambda header, claims: ({"expired": claims["sub"]}, 401))

    @app.get("/decode/<token>")
    def decode(token: str) -> Any:
        return jsonify(decode_token(token))

    with app.app_context():
        token = create_access_token("alice")
    client = app.test_client()
    assert client.get("/decode/abc").json == {"invalid": "Not enough segments"}
    clock.advance(3600)
    assert client.get(f"/decode/{token}").json == {"expired": "alice"}


def test_an_app_may_register_its_own_handler_instead() -> None:
    app = new_app()
    JWTManager(app)
    add_views(app)
    app.register_error_handler(NoAuthorizationError, lambda error: ({"mine": str(error)}, 418))
    response = app.test_client().get("/protected")
    assert response.status_code == 418
    assert response.json == {"mine": "Missing Authorization Header"}


# --------------------------------------------------------------------------- templates


class User:
    def __init__(self, name: str):
        self.name = name

    def __str__(self) -> str:
        return f"<{self.name}>"


def add_template_views(app: Flask, manager: JWTManager) -> None:
    @manager.user_lookup_loader
    def lookup(header: dict[str, Any], claims: dict[str, Any]) -> User:
        return User(claims["sub"].title())

    @app.get("/page")
    @jwt_required()
    def page() -> str:
        return render_template_string("user={{ current_user.name if current_user else '-' }}")

    @app.get("/public")
    def public() -> str:
        return render_template_string("user={{ current_user }}")

    @app.get("/maybe")
    @jwt_required(optional=True)
    def maybe() -> str:
        return render_template_string("user={{ current_user }}")


@pytest.mark.parametrize("style", ["constructor", "positional", "init_app"])
def test_add_context_processor_puts_current_user_in_templates(style: str) -> None:
    app = new_app()
    if style == "constructor":
        manager = JWTManager(app, add_context_processor=True)
    elif style == "positional":
        manager = JWTManager(app, True)
    else:
        manager = JWTManager()
        manager.init_app(app, add_context_processor=True)
    add_template_views(app, manager)
    with app.app_context():
        token = create_access_token("alice")
    client = app.test_client()
    assert client.get("/page", headers=bearer(token)).text == "user=Alice"
    assert client.get("/public").text == "user=None"
    assert client.get("/maybe").text == "user=None"
    assert client.get("/maybe", headers=bearer(token)).text == "user=&lt;Alice&gt;"


def test_without_the_flag_templates_have_no_current_user() -> None:
    app = new_app()
    manager = JWTManager(app)
    add_template_views(app, manager)
    with app.app_context():
        token = create_access_token("alice")
    client = app.test_client()
    assert client.get("/page", headers=bearer(token)).text == "user=-"
    assert client.get("/public").text == "user="


def test_current_user_proxy_in_views() -> None:
    app = new_app()
    manager = JWTManager(app)

    @manager.user_lookup_loader
    def lookup(header: dict[str, Any], claims: dict[str, Any]) -> dict[str, str]:
        return {"name": claims["sub"]}

    @app.get("/me")
    @jwt_required()
    def me() -> Any:
        return jsonify(name=current_user["name"])

    with app.app_context():
        token = create_access_token("alice")
    assert app.test_client().get("/me", headers=bearer(token)).json == {"name": "alice"}


# --------------------------------------------------------------------------- state


class RecordingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.closed = 0

    def close(self) -> None:
        self.closed += 1
        super().close()


def test_a_store_object_from_the_app_is_never_closed_by_the_extension() -> None:
    store = RecordingStore()
    app = new_app(JWT_REVOCATION_STORE=store)
    JWTManager(app)
    state = state_of(app)
    assert state.store is store
    app.config["JWT_REVOCATION_STORE"] = "memory://"
    state.settings  # noqa: B018
    assert state.store is not store and isinstance(state.store, MemoryStore)
    state.close()
    assert store.closed == 0


def test_a_store_built_from_a_url_is_closed_when_replaced_or_at_close() -> None:
    app = new_app(JWT_REVOCATION_STORE="memory://")
    JWTManager(app)
    state = state_of(app)
    first = state.store
    assert isinstance(first, MemoryStore)
    first.revoke_jti("j1", None)
    assert first.is_revoked("j1", None, None, None)
    # The same URL again, as a new string (as config loaders make): the same store.
    app.config["JWT_REVOCATION_STORE"] = "".join(["memory", "://"])
    app.config["JWT_DECODE_LEEWAY"] = 1
    state.settings  # noqa: B018
    assert state.store is first
    assert first.is_revoked("j1", None, None, None)
    app.config["JWT_REVOCATION_STORE"] = "sqlite://"
    state.settings  # noqa: B018
    assert state.store is not first
    assert not first.is_revoked("j1", None, None, None)  # closed: forgot everything
    app.config["JWT_REVOCATION_STORE"] = "memory://"
    state.settings  # noqa: B018
    second = state.store
    assert isinstance(second, MemoryStore)
    second.revoke_jti("j2", None)
    state.close()
    assert not second.is_revoked("j2", None, None, None)


def test_the_revocation_functions_use_a_store_configured_after_start(tmp_path: Any) -> None:
    app = new_app()
    JWTManager(app)

    @app.get("/p")
    @jwt_required()
    def protected() -> Any:
        return {}

    client = app.test_client()
    with app.app_context():
        token = create_access_token("alice")
        with pytest.raises(RuntimeError, match="JWT_REVOCATION_STORE"):
            revoke_token(token)
        app.config["JWT_REVOCATION_STORE"] = "memory://"
        revoke_token(token)
        assert client.get("/p", headers=bearer(token)).status_code == 401
        # A switch to another store: revocations go to (and are read from) it.
        app.config["JWT_REVOCATION_STORE"] = f"sqlite:///{tmp_path / 'r.db'}"
        other = create_access_token("bob")
        revoke_token(other)
        assert client.get("/p", headers=bearer(other)).status_code == 401
        state_of(app).close()


def test_close_without_a_store_does_nothing() -> None:
    app = new_app()
    JWTManager(app)
    state_of(app).close()
    with app.app_context():
        assert decode_token(create_access_token("a"))["sub"] == "a"
