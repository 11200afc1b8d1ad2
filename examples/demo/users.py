"""The demo's user table: SQLite (stdlib ``sqlite3``) with hashed passwords."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from flask import Flask, current_app
from werkzeug.security import check_password_hash, generate_password_hash

#: The users every new database starts with: (username, password, is_admin).
DEMO_USERS: tuple[tuple[str, str, bool], ...] = (
    ("alice", "wonderland-42", True),
    ("bob", "builder-42", False),
)

#: Where an application keeps its :class:`UserStore`.
USERS_KEY = "demo.users"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0
)
"""


@dataclass(frozen=True)
class User:
    """A row of the user table, without its password hash."""

    username: str
    is_admin: bool


class UserStore:
    """The user table in the SQLite file *path*, created and seeded on first use.

    Each call opens its own connection, so the store is safe to share between
    the server's threads.

    :param hash_method: Werkzeug's password hashing method for new passwords.
    """

    def __init__(self, path: str | Path, hash_method: str = "scrypt"):
        self.path = Path(path)
        self.hash_method = hash_method
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(_SCHEMA)
            known = {row[0] for row in db.execute("SELECT username FROM users")}
            for username, password, is_admin in DEMO_USERS:
                if username not in known:
                    db.execute(
                        "INSERT INTO users VALUES (?, ?, ?)",
                        (username, self._hash(password), int(is_admin)),
                    )

    @cached_property
    def _dummy_hash(self) -> str:
        # Checked when the username is unknown, so that a wrong name takes as
        # long to refuse as a wrong password.
        return self._hash("not a password")

    def _hash(self, password: str) -> str:
        return generate_password_hash(password, method=self.hash_method)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def get(self, username: str) -> User | None:
        """The user called *username*, or ``None``."""
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT username, is_admin FROM users WHERE username = ?", (username,)
            ).fetchone()
        return None if row is None else User(row[0], bool(row[1]))

    def authenticate(self, username: str, password: str) -> User | None:
        """The user whose name and password these are, or ``None``."""
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT username, is_admin, password_hash FROM users WHERE username = ?",
                (username,),
            ).fetchone()
        if row is None:
            check_password_hash(self._dummy_hash, password)
            return None
        if not check_password_hash(row[2], password):
            return None
        return User(row[0], bool(row[1]))

    def set_password(self, username: str, password: str) -> None:
        """Replace *username*'s password."""
        with closing(self._connect()) as db, db:
            db.execute(
                "UPDATE users SET password_hash = ? WHERE username = ?",
                (self._hash(password), username),
            )

    def usernames(self) -> list[str]:
        """Every username, sorted."""
        with closing(self._connect()) as db:
            return [row[0] for row in db.execute("SELECT username FROM users ORDER BY username")]


def users_of(app: Flask | None = None) -> UserStore:
    """The user table of *app* (default: the current application)."""
    users: UserStore = (current_app if app is None else app).extensions[USERS_KEY]
    return users
