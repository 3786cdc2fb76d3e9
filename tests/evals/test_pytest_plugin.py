"""The pytest plugin, driven with pytester against a real Spyglass server (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

import spyglass.sdk as sg

from tests.sdk.live import Server, server  # noqa: F401 - fixture

pytest_plugins = ["pytester"]

THRESHOLDS = '''
import pytest
from spyglass.evals import Equals

CASES = [{"input": "2+2", "expected_output": "4"}, {"input": "3+3", "expected_output": "6"},
         {"input": "5+5", "expected_output": "10"}]


def calculator(item):
    return {"2+2": "4", "3+3": "7", "5+5": "10"}[item["input"]]


@pytest.mark.spyglass_eval(cases=CASES, metrics=[Equals()], thresholds={"equals": 1.0})
def test_math(spyglass_eval):
    spyglass_eval(calculator)


@pytest.mark.spyglass_eval(cases=CASES[:1], metrics=[Equals()], thresholds={"equals": 1.0})
def test_easy_math(spyglass_eval):
    result = spyglass_eval(calculator)
    assert result.means == {"equals": 1.0}


def test_inline_options(spyglass_eval):
    spyglass_eval(calculator, cases=CASES, metrics=[Equals()], thresholds={"exact": 1.0})


@pytest.mark.spyglass_eval(cases=CASES)
def test_forgot_the_fixture():
    pass
'''

BASELINE = '''
import os
import random
import pytest
from spyglass.evals import Metric

CASES = [{"input": f"q{i}", "difficulty": 0.1 + 0.8 * i / 29} for i in range(30)]


class Quality(Metric):
    name = "quality"

    def score(self, *, output, **_):
        return self.result(output, "how good")


def app(item, rng=random.Random(int(os.environ["RUN_SEED"]))):
    return item["difficulty"] + float(os.environ["RUN_SHIFT"]) + rng.uniform(-0.05, 0.05)


@pytest.mark.spyglass_eval(cases=CASES, metrics=[Quality()], thresholds={"quality": 0.5}, baseline="test_quality",
                           workers=1)
def test_quality(spyglass_eval):
    spyglass_eval(app)
'''


@pytest.fixture
def inner(pytester: pytest.Pytester, server: Server, monkeypatch: pytest.MonkeyPatch,
          tmp_path: Path) -> pytest.Pytester:
    """A pytest session whose SDK talks to the test server."""
    monkeypatch.setenv("SPYGLASS_URL", server.url)
    monkeypatch.setenv("SPYGLASS_PROJECT", "ci")
    monkeypatch.setenv("SPYGLASS_CONFIG_FILE", str(tmp_path / "config.toml"))
    return pytester


def test_thresholds_fail_per_item_and_runs_are_recorded(inner: pytest.Pytester, server: Server) -> None:
    inner.makepyfile(test_calc=THRESHOLDS)
    result = inner.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2, errors=1)
    out = result.stdout.str()
    assert "1 of 3 items failed their thresholds (experiment test_math: " in out
    assert "input: 3+3" in out and "equals = 0.000 (needs >= 1): " in out
    assert "thresholds: no metric named 'exact' (metrics: equals)" in out
    assert "is marked spyglass_eval but does not use the spyglass_eval fixture" in out
    assert "Spyglass experiments" in out and f"{server.url}/experiments/" in out

    client = sg.Client(url=server.url)
    try:
        runs = {e.name: e for e in client.list_experiments()}
        assert set(runs) == {"test_math", "test_easy_math"}
        math_run = runs["test_math"].refresh()
        assert math_run.dataset_name == "pytest-test_calc.py-test_math" and math_run.info["item_count"] == 3
        assert math_run.scores["equals"] == {"mean": pytest.approx(2 / 3), "count": 3}
        assert math_run.info["metadata"]["pytest"] == {"test": "test_calc.py::test_math"}
        assert math_run.info["tags"] == ["pytest"] and math_run.info["project"] == "ci"
        dataset = client.get_dataset("pytest-test_calc.py-test_math")
        assert dataset.item_count == 3
    finally:
        client.close()

    again = inner.runpytest("-p", "no:cacheprovider", "-k", "test_math and not easy")
    again.assert_outcomes(failed=1)
    client = sg.Client(url=server.url)
    try:  # an unchanged case list keeps the dataset's version; the second run is a second experiment
        assert client.get_dataset("pytest-test_calc.py-test_math").version == dataset.version
        assert [e.name for e in client.list_experiments()].count("test_math") == 2
    finally:
        client.close()


def test_with_a_baseline_only_a_significant_regression_fails(inner: pytest.Pytester,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    inner.makepyfile(test_quality=BASELINE)

    def run(shift: float, seed: int) -> pytest.RunResult:
        monkeypatch.setenv("RUN_SHIFT", str(shift))
        monkeypatch.setenv("RUN_SEED", str(seed))
        return inner.runpytest("-p", "no:cacheprovider", "-p", "no:opik", "-p", "no:langsmith_plugin")

    first = run(0.0, 1)  # no baseline yet: the thresholds decide (half the items are below 0.5)
    first.assert_outcomes(failed=1)
    assert "items failed their thresholds" in first.stdout.str()

    noise = run(0.0, 2)  # same quality, other noise: the thresholds are not checked against a baseline
    noise.assert_outcomes(passed=1)

    worse = run(-0.06, 3)
    worse.assert_outcomes(failed=1)
    out = worse.stdout.str()
    assert "significant regression against baseline 'test_quality'" in out
    assert "quality: " in out and "95% CI [" in out and "30 items" in out
    assert "/experiments/compare?ids=" in out


def test_the_plugin_is_registered_and_inert(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPYGLASS_URL", "http://127.0.0.1:9")  # nothing listens: a session not using it never notices
    pytester.makepyfile(test_plain='''
import threading

def test_plain(pytestconfig):
    from spyglass.sdk import state

    plugin = pytestconfig.pluginmanager.get_plugin("spyglass")  # the pytest11 entry point's name
    assert plugin is not None and plugin.__name__ == "spyglass.evals.pytest_plugin"
    assert any(line.startswith("spyglass_eval(") for line in pytestconfig.getini("markers"))
    assert state.STATE.mode == state.UNRESOLVED  # no configuration read, no exporter, no connection
    assert [t.name for t in threading.enumerate()] == ["MainThread"]
''')
    # (Peer SDKs installed for other tests bring slow-to-import pytest plugins: blocked here.)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:opik", "-p", "no:langsmith_plugin")
    result.assert_outcomes(passed=1)
