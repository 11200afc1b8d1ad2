"""The machine and versions figures were taken on, for the report."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import shutil
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path

from tests.plugins.stores import _postgres_bindir

_PACKAGES = (
    "Flask",
    "Werkzeug",
    "PyJWT",
    "Flask-JWT-Kit",
    "Flask-JWT-Extended",
    "gunicorn",
    "redis",
    "SQLAlchemy",
    "psycopg",
)


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (``platform.processor()`` elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _program_version(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        return "not installed"
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    first = (done.stdout or done.stderr).strip().splitlines()[0]
    return first.split(" Copyright")[0].split(" sha=")[0]


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` shows them."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def describe() -> dict[str, str]:
    """Date, CPU, core count, Python and package versions."""
    info = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
    }
    info.update({package: _version(package) for package in _PACKAGES})
    info["wrk"] = _program_version(["wrk", "--version"])
    info["redis-server"] = _program_version(["redis-server", "--version"])
    bindir = _postgres_bindir()
    postgres = ["postgres" if bindir is None else str(bindir / "postgres"), "--version"]
    info["postgres"] = _program_version(postgres)
    info["sqlite"] = sqlite3.sqlite_version
    return info
