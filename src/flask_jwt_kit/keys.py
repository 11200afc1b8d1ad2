"""The application's own keys: the ``JWT_KEYS`` key set and its JWKS export.

A :class:`KeySet` is built once from the ``JWT_KEYS`` setting (a JWK Set):
one key signs (``JWT_SIGNING_KEY_ID``, default the first), every key
verifies, picked by the token's ``kid`` header. :func:`add_key_to_file`
maintains a JWK Set file for key rotation.

The names of :mod:`flask_jwt_kit.jwk` and :mod:`flask_jwt_kit.issuers` are
available here too, so this module is the one place to import keys from.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .exceptions import InvalidKeyIdError
from .issuers import IssuerConfig as IssuerConfig
from .issuers import TrustedIssuers as TrustedIssuers
from .jwk import ASYMMETRIC_ALGORITHMS as ASYMMETRIC_ALGORITHMS
from .jwk import SUPPORTED_ALGORITHMS as SUPPORTED_ALGORITHMS
from .jwk import Key as Key
from .jwk import check_kid as check_kid
from .jwk import generate_jwk as generate_jwk
from .jwk import jwk_thumbprint as jwk_thumbprint
from .jwk import key_from_jwk as key_from_jwk

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "SUPPORTED_ALGORITHMS",
    "IssuerConfig",
    "Key",
    "KeySet",
    "TrustedIssuers",
    "add_key_to_file",
    "check_kid",
    "generate_jwk",
    "jwk_thumbprint",
    "key_from_jwk",
]


class KeySet:
    """The application's own keys: one signs, all verify.

    :param keys: the prepared keys; their ``kid`` values must be unique.
    :param signing_kid: the ``kid`` of the key that signs new tokens;
        default the first key. It must hold private (or secret) material.
        Without it, a set of public keys only is a verify-only set: tokens
        are verified, and creating one raises :exc:`RuntimeError`.
    :raises RuntimeError: naming ``JWT_KEYS`` or ``JWT_SIGNING_KEY_ID``.
    """

    def __init__(self, keys: Iterable[Key], signing_kid: str | None = None) -> None:
        self._keys: dict[str, Key] = {}
        for key in keys:
            if key.kid in self._keys:
                raise RuntimeError(f"JWT_KEYS: the kid {key.kid!r} is used by more than one key")
            self._keys[key.kid] = key
        if not self._keys:
            raise RuntimeError('JWT_KEYS: the JWK Set holds no keys; it needs {"keys": [...]}')
        self._signer: Key | None = None
        if signing_kid is None:
            if all(key.signing_key is None for key in self._keys.values()):
                return
            signing_kid = next(iter(self._keys))
        elif signing_kid not in self._keys:
            raise RuntimeError(
                f"JWT_SIGNING_KEY_ID: no key in JWT_KEYS has kid {signing_kid!r}; "
                f"known: {', '.join(map(repr, self._keys))}"
            )
        self._signer = self._keys[signing_kid]
        if self._signer.signing_key is None:
            raise RuntimeError(
                f"JWT_SIGNING_KEY_ID: the signing key {signing_kid!r} in JWT_KEYS has no "
                "private part ('d'), or its 'key_ops' leave out 'sign'; give the private "
                "JWK or pick another key"
            )

    @property
    def signer(self) -> Key:
        """The key that signs new tokens.

        :raises RuntimeError: the set holds public keys only (verify-only).
        """
        if self._signer is None:
            raise RuntimeError(
                "JWT_KEYS holds public keys only: this app verifies tokens but cannot "
                "create them; add a private JWK (and JWT_SIGNING_KEY_ID) to sign"
            )
        return self._signer

    @classmethod
    def from_config(cls, value: object, signing_kid: str | None = None) -> KeySet:
        """Build the key set from the ``JWT_KEYS`` setting.

        :param value: a JWK Set (``{"keys": [...]}``) as a dict, as JSON
            text, or as the path (``str`` or path-like) of a JSON file. Each
            key needs a unique ``kid`` and an ``alg`` matching its ``kty``.
        :param signing_kid: the ``JWT_SIGNING_KEY_ID`` setting.
        :raises RuntimeError: naming the setting and what it accepts.
        """
        keys = []
        for index, jwk in enumerate(_load_jwk_set(value)["keys"]):
            try:
                keys.append(key_from_jwk(jwk))
            except ValueError as exc:
                raise RuntimeError(f"JWT_KEYS: key #{index}: {exc}") from None
        return cls(keys, signing_kid)

    def get(self, kid: object) -> Key:
        """The key a token's ``kid`` header names.

        :param kid: the header value, of any type.
        :raises InvalidKeyIdError: if it is missing, not a string or unknown.
        """
        key = self._keys.get(check_kid(kid))
        if key is None:
            raise InvalidKeyIdError("Unknown key id")
        return key

    def public_jwks(self) -> dict[str, Any]:
        """The public JWK Set to publish: asymmetric keys only, public parts only.

        A fresh dict on every call, safe for the caller to change.
        """
        return {"keys": [dict(k.public_jwk) for k in self._keys.values() if k.public_jwk]}

    def __contains__(self, kid: object) -> bool:
        return isinstance(kid, str) and kid in self._keys

    def __iter__(self) -> Iterator[Key]:
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        keys = ", ".join(f"{k.kid!r}: {k.alg}" for k in self._keys.values())
        signer = None if self._signer is None else self._signer.kid
        return f"<KeySet signer={signer!r} keys={{{keys}}}>"


def _load_jwk_set(value: object) -> dict[str, Any]:
    """A JWK Set given as a dict, JSON text or file path, with a ``keys`` list."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        value = _parse_json(value)
    elif isinstance(value, (str, os.PathLike)):
        value = _read_json_file(value)
    if not isinstance(value, Mapping) or "keys" not in value:
        raise RuntimeError(
            'JWT_KEYS must be a JWK Set {"keys": [...]}: a dict, JSON text or a file path'
        )
    if not isinstance(value["keys"], list):
        raise RuntimeError('JWT_KEYS: "keys" must be a list of JWKs')
    return dict(value)


def _read_json_file(path: str | os.PathLike[str]) -> object:
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise RuntimeError(f"JWT_KEYS: cannot read the JWK Set file {path!r}: {exc}") from None
    return _parse_json(text)


def _parse_json(text: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise RuntimeError("JWT_KEYS: the JWK Set is not valid JSON") from None


def add_key_to_file(
    path: str | os.PathLike[str], jwk: dict[str, Any], make_signer: bool = False
) -> None:
    """Add a key to a JWK Set file, creating the file if needed.

    The file is replaced atomically and readable by its owner only (mode
    ``0600``). Concurrent writers are not coordinated.

    :param path: the JWK Set file (the ``JWT_KEYS`` path).
    :param jwk: the key to add, usually from :func:`generate_jwk`.
    :param make_signer: put the key first, where :class:`KeySet` picks the
        signer when ``JWT_SIGNING_KEY_ID`` is not set; default last.
    :raises RuntimeError: if the key is invalid, its ``kid`` is already in
        the file, or the file cannot be read or written.
    """
    try:
        key = key_from_jwk(jwk)
    except ValueError as exc:
        raise RuntimeError(f"JWT_KEYS: cannot add the key: {exc}") from None
    if os.path.exists(path):
        data = _load_jwk_set(_read_json_file(path))
    else:
        data = {"keys": []}
    keys = data["keys"]

    if any(isinstance(k, Mapping) and k.get("kid") == key.kid for k in keys):
        raise RuntimeError(f"JWT_KEYS: the file {path!r} already has a key with kid {key.kid!r}")
    keys.insert(0 if make_signer else len(keys), jwk)
    _write_private(os.fspath(path), json.dumps(data, indent=2) + "\n")


def _write_private(path: str, text: str) -> None:
    """Replace ``path`` atomically by a file of mode ``0600`` holding ``text``."""
    directory, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f".{name}.{secrets.token_hex(8)}.tmp")
    # Created with 0600 from the start: the secret is never readable by others,
    # not even for the moment between writing and a later chmod.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
