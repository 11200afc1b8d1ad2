"""The Flask-JWT-Kit demo: ``python -m examples.demo`` (or ``make demo``).

``flask --app examples.demo ...`` finds :func:`create_app` here too, so the
``flask jwt`` commands work on the demo's keys and stores.
"""

from .app import create_app as create_app

__all__ = ["create_app"]
