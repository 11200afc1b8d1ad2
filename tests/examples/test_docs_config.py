"""docs/configuration.rst documents every setting, with its real default and a working example."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta

from flask_jwt_kit.settings import DEFAULTS, Settings

PAGE = Path(__file__).parents[2] / "docs" / "configuration.rst"

_ENTRY = re.compile(r"^\.\. confval:: (\S+)\n((?:(?:   .*)?\n)*)", re.MULTILINE)


class _Environment(dict[str, str]):
    """``os.environ`` for the examples: every variable holds a long value."""

    def __missing__(self, key: str) -> str:
        return "an environment value that is long enough for any HMAC algorithm.."


def entries() -> dict[str, str]:
    """Setting name -> the indented body of its ``confval`` directive."""
    return {m[1]: m[2] for m in _ENTRY.finditer(PAGE.read_text(encoding="utf-8"))}


def option(body: str, name: str) -> str:
    match = re.search(rf"^   :{name}: (.+)$", body, re.MULTILINE)
    assert match, f":{name}: is missing"
    return match[1]


def example(body: str) -> str:
    """The Python code of the entry's ``code-block``."""
    match = re.search(r"^   \.\. code-block:: python\n\n((?:(?:      .*)?\n)+)", body, re.MULTILINE)
    assert match, "the example is missing"
    return textwrap.dedent(match[1])


def namespace() -> dict[str, Any]:
    return {
        "timedelta": dt.timedelta,
        "relativedelta": relativedelta,
        "os": SimpleNamespace(environ=_Environment()),
    }


def documented() -> Iterator[tuple[str, str]]:
    yield from entries().items()


def test_every_setting_is_documented() -> None:
    names = list(entries())
    missing = [key for key in DEFAULTS if key not in names]
    assert not missing, f"settings missing from docs/configuration.rst: {missing}"
    unknown = [name for name in names if name not in DEFAULTS]
    assert not unknown, f"docs/configuration.rst documents unknown settings: {unknown}"
    assert len(names) == len(set(names)), "a setting is documented twice"


@pytest.mark.parametrize(("name", "body"), list(documented()))
def test_the_documented_default_is_the_real_one(name: str, body: str) -> None:
    text = option(body, "default")
    assert text.startswith("``") and text.endswith("``"), text
    assert eval(text[2:-2], namespace()) == DEFAULTS[name]
    assert option(body, "type")


@pytest.mark.parametrize(("name", "body"), list(documented()))
def test_the_example_is_a_valid_setting(name: str, body: str) -> None:
    values = namespace()
    exec(example(body), values)
    assigned = {key: value for key, value in values.items() if key.startswith("JWT_")}
    assert name in assigned, f"the example of {name} does not set it"
    assert assigned[name] != DEFAULTS[name], f"the example of {name} shows the default"
    # Settings.from_config validates every value, as init_app does.
    Settings.from_config({**DEFAULTS, **assigned})
