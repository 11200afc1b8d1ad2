"""The benchmarks keep working: their in-process parts, quick, for Flask-JWT-Kit only.

No timing is asserted (the figures belong to ``make bench``); these tests
check that each part runs, measures what it says and renders its table.
Flask-JWT-Extended is never imported here.
"""

from __future__ import annotations

import sys

import pytest

from benchmarks import footprint, inprocess, report, revocation
from benchmarks.apps import make_app
from benchmarks.timing import Sample, measure, measure_pair

IN_PROCESS_FIGURES = {
    "create",
    "decode_new",
    "decode_repeated",
    "header_open",
    "header_protected",
    "cookie_open",
    "cookie_protected",
}


def test_in_process_figures_for_our_implementation() -> None:
    results = inprocess.run("kit", quick=True)
    assert set(results) == IN_PROCESS_FIGURES
    for sample in results.values():
        assert len(sample.rounds) == inprocess.QUICK.rounds
        assert all(value > 0 for value in sample.rounds)
    text, judged = report.comparison(results, None)
    assert "create_access_token" in text and "auth overhead per request" in text
    # Without the other implementation, only our own ratios can be judged.
    assert judged["create"] is None and judged["hdr"] is not None
    assert "flask_jwt_extended" not in sys.modules


def test_the_app_answers_alike_on_every_view() -> None:
    app, module = make_app("kit")
    client = app.test_client()
    with app.app_context():
        token = module.create_access_token("alice")
        csrf = module.get_csrf_token(token)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/open", headers=headers).json == {"ok": True, "user": "alice"}
    assert client.get("/protected", headers=headers).json == {"ok": True, "user": "alice"}
    assert client.get("/protected").status_code == 401
    client.set_cookie("access_token_cookie", token)
    assert client.post("/cookie", headers={"X-CSRF-TOKEN": csrf}).status_code == 200
    assert client.post("/cookie").status_code == 401
    login = client.post("/login").json
    assert login is not None and login["access_token"].count(".") == 2


def test_footprint_counts_the_cache_entries() -> None:
    result = footprint.run(200, JWT_DECODE_CACHE_SIZE=150)
    assert result["entries"] == 150 and result["cache_size"] == 150
    assert result["retained_mb"] > 0 and result["peak_mb"] >= result["retained_mb"]
    assert "150" in report.memory(result)


def test_revocation_figures_for_the_embedded_stores() -> None:
    results = revocation.run(quick=True, backends=("memory", "sqlite"))
    for kind in ("memory", "sqlite"):
        figures = results[kind]
        assert figures["large"] == revocation.QUICK.large
        for name in ("miss_small", "miss_large", "hit_small", "hit_large"):
            assert all(value > 0 for value in Sample.from_json(figures[name]).rounds)
    text = report.revocation({**results, "redis": {"skipped": "not here"}})
    assert "skipped: not here" in text and "sqlite" in text


def test_timing_helpers() -> None:
    calls: list[int] = []
    sample = measure(lambda: calls.append(1), number=10, rounds=3, warmup=0)
    assert len(calls) == 30 and len(sample.rounds) == 3
    first, second = measure_pair(lambda: None, lambda: None, number=5, rounds=2)
    assert len(first.rounds) == len(second.rounds) == 2
    merged = Sample.merge([Sample((1.0, 3.0)), Sample((2.0,))])
    assert merged.median == 2.0 and merged.spread == 1.0
    assert Sample.from_json(merged.to_json()) == merged
    assert report.difference(Sample((5.0, 7.0)), Sample((1.0, 2.0))) == Sample((4.0, 5.0))
    assert report.fmt(Sample((-1.0, 1.0, -2.0))).startswith("-1.0 us")


def test_an_unknown_implementation_is_refused() -> None:
    with pytest.raises(KeyError):
        make_app("other")


def test_the_instruction_count_child_answers_every_request() -> None:
    # What valgrind runs; valgrind itself is only needed to count.
    from benchmarks import instructions

    instructions.child("kit", "/protected", 3)
    with pytest.raises(RuntimeError, match="answered 404"):
        instructions.child("kit", "/nowhere", 1)
