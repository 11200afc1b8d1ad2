"""``flask jwt create-token`` and ``flask jwt decode``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from flask_jwt_kit import create_access_token, decode_token, revoke_token
from tests.cli.conftest import UNREACHABLE_STORE, Run, runner_for
from tests.conftest import SECRET, AppFactory, Clock


def claims_of(app: Flask, token: str) -> dict[str, Any]:
    with app.app_context():
        return decode_token(token)


def created(app: Flask, run: Run, *args: str) -> dict[str, Any]:
    result = run("create-token", *args)
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert "\n" not in token
    return claims_of(app, token)


# --------------------------------------------------------------------------- create-token


def test_create_access_token_by_default(store_app: Flask, run: Run, clock: Clock) -> None:
    claims = created(store_app, run, "alice")
    assert claims["sub"] == "alice"
    assert claims["type"] == "access"
    assert claims["fresh"] is False
    assert claims["exp"] == int(clock.now) + 15 * 60


def test_create_fresh_access_token(store_app: Flask, run: Run) -> None:
    assert created(store_app, run, "alice", "--fresh")["fresh"] is True


def test_create_refresh_token(store_app: Flask, run: Run, clock: Clock) -> None:
    claims = created(store_app, run, "alice", "--refresh")
    assert claims["type"] == "refresh"
    assert claims["exp"] == int(clock.now) + 30 * 86400


def test_fresh_refresh_token_is_a_usage_error(run: Run) -> None:
    result = run("create-token", "alice", "--refresh", "--fresh")
    assert result.exit_code == 2
    assert "--fresh applies to access tokens only" in result.output


@pytest.mark.parametrize(
    ("expires", "seconds"),
    [
        ("90s", 90),
        ("30m", 1800),
        ("1h", 3600),
        ("2d", 2 * 86400),
        ("1w", 7 * 86400),
        ("45", 45),
        (" 5m ", 300),
    ],
)
def test_expires(store_app: Flask, run: Run, clock: Clock, expires: str, seconds: int) -> None:
    claims = created(store_app, run, "alice", "--expires", expires)
    assert claims["exp"] == int(clock.now + seconds)


@pytest.mark.parametrize("never", ["False", "false", "never"])
def test_expires_false_means_no_expiry(store_app: Flask, run: Run, never: str) -> None:
    assert "exp" not in created(store_app, run, "alice", "--refresh", "--expires", never)


@pytest.mark.parametrize(
    ("expires", "message"),
    [
        ("soon", "'soon' is not a duration"),
        ("1y", "'1y' is not a duration"),
        ("-5m", "'-5m' is not a duration"),
        ("1.5h", "'1.5h' is not a duration"),
        ("", "'' is not a duration"),
        ("0", "must not be zero; use False"),
        ("0h", "must not be zero; use False"),
        ("9" * 30 + "d", "is too long a duration"),
    ],
)
def test_bad_expires(run: Run, expires: str, message: str) -> None:
    result = run("create-token", "alice", "--expires", expires)
    assert result.exit_code == 2
    assert "Invalid value for '--expires'" in result.output
    assert message in result.output


def test_claims_are_json_when_they_parse(store_app: Flask, run: Run) -> None:
    claims = created(
        store_app,
        run,
        "alice",
        "--claim",
        "scope=admin read",
        "--claim",
        "level=5",
        "--claim",
        "admin=true",
        "--claim",
        'roles=["a", "b"]',
        "--claim",
        'quoted="7"',
        "--claim",
        "empty=",
        "--claim",
        "eq=a=b",
        "--claim",
        " spaced =x",
    )
    assert claims["scope"] == "admin read"
    assert claims["level"] == 5
    assert claims["admin"] is True
    assert claims["roles"] == ["a", "b"]
    assert claims["quoted"] == "7"
    assert claims["empty"] == ""
    assert claims["eq"] == "a=b"
    assert claims["spaced"] == "x"


@pytest.mark.parametrize(
    ("claim", "instead"),
    [
        ("exp=abc", "use --expires"),
        ("exp=99999999999", "use --expires"),
        ("iat=0", "it is the time of creation"),
        ("nbf=0", "it is the time of creation"),
        ("jti=mine", "every token gets a new one"),
        ("type=refresh", "use --refresh"),
        (" type =access", "use --refresh"),
        ("fresh=true", "use --fresh"),
        ("csrf=x", "it is made when JWT_COOKIE_CSRF_PROTECT is on"),
        ("aud=other", "set JWT_ENCODE_AUDIENCE"),
        ("iss=https://issuer.example", "set JWT_ENCODE_ISSUER"),
        ("sub=bob", "give it as IDENTITY"),
    ],
)
def test_claims_the_command_sets_are_refused(run: Run, claim: str, instead: str) -> None:
    result = run("create-token", "alice", "--claim", claim)
    name = claim.partition("=")[0].strip()
    assert result.exit_code == 2
    assert (
        f"Invalid value for '--claim': {name!r} is a claim the command sets itself: {instead}"
        in result.output
    )
    assert result.stdout == ""


def test_the_identity_claim_is_the_configured_one(make_app: AppFactory) -> None:
    app = make_app(JWT_IDENTITY_CLAIM="identity")
    run = runner_for(app)
    result = run("create-token", "alice", "--claim", "identity=bob")
    assert result.exit_code == 2
    assert "'identity' is a claim the command sets itself: give it as IDENTITY" in result.output
    claims = created(app, run, "alice", "--claim", "sub=other")
    assert (claims["identity"], claims["sub"]) == ("alice", "other")


@pytest.mark.parametrize(
    "claim", ["x=NaN", "x=Infinity", "x=-Infinity", "x=1e999", "x=-1e999", 'x={"a": [NaN]}']
)
def test_claims_without_a_json_number_are_refused(run: Run, claim: str) -> None:
    result = run("create-token", "alice", "--claim", claim)
    assert result.exit_code == 2
    assert f"Invalid value for '--claim': {claim!r}: JSON has no NaN or infinite numbers" in (
        result.output
    )
    assert "quote the value to make it a string" in result.output


def test_quoted_nan_and_large_numbers_are_claims(store_app: Flask, run: Run) -> None:
    claims = created(
        store_app, run, "alice", "--claim", 'x="NaN"', "--claim", "big=1e300", "--claim", "n=1.5"
    )
    assert (claims["x"], claims["big"], claims["n"]) == ("NaN", 1e300, 1.5)


@pytest.mark.parametrize("claim", ["scope", "=admin", " =x"])
def test_bad_claim(run: Run, claim: str) -> None:
    result = run("create-token", "alice", "--claim", claim)
    assert result.exit_code == 2
    assert "Invalid value for '--claim'" in result.output
    assert "write key=value" in result.output


def test_create_without_a_key_fails_clearly(make_app: AppFactory) -> None:
    app = make_app(JWT_ALGORITHM="ES256")
    result = runner_for(app)("create-token", "alice")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "JWT_PRIVATE_KEY" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- decode


def new_token(app: Flask, **kwargs: Any) -> str:
    with app.app_context():
        return create_access_token("alice", **kwargs)


def test_decode_shows_header_claims_and_times(store_app: Flask, run: Run, clock: Clock) -> None:
    token = new_token(store_app, additional_claims={"scope": "admin"})
    clock.advance(60)
    result = run("decode", token)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith('Header:\n{\n  "alg": "HS256",\n  "typ": "JWT"\n}\nClaims:\n{\n')
    assert '  "scope": "admin",\n' in out
    assert '  "sub": "alice",\n' in out
    assert "iat: 2027-01-15 08:00:00 UTC (1m ago)\n" in out
    assert "exp: 2027-01-15 08:15:00 UTC (in 14m)\n" in out
    assert out.endswith("Verified: signature and claims are valid; not revoked.\n")


def test_decode_without_store(make_app: AppFactory) -> None:
    app = make_app()
    result = runner_for(app)("decode", new_token(app, expires_delta=dt.timedelta(days=3, hours=2)))
    assert result.exit_code == 0
    assert "(in 3d 2h)" in result.stdout
    assert result.stdout.endswith("no revocation store configured.\n")


def test_decode_no_verify(store_app: Flask, run: Run, make_app: AppFactory) -> None:
    other = make_app(JWT_SECRET_KEY="another-" + SECRET)
    token = new_token(other)
    result = run("decode", "--no-verify", token)
    assert result.exit_code == 0
    assert '"sub": "alice"' in result.stdout
    assert result.stdout.endswith("Not verified (--no-verify).\n")


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("abc", "Not enough segments"),
        ("a.b.c", "Invalid header padding"),
        ("", "Not enough segments"),
        # An argument of undecodable bytes reaches Python as lone surrogates.
        ("eyJhbGciOiJIUzI1NiJ9.e30.\udcff", "Invalid token: not ASCII"),
    ],
)
def test_decode_malformed(run: Run, token: str, reason: str) -> None:
    for args in (("decode", token), ("decode", "--no-verify", token)):
        result = run(*args)
        assert result.exit_code == 1
        assert result.output == f"Error: Malformed token: {reason}\n"


def test_decode_bad_signature(run: Run, make_app: AppFactory) -> None:
    token = new_token(make_app(JWT_SECRET_KEY="another-" + SECRET))
    result = run("decode", token)
    assert result.exit_code == 1
    # The claims are shown, then why they cannot be trusted.
    assert '"sub": "alice"' in result.stdout
    assert result.stderr == "Error: Verification failed: Signature verification failed\n"


def test_decode_expired(store_app: Flask, run: Run, clock: Clock) -> None:
    token = new_token(store_app)
    clock.advance(3600)
    result = run("decode", token)
    assert result.exit_code == 1
    assert "exp: 2027-01-15 08:15:00 UTC (45m ago)" in result.stdout
    assert result.stderr == "Error: Verification failed: Token has expired\n"


def test_decode_bad_claim_types(store_app: Flask, run: Run) -> None:
    token = new_token(store_app, additional_claims={"iat": True, "nbf": "soon"})
    result = run("decode", token)
    assert result.exit_code == 1
    assert "iat:" not in result.stdout
    assert "nbf:" not in result.stdout
    assert result.stderr == "Error: Verification failed: Invalid claim: 'nbf' must be a number\n"


def test_decode_time_out_of_range(store_app: Flask, run: Run) -> None:
    token = new_token(store_app, additional_claims={"exp": 10**20})
    result = run("decode", token)
    assert result.exit_code == 0
    assert f"exp: {10**20!r} (out of range)\n" in result.stdout


def test_decode_revoked(store_app: Flask, run: Run) -> None:
    token = new_token(store_app)
    with store_app.app_context():
        revoke_token(token)
    result = run("decode", token)
    assert result.exit_code == 1
    assert result.stderr == "Error: Verification failed: Token has been revoked\n"


@pytest.mark.parametrize("fail_open", [False, True])
def test_decode_store_unreachable(make_app: AppFactory, fail_open: bool) -> None:
    # Failing open lets requests through; the command still says it cannot tell.
    app = make_app(JWT_REVOCATION_STORE=UNREACHABLE_STORE, JWT_REVOCATION_FAIL_OPEN=fail_open)
    result = runner_for(app)("decode", new_token(app))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: Verification failed: Token revocation status unavailable "
        "(JWT_REVOCATION_STORE: RedisStore('redis://127.0.0.1:1/0'"
    )
    assert "ConnectionError" in result.stderr
