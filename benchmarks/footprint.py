"""Memory of the decode cache, measured with :mod:`tracemalloc`.

:func:`run` makes N distinct live tokens first (untraced), then traces the
memory allocated while each is verified once through ``decode_token`` at
the default ``JWT_DECODE_CACHE_SIZE``, and reads what is still allocated
afterwards (the cache's entries) and the peak. Flask-JWT-Extended has no
cache, so this is measured for Flask-JWT-Kit only.

Run as ``python -m benchmarks.footprint [--quick]``; it prints JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import tracemalloc
from typing import Any

from flask_jwt_kit import create_access_token, decode_token
from flask_jwt_kit.state import get_state

from .apps import make_app

#: Distinct live tokens in a full run (the target's figure).
TOKENS = 100_000
#: ... and in a quick run.
QUICK_TOKENS = 2_000

MB = 1024 * 1024


def run(tokens: int = TOKENS, **config: Any) -> dict[str, float]:
    """Bytes held by the decode cache after verifying *tokens* distinct tokens.

    :param config: extra settings, e.g. ``JWT_DECODE_CACHE_SIZE``.
    :returns: ``tokens``, ``cache_size`` (the setting), ``entries`` (held
        at the end), ``retained_mb`` (allocated and still held),
        ``peak_mb`` and ``bytes_per_entry``.
    """
    app, _ = make_app("kit", **config)
    with app.app_context():
        state = get_state()
        # Kept as bytes: each str is made while tracing, as a request's token
        # would be, so the cache's keys are counted too.
        encoded = [create_access_token(f"user-{i}").encode() for i in range(tokens)]
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for token in encoded:
                decode_token(token.decode())
            gc.collect()
            after, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        entries = len(state.decode_cache)
        retained = after - before
        return {
            "tokens": tokens,
            "cache_size": state.settings.decode_cache_size,
            "entries": entries,
            "retained_mb": retained / MB,
            "peak_mb": (peak - before) / MB,
            "bytes_per_entry": retained / entries if entries else 0.0,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run(QUICK_TOKENS if args.quick else TOKENS)))


if __name__ == "__main__":
    main()
