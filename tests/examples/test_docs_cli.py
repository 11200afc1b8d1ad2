"""docs/guide/cli.rst: every command of the page runs, and prints what the page shows.

The console blocks are read as a shell session: ``export FLASK_APP=...``
chooses the example application, ``NAME=$(flask ...)`` keeps an output for
``"$NAME"`` in later commands, and the lines after a command are its
expected output, where ``...`` stands for any text (as in doctests). Each
command runs in a newly imported application, as each ``flask`` command is
a new process; the clock is fixed, so that the times shown are exact.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask

from flask_jwt_kit.revocation import SessionInfo
from tests.examples.conftest import close, example_app

PAGE = Path(__file__).parents[2] / "docs" / "guide" / "cli.rst"

#: 2026-01-05 09:52:44 UTC: "now" for every command of the page.
NOW = 1767606764.0
DAY = 86400.0

#: The sessions the page shows for alice (the store holds them before the first command).
SESSIONS = [
    SessionInfo(
        "8c3b6f0e-7a45-4d2e-b1f3-2e9d4c5a6b7c",
        "alice",
        NOW - 1200,
        NOW - 300,
        NOW - 300 + 14 * DAY,
        {"device": "Firefox on Linux"},
    ),
    SessionInfo(
        "1d9e2f4a-0b6c-4e8d-9a7f-5c3b2d1e0f98",
        "alice",
        NOW - 2 * DAY,
        NOW - 2 * DAY,
        NOW + 12 * DAY,
        {"device": "Android phone"},
    ),
]


@dataclass
class Command:
    line: str
    expected: list[str] = field(default_factory=list)


def console_blocks(text: str) -> list[list[Command]]:
    blocks = []
    for match in re.finditer(r"^\.\. code-block:: console\n\n((?:(?:   .*)?\n)+)", text, re.M):
        commands: list[Command] = []
        for line in match[1].splitlines():
            line = line[3:]
            if line.startswith("$ "):
                commands.append(Command(line[2:]))
            elif line:
                commands[-1].expected.append(line)
        blocks.append(commands)
    return blocks


def matches(expected: list[str], output: str) -> bool:
    pattern = ".*?".join(re.escape(part) for part in "\n".join(expected).split("..."))
    return re.fullmatch(pattern, output.rstrip("\n"), re.DOTALL) is not None


class Shell:
    """Runs the page's commands, as a shell in the repository would."""

    def __init__(self, directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(directory)
        monkeypatch.setenv("JWT_REVOCATION_STORE", f"sqlite:///{directory / 'sessions.db'}")
        monkeypatch.setenv("JWT_KEYS_FILE", str(directory / "instance" / "keys.json"))
        monkeypatch.delenv("JWT_SIGNING_KEY_ID", raising=False)
        self.variables: dict[str, str] = {}
        self.app_name = ""

    def application(self) -> Flask:
        app = example_app(self.app_name)
        app.extensions["flask-jwt-kit.state"].clock = lambda: NOW
        return app

    def export(self, name: str, value: str) -> None:
        assert name == "FLASK_APP"
        self.app_name = value.removeprefix("examples.")
        if self.app_name == "sessions":
            app = self.application()
            store = app.extensions["flask-jwt-kit.state"].store
            for info in SESSIONS:
                store.save_session(info)
            close(app)

    def run(self, command: Command) -> None:
        line = command.line
        if line.startswith("export "):
            self.export(*line.removeprefix("export ").split("=", 1))
            return
        capture = re.fullmatch(r"(\w+)=\$\((.*)\)", line)
        if capture:
            line = capture[2]
        for name, value in self.variables.items():
            line = line.replace(f"${name}", value)
        program, *args = shlex.split(line)
        assert program == "flask", line
        app = self.application()
        try:
            result = app.test_cli_runner().invoke(args=args)
        finally:
            close(app)
        failing = bool(command.expected) and command.expected[-1].startswith("Error:")
        assert (result.exit_code != 0) == failing, (line, result.output)
        if capture:
            self.variables[capture[1]] = result.output.strip()
        else:
            assert matches(command.expected, result.output), (line, result.output)


def test_the_cli_page_runs_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shell = Shell(tmp_path, monkeypatch)
    blocks = console_blocks(PAGE.read_text(encoding="utf-8"))
    commands = [command for block in blocks for command in block]
    assert len(commands) > 15
    for command in commands:
        shell.run(command)


def test_the_matcher() -> None:
    assert matches(["a ... c"], "a b c\n")
    assert matches(["a", "...", "d"], "a\nb\nc\nd")
    assert not matches(["a"], "a\nb")
