"""Timing: rounds of calls, each giving a time per call; medians and spreads.

CPU-bound parts use the process's CPU time (:func:`time.process_time`):
other work on the machine then changes the figures less than it would
change wall-clock time. Anything that waits on another process (a server)
uses :func:`time.perf_counter`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Timer = Callable[[], float]


@dataclass(frozen=True)
class Sample:
    """One figure per round: microseconds per call, or requests per second."""

    rounds: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median round."""
        return statistics.median(self.rounds)

    @property
    def spread(self) -> float:
        """(slowest - fastest) / abs(median): how much the rounds disagree."""
        median = abs(self.median)
        return (max(self.rounds) - min(self.rounds)) / median if median else 0.0

    def to_json(self) -> dict[str, Any]:
        """The rounds, for passing between processes."""
        return {"rounds": list(self.rounds)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sample:
        """The inverse of :meth:`to_json`."""
        return cls(tuple(float(r) for r in data["rounds"]))

    @classmethod
    def merge(cls, samples: Sequence[Sample]) -> Sample:
        """One sample holding the rounds of all *samples*."""
        return cls(tuple(r for s in samples for r in s.rounds))


def per_call(fn: Callable[[], object], number: int, timer: Timer) -> float:
    """Microseconds per call of *fn*, over *number* calls."""
    start = timer()
    for _ in range(number):
        fn()
    return (timer() - start) / number * 1e6


def measure(
    fn: Callable[[], object],
    number: int,
    rounds: int,
    timer: Timer = time.process_time,
    warmup: int | None = None,
) -> Sample:
    """*rounds* rounds of *number* calls of *fn*, after *warmup* calls.

    :param warmup: calls before timing (default: *number*); 0 for functions
        that must not be called more than ``number * rounds`` times.
    """
    for _ in range(number if warmup is None else warmup):
        fn()
    return Sample(tuple(per_call(fn, number, timer) for _ in range(rounds)))


def measure_pair(
    first: Callable[[], object],
    second: Callable[[], object],
    number: int,
    rounds: int,
    timer: Timer = time.process_time,
) -> tuple[Sample, Sample]:
    """Like :func:`measure` for two functions, alternating rounds.

    Alternating makes a slow spell of the machine hit both alike, so the
    ratio of the two medians holds better than either figure.
    """
    for _ in range(number):
        first()
        second()
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        a.append(per_call(first, number, timer))
        b.append(per_call(second, number, timer))
    return Sample(tuple(a)), Sample(tuple(b))
