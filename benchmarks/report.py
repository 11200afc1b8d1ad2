"""The report: figures, ratios and targets, as reStructuredText simple tables.

A figure is the median of its rounds; ``±`` is half the range of the
rounds relative to the median. Rounds are taken in turn (Kit, FJE, FJE,
Kit, ...; unprotected, protected), so ratios are medians of per-round
ratios, and an overhead (protected minus unprotected) is the median of the
per-round differences; the overheads' Kit/FJE ratio is a ratio of medians.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .timing import Sample

Samples = Mapping[str, Sample]

_AT_MOST: Callable[[float, float], bool] = operator.le
_AT_LEAST: Callable[[float, float], bool] = operator.ge


@dataclass(frozen=True)
class Target:
    """A bound a figure must stay within."""

    bound: float
    compare: Callable[[float, float], bool] = _AT_MOST

    def __str__(self) -> str:
        return f"{'<=' if self.compare is _AT_MOST else '>='} {self.bound:g}"

    def met(self, value: float | None) -> str:
        if value is None:
            return "-"
        return "yes" if self.compare(value, self.bound) else "NO"


def fmt(sample: Sample | None, unit: str = "us") -> str:
    """``median unit ±half-range%``, or ``-``."""
    if sample is None:
        return "-"
    digits = 0 if sample.median >= 100 else 1
    return f"{sample.median:.{digits}f} {unit} ±{sample.spread * 50:.0f}%"


def ratio(a: Sample | None, b: Sample | None) -> float | None:
    """median(a) / median(b), or ``None`` when either is missing."""
    if a is None or b is None or not b.median:
        return None
    return a.median / b.median


def kit_over_fje(kit: Sample | None, fje: Sample | None) -> float | None:
    """The median of per-round ratios when the rounds were taken in turn, else of medians."""
    if kit is not None and fje is not None and len(kit.rounds) == len(fje.rounds):
        paired = paired_ratio(kit, fje)
        return None if paired is None else paired.median
    return ratio(kit, fje)


def paired_ratio(a: Sample | None, b: Sample | None) -> Sample | None:
    """Per-round a / b (the rounds alternated, so they pair up)."""
    if a is None or b is None:
        return None
    return Sample(tuple(x / y for x, y in zip(a.rounds, b.rounds, strict=True)))


def difference(a: Sample | None, b: Sample | None) -> Sample | None:
    """Per-round a - b (the rounds alternated, so they pair up)."""
    if a is None or b is None:
        return None
    return Sample(tuple(x - y for x, y in zip(a.rounds, b.rounds, strict=True)))


def _r(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _rs(sample: Sample | None) -> str:
    return "-" if sample is None else f"{sample.median:.2f}x ±{sample.spread * 50:.0f}%"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An RST simple table (also readable as plain text)."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    rule = "  ".join("=" * w for w in widths)

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([rule, line(headers), rule, *(line(r) for r in rows), rule])


def comparison(kit: Samples, fje: Samples | None) -> tuple[str, dict[str, float | None]]:
    """The side-by-side table, and the figures the targets judge."""
    other: Samples = fje or {}
    rows: list[list[str]] = []
    judged: dict[str, float | None] = {}

    def add(label: str, name: str, target: Target | None = None, unit: str = "us") -> None:
        a, b = kit.get(name), other.get(name)
        value = kit_over_fje(a, b)
        judged[name] = value
        rows.append([label, fmt(a, unit), fmt(b, unit), _r(value), *_judge(target, value)])

    def add_ratio(label: str, top: str, bottom: str, target: Target | None, key: str) -> None:
        mine = paired_ratio(kit.get(top), kit.get(bottom))
        theirs = paired_ratio(other.get(top), other.get(bottom))
        value = None if mine is None else mine.median
        judged[key] = value
        rows.append([label, _rs(mine), _rs(theirs), "", *_judge(target, value)])

    def add_overhead(label: str, top: str, bottom: str, target: Target | None, key: str) -> None:
        mine = difference(kit.get(top), kit.get(bottom))
        theirs = difference(other.get(top), other.get(bottom))
        value = ratio(mine, theirs)
        judged[key] = value
        rows.append([label, fmt(mine), fmt(theirs), _r(value), *_judge(target, value)])

    add("create_access_token", "create", Target(0.5))
    add("decode_token, new token", "decode_new", Target(0.5))
    add("decode_token, repeated token", "decode_repeated")
    add("GET unprotected (test client)", "header_open")
    add("GET header-protected (test client)", "header_protected")
    add_ratio("  protected / unprotected", "header_protected", "header_open", Target(1.15), "hdr")
    add_overhead(
        "  auth overhead per request", "header_protected", "header_open", Target(0.2), "oh"
    )
    add("POST unprotected, cookie + CSRF header", "cookie_open")
    add("POST cookie-protected + CSRF check", "cookie_protected")
    add_ratio("  protected / unprotected", "cookie_protected", "cookie_open", None, "ck")
    add_overhead("  auth overhead per request", "cookie_protected", "cookie_open", None, "cko")
    if "server_open" in kit:
        add("gunicorn 1 sync worker, GET unprotected", "server_open", unit="req/s")
        add("gunicorn 1 sync worker, GET protected", "server_protected", unit="req/s")
        add_ratio(
            "  protected / unprotected throughput",
            "server_protected",
            "server_open",
            Target(0.9, _AT_LEAST),
            "srv",
        )
        add("gunicorn worker CPU per request, unprotected", "server_cpu_open")
        add("gunicorn worker CPU per request, protected", "server_cpu_protected")
        add_ratio(
            "  unprotected / protected CPU (capacity)",
            "server_cpu_open",
            "server_cpu_protected",
            Target(0.9, _AT_LEAST),
            "srvcpu",
        )
    headers = ["Figure", "Flask-JWT-Kit", "Flask-JWT-Extended", "Kit/FJE", "Target", "Met"]
    return table(headers, rows), judged


def _judge(target: Target | None, value: float | None) -> list[str]:
    return ["", ""] if target is None else [str(target), target.met(value)]


MEMORY_TARGET_MB = 64.0


def memory(result: Mapping[str, Any]) -> str:
    """The decode-cache footprint table."""
    target = Target(MEMORY_TARGET_MB)
    rows = [
        [
            f"{result['tokens']:,}",
            f"{result['cache_size']:,}",
            f"{result['entries']:,}",
            f"{result['retained_mb']:.1f} MB",
            f"{result['peak_mb']:.1f} MB",
            f"{result['bytes_per_entry']:,.0f} B",
            f"{target} MB",
            target.met(result["retained_mb"]),
        ]
    ]
    headers = ["Live tokens", "Cache size", "Entries", "Held", "Peak", "Per entry"]
    return table([*headers, "Target", "Met"], rows)


def revocation(results: Mapping[str, Mapping[str, Any]]) -> str:
    """The per-back-end revocation check table."""
    flat = Target(1.5)
    rows: list[list[str]] = []
    for kind, result in results.items():
        if "skipped" in result:
            rows.append([kind, f"skipped: {result['skipped']}"] + [""] * 8)
            continue
        s = {k: Sample.from_json(v) for k, v in result.items() if isinstance(v, dict)}
        miss, hit = ratio(s["miss_large"], s["miss_small"]), ratio(s["hit_large"], s["hit_small"])
        added = difference(s["verify_with_store"], s["verify_without_store"])
        commands = result.get("commands_per_request")
        rows.append(
            [
                kind,
                fmt(s["miss_small"]),
                fmt(s["miss_large"]),
                _r(miss),
                fmt(s["hit_small"]),
                fmt(s["hit_large"]),
                _r(hit),
                fmt(added),
                "-" if commands is None else f"{commands:.2f}",
                flat.met(None if miss is None or hit is None else max(miss, hit)),
            ]
        )
    large = next((r["large"] for r in results.values() if "large" in r), 0)
    small = next((r["small"] for r in results.values() if "small" in r), 0)
    headers = [
        "Store",
        f"not revoked, {small:,}",
        f"not revoked, {large:,}",
        "ratio",
        f"revoked, {small:,}",
        f"revoked, {large:,}",
        "ratio",
        "added per request",
        "cmds/req",
        f"flat {flat}",
    ]
    return table(headers, rows)
