"""pytest plugin: evaluations as tests (registered as the ``spyglass`` pytest11 entry point).

    @pytest.mark.spyglass_eval(dataset="qa", metrics=[Equals()], thresholds={"equals": 0.8})
    def test_answers(spyglass_eval):
        spyglass_eval(my_app)            # task(item) -> output

The marker holds the settings, the ``spyglass_eval`` fixture runs them (its keywords override
the marker's): ``dataset="name"`` or ``cases=[{...}]``, ``metrics``, ``thresholds``,
``baseline`` (experiment id or name), ``dataset_name`` and any ``evaluate()`` keyword. Each run
is recorded as an experiment named after the test, so CI runs can be compared in the UI.

The plugin is inert until a test uses it: importing it loads nothing of Spyglass and opens no
connection; sessions that never request the fixture never talk to a server.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

MARKER = "spyglass_eval"
EXPERIMENTS = pytest.StashKey[list[tuple[str, str, str]]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(dataset=None, cases=None, metrics=(), thresholds=None, baseline=None, **evaluate_options): "
        "settings of the spyglass_eval fixture (an evaluation recorded as a Spyglass experiment)",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker(MARKER) is not None and MARKER not in getattr(item, "fixturenames", ()):
        pytest.fail(f"{item.nodeid} is marked {MARKER} but does not use the {MARKER} fixture: "
                    f"add a `{MARKER}` argument and call spyglass_eval(task)", pytrace=False)


@pytest.fixture
def spyglass_eval(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``spyglass_eval(task, **options) -> EvaluationResult``; fails the test on threshold misses
    (no baseline) or significant regressions (with a baseline)."""
    marker = request.node.get_closest_marker(MARKER)
    defaults = dict(marker.kwargs) if marker is not None else {}

    def run(task: Callable[[dict[str, Any]], Any], **options: Any) -> Any:
        from spyglass.evals.evaluation.gate import run_check

        result, failure = run_check(task, {**defaults, **options}, test_name=request.node.name,
                                    nodeid=request.node.nodeid)
        url = result.compare_url or result.url or ""
        request.node.user_properties.append(("spyglass_experiment", url))
        request.config.stash.setdefault(EXPERIMENTS, []).append((request.node.nodeid, result.experiment_name, url))
        if failure is not None:
            pytest.fail(failure, pytrace=False)
        return result

    return run


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    recorded = config.stash.get(EXPERIMENTS, [])
    if not recorded:
        return
    terminalreporter.section("Spyglass experiments")
    for nodeid, name, url in recorded:
        terminalreporter.write_line(f"{nodeid}: {name}  {url}")
