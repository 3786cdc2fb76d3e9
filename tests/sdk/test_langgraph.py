"""The LangChain callback handler on a real LangGraph graph: an agent node and a tool node."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("langgraph")

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel  # noqa: E402
from langchain_core.messages import AIMessage, HumanMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from langgraph.graph import END, START, MessagesState, StateGraph  # noqa: E402
from langgraph.prebuilt import ToolNode  # noqa: E402

import spyglass.sdk as sg  # noqa: E402
from spyglass.sdk.integrations.langchain import SpyglassCallbackHandler  # noqa: E402
from spyglass.sdk.testing import InMemoryExporter  # noqa: E402


@sg.track(type="retriever")
def read_station(city: str) -> str:
    return f"{city}: 21C"


@tool
def get_weather(city: str) -> str:
    """Weather of a city."""
    return read_station(city)


def build_graph() -> Any:
    call = {"name": "get_weather", "args": {"city": "Oslo"}, "id": "call_1", "type": "tool_call"}
    replies = iter([AIMessage(content="", tool_calls=[call]), AIMessage(content="It is 21C in Oslo")])
    model = GenericFakeChatModel(messages=replies)

    def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    def route(state: MessagesState) -> str:
        return "tools" if getattr(state["messages"][-1], "tool_calls", None) else END

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode([get_weather]))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", route, ["tools", END])
    graph.add_edge("tools", "agent")
    return graph.compile()


def test_graph_with_tool_node(mem: InMemoryExporter) -> None:
    handler = SpyglassCallbackHandler()
    out = build_graph().invoke({"messages": [HumanMessage("weather in Oslo?")]}, config={"callbacks": [handler]})
    assert out["messages"][-1].content == "It is 21C in Oslo"

    spans = mem.spans
    by_id = {s["id"]: s for s in spans}
    assert len({s["trace_id"] for s in spans}) == 1 and len(mem.traces) == 1
    (root,) = [s for s in mem.spans if "parent_span_id" not in s]
    assert root["type"] == "chain" and root["name"] == "LangGraph"

    def parent(span: dict[str, Any]) -> dict[str, Any]:
        return by_id[span["parent_span_id"]]

    agents = [s for s in mem.spans if s["name"] == "agent"]
    assert len(agents) == 2 and all(a["type"] == "chain" and parent(a)["id"] == root["id"] for a in agents)
    llms = [s for s in mem.spans if s["type"] == "llm"]
    assert len(llms) == 2 and {parent(s)["id"] for s in llms} == {a["id"] for a in agents}
    assert llms[0]["output"]["tool_calls"][0]["args"] == {"city": "Oslo"}
    (tools_node,) = [s for s in mem.spans if s["name"] == "tools"]
    assert tools_node["type"] == "chain" and parent(tools_node)["id"] == root["id"]
    (weather,) = [s for s in mem.spans if s["type"] == "tool"]
    assert weather["name"] == "get_weather" and parent(weather)["id"] == tools_node["id"]
    assert weather["input"] == {"city": "Oslo"} and "21C" in str(weather["output"])
    (station,) = [s for s in mem.spans if s["name"] == "read_station"]
    assert parent(station)["id"] == weather["id"]  # a @track function called by the tool nests under it
    assert all(s["metadata"]["langgraph_node"] in ("agent", "tools") for s in agents + [tools_node])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_graph_async_nests_under_track(mem: InMemoryExporter) -> None:
    import asyncio

    handler = SpyglassCallbackHandler()

    @sg.track(type="agent")
    async def run() -> str:
        out = await build_graph().ainvoke({"messages": [HumanMessage("weather?")]}, config={"callbacks": [handler]})
        return str(out["messages"][-1].content)

    assert asyncio.run(run()) == "It is 21C in Oslo"
    by_id = {s["id"]: s for s in mem.spans}
    outer = next(s for s in mem.spans if s["name"] == "run")
    graph = next(s for s in mem.spans if s["name"] == "LangGraph")
    assert graph["parent_span_id"] == outer["id"]
    station = next(s for s in mem.spans if s["name"] == "read_station")
    assert by_id[station["parent_span_id"]]["name"] == "get_weather"
    assert len({s["trace_id"] for s in mem.spans}) == 1
