"""``python -m benchmarks [--quick] [--skip PART] [--json FILE]``: run and report.

Parts, in order: ``inprocess`` (a worker process per implementation,
their rounds taken in turn), ``server`` (a gunicorn per implementation,
driven by wrk in turns), ``footprint`` and ``revocation`` (Flask-JWT-Kit
only, a process each). The tables go to standard output; progress goes to
standard error. A full run takes about five minutes on two cores.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from . import inprocess, report, server
from .apps import LABELS
from .machine import describe, load_average
from .server import ROOT
from .timing import Sample

PARTS = ("inprocess", "server", "footprint", "revocation")


def _progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _child(module: str, *args: str) -> Any:
    """Run ``python -m benchmarks.<module> *args`` in a new process; its JSON output."""
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


class _Worker:
    """A ``benchmarks.inprocess --serve`` process: one implementation, one round per request."""

    def __init__(self, impl: str, quick: bool):
        command = [sys.executable, "-m", "benchmarks.inprocess", impl, "--serve"]
        self.process = subprocess.Popen(
            command + (["--quick"] if quick else []),
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.ask("")  # wait for "ready": set-up is done

    def ask(self, request: str) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        if request:
            self.process.stdin.write(request + "\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker exited ({self.process.wait()})")
        return json.loads(line)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(60)


def _in_process(impls: Sequence[str], quick: bool) -> dict[str, dict[str, Sample]]:
    """Every in-process figure, the implementations' rounds taken in turn.

    Round *i* of each implementation is taken right after the other's (the
    order swapping each round), so a slow spell of a shared machine falls
    on both and per-round ratios hold.
    """
    sizes = inprocess.QUICK if quick else inprocess.FULL
    workers = {impl: _Worker(impl, quick) for impl in impls}
    rounds: dict[str, dict[str, list[list[float]]]] = {impl: {} for impl in impls}
    try:
        for figure in inprocess.FIGURES:
            for worker in workers.values():
                worker.ask(figure)  # warm up
            for number in range(sizes.rounds):
                order = list(workers.items())
                for impl, worker in order if number % 2 == 0 else reversed(order):
                    rounds[impl].setdefault(figure, []).append(worker.ask(figure))
        for worker in workers.values():
            worker.ask("check")
    finally:
        for worker in workers.values():
            worker.close()
    return {
        impl: {
            name: Sample(tuple(values[index] for values in found[figure]))
            for figure, found_names in inprocess.FIGURES.items()
            for index, name in enumerate(found_names)
        }
        for impl, found in rounds.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--skip", action="append", choices=PARTS, default=[], help="skip a part")
    parser.add_argument("--json", metavar="FILE", help="also write the raw results there")
    args = parser.parse_args(argv)
    quick: list[str] = ["--quick"] if args.quick else []

    info = describe()
    info["load average at start"] = load_average()
    impls = ["kit"]
    if importlib.util.find_spec("flask_jwt_extended") is not None:
        impls.append("fje")
    else:
        _progress("Flask-JWT-Extended is not installed (make bench installs it): Kit only")
    raw: dict[str, Any] = {"machine": info}
    samples: dict[str, dict[str, Sample]] = {impl: {} for impl in impls}

    if "inprocess" not in args.skip:
        _progress(f"in-process: {', '.join(LABELS[impl] for impl in impls)}, rounds in turn")
        for impl, found in _in_process(impls, args.quick).items():
            samples[impl].update(found)

    if "server" not in args.skip:
        if server.wrk_available():
            seconds, rounds = (1, 1) if args.quick else (2, 21)
            _progress(f"gunicorn + wrk: {rounds} rounds x {len(impls)} x 2 x {seconds} s")
            for impl, found in server.run(impls, seconds, rounds).items():
                samples[impl].update(found)
        else:
            _progress("wrk is not installed (scripts/ensure-system-packages.sh): no server run")

    if "footprint" not in args.skip:
        _progress("decode-cache footprint (tracemalloc)")
        raw["footprint"] = _child("footprint", *quick)
    if "revocation" not in args.skip:
        _progress("revocation stores")
        raw["revocation"] = _child("revocation", *quick)
    info["load average at end"] = load_average()

    raw["samples"] = {
        impl: {name: s.to_json() for name, s in found.items()} for impl, found in samples.items()
    }
    if args.json:
        with open(args.json, "w") as out:
            json.dump(raw, out, indent=1)
    _print_report(info, samples, raw)
    return 0


def _print_report(
    info: dict[str, str], samples: dict[str, dict[str, Sample]], raw: dict[str, Any]
) -> None:
    print("\nMachine")
    print(report.table(["What", "Value"], [[k, v] for k, v in info.items()]))
    if samples["kit"]:
        text, _ = report.comparison(samples["kit"], samples.get("fje"))
        print("\nFlask-JWT-Kit against Flask-JWT-Extended 4.7.4 (median of rounds)")
        print(text)
    if "footprint" in raw:
        print("\nDecode cache memory (tracemalloc)")
        print(report.memory(raw["footprint"]))
    if "revocation" in raw:
        print(
            "\nRevocation: is_revoked with few and many entries; verify_jwt_in_request's added cost"
        )
        print(report.revocation(raw["revocation"]))


if __name__ == "__main__":
    sys.exit(main())
