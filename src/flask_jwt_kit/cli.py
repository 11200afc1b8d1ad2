"""The ``flask jwt`` command line: tokens, revocation, sessions and keys.

The extension registers the group on every application it is bound to::

    flask jwt create-token alice --fresh --expires 30m --claim scope=admin
    flask jwt decode eyJhbGciOi...
    flask jwt revoke --identity alice
    flask jwt sessions alice
    flask jwt purge
    flask jwt keys generate --alg ES256 --out keys.json
    flask jwt keys show

Every command runs in an application context, with the application's
configuration. Bad input and unusable configuration end with a message on
standard error and exit status 1 (2 for wrong usage), never a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import os
import re
from collections.abc import Callable
from typing import Any, NoReturn, ParamSpec, TypeVar

import click
import jwt
from flask.cli import AppGroup

from .blocklist import check_revoked, require_store, revoke_all_tokens, revoke_token
from .exceptions import JWTExtendedException, RevocationStoreUnavailable
from .keys import SUPPORTED_ALGORITHMS, add_key_to_file, generate_jwk
from .sessions import list_sessions, revoke_session
from .state import get_state
from .tokens import check_live, unverified_header, verify
from .utils import create_access_token, create_refresh_token, get_jwks

#: Seconds in each unit ``--expires`` accepts.
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+)([smhdw]?)")
_NEVER = frozenset({"false", "never"})

#: Claims the command writes itself, and what to use instead of ``--claim``.
#: The identity claim (``JWT_IDENTITY_CLAIM``) is one too: IDENTITY sets it.
_RESERVED_CLAIMS = {
    "exp": "use --expires",
    "iat": "it is the time of creation",
    "nbf": "it is the time of creation (JWT_ENCODE_NBF)",
    "jti": "every token gets a new one",
    "type": "use --refresh for a refresh token",
    "fresh": "use --fresh",
    "csrf": "it is made when JWT_COOKIE_CSRF_PROTECT is on",
    "aud": "set JWT_ENCODE_AUDIENCE",
    "iss": "set JWT_ENCODE_ISSUER",
}

P = ParamSpec("P")
R = TypeVar("R")


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """``--expires``: ``90s``, ``30m``, ``1h``, ``2d``, ``1w``, plain seconds, or ``False``."""
    if value is None:
        return None
    text = value.strip()
    if text.lower() in _NEVER:
        return False
    match = _DURATION.fullmatch(text)
    if match is None:
        raise click.BadParameter(
            f"{value!r} is not a duration: use a number with a unit s, m, h, d or w "
            "(e.g. 90s, 30m, 1h, 2d), plain seconds, or False for no expiry"
        )
    seconds = int(match[1]) * _UNITS[match[2] or "s"]
    if seconds == 0:
        raise click.BadParameter("a token lifetime must not be zero; use False for no expiry")
    try:
        return dt.timedelta(seconds=seconds)
    except OverflowError:
        raise click.BadParameter(f"{value!r} is too long a duration") from None


class _NotFinite(Exception):
    """A JSON value that is NaN or infinite: standard JSON has no such number."""


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999
        raise _NotFinite
    return number


def _not_finite(text: str) -> NoReturn:  # NaN, Infinity, -Infinity
    raise _NotFinite


def _claims(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, Any]:
    """``--claim key=value``: the value is read as JSON when it parses, else kept as a string."""
    claims: dict[str, Any] = {}
    for value in values:
        key, sep, raw = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(
                f"{value!r} is not a claim: write key=value (e.g. scope=admin)"
            )
        try:
            claims[key.strip()] = json.loads(raw, parse_float=_finite, parse_constant=_not_finite)
        except _NotFinite:
            raise click.BadParameter(
                f"{value!r}: JSON has no NaN or infinite numbers (other parsers refuse "
                "them); quote the value to make it a string"
            ) from None
        except (ValueError, RecursionError):
            claims[key.strip()] = raw
    return claims


def _check_claim_names(claims: dict[str, Any], identity_claim: str) -> None:
    """Refuse ``--claim`` for a claim the command writes itself.

    :raises click.BadParameter: naming the claim and what to use instead.
    """
    for name in claims:
        if name == identity_claim:
            why = "give it as IDENTITY"
        elif name in _RESERVED_CLAIMS:
            why = _RESERVED_CLAIMS[name]
        else:
            continue
        raise click.BadParameter(
            f"{name!r} is a claim the command sets itself: {why}", param_hint="'--claim'"
        )


def _friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the extension's errors into a message and exit status 1, not a traceback.

    Applied inside the application context, where the store can be named.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except RevocationStoreUnavailable as exc:
            raise click.ClickException(_unavailable(exc)) from None
        except (RuntimeError, JWTExtendedException, jwt.PyJWTError) as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            # A file, socket or stream the command could not use (a store object
            # of the application's own, a full disk under standard output).
            raise click.ClickException(_os_error(exc)) from None

    return wrapper


def _os_error(exc: OSError, path: str | None = None) -> str:
    """``No such file or directory: 'k.json'``: the reason for *exc*, and the file.

    :param path: the file to name, rather than the one in *exc* (which may
        be a temporary file the user never heard of).
    """
    reason = exc.strerror or str(exc) or type(exc).__name__
    path = exc.filename if path is None else path
    return reason if path is None else f"{reason}: {path!r}"


def _unavailable(exc: RevocationStoreUnavailable) -> str:
    """What to say when the store cannot be reached: the setting, the store and the cause."""
    store = get_state().store
    cause = exc.__cause__
    why = "" if cause is None else f": {type(cause).__name__}: {cause}"
    return f"{exc} (JWT_REVOCATION_STORE: {store!r}{why})"


@click.group("jwt", cls=AppGroup)
def jwt_cli() -> None:
    """Create, inspect and revoke JSON Web Tokens; manage sessions and keys."""


# --------------------------------------------------------------------------- tokens


@jwt_cli.command("create-token")
@click.argument("identity")
@click.option("--refresh", is_flag=True, help="Create a refresh token (default: access).")
@click.option("--fresh", is_flag=True, help="Mark the access token fresh.")
@click.option(
    "--expires",
    callback=_duration,
    metavar="DURATION",
    help="Lifetime: 90s, 30m, 1h, 2d, 1w, or False for no expiry "
    "(default: JWT_ACCESS_TOKEN_EXPIRES / JWT_REFRESH_TOKEN_EXPIRES).",
)
@click.option(
    "--claim",
    "claims",
    callback=_claims,
    multiple=True,
    metavar="KEY=VALUE",
    help='Add a claim; the value is JSON if it parses (5, true, ["a"]), else a string. '
    "Repeatable. Not for the claims the command sets (exp, iat, nbf, jti, type, fresh, csrf, "
    "aud, iss, the identity claim).",
)
@_friendly_errors
def create_token(
    identity: str,
    refresh: bool,
    fresh: bool,
    expires: dt.timedelta | bool | None,
    claims: dict[str, Any],
) -> None:
    """Print a new token for IDENTITY, signed with the application's key.

    The token goes alone to standard output, ready for a shell variable.
    """
    if refresh and fresh:
        raise click.UsageError("--fresh applies to access tokens only, not with --refresh")
    _check_claim_names(claims, get_state().settings.identity_claim)
    additional = claims or None
    if refresh:
        token = create_refresh_token(identity, expires_delta=expires, additional_claims=additional)
    else:
        token = create_access_token(
            identity, fresh=fresh, expires_delta=expires, additional_claims=additional
        )
    click.echo(token)


@jwt_cli.command("decode")
@click.argument("token")
@click.option(
    "--no-verify",
    is_flag=True,
    help="Show the header and claims without checking signature, expiry or revocation.",
)
@_friendly_errors
def decode(token: str, no_verify: bool) -> None:
    """Show TOKEN's header and claims, and whether it is valid here.

    Verification checks the signature, the claims, the clock and, when a
    store is configured, revocation. A token that fails exits with status 1,
    after saying why.
    """
    try:
        header = unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise click.ClickException(f"Malformed token: {exc}") from None
    state = get_state()
    click.echo("Header:")
    click.echo(_pretty(header))
    click.echo("Claims:")
    click.echo(_pretty(claims))
    now = state.clock()
    for name in ("iat", "nbf", "exp"):
        value = claims.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            click.echo(f"{name}: {_when(value, now)}")
    if no_verify:
        click.echo("Not verified (--no-verify).")
        return
    settings = state.settings
    try:
        decoded = verify(state, settings, token)
        check_live(decoded, settings, now)
        # A diagnosis: "not revoked" only when the store said so, even
        # where JWT_REVOCATION_FAIL_OPEN lets requests through.
        check_revoked(state, decoded, may_fail_open=False)
    except jwt.ExpiredSignatureError:
        raise click.ClickException("Verification failed: Token has expired") from None
    except RevocationStoreUnavailable as exc:
        raise click.ClickException(f"Verification failed: {_unavailable(exc)}") from None
    except (jwt.PyJWTError, JWTExtendedException) as exc:
        raise click.ClickException(f"Verification failed: {exc}") from None
    revocation = "not revoked" if state.store is not None else "no revocation store configured"
    click.echo(f"Verified: signature and claims are valid; {revocation}.")


# --------------------------------------------------------------------------- revocation


@jwt_cli.command("revoke")
@click.argument("token", required=False)
@click.option(
    "--jti",
    help="Revoke the token with this jti claim; its expiry being unknown, the entry is kept "
    "for good.",
)
@click.option("--identity", help="Revoke every token of this identity issued until now.")
@click.option("--session", "sid", metavar="SID", help="Revoke every token of this session.")
@_friendly_errors
def revoke(token: str | None, jti: str | None, identity: str | None, sid: str | None) -> None:
    """Revoke a TOKEN, or by --jti, --identity or --session (give exactly one).

    Needs JWT_REVOCATION_STORE.
    """
    given = [value for value in (token, jti, identity, sid) if value is not None]
    if len(given) != 1:
        raise click.UsageError("give exactly one of TOKEN, --jti, --identity or --session")
    require_store(get_state(), "flask jwt revoke")
    if token is not None:
        revoke_token(token)
        click.echo("Revoked the token.")
    elif jti is not None:
        revoke_token({"jti": jti})
        click.echo(f"Revoked the token with jti {jti!r}.")
    elif identity is not None:
        revoke_all_tokens(identity)
        click.echo(f"Revoked every token of {identity!r} issued until now.")
    else:
        assert sid is not None
        revoke_session(sid)
        click.echo(f"Revoked session {sid!r}.")


@jwt_cli.command("sessions")
@click.argument("identity")
@_friendly_errors
def sessions(identity: str) -> None:
    """List the live sessions of IDENTITY, newest first. Needs JWT_REVOCATION_STORE."""
    state = get_state()
    require_store(state, "flask jwt sessions")
    found = list_sessions(identity)
    if not found:
        click.echo(f"No live sessions for {identity!r}.")
        return
    now = state.clock()
    for info in found:
        expires = "never" if info.expires_at is None else _when(info.expires_at, now)
        click.echo(info.sid)
        click.echo(f"  created:        {_when(info.created_at, now)}")
        click.echo(f"  last refreshed: {_when(info.last_refreshed_at, now)}")
        click.echo(f"  expires:        {expires}")
        if info.metadata:
            click.echo(f"  metadata:       {json.dumps(dict(info.metadata), sort_keys=True)}")


@jwt_cli.command("purge")
@_friendly_errors
def purge() -> None:
    """Delete revocation entries whose tokens have expired anyway."""
    state = get_state()
    store = require_store(state, "flask jwt purge")
    count = store.purge_expired(state.clock())
    click.echo(f"Purged {count} expired {'entry' if count == 1 else 'entries'}.")


# --------------------------------------------------------------------------- keys


@jwt_cli.group("keys")
def keys() -> None:
    """Generate and show the keys of JWT_KEYS (a JWK Set)."""


@keys.command("generate")
@click.option(
    "--alg",
    type=click.Choice(SUPPORTED_ALGORITHMS),
    default="ES256",
    show_default=True,
    help="Algorithm of the new key.",
)
@click.option("--kid", help="Key id (default: the key's thumbprint, random for HMAC keys).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="The JWK Set file to add the key to (default: JWT_KEYS, when it is a file path).",
)
@click.option(
    "--signer",
    is_flag=True,
    help="Put the key first, where it signs new tokens when JWT_SIGNING_KEY_ID is unset.",
)
@_friendly_errors
def keys_generate(alg: str, kid: str | None, out: str | None, signer: bool) -> None:
    """Add a new private key to a JWK Set file (created if needed, mode 0600).

    Keep the file secret; publish only what `flask jwt keys show` prints.
    The application reads the file when it starts.
    """
    if out is None:
        out = _keys_path(get_state().app.config.get("JWT_KEYS"))
    try:
        jwk = generate_jwk(alg, kid)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--kid'") from None
    try:
        add_key_to_file(out, jwk, make_signer=signer)
    except OSError as exc:
        # Written through a temporary file beside it: name the file asked for.
        raise click.ClickException(
            f"cannot write the JWK Set file: {_os_error(exc, out)}"
        ) from None
    role = "signing key" if signer else "key"
    click.echo(f"Added {alg} {role} {jwk['kid']!r} to {out} (mode 0600).")


def _keys_path(value: object) -> str:
    """The file path JWT_KEYS holds, for ``keys generate`` without ``--out``."""
    if isinstance(value, str) and value.strip() and not value.lstrip().startswith("{"):
        return value
    if isinstance(value, os.PathLike):
        return os.fsdecode(value)
    raise click.UsageError("no --out given, and JWT_KEYS is not a file path")


@keys.command("show")
@_friendly_errors
def keys_show() -> None:
    """Print the public JWK Set (what JWT_JWKS_URL_RULE serves): no private material."""
    click.echo(_pretty(get_jwks()))


# --------------------------------------------------------------------------- output


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=repr)


def _when(timestamp: float, now: float) -> str:
    """``2030-01-01 00:00:00 UTC (in 1h 5m)``: a moment, and how far it is from *now*."""
    try:
        moment = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return f"{timestamp!r} (out of range)"
    delta = timestamp - now
    span = _span(abs(delta))
    relative = f"in {span}" if delta >= 0 else f"{span} ago"
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC ({relative})"


def _span(seconds: float) -> str:
    """``2d 3h``: the two largest non-zero units of a number of seconds."""
    left = int(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts[:2]) or "0s"
