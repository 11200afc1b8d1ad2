"""examples/testing/: the example project's own tests pass, with the pytest plugin on."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[2] / "examples" / "testing"


def test_the_example_tests_pass(pytester: pytest.Pytester) -> None:
    # The project's conftest and tests, as a user's checkout holds them; the
    # application itself is imported from examples.testing.app.
    pytester.makeconftest((EXAMPLE / "conftest.py").read_text())
    pytester.makepyfile(test_app=(EXAMPLE / "test_app.py").read_text())
    # The plugin loads on its own: it is an entry point of the installed package.
    result = pytester.runpytest("-W", "error")
    result.assert_outcomes(passed=9)
