"""The package's public surface: names, exceptions, typing marker, version."""

from __future__ import annotations

import ast
import importlib
import importlib.resources
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

import flask_jwt_kit
from flask_jwt_kit import exceptions

#: Every public name of the API contract.
CONTRACT_NAMES = (
    "JWTManager",
    "__version__",
    "create_access_token",
    "create_refresh_token",
    "current_user",
    "decode_token",
    "get_csrf_token",
    "get_current_user",
    "get_jti",
    "get_jwt",
    "get_jwt_header",
    "get_jwt_identity",
    "get_jwt_request_location",
    "get_unverified_jwt_headers",
    "jwt_required",
    "set_access_cookies",
    "set_refresh_cookies",
    "unset_access_cookies",
    "unset_jwt_cookies",
    "unset_refresh_cookies",
    "verify_jwt_in_request",
)

#: Names DESIGN.md adds to the package.
DESIGN_NAMES = (
    "auth_failed",
    "get_jwks",
    "refresh_token_reused",
    "revoke_all_tokens",
    "revoke_token",
    "token_issued",
    "token_revoked",
)

#: The exceptions of the API contract.
CONTRACT_EXCEPTIONS = (
    "JWTExtendedException",
    "JWTDecodeError",
    "InvalidHeaderError",
    "InvalidQueryParamError",
    "NoAuthorizationError",
    "CSRFError",
    "WrongTokenError",
    "RevokedTokenError",
    "FreshTokenRequired",
    "UserLookupError",
    "UserClaimsVerificationError",
)

INIT = Path(flask_jwt_kit.__file__)


def _module() -> ast.Module:
    return ast.parse(INIT.read_text(encoding="utf-8"))


def test_init_holds_only_reexports_version_and_all() -> None:
    body = _module().body
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    assigned: list[str] = []
    for node in body[1:]:
        if isinstance(node, ast.ImportFrom):
            assert node.level == 1 and node.module, ast.unparse(node)
            assert len(node.names) == 1, ast.unparse(node)
            alias = node.names[0]
            assert alias.asname == alias.name, ast.unparse(node)
        else:
            assert isinstance(node, ast.Assign), ast.unparse(node)
            (target,) = node.targets
            assert isinstance(target, ast.Name)
            assigned.append(target.id)
    assert sorted(assigned) == ["__all__", "__version__"]


def test_all_matches_the_reexport_lines() -> None:
    reexported = {node.names[0].name for node in _module().body if isinstance(node, ast.ImportFrom)}
    assert set(flask_jwt_kit.__all__) == reexported | {"__version__"}
    assert len(flask_jwt_kit.__all__) == len(set(flask_jwt_kit.__all__))
    assert flask_jwt_kit.__all__ == sorted(flask_jwt_kit.__all__)
    for name in flask_jwt_kit.__all__:
        assert hasattr(flask_jwt_kit, name), name


@pytest.mark.parametrize("name", CONTRACT_NAMES + DESIGN_NAMES)
def test_every_documented_name_is_exported(name: str) -> None:
    assert name in flask_jwt_kit.__all__
    assert getattr(flask_jwt_kit, name) is not None


def test_star_import_gives_every_documented_name() -> None:
    namespace: dict[str, Any] = {}
    exec("from flask_jwt_kit import *", namespace)
    assert set(CONTRACT_NAMES + DESIGN_NAMES) - {"__version__"} <= set(namespace)


@pytest.mark.parametrize("name", CONTRACT_EXCEPTIONS)
def test_every_contract_exception_is_in_the_exceptions_module(name: str) -> None:
    cls = getattr(exceptions, name)
    assert issubclass(cls, Exception)
    assert issubclass(cls, exceptions.JWTExtendedException)


@pytest.mark.parametrize(
    "name",
    [
        "JWTDecodeError",
        "InvalidHeaderError",
        "InvalidQueryParamError",
        "NoAuthorizationError",
        "CSRFError",
        "WrongTokenError",
    ],
)
def test_simple_exceptions_take_one_message(name: str) -> None:
    error = getattr(exceptions, name)("something went wrong")
    assert str(error) == "something went wrong"
    assert error.message == "something went wrong"


def test_token_exceptions_carry_header_and_claims() -> None:
    header, claims = {"alg": "HS256"}, {"sub": "a"}
    revoked = exceptions.RevokedTokenError(header, claims)
    assert (revoked.jwt_header, revoked.jwt_data) == (header, claims)
    for name in ("FreshTokenRequired", "UserLookupError", "UserClaimsVerificationError"):
        error = getattr(exceptions, name)("message", header, claims)
        assert str(error) == "message"
        assert (error.jwt_header, error.jwt_data) == (header, claims)


def test_the_root_exception_without_a_message_names_its_class() -> None:
    assert exceptions.NoAuthorizationError().message == "NoAuthorizationError"


def test_exceptions_carry_their_status_codes() -> None:
    assert exceptions.NoAuthorizationError.status_code == 401
    assert exceptions.CSRFError.status_code == 401
    assert exceptions.JWTDecodeError.status_code == 422
    assert exceptions.InvalidHeaderError.status_code == 422
    assert exceptions.InvalidQueryParamError.status_code == 422
    assert exceptions.WrongTokenError.status_code == 422
    assert exceptions.RevokedTokenError.status_code == 401
    assert exceptions.FreshTokenRequired.status_code == 401
    assert exceptions.UserLookupError.status_code == 401
    assert exceptions.UserClaimsVerificationError.status_code == 400


def test_py_typed_ships_with_the_package() -> None:
    assert importlib.resources.files("flask_jwt_kit").joinpath("py.typed").is_file()


def test_version() -> None:
    assert isinstance(flask_jwt_kit.__version__, str)
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]|rc|\.dev|\.post)?\d*", flask_jwt_kit.__version__)


def test_public_functions_are_fully_annotated() -> None:
    for name in flask_jwt_kit.__all__:
        value = getattr(flask_jwt_kit, name)
        if not inspect.isfunction(value):
            continue
        signature = inspect.signature(value)
        assert signature.return_annotation is not inspect.Signature.empty, name
        for parameter in signature.parameters.values():
            assert parameter.annotation is not inspect.Parameter.empty, (name, parameter.name)


#: Where Flask-JWT-Extended's own modules held the public names, which code
#: written against it sometimes imports from.
SUBMODULE_NAMES = {
    "utils": [
        name
        for name in CONTRACT_NAMES
        if name not in {"JWTManager", "__version__", "jwt_required", "verify_jwt_in_request"}
    ],
    "view_decorators": ["jwt_required", "verify_jwt_in_request"],
}


@pytest.mark.parametrize(
    ("module", "name"),
    [(module, name) for module, names in SUBMODULE_NAMES.items() for name in names],
)
def test_names_import_from_the_original_submodules_too(module: str, name: str) -> None:
    found = getattr(importlib.import_module(f"flask_jwt_kit.{module}"), name)
    assert found is getattr(flask_jwt_kit, name)


def test_an_unknown_name_of_utils_is_an_attribute_error() -> None:
    from flask_jwt_kit import utils

    with pytest.raises(AttributeError, match="has no attribute 'set_cookies'"):
        utils.set_cookies  # noqa: B018
