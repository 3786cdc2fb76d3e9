"""Experiments: the list (pick two or more to compare), the comparison page (item by item, deltas
against a switchable baseline, "only items whose score dropped") and one experiment's page.

The comparison is computed once per request by the store; the page carries the first
ROWS_PER_PAGE items and the rest load as the table scrolls (the same read, sliced), so a
1,000-item comparison stays a small page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.errors import BadRequest
from spyglass.server.store import experiments
from spyglass.server.store.base import Store
from spyglass.server.store.experiment_compare import compare_experiments
from spyglass.server.ui.compare_view import fmt_delta, fmt_metric, row_view, summary
from spyglass.server.ui.datasets import metric_names
from spyglass.server.ui.errors import html_router
from spyglass.server.ui.render import render, templates

router = html_router()
templates.env.filters.update(delta=fmt_delta, metric=fmt_metric)
PAGE_SIZE = 50
ROWS_PER_PAGE = 100
MAX_COMPARED = 20


@router.get("/experiments", response_class=HTMLResponse)
def experiments_page(store: StoreDep, request: Request, cursor: str | None = None, q: str = "") -> Response:
    with store.read() as conn:
        page = experiments.list_experiments(conn, name_contains=q.strip() or None, limit=PAGE_SIZE, cursor=cursor)
    more = f"/experiments?{urlencode({'q': q, 'cursor': page.next_cursor})}" if page.next_cursor else None
    context = {"page": page, "q": q, "more_url": more, "metrics": metric_names(page.items),
               "section": "experiments"}
    return render(request, "_experiment_list_rows.html" if cursor else "experiments.html", context)


def compared_ids(request: Request) -> list[str]:
    """`ids=a,b` or `ids=a&ids=b` (the list's checkboxes), in order, without repeats."""
    ids = [i.strip() for value in request.query_params.getlist("ids") for i in value.split(",") if i.strip()]
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise BadRequest("ids: pick two or more experiments to compare", detail={"field": "ids"})
    if len(ids) > MAX_COMPARED:
        raise BadRequest(f"ids: compare at most {MAX_COMPARED} experiments", detail={"field": "ids"})
    return ids


def parse_offset(text: str | None) -> int:
    try:
        return max(0, int(text or 0))
    except ValueError:
        return 0


def comparison(store: Store, ids: list[str], baseline: str | None, only: bool, offset: int) -> dict[str, Any]:
    """The page's context: experiments, summary, one slice of rows and the URL of the next slice."""
    with store.read() as conn:
        result = compare_experiments(conn, ids, baseline=baseline if baseline in ids else None,
                                     only_regressions=only)
    exps, metrics, base = result["experiments"], result["metrics"], result["baseline"]
    metrics = sorted(set(metrics) | set(metric_names(exps)))
    rows = result["rows"]
    shown = rows[offset:offset + ROWS_PER_PAGE]
    query = {"ids": ",".join(ids), "baseline": base, **({"only": "regressions"} if only else {})}
    end = offset + len(shown)
    more = f"/experiments/compare?{urlencode({**query, 'offset': end})}" if end < len(rows) else None
    return {"experiments": exps, "baseline": base, "metrics": metrics, "only": only, "ids": ids,
            "single": len(exps) == 1, "summary": summary(exps, metrics, base),
            "rows": [row_view(r, exps, metrics, base) for r in shown],
            "row_count": len(rows), "regressed_count": sum(1 for r in rows if r["regressed"]),
            "more_url": more, "offset": offset, "section": "experiments"}


@router.get("/experiments/compare", response_class=HTMLResponse)
def compare_page(store: StoreDep, request: Request) -> Response:
    q = request.query_params
    offset = parse_offset(q.get("offset"))
    context = comparison(store, compared_ids(request), q.get("baseline"), q.get("only") == "regressions", offset)
    if "offset" in q:  # the next slice of rows only
        return render(request, "_compare_rows.html", context)
    return render(request, "compare.html", context)


@router.get("/experiments/{experiment_id}", response_class=HTMLResponse)
def experiment_page(store: StoreDep, experiment_id: str, request: Request) -> Response:
    """One experiment: its facts and its items (the comparison page with a single experiment)."""
    q = request.query_params
    context = comparison(store, [experiment_id], None, False, parse_offset(q.get("offset")))
    if "offset" in q:
        return render(request, "_compare_rows.html", context)
    return render(request, "compare.html", context)
