"""Every ``flask jwt`` command explains itself."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Run

COMMANDS = {
    (): ["create-token", "decode", "revoke", "sessions", "purge", "keys"],
    ("create-token",): ["IDENTITY", "--refresh", "--fresh", "--expires", "--claim", "False"],
    ("decode",): ["TOKEN", "--no-verify", "exits with status 1"],
    ("revoke",): ["TOKEN", "--jti", "--identity", "--session", "JWT_REVOCATION_STORE"],
    ("sessions",): ["IDENTITY", "newest first"],
    ("purge",): ["expired"],
    ("keys",): ["generate", "show"],
    ("keys", "generate"): ["--alg", "ES256", "--kid", "--out", "--signer", "0600"],
    ("keys", "show"): ["public JWK Set"],
}


@pytest.mark.parametrize("command", list(COMMANDS), ids=lambda c: " ".join(c) or "jwt")
def test_help(run: Run, command: tuple[str, ...]) -> None:
    result = run(*command, "--help", prog_name="flask")
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: flask jwt {' '.join(command)}".rstrip())
    for word in COMMANDS[command]:
        assert word in result.output


def test_unknown_command(run: Run) -> None:
    result = run("mint")
    assert result.exit_code == 2
    assert "No such command 'mint'" in result.output
