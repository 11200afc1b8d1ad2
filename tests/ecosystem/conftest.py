"""Fixtures for the ecosystem tests: tokens for an app, signal recorders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from blinker import Signal
from flask import Flask

from flask_jwt_kit import create_access_token, create_refresh_token


def access_token(app: Flask, identity: Any = "alice", **kwargs: Any) -> str:
    """A new access token made by *app*."""
    with app.app_context():
        return create_access_token(identity, **kwargs)


def refresh_token(app: Flask, identity: Any = "alice", **kwargs: Any) -> str:
    """A new refresh token made by *app*."""
    with app.app_context():
        return create_refresh_token(identity, **kwargs)


class Recorder:
    """A signal receiver that keeps what it was sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        self.calls.append((sender, kwargs))

    @property
    def kwargs(self) -> list[dict[str, Any]]:
        return [kwargs for _, kwargs in self.calls]


@pytest.fixture
def record() -> Callable[[Signal, Flask], Any]:
    """``with record(signal, app) as recorder:``: what *signal* sends for *app*."""

    @contextmanager
    def recording(signal: Signal, app: Flask) -> Iterator[Recorder]:
        recorder = Recorder()
        with signal.connected_to(recorder, app):
            yield recorder

    return recording
