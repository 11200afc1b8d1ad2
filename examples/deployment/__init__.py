"""Running on many servers: configuration from the environment, monitoring hooks."""

from .app import create_app as create_app

__all__ = ["create_app"]
