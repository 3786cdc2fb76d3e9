from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("langchain_core")

from langchain_core.documents import Document  # noqa: E402
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel  # noqa: E402
from langchain_core.messages import AIMessage  # noqa: E402
from langchain_core.output_parsers import StrOutputParser  # noqa: E402
from langchain_core.prompts import ChatPromptTemplate  # noqa: E402
from langchain_core.retrievers import BaseRetriever  # noqa: E402
from langchain_core.runnables import RunnableLambda  # noqa: E402
from langchain_core.tools import tool  # noqa: E402

import spyglass.sdk as sg  # noqa: E402
from spyglass.sdk.integrations.langchain import SpyglassCallbackHandler  # noqa: E402
from spyglass.sdk.testing import InMemoryExporter  # noqa: E402


def model() -> GenericFakeChatModel:
    reply = AIMessage(content="Paris is sunny", usage_metadata={"input_tokens": 7, "output_tokens": 3, "total_tokens": 10})
    return GenericFakeChatModel(messages=iter([reply]))


class Docs(BaseRetriever):
    def _get_relevant_documents(self, query: str, **kwargs: Any) -> list[Document]:
        return [Document(page_content=f"about {query}", metadata={"src": "kb"})]


@tool
def get_weather(city: str) -> str:
    """Weather of a city."""
    return f"sunny in {city}"


def spans_by_name(mem: InMemoryExporter) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in mem.spans}


def test_chain_with_prompt_model_parser(mem: InMemoryExporter) -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "be brief"), ("human", "weather in {city}?")])
    chain = (prompt | model() | StrOutputParser()).with_config(run_name="weather-chain")
    handler = SpyglassCallbackHandler(tags=["lc"])
    assert chain.invoke({"city": "Paris"}, config={"callbacks": [handler]}) == "Paris is sunny"
    spans = spans_by_name(mem)
    root = spans["weather-chain"]
    assert root["type"] == "chain" and "parent_span_id" not in root
    assert root["input"] == {"city": "Paris"} and root["output"] == "Paris is sunny"
    llm = spans["GenericFakeChatModel"]
    assert llm["type"] == "llm" and llm["parent_span_id"] == root["id"]
    assert llm["input"] == {"messages": [{"role": "system", "content": "be brief"},
                                         {"role": "user", "content": "weather in Paris?"}]}
    assert llm["output"]["content"] == "Paris is sunny" and llm["output"]["role"] == "assistant"
    assert llm["usage"] == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    assert {s["trace_id"] for s in mem.spans} == {root["trace_id"]}
    assert "lc" in root["tags"]
    assert len(mem.traces) == 1 and mem.traces[0]["name"] == "weather-chain"


def test_tools_and_retrievers_nest_under_track(mem: InMemoryExporter) -> None:
    handler = SpyglassCallbackHandler()

    @sg.track(type="agent")
    def agent(city: str) -> str:
        docs = Docs().invoke(city, config={"callbacks": [handler]})
        return get_weather.invoke({"city": city}, config={"callbacks": [handler]}) + docs[0].page_content

    assert agent("Oslo") == "sunny in Osloabout Oslo"
    spans = spans_by_name(mem)
    root = spans["agent"]
    retriever, weather = spans["Docs"], spans["get_weather"]
    assert retriever["type"] == "retriever" and retriever["parent_span_id"] == root["id"]
    assert retriever["input"] == {"query": "Oslo"}
    assert retriever["output"] == [{"page_content": "about Oslo", "metadata": {"src": "kb"}}]
    assert weather["type"] == "tool" and weather["parent_span_id"] == root["id"]
    assert weather["input"] == {"city": "Oslo"} and weather["output"] == "sunny in Oslo"


def test_errors_and_async(mem: InMemoryExporter) -> None:
    def boom(x: Any) -> Any:
        raise ValueError("bad step")

    failing = RunnableLambda(boom).with_config(run_name="failing")
    handler = SpyglassCallbackHandler()
    with pytest.raises(ValueError):
        failing.invoke(1, config={"callbacks": [handler]})
    assert spans_by_name(mem)["failing"]["error"]["message"] == "bad step"

    outer = (RunnableLambda(lambda x: x + 1) | RunnableLambda(lambda x: x * 2)).with_config(run_name="math")
    assert asyncio.run(outer.ainvoke(1, config={"callbacks": [handler]})) == 4
    spans = [s for s in mem.spans if s["trace_id"] == spans_by_name(mem)["math"]["trace_id"]]
    assert len(spans) == 3
    root = spans_by_name(mem)["math"]
    assert all(s.get("parent_span_id") == root["id"] for s in spans if s is not root and s["name"] != "math")


@sg.track(type="general")
def lookup(city: str) -> str:
    return f"data for {city}"


@tool
def forecast(city: str) -> str:
    """Forecast of a city."""
    return lookup(city)


@tool
async def aforecast(city: str) -> str:
    """Forecast of a city (async)."""
    return lookup(city)


@tool
def broken(city: str) -> str:
    """Always fails."""
    lookup(city)
    raise RuntimeError("no data")


def test_track_inside_a_tool_nests_under_the_tool_span(mem: InMemoryExporter) -> None:
    handler = SpyglassCallbackHandler()
    config: Any = {"callbacks": [handler]}
    assert forecast.invoke({"city": "Rome"}, config=config) == "data for Rome"
    assert asyncio.run(aforecast.ainvoke({"city": "Nice"}, config=config)) == "data for Nice"
    with pytest.raises(RuntimeError):
        broken.invoke({"city": "Lyon"}, config=config)
    assert sg.get_current_span_id() is None  # nothing leaks into the caller's context
    tools = {s["name"]: s for s in mem.spans if s["type"] == "tool"}
    looks = [s for s in mem.spans if s["name"] == "lookup"]
    assert [s["input"]["city"] for s in looks] == ["Rome", "Nice", "Lyon"]
    for look, name in zip(looks, ("forecast", "aforecast", "broken")):
        assert look["parent_span_id"] == tools[name]["id"] and look["trace_id"] == tools[name]["trace_id"]
    assert tools["broken"]["error"]["message"] == "no data"
    lookup("after")  # a later call is a new trace of its own
    assert "parent_span_id" not in mem.spans[-1]
