"""A stand-in for an application's user database, shared by the examples.

Real applications keep users in a database; what matters here is that
passwords are checked against hashes and that users are found by id.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import request
from werkzeug.security import check_password_hash, generate_password_hash


@dataclass(frozen=True)
class User:
    """One user of the examples."""

    id: str
    username: str
    roles: tuple[str, ...] = ()


USERS = {
    "1": User("1", "alice", roles=("admin",)),
    "2": User("2", "bob"),
}

#: The demo passwords (a real application keeps only their hashes).
PASSWORDS = {"alice": "correct horse battery staple", "bob": "hunter2 hunter2"}


@functools.cache
def _password_hash(username: str) -> str:
    # Hashed once per process, when first needed.
    return generate_password_hash(PASSWORDS[username])


def find_user(user_id: object) -> User | None:
    """The user with this id, or ``None``."""
    return USERS.get(user_id) if isinstance(user_id, str) else None


def find_username(username: object) -> User | None:
    """The user with this name, or ``None``."""
    return next((user for user in USERS.values() if user.username == username), None)


def authenticate(username: object, password: object) -> User | None:
    """The user whose name and password these are, or ``None``."""
    user = find_username(username)
    if user is None or not isinstance(password, str):
        return None
    try:
        if check_password_hash(_password_hash(user.username), password):
            return user
    except UnicodeEncodeError:  # lone surrogates ("\ud800") cannot be hashed
        pass
    return None


def login_from_request() -> User | None:
    """The user whose ``username`` and ``password`` the request's JSON body holds."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return None
    return authenticate(data.get("username"), data.get("password"))
