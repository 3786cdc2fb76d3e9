"""The real opik SDK (@track, manual traces and spans, feedback scores, threads) writing to a live
Spyglass; everything is checked through Spyglass's native API and UI."""

from __future__ import annotations

import warnings

import opik
from opik import opik_context

from tests.server.compat.opik.conftest import flush


def test_nested_track_becomes_a_trace_with_typed_spans(sdk, api, project):
    @opik.track(type="llm", name="call-model")
    def call_model(question: str) -> str:
        opik_context.update_current_span(model="gpt-4o-mini", provider="openai",
                                         usage={"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15})
        return "Paris"

    @opik.track(type="tool")
    def lookup(city: str) -> dict:
        return {"population": 2_100_000}

    @opik.track(name="answer", tags=["geo"], metadata={"env": "test"})
    def answer(question: str) -> str:
        city = call_model(question)
        lookup(city)
        opik_context.update_current_trace(thread_id="chat-1", feedback_scores=[{"name": "helpful", "value": 1.0}])
        return city

    assert answer("Capital of France?") == "Paris"
    flush(sdk)
    traces = api.get("/api/v1/traces", params={"project": project}).json()["items"]
    assert len(traces) == 1
    trace = api.get(f"/api/v1/traces/{traces[0]['id']}").json()
    head, spans = trace["trace"], {s["name"]: s for s in trace["spans"]}
    assert (head["name"], head["tags"], head["thread_id"]) == ("answer", ["geo"], "chat-1")
    assert head["input"] == {"question": "Capital of France?"} and head["output"] == {"output": "Paris"}
    assert head["metadata"]["env"] == "test"
    assert {n: s["type"] for n, s in spans.items()} == {"answer": "general", "call-model": "llm", "lookup": "tool"}
    assert spans["call-model"]["parent_span_id"] == spans["answer"]["id"] == spans["lookup"]["parent_span_id"]
    llm = spans["call-model"]
    assert (llm["model"], llm["provider"]) == ("gpt-4o-mini", "openai")
    assert llm["usage"]["prompt_tokens"] == 12 and llm["usage"]["completion_tokens"] == 3
    assert llm["cost"] is not None and llm["cost"] > 0  # priced by Spyglass from the model
    assert head["usage"]["total_tokens"] == 15 and head["span_count"] == 3
    assert [(s["name"], s["value"]) for s in head["feedback_scores"]] == [("helpful", 1.0)]
    page = api.get(f"/traces/{head['id']}")
    assert page.status_code == 200 and "answer" in page.text


def _trace_and_spans(api, trace_id: str) -> tuple[dict, dict[str, dict]]:
    got = api.get(f"/api/v1/traces/{trace_id}").json()
    return got["trace"], {s["name"]: s for s in got["spans"]}


def test_manual_traces_and_spans_with_updates(sdk, api, project):
    trace = sdk.trace(name="manual", input={"q": "hi"}, tags=["a"], metadata={"k": 1}, environment="staging")
    retrieve = trace.span(name="retrieve", type="tool", input={"q": "hi"})
    retrieve.end(output={"docs": ["d1"]})
    gen = trace.span(name="gen", type="llm", model="claude-3-5-haiku", provider="anthropic")
    flush(sdk)  # the create first, so that the cost the update gives is the last word
    gen.update(usage={"input_tokens": 40, "output_tokens": 8, "cache_read_input_tokens": 10},
               output={"text": "hello"}, total_cost=0.25)
    gen.end()
    failing = trace.span(name="broken", input={"x": 1})
    failing.end(error_info={"exception_type": "ValueError", "message": "bad x", "traceback": "Traceback ..."})
    trace.update(tags=["a", "b"], output={"answer": "hello"})
    trace.end()
    flush(sdk)

    head, spans = _trace_and_spans(api, trace.id)
    assert (head["project"], head["tags"], head["output"]) == (project, ["a", "b"], {"answer": "hello"})
    assert head["metadata"] == {"k": 1, "environment": "staging"} and head["end_time"] is not None
    assert spans["retrieve"]["output"] == {"docs": ["d1"]} and spans["retrieve"]["end_time"] is not None
    llm = spans["gen"]
    assert llm["usage"]["prompt_tokens"] >= 40 and llm["usage"]["completion_tokens"] == 8
    assert llm["usage"]["cached_tokens"] == 10 and llm["cost"] == 0.25
    assert spans["broken"]["error"] == {"type": "ValueError", "message": "bad x", "traceback": "Traceback ..."}
    assert head["status"] == "error" and head["cost"] == 0.25

    fetched = sdk.get_trace_content(trace.id)
    assert fetched.name == "manual" and fetched.tags == ["a", "b"] and fetched.environment == "staging"
    assert fetched.total_estimated_cost == 0.25 and fetched.span_count == 3
    span = sdk.get_span_content(gen.id)
    assert span.type == "llm" and span.usage["original_usage.cache_read_input_tokens"] == 10
    assert span.parent_span_id is None and span.trace_id == trace.id
    assert sdk.get_span_content(failing.id).error_info.exception_type == "ValueError"


def test_search_traces_and_spans_through_the_sdk(sdk, api, project):
    for i in range(3):
        trace = sdk.trace(name=f"t{i}", input={"i": i}, metadata={"batch": "x" if i else "y"},
                          tags=["even"] * (i % 2 == 0))
        trace.span(name="step", type="llm" if i == 1 else "general", usage={"prompt_tokens": i, "completion_tokens": 1})
        trace.end()
    flush(sdk)
    assert sorted(t.name for t in sdk.search_traces(project_name=project)) == ["t0", "t1", "t2"]
    assert sorted(t.name for t in sdk.search_traces(project_name=project, filter_string='metadata.batch = "x"')) == [
        "t1", "t2"]
    assert [t.name for t in sdk.search_traces(project_name=project, filter_string='name = "t0"')] == ["t0"]
    assert len(sdk.search_traces(project_name=project, filter_string='tags contains "even"')) == 2
    spans = sdk.search_spans(project_name=project, filter_string='type = "llm"')
    assert [s.name for s in spans] == ["step"] and spans[0].usage["prompt_tokens"] == 1
    assert len(sdk.search_traces(project_name=project, max_results=2)) == 2


def test_feedback_scores_on_traces_and_spans(sdk, api, project):
    trace = sdk.trace(name="scored", input={"q": 1})
    span = trace.span(name="inner")
    span.end()
    trace.end()
    sdk.log_traces_feedback_scores([{"id": trace.id, "name": "accuracy", "value": 0.75, "reason": "close"},
                                    {"id": trace.id, "name": "tone", "value": 1, "category_name": "polite"}])
    sdk.log_spans_feedback_scores([{"id": span.id, "name": "relevance", "value": 0.5}])
    flush(sdk)
    head, spans = _trace_and_spans(api, trace.id)
    scores = {s["name"]: s for s in head["feedback_scores"]}
    assert (scores["accuracy"]["value"], scores["accuracy"]["reason"], scores["accuracy"]["source"]) == (
        0.75, "close", "sdk")
    assert (scores["tone"]["value"], scores["tone"]["label"]) == (1.0, "polite")
    assert [(s["name"], s["value"]) for s in spans["inner"]["feedback_scores"]] == [("relevance", 0.5)]
    read_back = {s.name: s.value for s in sdk.get_trace_content(trace.id).feedback_scores}
    assert read_back == {"accuracy": 0.75, "tone": 1.0}

    sdk.delete_trace_feedback_score(trace.id, "accuracy")
    sdk.delete_span_feedback_score(span.id, "relevance")
    head, spans = _trace_and_spans(api, trace.id)
    assert [s["name"] for s in head["feedback_scores"]] == ["tone"] and spans["inner"]["feedback_scores"] == []


def test_threads_with_thread_scores(sdk, api, project):
    for turn in range(2):
        sdk.trace(name="turn", thread_id="conv-42", input={"user": f"hello {turn}"}, output={"bot": f"hi {turn}"}).end()
    sdk.trace(name="other", thread_id="conv-43", input={"user": "x"}).end()
    flush(sdk)
    threads = sdk.get_threads_client()
    threads.log_threads_feedback_scores([{"id": "conv-42", "name": "resolved", "value": 1.0, "reason": "done"}],
                                        project_name=project)
    flush(sdk)
    native = api.get("/api/v1/threads/conv-42", params={"project": project}).json()
    assert native["turn_count"] == 2
    assert [(s["name"], s["value"], s["reason"]) for s in native["feedback_scores"]] == [("resolved", 1.0, "done")]
    found = {t.id: t for t in threads.search_threads(project_name=project)}
    assert set(found) == {"conv-42", "conv-43"} and found["conv-42"].number_of_messages == 2
    assert found["conv-42"].first_message == {"user": "hello 0"} and found["conv-42"].last_message == {"bot": "hi 1"}
    assert [s.name for s in found["conv-42"].feedback_scores] == ["resolved"]
    assert [t.id for t in threads.search_threads(project_name=project, filter_string='id = "conv-43"')] == ["conv-43"]
    with warnings.catch_warnings():  # deprecated in the SDK, still called by older code
        warnings.simplefilter("ignore", DeprecationWarning)
        threads.close_thread("conv-42", project_name=project)
    assert api.get(f"/projects/{project}/threads/conv-42").status_code == 200


def test_native_traces_read_back_through_the_sdk(sdk, api, project):
    body = {"project": project, "traces": [{"id": "native-1", "name": "native", "input": {"q": "x"},
                                            "start_time": "2026-11-23T10:00:00Z", "end_time": "2026-11-23T10:00:01Z",
                                            "tags": ["n"], "thread_id": "th-native"}],
            "spans": [{"id": "native-1-llm", "trace_id": "native-1", "type": "retriever", "name": "find",
                       "start_time": "2026-11-23T10:00:00.5Z", "usage": {"prompt_tokens": 4, "completion_tokens": 2}}],
            "scores": [{"target": "trace", "target_id": "native-1", "name": "ok", "value": 1}]}
    assert api.post("/api/v1/ingest", json=body).status_code == 200
    trace = sdk.get_trace_content("native-1")
    assert (trace.name, trace.tags, trace.thread_id, trace.duration) == ("native", ["n"], "th-native", 1000.0)
    assert trace.usage == {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6}
    assert [(s.name, s.value) for s in trace.feedback_scores] == [("ok", 1.0)]
    [span] = sdk.search_spans(project_name=project, trace_id="native-1")
    assert (span.type, span.usage) == ("retriever", {"prompt_tokens": 4, "completion_tokens": 2})


def test_a_trailing_slash_on_the_url_works(base_url, api, project):
    client = opik.Opik(project_name=project, host=base_url + "/")
    client.auth_check()
    client.trace(name="slash", input={"a": 1}).end()
    flush(client)
    client.end(timeout=5)
    assert [t["name"] for t in api.get("/api/v1/traces", params={"project": project}).json()["items"]] == ["slash"]
