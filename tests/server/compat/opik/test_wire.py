"""The Opik REST surface on the wire: encodings, paths, errors, projects, lists, updates, deletes."""

from __future__ import annotations

import gzip
import json
import uuid

import orjson
import pytest

from spyglass.server.compat.opik.routing import opik_error
from spyglass.server.compat.opik.system import OPIK_API_VERSION

API = "/opik/api/v1/private"


def _id() -> str:
    return str(uuid.uuid4())


def _trace(trace_id: str, project: str = "wire", **fields: object) -> dict[str, object]:
    return {"id": trace_id, "project_name": project, "name": "t", "start_time": "2026-11-23T07:10:55.838211Z",
            **fields}


def _post(client, path: str, body: object, **kwargs):
    return client.post(f"{API}{path}", content=orjson.dumps(body), headers={"content-type": "application/json"},
                       **kwargs)


def test_health_version_auth_and_workspace(client):
    assert client.get("/opik/api/is-alive/ping").status_code == 200
    assert client.get("/opik/api/is-alive/ping/").status_code == 200
    assert client.get("/opik/api/is-alive/ver").json() == {"version": OPIK_API_VERSION}
    assert client.post(f"{API}/auth", json={}, headers={"authorization": "any-key"}).status_code == 204
    assert client.get(f"{API}/auth/workspace").json() == {"workspace_name": "default"}
    assert client.get(f"{API}/auth/workspace", headers={"comet-workspace": "team"}).json() == {"workspace_name": "team"}


def test_gzip_bodies_nan_and_trailing_slashes(client):
    trace_id, span_id = _id(), _id()
    body = json.dumps({"traces": [_trace(trace_id, metadata={"score": float("nan"), "big": float("inf")},
                                         end_time="2026-11-23T07:10:56.000000")]})
    response = client.post(f"{API}/traces/batch/", content=gzip.compress(body.encode()),
                           headers={"content-encoding": "gzip", "content-type": "application/json;charset=utf-8"})
    assert response.status_code == 204, response.text
    spans = json.dumps({"spans": [{"id": span_id, "trace_id": trace_id, "project_name": "wire", "type": "llm",
                                   "start_time": "2026-11-23T07:10:55.9", "total_estimated_cost": float("-inf"),
                                   "usage": {"prompt_tokens": 3, "completion_tokens": 1}}]})
    assert client.post(f"{API}/spans/batch", content=spans, headers={"content-type": "application/json"}
                       ).status_code == 204
    trace = client.get(f"/api/v1/traces/{trace_id}").json()
    assert trace["trace"]["metadata"] == {"score": None, "big": None}
    assert trace["trace"]["end_time"] == "2026-11-23T07:10:56.000000Z"  # a naive time is UTC
    assert trace["trace"]["usage"]["total_tokens"] == 4 and trace["spans"][0]["cost"] is None


def test_unsupported_calls_answer_501_in_opik_shape(client):
    for method, path in (("GET", "/annotation-queues"), ("POST", "/attachment/upload-start"), ("GET", "/traces/stats"),
                         ("PUT", "/traces/batch"), ("GET", "/guardrails/")):
        response = client.request(method, f"{API}{path}")
        assert response.status_code == 501, (method, path)
        body = response.json()
        assert body["code"] == 501 and path.rstrip("/") in body["message"] and body["errors"] == [body["message"]]


def test_bad_records_are_named_and_good_ones_kept(client):
    good = _id()
    response = _post(client, "/traces/batch", {"traces": [_trace("not a uuid!"), _trace(good)]})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == 422 and "traces[0].id" in body["message"] and "1 written" in body["message"]
    assert client.get(f"/api/v1/traces/{good}").status_code == 200
    bad_json = client.patch(f"{API}/traces/{good}", content=b"{nope", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["code"] == 400
    missing = client.get(f"{API}/traces/{_id()}")
    assert missing.status_code == 404 and "not found" in missing.json()["message"]


def test_projects(client):
    assert client.post(f"{API}/projects/retrieve", json={"name": "wire"}).status_code == 404
    assert _post(client, "/traces/batch", {"traces": [_trace(_id())]}).status_code == 204
    found = client.post(f"{API}/projects/retrieve", json={"name": "wire"}).json()
    assert found["name"] == "wire" and client.get(f"{API}/projects/{found['id']}").json()["name"] == "wire"
    created = client.post(f"{API}/projects", json={"name": "made", "description": "by hand"})
    assert created.status_code == 201 and created.json()["description"] == "by hand"
    assert client.post(f"{API}/projects", json={"name": "made"}).status_code == 409
    page = client.get(f"{API}/projects", params={"name": "mad", "page": 1, "size": 5}).json()
    assert (page["total"], [p["name"] for p in page["content"]]) == (1, ["made"])


def _seed(client, count: int) -> list[str]:
    ids = [_id() for _ in range(count)]
    traces = [_trace(trace_id, name=f"n{i}", start_time=f"2026-11-23T07:10:{10 + i:02d}Z", tags=["odd"] * (i % 2),
                     usage={"ignored": 1}) for i, trace_id in enumerate(ids)]
    assert _post(client, "/traces/batch", {"traces": traces}).status_code == 204
    return ids


def test_trace_pages_filters_and_sorting(client):
    ids = _seed(client, 7)
    page = client.get(f"{API}/traces", params={"project_name": "wire", "page": 2, "size": 3}).json()
    assert (page["page"], page["total"], [t["name"] for t in page["content"]]) == (2, 7, ["n3", "n2", "n1"])
    filters = json.dumps([{"field": "tags", "operator": "contains", "value": "odd"}])
    sorting = json.dumps([{"field": "start_time", "direction": "ASC"}])
    page = client.get(f"{API}/traces", params={"project_name": "wire", "filters": filters, "sorting": sorting}).json()
    assert (page["total"], [t["name"] for t in page["content"]]) == (3, ["n1", "n3", "n5"])
    stream = _post(client, "/traces/search", {"project_name": "wire", "limit": 4})
    first = [json.loads(line)["id"] for line in stream.text.splitlines()]
    rest = _post(client, "/traces/search", {"project_name": "wire", "limit": 4, "last_retrieved_id": first[-1]})
    assert first + [json.loads(line)["id"] for line in rest.text.splitlines()] == ids[::-1]
    unsupported = json.dumps([{"field": "guardrails", "operator": "=", "value": "x"}])
    assert client.get(f"{API}/traces", params={"project_name": "wire", "filters": unsupported}).status_code == 501


def test_updates_merge_tags_and_may_come_first(client):
    trace_id, span_id = _id(), _id()
    early = client.patch(f"{API}/spans/{span_id}", json={"trace_id": trace_id, "project_name": "wire",
                                                         "output": {"late": True}, "source": "sdk"})
    assert early.status_code == 204
    assert _post(client, "/traces/batch", {"traces": [_trace(trace_id, tags=["a", "b"])]}).status_code == 204
    assert _post(client, "/spans/batch", {"spans": [{"id": span_id, "trace_id": trace_id, "project_name": "wire",
                                                     "name": "s", "start_time": "2026-11-23T07:10:55Z"}]}
                 ).status_code == 204
    assert client.get(f"/api/v1/spans/{span_id}").json()["output"] == {"late": True}
    assert client.patch(f"{API}/traces/{trace_id}", json={"tags_to_add": ["c"], "tags_to_remove": ["a"],
                                                          "environment": "prod"}).status_code == 204
    trace = client.get(f"/api/v1/traces/{trace_id}").json()["trace"]
    assert trace["tags"] == ["b", "c"] and trace["metadata"] == {"environment": "prod"}
    batch = client.patch(f"{API}/traces/batch", json={"ids": [trace_id, _id()], "update": {"tags": ["z"]},
                                                      "merge_tags": True})
    assert batch.status_code == 204 and client.get(f"/api/v1/traces/{trace_id}").json()["trace"]["tags"] == [
        "b", "c", "z"]


def test_deletes(client):
    keep, drop, single = _seed(client, 3)
    assert _post(client, "/traces/delete", {"ids": [drop]}).status_code == 204
    assert client.delete(f"{API}/traces/{single}").status_code == 204
    assert [t["id"] for t in client.get("/api/v1/traces", params={"project": "wire"}).json()["items"]] == [keep]


def test_spans_of_a_trace(client):
    trace_id = _id()
    spans = [{"id": _id(), "trace_id": trace_id, "project_name": "wire", "name": f"s{i}", "type": kind,
              "start_time": f"2026-11-23T07:10:{10 + i:02d}Z"} for i, kind in enumerate(["llm", "tool", "llm"])]
    assert _post(client, "/spans/batch", {"spans": spans}).status_code == 204
    page = client.get(f"{API}/spans", params={"trace_id": trace_id, "type": "llm"}).json()
    assert (page["total"], [s["name"] for s in page["content"]]) == (2, ["s2", "s0"])
    assert page["content"][0]["project_name"] == "wire" and page["content"][0]["trace_id"] == trace_id


def test_a_full_write_queue_tells_the_sdk_when_to_retry():
    response = opik_error(429, "write queue is full, retry later", {"Retry-After": "2"})
    assert response.status_code == 429 and response.headers["ratelimit-reset"] == "2"


@pytest.mark.parametrize("score_path", ["/traces/threads/feedback-scores"])
def test_thread_scores_need_no_closing(client, score_path):
    trace_id = _id()
    assert _post(client, "/traces/batch", {"traces": [_trace(trace_id, thread_id="th-1")]}).status_code == 204
    assert client.put(f"{API}/traces/threads/close", json={"project_name": "wire", "thread_id": "th-1"}
                      ).status_code == 204
    scores = {"scores": [{"thread_id": "th-1", "project_name": "wire", "name": "csat", "value": 4, "source": "ui"}]}
    assert client.put(f"{API}{score_path}", json=scores).status_code == 204
    thread = client.post(f"{API}/traces/threads/retrieve", json={"project_name": "wire", "thread_id": "th-1"}).json()
    assert thread["feedback_scores"][0]["value"] == 4 and thread["feedback_scores"][0]["source"] == "ui"
    assert client.post(f"{API}/traces/threads/feedback-scores/delete",
                       json={"project_name": "wire", "thread_id": "th-1", "names": ["csat"]}).status_code == 204
    assert client.get("/api/v1/threads/th-1", params={"project": "wire"}).json()["feedback_scores"] == []


def test_a_thread_id_spyglass_cannot_use_is_kept_in_metadata(client):
    trace_id = _id()
    assert _post(client, "/traces/batch", {"traces": [_trace(trace_id, thread_id="chat with spaces")]}
                 ).status_code == 204
    trace = client.get(f"/api/v1/traces/{trace_id}").json()["trace"]
    assert trace["thread_id"] is None and trace["metadata"] == {"thread_id": "chat with spaces"}
