"""Apply a group of writes in one transaction: upserts, trace totals, threads, scores, rollups.

Every derived number (trace totals, thread counts, rollups) is updated by the difference
between a record's state before and after the group, so upserts, duplicates and deletes
keep them exact.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, select, tuple_
from sqlalchemy.engine import Connection

from spyglass.server.ingest.lookups import (
    chunks,
    select_spans,
    select_spans_by_id,
    select_traces,
    traces_and_stored_spans,
    traces_of_spans,
)
from spyglass.server.ingest.prepare import Ingest, TraceTotals, add_totals, totals_for
from spyglass.server.ingest.rollups import RollupDelta, ScoreFacts
from spyglass.server.ingest.rows import SpanState, merge, state_of, trace_facts
from spyglass.server.ingest.traces import combine
from spyglass.server.model.attributes import expand
from spyglass.server.model.convert import dump_json, load_json, to_us
from spyglass.server.store import search
from spyglass.server.store import tables as t
from spyglass.server.store.annotations import find_score, score_key
from spyglass.server.store.projects import ProjectCache
from spyglass.server.store.statements import Statements


@dataclass
class EnsureProject:
    """Create a project (if missing) before the first data that names it."""

    name: str
    size: int = 1


@dataclass
class Delete:
    kind: str  # "trace" | "span"
    ids: list[str]

    @property
    def size(self) -> int:
        return len(self.ids)


@dataclass
class DeleteScore:
    """Remove one feedback score (its key: target, target id, name, author)."""

    target_type: str
    target_id: str
    name: str
    author: str | None
    size: int = 1


Work = Ingest | Delete | EnsureProject | DeleteScore


class GroupWriter:
    """Writes one group of work items inside the caller's transaction."""

    def __init__(self, conn: Connection, statements: Statements, projects: ProjectCache, now: int) -> None:
        self.conn = conn
        self.stmts = statements
        self.projects = projects
        self.now = now
        self.rollups = RollupDelta()
        self.totals: dict[str, TraceTotals] = {}
        self.touched_traces: set[str] = set()
        self.stale: dict[str, list[int]] = defaultdict(list)

    # -- ingest ---------------------------------------------------------------------------

    def write(self, works: list[Work]) -> None:
        for work in works:
            if isinstance(work, EnsureProject):
                self.projects.id_for_write(self.conn, work.name)
        ingests = [w for w in works if isinstance(w, Ingest)]
        deletes = [w for w in works if isinstance(w, Delete)]
        traces = [row for w in ingests for row in w.traces]
        self.touched_traces.update(row["id"] for w in ingests for row in w.traces)
        self.touched_traces.update(tid for w in ingests for tid in w.totals)
        deleted_traces = [i for d in deletes if d.kind == "trace" for i in d.ids]
        self.touched_traces.update(deleted_traces)
        self.touched_traces.update(traces_of_spans(self.conn, [i for d in deletes if d.kind == "span" for i in d.ids]))
        span_ids = list({rec["id"] for w in ingests for rec in w.span_records})
        old_traces, stored_span_ids = traces_and_stored_spans(self.conn, self.touched_traces, span_ids)
        self._write_spans(ingests, stored_span_ids)
        for d in deletes:
            (self._delete_traces if d.kind == "trace" else self._delete_spans)(d.ids)
        rows, new_states = combine(traces, self.totals, old_traces, self.now)
        self.stmts.trace.run(self.conn, rows)
        if deleted_traces:  # a deleted trace may have been written again after its delete
            new_states.update(dict.fromkeys(deleted_traces))
            new_states.update(select_traces(self.conn, deleted_traces))
        self._settle_traces(old_traces, new_states, updated=[row["id"] for row in traces])
        scores = [(rec, pid, w.default_project_id) for w in ingests for rec, pid in w.scores]
        if scores:
            self._write_scores(scores)
        for work in works:
            if isinstance(work, DeleteScore):
                self._delete_score(work)
        self._write_rollups()
        for table_name, pks in self.stale.items():
            search.mark_stale(self.conn, table_name, pks, after_delete=bool(deletes))

    def _write_spans(self, ingests: list[Ingest], stored_ids: list[str]) -> None:
        """Insert every span; only spans already stored (or repeated in the group) need merging."""
        stored = select_spans_by_id(self.conn, stored_ids) if stored_ids else {}
        # A span seen once in the group is remembered by its place; its state is built only if
        # the same id comes again.
        latest: dict[str, SpanState | tuple[Ingest, int]] = {}
        params: list[Any] = []
        expand_at: list[int] = []  # updates that must first expand the stored attributes
        for work in ingests:
            self.rollups.merge(work.rollups)
            for trace_id, totals in work.totals.items():
                totals_for(self.totals, trace_id, totals.project_id).merge(totals)
            for i, rec in enumerate(work.span_records):
                span_id = rec["id"]
                prev = latest.get(span_id)
                if isinstance(prev, tuple):
                    prev = self._new_state(*prev)
                if prev is None and span_id in stored:
                    pk, prev = stored[span_id]
                    self.stale["span"].append(pk)
                if prev is None:
                    latest[span_id] = (work, i)
                    continue
                given = self._new_state(work, i)
                merged = merge(prev, given, rec)
                work.span_params[i] = self._as_update(work.span_params[i], rec, merged)
                self._correct(prev, given, merged)
                latest[span_id] = merged
                if self._replaces_referenced_values(work.span_params[i]):
                    expand_at.append(len(params) + i)
            params.extend(work.span_params)
        start = 0
        for at in expand_at:  # rare: the stored row is read after the rows before it are written
            self.stmts.span.run_params(self.conn, params[start:at])
            params[at] = self._with_full_attributes(params[at])
            start = at
        self.stmts.span.run_params(self.conn, params[start:])

    def _replaces_referenced_values(self, params: Any) -> bool:
        row = self.stmts.span.as_row(params)
        return row["attributes"] is None and (row["input"] is not None or row["output"] is not None)

    def _with_full_attributes(self, params: Any) -> Any:
        """An update that replaces a span's input or output but not its attributes: references
        from the stored attributes into the old input/output (model/attributes.py) would point
        at the new ones, so the attributes are written again, whole (their references cleared)."""
        s = t.span.c
        span_id = self.stmts.span.as_row(params)["id"]
        query = select(s.attributes, s.attribute_refs, s.input, s.output).where(s.id == span_id)
        row = self.conn.execute(query).first()
        if row is None or row.attribute_refs is None:
            return params
        full = expand(load_json(row.attributes), load_json(row.attribute_refs), load_json(row.input),
                      load_json(row.output))
        return self.stmts.span.replace(params, "attributes", dump_json(full))

    def _new_state(self, work: Ingest, i: int) -> SpanState:
        """The state of span `i` of a request as prepared (as if it were new)."""
        row = self.stmts.span.as_row(work.span_params[i])
        return state_of(row, is_error=row["error"] is not None, cost_given=work.span_records[i]["cost"] is not None)

    def _as_update(self, params: Any, rec: dict[str, Any], merged: SpanState) -> Any:
        """Parameters prepared for a new span, changed to update a stored one: defaults that
        stood in for missing fields become NULL (keep the stored value), cost is the merged one."""
        replace = self.stmts.span.replace
        if rec.get("start_time") is None:
            params = replace(params, "start_time", None)
        if rec.get("type") is None:
            params = replace(params, "type", None)
        return replace(params, "cost", merged.cost)

    def _correct(self, prev: SpanState, given: SpanState, merged: SpanState) -> None:
        """The request counted `given` as a new span; it replaced `prev` and became `merged`."""
        self.rollups.change("span", given.facts(), merged.facts())
        self.rollups.span(prev.facts(), -1)
        add_totals(self.totals, given, -1)
        add_totals(self.totals, prev, -1)
        add_totals(self.totals, merged, +1)

    def _settle_traces(self, old: dict[str, Any], new: dict[str, Any], updated: list[str]) -> None:
        """Rollup and thread changes of every trace this group touched."""
        self.stale["trace"].extend(old[i].pk for i in updated if i in old)
        threads: dict[tuple[str, str], dict[str, Any]] = {}
        for trace_id in self.touched_traces:
            before, after = old.get(trace_id), new.get(trace_id)
            self.rollups.change("trace", trace_facts(before) if before else None,
                                trace_facts(after) if after else None)
            old_key = (before.project_id, before.thread_id) if before and before.thread_id else None
            new_key = (after.project_id, after.thread_id) if after and after.thread_id else None
            if old_key and old_key != new_key:
                self._thread(threads, old_key, None, -1)
            if new_key:
                self._thread(threads, new_key, after, 0 if old_key == new_key else 1)
        self.stmts.thread.run(self.conn, list(threads.values()))

    def _thread(self, threads: dict[tuple[str, str], dict[str, Any]], key: tuple[str, str], trace: Any,
                delta: int) -> None:
        row = threads.setdefault(key, {"project_id": key[0], "thread_id": key[1], "start_time": None,
                                       "end_time": None, "trace_count": 0, "created_at": self.now,
                                       "updated_at": self.now})
        row["trace_count"] += delta
        if trace is not None and trace.start_time is not None:
            end = trace.end_time or trace.start_time
            row["start_time"] = min(row["start_time"] or trace.start_time, trace.start_time)
            row["end_time"] = max(row["end_time"] or end, end)

    # -- scores -----------------------------------------------------------------------------

    def _score_project(self, rec: dict[str, Any], explicit: str | None, default: str) -> str:
        if explicit:
            return explicit
        table = {"trace": t.trace, "span": t.span}.get(rec["target"])
        if table is not None:
            found = self.conn.execute(select(table.c.project_id).where(table.c.id == rec["target_id"])).scalar()
            if found:
                return str(found)
        return default

    def _write_scores(self, scores: list[tuple[dict[str, Any], str | None, str]]) -> None:
        keys = {(rec["target_id"], rec["target"], rec["name"], rec.get("author") or "") for rec, _, _ in scores}
        sc = t.feedback_score.c
        old: dict[tuple[str, str, str, str], ScoreFacts] = {}
        for part in chunks(list(keys)):
            query = select(sc.target_id, sc.target_type, sc.name, sc.author, sc.project_id, sc.time, sc.value).where(
                tuple_(sc.target_id, sc.target_type, sc.name, sc.author).in_(part))
            for r in self.conn.execute(query):
                old[(r.target_id, r.target_type, r.name, r.author)] = ScoreFacts(r.project_id, r.name, r.time, r.value)
        new: dict[tuple[str, str, str, str], ScoreFacts] = {}
        rows = []
        for rec, explicit, default in scores:
            key = (rec["target_id"], rec["target"], rec["name"], rec.get("author") or "")
            project_id = old[key].project_id if key in old else self._score_project(rec, explicit, default)
            time = to_us(rec.get("time")) or self.now
            rows.append({"target_id": key[0], "target_type": key[1], "name": key[2], "author": key[3],
                         "project_id": project_id, "value": rec.get("value"), "label": rec.get("label"),
                         "reason": rec.get("reason"), "source": rec.get("source") or "api",
                         "evaluator_trace_id": rec.get("evaluator_trace_id"), "time": time,
                         "created_at": self.now, "updated_at": self.now})
            new[key] = ScoreFacts(project_id, key[2], time, rec.get("value"))
        self.stmts.score.run(self.conn, rows)
        for key, facts in new.items():
            self.rollups.change("score", old.get(key), facts)

    # -- deletes ----------------------------------------------------------------------------

    def _forget_scores(self, target_type: str, ids: list[str]) -> None:
        sc = t.feedback_score.c
        for part in chunks(ids):
            where = and_(sc.target_type == target_type, sc.target_id.in_(part))
            for r in self.conn.execute(select(sc.project_id, sc.name, sc.time, sc.value).where(where)):
                self.rollups.score(ScoreFacts(r.project_id, r.name, r.time, r.value), -1)
            self.conn.execute(delete(t.feedback_score).where(where))

    def _delete_score(self, work: DeleteScore) -> None:
        key = (work.target_type, work.target_id, work.name, work.author)
        found = find_score(self.conn, *key)
        if found is not None:
            self.rollups.score(ScoreFacts(found.project_id, found.name, found.time, found.value), -1)
            self.conn.execute(delete(t.feedback_score).where(score_key(*key)))

    def _delete_spans(self, ids: list[str]) -> None:
        found = select_spans_by_id(self.conn, ids)
        for _span_id, (pk, state) in found.items():
            self.rollups.span(state.facts(), -1)
            add_totals(self.totals, state, -1)
            self.stale["span"].append(pk)
        self._forget_scores("span", list(found))
        for part in chunks(list(found)):
            self.conn.execute(delete(t.span).where(t.span.c.id.in_(part)))

    def _delete_traces(self, ids: list[str]) -> None:
        for part in chunks(ids):
            spans = select_spans(self.conn, t.span.c.trace_id.in_(part))
            for _span_id, (pk, state) in spans.items():
                self.rollups.span(state.facts(), -1)
                self.stale["span"].append(pk)
            self._forget_scores("span", list(spans))
            self._forget_scores("trace", part)
            # A deleted row's key may be reused by the next insert: the search index must
            # not take the new row for the old, already indexed one.
            self.stale["trace"].extend(row.pk for row in select_traces(self.conn, part).values())
            self.conn.execute(delete(t.span).where(t.span.c.trace_id.in_(part)))
            self.conn.execute(delete(t.trace).where(t.trace.c.id.in_(part)))

    # -- rollups ----------------------------------------------------------------------------

    def _write_rollups(self) -> None:
        self.stmts.rollup_minute.run(self.conn, self.rollups.minute_rows())
        self.stmts.rollup_latency.run(self.conn, self.rollups.latency_rows())
        self.stmts.rollup_score.run(self.conn, self.rollups.score_rows())



