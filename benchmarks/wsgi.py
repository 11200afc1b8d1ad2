"""The benchmark app for gunicorn: ``benchmarks.wsgi:app``.

The environment variable ``BENCHMARK_IMPL`` (``kit`` or ``fje``) picks the
implementation, so that each server process imports only one of them.
"""

from __future__ import annotations

import os

from .apps import make_app

app, _module = make_app(os.environ.get("BENCHMARK_IMPL", "kit"))
