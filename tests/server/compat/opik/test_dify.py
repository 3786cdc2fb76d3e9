"""Dify's Opik integration, replayed: the same opik SDK calls with the same shapes (ids made
UUIDv7 from Dify's UUIDv4 and a naive timestamp, metadata-only conversation and user ids, spans
in separate batches, orphan parents, a generate_name trace reusing a message trace's id)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import opik
import pytest
from opik.id_helpers import uuid4_to_uuid7

from tests.server.compat.opik.conftest import flush

T0 = datetime(2026, 11, 20, 9, 30, 0)  # Dify hands the SDK naive datetimes
CONVERSATION = str(uuid.uuid4())


def v7(moment: datetime, dify_id: str) -> uuid.UUID:
    return uuid4_to_uuid7(moment, dify_id)


def meta(**fields: object) -> dict[str, object]:
    return {**fields, "created_from": "dify"}


class DifyRun:
    """One conversation's worth of Dify trace events, as OpikDataTrace would send them."""

    def __init__(self, client: opik.Opik, project: str) -> None:
        self.client, self.project = client, project
        self.message_ids = [str(uuid.uuid4()), str(uuid.uuid4())]
        self.workflow_run_id = str(uuid.uuid4())

    def chatflow(self, start: datetime) -> str:
        """A workflow run behind a chat message: trace, root `workflow` span, node spans."""
        trace_id = v7(start, self.message_ids[0])
        run_meta = meta(workflow_id=str(uuid.uuid4()), conversation_id=CONVERSATION,
                        workflow_run_id=self.workflow_run_id, status="succeeded", total_tokens=30,
                        message_id=self.message_ids[0], workflow_app_log_id=None)
        self.client.trace(id=trace_id, name="message", start_time=start, end_time=start + timedelta(seconds=3),
                          metadata=run_meta, input={"query": "refund?"}, output={"answer": "Yes."},
                          tags=["message", "workflow"], project_name=self.project)
        root = v7(start, self.workflow_run_id)
        self.client.span(id=root, parent_span_id=None, trace_id=trace_id, name="workflow", start_time=start,
                         end_time=start + timedelta(seconds=3), metadata=run_meta, input={"query": "refund?"},
                         output={"answer": "Yes."}, tags=["workflow"], project_name=self.project)
        nodes = [("knowledge-retrieval", "tool", None, None, 0, 0), ("llm", "llm", "openai", "gpt-4o-mini", 25, 5),
                 ("code", "tool", None, None, 0, 0)]
        for i, (node_type, run_type, provider, model, prompt, completion) in enumerate(nodes):
            node_start = start + timedelta(milliseconds=100 + 900 * i)
            self.client.span(
                trace_id=trace_id, id=v7(node_start, str(uuid.uuid4())), parent_span_id=root, name=node_type,
                type=run_type, start_time=node_start, end_time=node_start + timedelta(milliseconds=800),
                metadata=meta(workflow_run_id=self.workflow_run_id, node_type=node_type, status="succeeded",
                              ls_provider=provider, ls_model_name=model),
                input={"input": "..."}, output={"output": "..."}, tags=["node_execution"], project_name=self.project,
                usage={"total_tokens": prompt + completion, "completion_tokens": completion, "prompt_tokens": prompt},
                model=model, provider=provider)
        return str(trace_id)

    def message(self, index: int, start: datetime) -> str:
        """A chat message: trace with the raw answer, one `llm` span with Dify's token counts."""
        trace = self.client.trace(
            id=v7(start, self.message_ids[index]), name="message", start_time=start,
            end_time=start + timedelta(seconds=2), input=[{"role": "user", "text": f"question {index}"}],
            output=f"answer {index}", tags=["message", "chat"], project_name=self.project,
            metadata=meta(conversation_id=CONVERSATION, status="normal", user_id=None, end_user_id="session-7",
                          file_list=[], message_id=self.message_ids[index]))
        self.client.span(trace_id=trace.id, name="llm", type="llm", start_time=start,
                         end_time=start + timedelta(seconds=2), metadata=meta(conversation_id=CONVERSATION),
                         input={"input": "q"},
                         output={"output": f"answer {index}"}, tags=["llm", "chat"], project_name=self.project,
                         usage={"completion_tokens": 7, "prompt_tokens": 20, "total_tokens": 27})
        return str(trace.id)

    def side_spans(self, start: datetime) -> None:
        """Moderation, suggested questions, retrieval and a failed tool call: spans only, each in
        its own batch, pointing at the message's trace id (no project_name: the client's default)."""
        trace_id = v7(start, self.message_ids[0])
        end = start + timedelta(seconds=1)
        for name, output, extra in (
            ("moderation", {"action": "direct_output", "flagged": False, "preset_response": "", "inputs": {}}, {}),
            ("suggested_question", {"output": ["What else?"]}, {}),
            ("dataset_retrieval", {"documents": [{"content": "Refunds within 30 days."}]}, {}),
            ("web_search", {"output": ""}, {"error": "timeout after 10s", "tool_name": "web_search"}),
        ):
            self.client.span(trace_id=trace_id, name=name, type="tool", start_time=start, end_time=end,
                             metadata=meta(message_id=self.message_ids[0], **extra), input={"input": "refund?"},
                             output=output, tags=[name])
            flush(self.client)

    def generate_name(self, start: datetime) -> str:
        """Names the conversation; its trace id is the first message's (Dify reuses it)."""
        trace = self.client.trace(id=v7(start, self.message_ids[0]), name="generate_name", start_time=start,
                                  end_time=start + timedelta(seconds=1), input={"query": "refund?"},
                                  output={"name": "Refunds"}, tags=["generate_name"], project_name=self.project,
                                  metadata=meta(conversation_id=CONVERSATION, tenant_id="tenant-1"))
        self.client.span(trace_id=trace.id, name="generate_name", start_time=start,
                         end_time=start + timedelta(seconds=1), metadata=meta(conversation_id=CONVERSATION),
                         input={"input": {"query": "refund?"}},
                         output={"output": {"name": "Refunds"}}, tags=["generate_name"])
        return str(trace.id)


@pytest.fixture
def dify(base_url: str, project: str):
    client = opik.Opik(project_name=project, workspace="default", host=base_url, api_key=None)
    yield client
    client.end(timeout=5)


def _get(api, trace_id: str) -> tuple[dict, list[dict]]:
    got = api.get(f"/api/v1/traces/{trace_id}").json()
    return got["trace"], got["spans"]


def test_dify_checks_its_config_and_builds_a_project_link(dify, project, api):
    dify.auth_check()
    url = dify.get_project_url(project_name=project)
    assert url.endswith(f"/opik/default/redirect/projects?name={project}")
    followed = api.get("/opik/" + url.split("/opik/", 1)[1], follow_redirects=False)
    assert followed.status_code == 302 and followed.headers["location"].endswith(f"/projects/{project}/traces")


def test_dify_conversation_arrives_as_spyglass_traces_and_a_thread(dify, project, api):
    run = DifyRun(dify, project)
    workflow_trace = run.chatflow(T0)
    first = run.message(0, T0 + timedelta(seconds=5))
    second = run.message(1, T0 + timedelta(minutes=2))
    run.side_spans(T0 + timedelta(seconds=5))
    flush(dify)

    head, spans = _get(api, workflow_trace)
    assert (head["name"], head["tags"], head["thread_id"]) == ("message", ["message", "workflow"], CONVERSATION)
    assert head["metadata"]["workflow_run_id"] == run.workflow_run_id and head["start_time"].startswith(
        "2026-11-20T09:30:00")
    by_name = {s["name"]: s for s in spans}
    assert {s["name"]: s["type"] for s in spans} == {"workflow": "general", "knowledge-retrieval": "tool",
                                                     "llm": "llm", "code": "tool"}
    assert by_name["workflow"]["parent_span_id"] is None
    nodes = ("llm", "code", "knowledge-retrieval")
    assert all(by_name[n]["parent_span_id"] == by_name["workflow"]["id"] for n in nodes)
    assert by_name["llm"]["model"] == "gpt-4o-mini" and by_name["llm"]["cost"] > 0
    assert (head["usage"]["prompt_tokens"], head["usage"]["completion_tokens"]) == (25, 5)

    head, spans = _get(api, first)
    by_name = {s["name"]: s for s in spans}
    assert head["output"] == "answer 0" and head["input"] == [{"role": "user", "text": "question 0"}]
    assert (head["thread_id"], head["user_id"]) == (CONVERSATION, "session-7")
    assert set(by_name) == {"llm", "moderation", "suggested_question", "dataset_retrieval", "web_search"}
    assert by_name["llm"]["type"] == "llm" and by_name["llm"]["usage"]["total_tokens"] == 27
    assert by_name["dataset_retrieval"]["output"]["documents"][0]["content"].startswith("Refunds")
    assert all(s["parent_span_id"] is None for s in spans)  # parented to the message trace itself
    assert by_name["web_search"]["error"]["message"] == "timeout after 10s" and head["status"] == "error"
    assert head["usage"]["total_tokens"] == 27 and head["project"] == project

    thread = api.get(f"/api/v1/threads/{CONVERSATION}", params={"project": project}).json()
    assert [t["id"] for t in thread["traces"]] == [workflow_trace, first, second]


def test_dify_failures_orphans_and_reused_ids(dify, project, api):
    run = DifyRun(dify, project)
    start = T0 + timedelta(hours=1)
    workflow_trace = v7(start, run.workflow_run_id)  # a workflow app: no message, no root span
    dify.trace(id=workflow_trace, name="message", start_time=start, end_time=start + timedelta(seconds=1),
               metadata=meta(workflow_run_id=run.workflow_run_id, status="failed", conversation_id=None),
               input={"input": "x"}, output={"output": None}, tags=["workflow"], project_name=project)
    missing_parent = v7(start, str(uuid.uuid4()))  # Dify points node spans at a span it never sends
    node = dify.span(trace_id=workflow_trace, id=v7(start, str(uuid.uuid4())), parent_span_id=missing_parent,
                     name="http-request", type="tool", start_time=start, end_time=start + timedelta(milliseconds=300),
                     metadata=meta(status="failed", node_type="http-request"), tags=["node_execution"],
                     usage={"total_tokens": 0, "completion_tokens": 0, "prompt_tokens": 0}, project_name=project)
    first = run.message(0, start)
    flush(dify)  # the conversation is named later, in a batch of its own
    renamed = run.generate_name(start)
    flush(dify)

    head, spans = _get(api, str(workflow_trace))
    assert head["status"] == "error" and head["error"]["message"] == "status: failed" and head["thread_id"] is None
    assert [s["id"] for s in spans] == [str(node.id)] and spans[0]["error"] is not None
    assert api.get(f"/api/v1/traces/{workflow_trace}", params={"tree": "true"}).json()["spans"][0]["id"] == str(node.id)

    assert renamed == first  # the same trace, merged rather than rejected
    head, spans = _get(api, first)
    assert head["name"] == "generate_name" and sorted(s["name"] for s in spans) == ["generate_name", "llm"]
    assert head["thread_id"] == CONVERSATION and head["user_id"] == "session-7"
    assert api.get(f"/traces/{first}").status_code == 200
