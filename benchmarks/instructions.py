"""Instructions per request, counted by valgrind: a figure that noise does not move.

On a shared virtual machine, timings of the same request vary by 20-40 %
from one second to the next; the number of machine instructions a request
executes does not. This part runs the benchmark app's WSGI callable
(:mod:`benchmarks.apps`) under ``valgrind --tool=cachegrind`` with a
gunicorn-like environ, twice per endpoint (``SHORT`` and ``LONG``
requests), and divides the difference by the extra requests, so that
start-up and imports cancel out.

``python -m benchmarks.instructions [kit|fje ...]`` prints, per
implementation, the instructions of an unprotected and of a
header-protected request, their ratio, and the difference. It needs the
``valgrind`` program (Debian package ``valgrind``) and takes about a minute
per implementation. Instruction counts do not see cache misses, which make
the protected path cost relatively more in a real server (see
docs/performance.rst); they are the way to compare two versions of the code.

``python -m benchmarks.instructions --child IMPL PATH N`` is what valgrind
runs: N requests to PATH.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from typing import Any

from .apps import HEADER, IDENTITY, make_app

SHORT, LONG = 500, 2500

_I_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def _environ(path: str, token: str) -> dict[str, Any]:
    """A GET request as gunicorn builds it (header in the environ, no test client)."""
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "RAW_URI": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "wrk",
        f"HTTP_{HEADER.upper()}": f"Bearer {token}",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def child(impl: str, path: str, count: int) -> None:
    """Answer *count* requests to *path*; every answer must be a 200."""
    app, module = make_app(impl)
    with app.test_request_context():
        token = module.create_access_token(IDENTITY)

    def start_response(status: str, headers: Any, exc_info: Any = None, /) -> Any:
        if not status.startswith("200"):
            raise RuntimeError(f"{path} answered {status}: the figures would mean nothing")
        return None

    for _ in range(count):
        body = app(_environ(path, token), start_response)
        b"".join(body)
        body.close()  # type: ignore[attr-defined]


def count(impl: str, path: str, requests: int) -> int:
    """Instructions valgrind counts for a whole child run of *requests* requests."""
    done = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            "--child",
            impl,
            path,
            str(requests),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found = _I_REFS.search(done.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{done.stderr}")
    return int(found.group(1).replace(",", ""))


def per_request(impl: str, path: str) -> float:
    """Instructions of one request to *path*, start-up cancelled out."""
    return (count(impl, path, LONG) - count(impl, path, SHORT)) / (LONG - SHORT)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2], int(argv[3]))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    for impl in argv or ["kit", "fje"]:
        open_, protected = per_request(impl, "/open"), per_request(impl, "/protected")
        print(
            f"{impl}: unprotected {open_:,.0f}, header-protected {protected:,.0f} "
            f"instructions per request; ratio {protected / open_:.3f}, "
            f"difference {protected - open_:,.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
