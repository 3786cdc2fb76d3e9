"""Per-item scores of experiments, for statistics: the mean value of each feedback score over the
traces (and authors) of each dataset item's runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from spyglass.server.store import tables as t
from spyglass.server.store.named import chunks

ItemScores = dict[str, dict[str, float]]  # metric -> dataset item id -> value


def item_scores(conn: Connection, experiment_ids: list[str]) -> dict[str, ItemScores]:
    """``{experiment_id: {metric: {dataset_item_id: mean value}}}``; scores without a value are left out."""
    ei, sc = t.experiment_item.c, t.feedback_score.c
    found: dict[str, ItemScores] = {experiment_id: {} for experiment_id in experiment_ids}
    for chunk in chunks(list(found)):
        query: Any = (select(ei.experiment_id, ei.dataset_item_id, sc.name, func.avg(sc.value))
                      .select_from(t.experiment_item)
                      .join(t.feedback_score, (sc.target_type == "trace") & (sc.target_id == ei.trace_id))
                      .where(ei.experiment_id.in_(chunk), sc.value.is_not(None))
                      .group_by(ei.experiment_id, ei.dataset_item_id, sc.name))
        for experiment_id, item_id, name, mean in conn.execute(query):
            found[experiment_id].setdefault(name, {})[item_id] = float(mean)
    return found
