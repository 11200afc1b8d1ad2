"""Requests racing revocations: none that starts after a revocation returned gets through."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial

from flask import Flask

from flask_jwt_kit import revoke_all_tokens, revoke_token
from tests.revocation_app.conftest import RevocationAppFactory, get, token_for, wait_until

READERS = 8
TOKENS = 24
#: Requests the readers make between two revocations, and after the last one.
BETWEEN = 8
AFTER = 400


class Race:
    """Readers requesting with every token in turn while revokers revoke them."""

    def __init__(self, app: Flask):
        self.app = app
        self.tokens = [token_for(app, f"user{i}") for i in range(TOKENS)]
        #: token -> time.monotonic() when its revocation call returned.
        self.revoked_at: dict[str, float] = {}
        #: (token, time.monotonic() before the request was sent, status or error)
        self.log: list[tuple[str, float, int | str]] = []
        self.requests = 0
        #: Tokens accepted at least once.
        self.accepted: set[str] = set()
        self.done = threading.Event()
        self.start = threading.Barrier(READERS + 2)
        self._lock = threading.Lock()

    def read(self, offset: int) -> None:
        client = self.app.test_client()
        seen: list[tuple[str, float, int | str]] = []
        self.start.wait()
        index = offset
        while not self.done.is_set():
            token = self.tokens[index % TOKENS]
            index += 1
            started = time.monotonic()
            try:
                outcome: int | str = get(client, token).status_code
            except Exception as exc:  # recorded, and fails the test below
                outcome = repr(exc)
            seen.append((token, started, outcome))
            with self._lock:
                self.requests += 1
                if outcome == 200:
                    self.accepted.add(token)
        with self._lock:
            self.log.extend(seen)

    def _busy_with(self, token: str, requests: int) -> bool:
        return self.requests >= requests and token in self.accepted

    def revoke(self, tokens: list[str], how: Callable[[str], None]) -> None:
        self.start.wait()
        for token in tokens:
            # Revoke while readers are busy, and only once the token was accepted.
            target = self.requests + BETWEEN
            wait_until(partial(self._busy_with, token, target))
            with self.app.app_context():
                how(token)
            self.revoked_at[token] = time.monotonic()

    def run(self) -> None:
        identities = {token: f"user{i}" for i, token in enumerate(self.tokens)}
        threads = [threading.Thread(target=self.read, args=(i,)) for i in range(READERS)]
        threads += [
            threading.Thread(target=self.revoke, args=(self.tokens[0::2], revoke_token)),
            threading.Thread(
                target=self.revoke,
                args=(self.tokens[1::2], lambda token: revoke_all_tokens(identities[token])),
            ),
        ]
        for thread in threads:
            thread.start()
        try:
            for revoker in threads[READERS:]:
                revoker.join()
            target = self.requests + AFTER
            wait_until(lambda: self.requests >= target)
        finally:
            self.done.set()
            for thread in threads:
                thread.join()


def test_no_request_starting_after_revoke_returned_is_accepted(
    revocation_app: RevocationAppFactory,
) -> None:
    race = Race(revocation_app())
    race.run()
    assert len(race.revoked_at) == TOKENS
    assert {outcome for _, _, outcome in race.log} <= {200, 401}
    late = [
        (token, outcome) for token, started, outcome in race.log if started > race.revoked_at[token]
    ]
    assert [entry for entry in late if entry[1] != 401] == []
    # The race was real: every token was refused after its revocation.
    assert {token for token, _ in late} == set(race.tokens)
