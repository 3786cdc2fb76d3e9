"""The real Langfuse SDK (`@observe`, generations, propagated trace attributes) with its host
set to a live Spyglass server."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from langfuse import Langfuse, observe, propagate_attributes

from tests.server.compat.otlp_helpers import PB, LiveServer, live_server, sdk_request

SECRET = "sk-lf-secret"


@pytest.fixture
def public_key() -> str:
    return f"pk-lf-{uuid.uuid4().hex[:10]}"  # the SDK keeps one client per public key per process


@pytest.fixture
def server(settings, public_key) -> Iterator[LiveServer]:
    with live_server(replace(settings, langfuse_keys=f"{public_key}:{SECRET}=support-bot")) as running:
        yield running


def _run_app(client: Langfuse, public_key: str) -> str:
    @observe(as_type="retriever")
    def retrieve(question: str) -> list[str]:
        return ["Refunds within 30 days."]

    @observe(name="answer-question")
    def pipeline(question: str) -> str:
        with propagate_attributes(session_id="chat-7", user_id="ann", tags=["lf"], metadata={"tier": "gold"}):
            docs = retrieve(question)
            with client.start_as_current_observation(as_type="generation", name="llm-call", model="gpt-4o-mini",
                                                     input=[{"role": "user", "content": question}],
                                                     model_parameters={"temperature": 0}) as gen:
                gen.update(output={"role": "assistant", "content": docs[0]},
                           usage_details={"input": 20, "input_cached_tokens": 5, "output": 7},
                           cost_details={"input": 0.001, "output": 0.002})
            return docs[0]

    trace_ids: list[str] = []

    @observe(name="outer")
    def entry(question: str) -> str:
        trace_ids.append(client.get_current_trace_id() or "")
        return pipeline(question, langfuse_public_key=public_key)

    entry("Can I get a refund?", langfuse_public_key=public_key)
    client.flush()
    return trace_ids[0]


def test_observe_and_generations_arrive_as_a_trace(server, public_key):
    client = Langfuse(public_key=public_key, secret_key=SECRET, base_url=server.url)
    assert client.auth_check()
    trace_id = _run_app(client, public_key)
    got = httpx.get(f"{server.url}/api/v1/traces/{trace_id}").json()
    trace, spans = got["trace"], {s["name"]: s for s in got["spans"]}
    assert trace["project"] == "support-bot" and trace["name"] == "outer"
    assert (trace["thread_id"], trace["user_id"], trace["tags"]) == ("chat-7", "ann", ["lf"])
    assert trace["input"] is not None and trace["output"] == "Refunds within 30 days."
    assert {n: s["type"] for n, s in spans.items()} == {"outer": "general", "answer-question": "general",
                                                        "retrieve": "retriever", "llm-call": "llm"}
    assert spans["answer-question"]["parent_span_id"] == spans["outer"]["id"]
    assert spans["llm-call"]["parent_span_id"] == spans["answer-question"]["id"]
    gen = spans["llm-call"]
    assert gen["input"] == {"messages": [{"role": "user", "content": "Can I get a refund?"}]}
    assert gen["output"] == {"role": "assistant", "content": "Refunds within 30 days."}
    assert gen["model"] == "gpt-4o-mini" and gen["metadata"]["model_parameters"] == {"temperature": 0}
    assert gen["usage"] == {"prompt_tokens": 25, "completion_tokens": 7, "cached_tokens": 5}
    assert gen["cost"] == pytest.approx(0.003) and trace["cost"] == pytest.approx(0.003)
    assert trace["metadata"]["tier"] == "gold"  # propagated trace metadata
    client.shutdown()


def _basic(public: str, secret: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{public}:{secret}".encode()).decode(), **PB}


def test_keys_are_checked(server, public_key):
    body = sdk_request(lambda t: t.start_span("s").end()).SerializeToString()
    url = f"{server.url}/api/public/otel/v1/traces"
    assert httpx.post(url, content=body, headers=PB).status_code == 401
    assert httpx.post(url, content=body, headers=_basic(public_key, "wrong")).status_code == 401
    assert httpx.post(url, content=body, headers=_basic(public_key, SECRET)).status_code == 200
    assert httpx.get(f"{server.url}/api/public/projects", headers=_basic(public_key, SECRET)).json()["data"][0][
        "name"] == "support-bot"


def test_without_a_key_table_the_public_key_names_the_project(client):
    request = sdk_request(lambda t: t.start_span("s").end())
    response = client.post("/api/public/otel/v1/traces", content=request.SerializeToString(),
                           headers=_basic("pk-lf-team-a", "anything"))
    assert response.status_code == 200
    span_id = request.resource_spans[0].scope_spans[0].spans[0].span_id.hex()
    assert client.get(f"/api/v1/spans/{span_id}").json()["project"] == "pk-lf-team-a"
