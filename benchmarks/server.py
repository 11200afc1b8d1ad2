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
from dataclasses import dataclass
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

#: With two CPUs or more, the server runs on one and wrk on another
#: (``taskset``), so that they do not take turns on the same one.
SERVER_CPU, CLIENT_CPU = 1, 0

_REQUESTS_PER_SECOND = re.compile(r"^Requests/sec:\s+([0-9.]+)", re.MULTILINE)
_REQUESTS = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def wrk_available() -> bool:
    """Whether the ``wrk`` program is installed."""
    return shutil.which("wrk") is not None


def _pinned(cpu: int) -> list[str]:
    """A ``taskset`` prefix running a command on *cpu*, when that can be done."""
    if (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        return []
    return ["taskset", "--cpu-list", str(cpu)]


@dataclass(frozen=True)
class Server:
    """A running gunicorn: its base URL and the arbiter's process id."""

    base: str
    pid: int

    def worker_cpu(self) -> float:
        """CPU seconds used so far by the arbiter's children (the worker)."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # "pid (name) state ppid ...": the name may hold spaces.
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == self.pid:
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def gunicorn(impl: str) -> Iterator[Server]:
    """A gunicorn server of the benchmark app for *impl*."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, BENCHMARK_IMPL=impl)
    command = [
        *_pinned(SERVER_CPU),
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
        # taskset runs gunicorn in its own process: the pid is the arbiter's.
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            _wait_until_serving(base, process)
            yield Server(base, process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STARTUP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(base: str, process: subprocess.Popen[bytes]) -> None:
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


def wrk(url: str, token: str, seconds: int) -> tuple[float, int]:
    """Requests per second that ``wrk`` gets from *url* in *seconds*, and how many it made.

    :raises RuntimeError: some answer was not a 2xx or 3xx.
    """
    output = subprocess.run(
        [
            *_pinned(CLIENT_CPU),
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
    rate, count = _REQUESTS_PER_SECOND.search(output), _REQUESTS.search(output)
    if rate is None or count is None:
        raise RuntimeError(f"no request count in wrk's output:\n{output}")
    return float(rate.group(1)), int(count.group(1))


def run(impls: Sequence[str], seconds: int, rounds: int) -> dict[str, dict[str, Sample]]:
    """Requests per second, and the worker's CPU time per request, one value per round.

    Figures: ``server_open`` and ``server_protected`` (requests per
    second), ``server_cpu_open`` and ``server_cpu_protected`` (CPU
    microseconds of the worker per request, which other work on the
    machine disturbs less than throughput). A server per implementation
    runs throughout; the ``wrk`` runs take turns (each implementation's
    ``/open`` and ``/protected``, the order of implementations and of the
    two endpoints swapping each round), so that a slow spell of the machine
    falls on all of them.
    """
    with ExitStack() as stack:
        servers = {impl: stack.enter_context(gunicorn(impl)) for impl in impls}
        tokens = {impl: login(server.base) for impl, server in servers.items()}
        for impl, server in servers.items():
            # Warm up: imports, the decode cache, the kernel's socket paths.
            wrk(f"{server.base}/protected", tokens[impl], 1)
        found: dict[str, dict[str, list[float]]] = {impl: {} for impl in impls}
        for number in range(rounds):
            # ABBA: the implementations, and the two endpoints, swap order
            # each round, so neither always runs first after the other's turn.
            order = list(impls) if number % 2 == 0 else list(reversed(impls))
            paths = ("open", "protected") if number % 2 == 0 else ("protected", "open")
            for impl in order:
                server = servers[impl]
                for path in paths:
                    before = server.worker_cpu()
                    rate, count = wrk(f"{server.base}/{path}", tokens[impl], seconds)
                    cpu = (server.worker_cpu() - before) / count * 1e6
                    found[impl].setdefault(f"server_{path}", []).append(rate)
                    found[impl].setdefault(f"server_cpu_{path}", []).append(cpu)
    return {
        impl: {name: Sample(tuple(values)) for name, values in figures.items()}
        for impl, figures in found.items()
    }
