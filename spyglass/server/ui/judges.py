"""Judges: how well each automatic judge agrees with people (a project tab), and the statistics
partial of the experiment comparison (is a change significant?), loaded with htmx."""

from __future__ import annotations

from typing import Literal

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from spyglass.server.api.calibration import calibration_report
from spyglass.server.api.deps import StoreDep
from spyglass.server.api.experiment_stats import comparison_stats, parse_ids
from spyglass.server.errors import BadRequest
from spyglass.server.ui.errors import html_router
from spyglass.server.ui.i18n import ZH
from spyglass.server.ui.render import render

router = html_router()
WARN_BELOW = 0.4  # kappa under this: the judge's verdicts should not be trusted alone

ZH.update({
    "Judges": "评审", "Judge calibration": "评审校准", "Feedback": "反馈", "Pairs": "配对数",
    "Agreement": "一致性", "Exact match": "完全一致", "Mean |difference|": "平均绝对差", "People": "人工",
    "Judge mean": "评审均值", "Human mean": "人工均值", "Cut at": "阈值", "Bins": "分箱", "Weights": "权重",
    "unweighted": "不加权", "linear": "线性", "quadratic": "二次", "Show": "显示",
    "disagrees with people": "与人工不一致", "Significance": "显著性",
    "No feedback name has both a human and an automatic score on the same trace, span or thread yet.":
    "还没有同一追踪、跨度或会话同时具有人工评分和自动评分的反馈名称。",
    "Significant drop": "显著下降", "Significant gain": "显著提升", "No significant change": "无显著变化",
    "Too few items": "条目太少", "Not in the baseline": "基线中没有", "(no author)": "（无作者）",
})


@router.get("/projects/{project}/judges", response_class=HTMLResponse)
def judges_page(store: StoreDep, project: str, request: Request, threshold: str = "", bins: int = 5,
                weights: Literal["", "linear", "quadratic"] = "") -> Response:
    cut = _number(threshold)
    report = calibration_report(store, project, bins=min(max(bins, 2), 20), threshold=cut, weights=weights or None)
    context = {"project": project, "tab": "judges", "report": report["feedback"], "threshold": threshold,
               "bins": bins, "weights": weights, "warn_below": WARN_BELOW}
    return render(request, "judges.html", context)


def _number(text: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise BadRequest("threshold: a number, e.g. 0.5", detail={"field": "threshold"}) from None


@router.get("/ui/experiments/compare/stats", response_class=HTMLResponse)
def compare_stats_partial(store: StoreDep, request: Request, ids: str, baseline: str | None = None) -> Response:
    """A fragment for the comparison page: per metric, the change with its 95% confidence interval."""
    with store.read() as conn:
        stats = comparison_stats(conn, parse_ids(ids), baseline or None)
    return render(request, "_compare_stats.html", {"stats": stats})
