"""In-process figures of one implementation: create, decode, test-client requests.

Run as ``python -m benchmarks.inprocess kit|fje [--quick]`` (what
``python -m benchmarks`` does, one process per implementation); it prints
the samples as JSON.

Figures (microseconds per call):

``create``            ``create_access_token(identity)``
``decode_new``        ``decode_token`` of a token never seen before (N distinct tokens made first)
``decode_repeated``   ``decode_token`` of the same token again and again
``header_open``       GET ``/open`` with the token in the header (no verification)
``header_protected``  GET ``/protected`` with the same token (``@jwt_required()``)
``cookie_open``       POST ``/open`` with the access cookie and CSRF header
``cookie_protected``  POST ``/cookie``: the token in the cookie, CSRF checked
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass

from flask.testing import FlaskClient

from .apps import ACCESS_COOKIE, CSRF_HEADER, HEADER, IDENTITY, make_app
from .timing import Sample, measure, measure_pair


@dataclass(frozen=True)
class Sizes:
    """How many calls per round, and how many rounds."""

    #: Calls per round for token functions.
    calls: int
    #: Requests per round.
    requests: int
    rounds: int


FULL = Sizes(calls=2000, requests=250, rounds=15)
QUICK = Sizes(calls=100, requests=50, rounds=3)


def _expect_ok(client: FlaskClient, method: str, path: str, headers: dict[str, str]) -> None:
    response = client.open(path, method=method, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.data!r}")


def run(impl: str, quick: bool = False) -> dict[str, Sample]:
    """Every in-process figure of *impl* (``"kit"`` or ``"fje"``)."""
    sizes = QUICK if quick else FULL
    app, module = make_app(impl)
    create_token = module.create_access_token
    decode_token = module.decode_token
    results: dict[str, Sample] = {}
    with app.app_context():
        token: str = create_token(IDENTITY)
        csrf: str = module.get_csrf_token(token)
        results["create"] = measure(lambda: create_token(IDENTITY), sizes.calls, sizes.rounds)
        # Distinct tokens, made before timing: each is decoded exactly once.
        fresh = iter([create_token(f"user-{i}") for i in range(sizes.calls * sizes.rounds)])
        results["decode_new"] = measure(
            lambda: decode_token(next(fresh)), sizes.calls, sizes.rounds, warmup=0
        )
        results["decode_repeated"] = measure(lambda: decode_token(token), sizes.calls, sizes.rounds)

    client = app.test_client()
    headers = {HEADER: f"Bearer {token}"}
    _expect_ok(client, "GET", "/protected", headers=headers)
    results["header_open"], results["header_protected"] = measure_pair(
        lambda: client.get("/open", headers=headers),
        lambda: client.get("/protected", headers=headers),
        sizes.requests,
        sizes.rounds,
    )

    client.set_cookie(ACCESS_COOKIE, token)
    csrf_headers = {CSRF_HEADER: csrf}
    _expect_ok(client, "POST", "/cookie", headers=csrf_headers)
    results["cookie_open"], results["cookie_protected"] = measure_pair(
        lambda: client.post("/open", headers=csrf_headers),
        lambda: client.post("/cookie", headers=csrf_headers),
        sizes.requests,
        sizes.rounds,
    )
    # A token that stopped working half-way would have made fast 401s.
    _expect_ok(client, "GET", "/protected", headers=headers)
    _expect_ok(client, "POST", "/cookie", headers=csrf_headers)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("impl", choices=["kit", "fje"])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    results = run(args.impl, args.quick)
    print(json.dumps({name: sample.to_json() for name, sample in results.items()}))


if __name__ == "__main__":
    main()
