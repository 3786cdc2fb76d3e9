"""The LlamaIndex handler on the real ``llama-index-core``: its own mock LLM and embedding
classes drive the same callback code paths as real providers, with no network."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("llama_index.core")

from llama_index.core import Document, Settings, VectorStoreIndex  # noqa: E402
from llama_index.core.callbacks import CallbackManager  # noqa: E402
from llama_index.core.embeddings import MockEmbedding  # noqa: E402
from llama_index.core.llms import ChatMessage, MockLLM  # noqa: E402

import spyglass.sdk as sg  # noqa: E402
from spyglass.sdk.integrations.llamaindex import SpyglassLlamaIndexHandler, instrument_llama_index  # noqa: E402
from spyglass.sdk.testing import InMemoryExporter  # noqa: E402

DOCS = [Document(text="Oslo is cold"), Document(text="Rome is warm")]


@pytest.fixture(autouse=True)
def handler() -> Iterator[SpyglassLlamaIndexHandler]:
    saved = Settings.callback_manager
    Settings.callback_manager = CallbackManager([])
    try:
        yield instrument_llama_index()
    finally:
        Settings.callback_manager = saved


def query_engine() -> Any:
    index = VectorStoreIndex.from_documents(DOCS, embed_model=MockEmbedding(embed_dim=4))
    return index.as_query_engine(llm=MockLLM(max_tokens=3), similarity_top_k=1)


def test_query_engine_spans_and_nesting(mem: InMemoryExporter, handler: SpyglassLlamaIndexHandler) -> None:
    assert instrument_llama_index() is handler  # added once
    engine = query_engine()
    del mem.records[:]  # indexing embeds the documents: keep only the query's spans
    assert str(engine.query("weather in Oslo?")) == "text text text"

    spans = mem.spans
    by_id = {s["id"]: s for s in spans}
    (root,) = [s for s in spans if "parent_span_id" not in s]
    assert root["name"] == "query" and root["type"] == "chain"
    assert root["input"] == {"query": "weather in Oslo?"} and root["output"] == "text text text"

    def parent(name: str) -> str:
        (span,) = [s for s in spans if s["name"] == name]
        return str(by_id[span["parent_span_id"]]["name"])

    assert {s["name"]: s["type"] for s in spans} == {
        "query": "chain", "retrieve": "retriever", "embedding": "embedding", "synthesize": "chain", "llm": "llm"}
    assert (parent("retrieve"), parent("embedding"), parent("synthesize"), parent("llm")) == (
        "query", "retrieve", "query", "synthesize")
    retrieve = next(s for s in spans if s["name"] == "retrieve")
    assert retrieve["input"] == {"query": "weather in Oslo?"}
    assert [n["text"] for n in retrieve["output"]] in (["Oslo is cold"], ["Rome is warm"])
    embedding = next(s for s in spans if s["name"] == "embedding")
    assert embedding["output"] == {"embeddings": 1, "dimensions": 4}
    llm = next(s for s in spans if s["name"] == "llm")
    assert "weather in Oslo?" in llm["input"]["prompt"] and llm["output"] == "text text text"
    assert mem.traces[0]["name"] == "query"


def test_chat_nests_under_track_and_errors_are_recorded(mem: InMemoryExporter) -> None:
    llm = MockLLM(max_tokens=2)

    @sg.track(type="agent")
    def agent() -> str:
        return str(llm.chat([ChatMessage(role="user", content="hi")]).message.content)

    assert agent() == "text text"
    outer, chat = next(s for s in mem.spans if s["name"] == "agent"), next(s for s in mem.spans if s["name"] == "llm")
    assert chat["parent_span_id"] == outer["id"] and chat["type"] == "llm"
    # MockLLM answers chat through its completion path, as every CustomLLM does
    assert chat["input"] == {"prompt": "user: hi\nassistant: "} and chat["output"] == "text text"

    class Broken(MockLLM):
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
            raise RuntimeError("model down")

    engine = VectorStoreIndex.from_documents(DOCS, embed_model=MockEmbedding(embed_dim=4)).as_query_engine(
        llm=Broken(max_tokens=2))
    with pytest.raises(RuntimeError):
        engine.query("x")
    failed = [s["name"] for s in mem.spans if s.get("error", {}).get("message") == "model down"]
    assert "synthesize" in failed  # where LlamaIndex reports the exception
    assert "query" in [s["name"] for s in mem.spans[-4:]]  # the enclosing spans still end
