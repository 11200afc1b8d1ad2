"""In-process figures of one implementation: create, decode, test-client requests.

``python -m benchmarks`` starts one worker process per implementation
(``python -m benchmarks.inprocess kit|fje --serve [--quick]``) and asks
them for one round at a time, in turn, so that rounds of Flask-JWT-Kit and
Flask-JWT-Extended taken side by side see the same machine; each answer is
a JSON list on one line. :func:`run` does all the rounds in this process.

Figures (microseconds per call; ``header`` and ``cookie`` give two):

``create``            ``create_access_token(identity)``
``decode_new``        ``decode_token`` of a token never seen before (made before timing)
``decode_repeated``   ``decode_token`` of the same token again and again
``header``            GET ``/open``, then GET ``/protected``, token in the header
``cookie``            POST ``/open``, then POST ``/cookie``: access cookie, CSRF header
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from .apps import ACCESS_COOKIE, CSRF_HEADER, HEADER, IDENTITY, make_app
from .timing import Sample, per_call

#: CPU time of this process: a worker waiting for its turn, or other work
#: on the machine, does not count.
_TIMER = time.process_time

#: Figure -> the names of the values one round of it gives.
FIGURES: dict[str, tuple[str, ...]] = {
    "create": ("create",),
    "decode_new": ("decode_new",),
    "decode_repeated": ("decode_repeated",),
    "header": ("header_open", "header_protected"),
    "cookie": ("cookie_open", "cookie_protected"),
}


@dataclass(frozen=True)
class Sizes:
    """How many calls per round, and how many rounds."""

    #: Calls per round for token functions.
    calls: int
    #: Requests per round (each of the pair).
    requests: int
    rounds: int


FULL = Sizes(calls=1000, requests=150, rounds=21)
QUICK = Sizes(calls=100, requests=30, rounds=3)


class Bench:
    """The figures of one implementation, one round at a time.

    :param impl: ``"kit"`` or ``"fje"``.
    :param sizes: calls per round; ``sizes.rounds + 1`` rounds of
        ``decode_new`` can be run (one to warm up).
    """

    def __init__(self, impl: str, sizes: Sizes):
        self.sizes = sizes
        self.app, module = make_app(impl)
        self._create = module.create_access_token
        self._decode = module.decode_token
        with self.app.app_context():
            self.token: str = self._create(IDENTITY)
            csrf: str = module.get_csrf_token(self.token)
            # Distinct tokens, made before timing: each is decoded once.
            fresh = [self._create(f"user-{i}") for i in range(sizes.calls * (sizes.rounds + 1))]
        self._fresh = iter(fresh)
        self.client = self.app.test_client()
        self.client.set_cookie(ACCESS_COOKIE, self.token)
        self._bearer = {HEADER: f"Bearer {self.token}"}
        self._csrf = {CSRF_HEADER: csrf}
        self.check()

    def check(self) -> None:
        """Fail unless both protected views accept the token (fast 401s would flatter)."""
        for method, path, headers in (
            ("GET", "/protected", self._bearer),
            ("POST", "/cookie", self._csrf),
        ):
            response = self.client.open(path, method=method, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"{method} {path} answered {response.status_code}")

    def _tokens(self, fn: Callable[[], object]) -> list[float]:
        # An application context per round, not around requests: it would
        # share ``g`` between requests.
        with self.app.app_context():
            return [per_call(fn, self.sizes.calls, _TIMER)]

    def _pair(self, first: Callable[[], object], second: Callable[[], object]) -> list[float]:
        count = self.sizes.requests
        return [per_call(first, count, _TIMER), per_call(second, count, _TIMER)]

    def round(self, figure: str) -> list[float]:
        """One round of *figure*: microseconds per call, one value per name in FIGURES."""
        client, bearer, csrf = self.client, self._bearer, self._csrf
        if figure == "create":
            return self._tokens(lambda: self._create(IDENTITY))
        if figure == "decode_new":
            return self._tokens(lambda: self._decode(next(self._fresh)))
        if figure == "decode_repeated":
            return self._tokens(lambda: self._decode(self.token))
        if figure == "header":
            return self._pair(
                lambda: client.get("/open", headers=bearer),
                lambda: client.get("/protected", headers=bearer),
            )
        if figure == "cookie":
            return self._pair(
                lambda: client.post("/open", headers=csrf),
                lambda: client.post("/cookie", headers=csrf),
            )
        raise KeyError(figure)


def run(impl: str, quick: bool = False) -> dict[str, Sample]:
    """Every figure of *impl*, all rounds in this process (one warm-up round each)."""
    sizes = QUICK if quick else FULL
    bench = Bench(impl, sizes)
    results: dict[str, Sample] = {}
    for figure, names in FIGURES.items():
        bench.round(figure)
        rounds = [bench.round(figure) for _ in range(sizes.rounds)]
        for index, name in enumerate(names):
            results[name] = Sample(tuple(values[index] for values in rounds))
    bench.check()
    return results


def serve(impl: str, quick: bool) -> None:
    """Answer figure names read from standard input with one round each, as JSON lines."""
    bench = Bench(impl, QUICK if quick else FULL)
    print(json.dumps("ready"), flush=True)
    for line in sys.stdin:
        figure = line.strip()
        if figure == "check":
            bench.check()
            print(json.dumps("ok"), flush=True)
        else:
            print(json.dumps(bench.round(figure)), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("impl", choices=["kit", "fje"])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--serve", action="store_true", help="answer rounds from stdin")
    args = parser.parse_args()
    if args.serve:
        serve(args.impl, args.quick)
    else:
        results = run(args.impl, args.quick)
        print(json.dumps({name: sample.to_json() for name, sample in results.items()}))


if __name__ == "__main__":
    main()
