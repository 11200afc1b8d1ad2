"""A real server: gunicorn with one sync worker, driven by ``wrk`` on loopback.

For each implementation, :func:`run` starts ``gunicorn benchmarks.wsgi:app``
on a free loopback port and fetches a token from its ``/login``; then
``wrk`` runs on ``/open`` and ``/protected`` (the same request, token in
the header, both times) take turns, giving requests per second for each
round.
A run that saw any answer other than 200 is an error: fast 401s would
flatter the figures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tests.plugins.stores import free_port

from .apps import HEADER
from .timing import Sample

#: The repository root, where ``benchmarks.wsgi`` is importable.
ROOT = Path(__file__).resolve().parent.parent

#: Seconds gunicorn gets to start answering.
STARTUP_TIMEOUT = 30.0

#: Concurrent connections wrk keeps open: two keep the single worker busy
#: while the other connection is being set up.
CONNECTIONS = 2

_REQUESTS_PER_SECOND = re.compile(r"^Requests/sec:\s+([0-9.]+)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def wrk_available() -> bool:
    """Whether the ``wrk`` program is installed."""
    return shutil.which("wrk") is not None


@contextmanager
def gunicorn(impl: str) -> Iterator[str]:
    """A gunicorn server of the benchmark app for *impl*; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, BENCHMARK_IMPL=impl)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers=1",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "benchmarks.wsgi:app",
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            _wait_until_serving(base, process, log)
            yield base
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STARTUP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(base: str, process: subprocess.Popen[bytes], log: object) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(f"{base}/open", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not start (exit code {process.poll()})")
        time.sleep(0.05)


def login(base: str) -> str:
    """An access token from the server's ``/login`` view."""
    request = urllib.request.Request(f"{base}/login", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=5) as response:
        token: str = json.load(response)["access_token"]
    return token


def wrk(url: str, token: str, seconds: int) -> float:
    """Requests per second that ``wrk`` gets from *url* in *seconds*.

    :raises RuntimeError: some answer was not a 2xx or 3xx.
    """
    output = subprocess.run(
        [
            "wrk",
            "--threads=1",
            f"--connections={CONNECTIONS}",
            f"--duration={seconds}s",
            "--header",
            f"{HEADER}: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    failed = _NON_2XX.search(output)
    if failed:
        raise RuntimeError(f"wrk on {url}: {failed.group(1)} answers were not 200\n{output}")
    found = _REQUESTS_PER_SECOND.search(output)
    if found is None:
        raise RuntimeError(f"no Requests/sec in wrk's output:\n{output}")
    return float(found.group(1))


def run(impls: Sequence[str], seconds: int, rounds: int) -> dict[str, dict[str, Sample]]:
    """Requests per second on ``/open`` and ``/protected``, one value per round.

    A server per implementation runs throughout; the ``wrk`` runs take
    turns (each implementation's ``/open`` then ``/protected``, the order
    of implementations swapping each round), so that a slow spell of the
    machine falls on all of them.
    """
    with ExitStack() as stack:
        bases = {impl: stack.enter_context(gunicorn(impl)) for impl in impls}
        tokens = {impl: login(base) for impl, base in bases.items()}
        for impl, base in bases.items():
            # Warm up: imports, the decode cache, the kernel's socket paths.
            wrk(f"{base}/protected", tokens[impl], 1)
        found: dict[str, dict[str, list[float]]] = {
            impl: {"server_open": [], "server_protected": []} for impl in impls
        }
        for number in range(rounds):
            order = list(impls) if number % 2 == 0 else list(reversed(impls))
            for impl in order:
                for path in ("open", "protected"):
                    rps = wrk(f"{bases[impl]}/{path}", tokens[impl], seconds)
                    found[impl][f"server_{path}"].append(rps)
    return {
        impl: {name: Sample(tuple(values)) for name, values in figures.items()}
        for impl, figures in found.items()
    }
