"""Fixtures for the ``flask jwt`` command tests: an app with a SQLite store, a runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask

from tests.conftest import AppFactory

#: A store that refuses connections at once: nothing listens on port 1.
UNREACHABLE_STORE = "redis://127.0.0.1:1/0"

Run = Callable[..., Result]


@pytest.fixture
def store_app(make_app: AppFactory, tmp_path: Path) -> Flask:
    """An app whose revocation store is a SQLite file."""
    return make_app(JWT_REVOCATION_STORE=f"sqlite:///{tmp_path / 'revocations.db'}")


def runner_for(app: Flask) -> Run:
    """``run("decode", token)``: invoke ``flask jwt decode <token>`` on *app*."""

    def run(*args: str, **kwargs: Any) -> Result:
        return app.test_cli_runner().invoke(args=["jwt", *args], **kwargs)

    return run


@pytest.fixture
def run(store_app: Flask) -> Run:
    """The command runner of :func:`store_app`."""
    return runner_for(store_app)
