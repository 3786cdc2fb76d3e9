"""`spyglass demo`: realistic sample data so a new user sees a full UI at once.

Two projects over the past week: a RAG chatbot (embedding, retrieval with scored documents,
reranking, an LLM answer; multi-turn threads) and a tool-using agent (LLM tool calls, tools,
a final answer). Some runs fail; many carry feedback scores from people, the SDK and online
evaluation. Records go through the normal ingest path: the store, or a running server's API."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

RAG_PROJECT, AGENT_PROJECT = "demo-rag-chatbot", "demo-tool-agent"
Record = dict[str, Any]

DOCS = [
    {"id": "kb-refunds", "source": "help/refunds.md", "text": "Refunds are issued within 30 days of purchase to the "
     "original payment method. Digital goods can be refunded if they were not downloaded."},
    {"id": "kb-shipping", "source": "help/shipping.md", "text": "Standard shipping takes 3-5 business days; express "
     "shipping takes 1-2 days and costs $12."},
    {"id": "kb-warranty", "source": "help/warranty.md", "text": "Every Acme device has a two-year warranty covering "
     "manufacturing defects, not accidental damage."},
    {"id": "kb-password", "source": "help/account.md", "text": "You can reset your password from the sign-in page; the "
     "reset link is valid for one hour."},
    {"id": "kb-plans", "source": "pricing.md", "text": "The Pro plan costs $20 per month and includes 5 seats; extra "
     "seats are $4 each."},
    {"id": "kb-export", "source": "help/export.md", "text": "Data can be exported as CSV or JSON from Settings > Export; "
     "exports of more than 1 GB are emailed."},
    {"id": "kb-cn", "source": "help/zh/退款.md", "text": "退款会在购买后 30 天内退回原支付方式。"},
]
QUESTIONS = ["How do refunds work?", "How long does shipping take?", "Is accidental damage covered by the warranty?",
             "I forgot my password, what do I do?", "How much is the Pro plan for 8 people?",
             "Can I export my data to CSV?", "退款需要多久？", "Do you ship express?"]
TOOLS = {"get_weather": "weather.example", "search_flights": "flights.example", "book_hotel": "hotels.example"}
AGENT_TASKS = [
    {"ask": "Find me a flight from Berlin to Lisbon next Friday and tell me the weather there.",
     "steps": [("search_flights", {"from": "BER", "to": "LIS", "date": "next friday"},
                {"flights": [{"id": "TP541", "depart": "07:05", "price_eur": 129}]}),
               ("get_weather", {"city": "Lisbon"}, {"forecast": "sunny", "high_c": 24})],
     "answer": "Flight TP541 leaves Berlin at 07:05 for EUR 129. Lisbon will be sunny with a high of 24 C."},
    {"ask": "Book a hotel in Tokyo for two nights from May 3.",
     "steps": [("book_hotel", {"city": "Tokyo", "check_in": "2026-05-03", "nights": 2},
                {"confirmation": "HT-88412", "hotel": "Shinjuku Garden", "total_jpy": 41000})],
     "answer": "Booked Shinjuku Garden for two nights from May 3 (confirmation HT-88412, JPY 41,000)."},
    {"ask": "What's the weather in Shanghai and are there flights from Beijing tomorrow morning?",
     "steps": [("get_weather", {"city": "Shanghai"}, {"forecast": "rain", "high_c": 19}),
               ("search_flights", {"from": "PEK", "to": "SHA", "date": "tomorrow"},
                {"flights": [{"id": "MU5138", "depart": "08:00", "price_cny": 980}]})],
     "answer": "Shanghai: rain, 19 C. MU5138 leaves Beijing at 08:00 tomorrow for CNY 980."},
]


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Builder:
    """Collects traces, spans and scores of one project, with times laid out as it goes."""

    def __init__(self, project: str, rng: random.Random) -> None:
        self.project, self.rng = project, rng
        self.traces: list[Record] = []
        self.spans: list[Record] = []
        self.scores: list[Record] = []

    def span(self, trace_id: str, parent: str | None, name: str, kind: str, start: datetime, ms: float,
             **fields: Any) -> tuple[str, datetime]:
        span_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
        end = start + timedelta(milliseconds=ms)
        self.spans.append({"id": span_id, "trace_id": trace_id, "parent_span_id": parent, "name": name, "type": kind,
                           "start_time": iso(start), "end_time": iso(end), **fields})
        return span_id, end

    def score(self, target: str, target_id: str, name: str, **fields: Any) -> None:
        self.scores.append({"target": target, "target_id": target_id, "name": name, "project": self.project, **fields})

    def body(self) -> Record:
        return {"project": self.project, "traces": self.traces, "spans": self.spans, "scores": self.scores}


def _usage(rng: random.Random, prompt: int, completion: int) -> Record:
    p, c = prompt + rng.randint(0, prompt // 2), completion + rng.randint(0, completion)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def rag_turn(b: Builder, start: datetime, thread_id: str, user_id: str, question: str, history: list[Record]
             ) -> datetime:
    rng = b.rng
    trace_id = str(uuid.UUID(int=rng.getrandbits(128)))
    root, t = b.span(trace_id, None, "answer_question", "chain", start, 1)
    _, t = b.span(trace_id, root, "embed_query", "embedding", t, rng.uniform(40, 120), model="text-embedding-3-small",
                  provider="openai", input={"text": question}, usage={"prompt_tokens": 12, "total_tokens": 12})
    docs = rng.sample(DOCS, 4)
    found = [{"id": d["id"], "content": d["text"], "score": round(rng.uniform(0.55, 0.93), 3),
              "metadata": {"source": d["source"]}} for d in docs]
    _, t = b.span(trace_id, root, "vector_search", "retriever", t, rng.uniform(20, 90),
                  input={"query": question, "top_k": 4}, output={"documents": found})
    found.sort(key=lambda d: -d["score"])
    _, t = b.span(trace_id, root, "rerank", "reranker", t, rng.uniform(30, 80), output={"documents": found[:2]})
    context = "\n\n".join(d["content"] for d in found[:2])
    messages = [{"role": "system", "content": "You answer questions about Acme's products using only the context."},
                *history, {"role": "user", "content": f"Context:\n{context}\n\nQuestion: {question}"}]
    failed = rng.random() < 0.07
    answer = f"{found[0]['content'].split('.')[0]}. Anything else I can help with?"
    llm = {"model": "gpt-4o-mini", "provider": "openai", "input": {"messages": messages},
           "usage": _usage(rng, 380 + 60 * len(history), 60)}
    if failed:
        llm["error"] = {"type": "APITimeoutError", "message": "Request timed out after 30s",
                        "traceback": "Traceback (most recent call last):\n  ...\nopenai.APITimeoutError: Request timed out."}
    else:
        llm["output"] = {"role": "assistant", "content": answer}
    llm_id, t = b.span(trace_id, root, "openai.chat", "llm", t, rng.uniform(30000, 31000) if failed else
                       rng.uniform(600, 3200), **llm)
    b.spans[-5]["end_time"] = iso(t + timedelta(milliseconds=2))
    b.traces.append({"id": trace_id, "name": "rag.answer", "start_time": iso(start), "end_time": iso(t),
                     "input": {"question": question}, "output": None if failed else {"answer": answer},
                     "thread_id": thread_id, "user_id": user_id, "tags": rng.sample(["prod", "web", "beta", "mobile"], 2),
                     "metadata": {"env": "prod", "app_version": rng.choice(["1.4.2", "1.5.0"])},
                     "error": {"type": "APITimeoutError", "message": "LLM call timed out"} if failed else None})
    if not failed and rng.random() < 0.6:
        b.score("trace", trace_id, "hallucination", value=round(rng.uniform(0, 0.4), 2), source="online_eval",
                reason="The answer is supported by the retrieved context.")
    if rng.random() < 0.3:
        b.score("trace", trace_id, "user_feedback", value=float(rng.random() > 0.2), label=None, source="sdk")
    if rng.random() < 0.15:
        b.score("span", llm_id, "correctness", value=rng.choice([0.0, 0.5, 1.0]), source="ui", author="reviewer",
                reason="Checked against the docs.")
    history.extend([{"role": "user", "content": question}, {"role": "assistant", "content": answer}])
    return t


def agent_run(b: Builder, start: datetime, task: Record) -> None:
    rng = b.rng
    trace_id = str(uuid.UUID(int=rng.getrandbits(128)))
    root, t = b.span(trace_id, None, "travel_agent", "agent", start, 1, input={"task": task["ask"]})
    messages: list[Record] = [{"role": "system", "content": "You are a travel assistant. Use tools when needed."},
                              {"role": "user", "content": task["ask"]}]
    failed = rng.random() < 0.1
    for step, (tool, args, result) in enumerate(task["steps"]):
        call_id = f"call_{step}_{rng.randint(1000, 9999)}"
        call = {"id": call_id, "type": "function", "function": {"name": tool, "arguments": orjson.dumps(args).decode()}}
        _, t = b.span(trace_id, root, "anthropic.messages", "llm", t, rng.uniform(700, 2500), model="claude-3-5-sonnet",
                      provider="anthropic", input={"messages": list(messages)},
                      output={"role": "assistant", "content": None, "tool_calls": [call]}, usage=_usage(rng, 520, 40))
        tool_fail = failed and step == len(task["steps"]) - 1
        _, t = b.span(trace_id, root, tool, "tool", t, rng.uniform(80, 900), input=args,
                      output=None if tool_fail else result,
                      error={"type": "HTTPError", "message": f"{TOOLS[tool]} returned 503"} if tool_fail else None)
        messages += [{"role": "assistant", "content": None, "tool_calls": [call]},
                     {"role": "tool", "tool_call_id": call_id, "content": orjson.dumps(result).decode()}]
        if tool_fail:
            break
    if not failed:
        _, t = b.span(trace_id, root, "anthropic.messages", "llm", t, rng.uniform(900, 2600), model="claude-3-5-sonnet",
                      provider="anthropic", input={"messages": list(messages)},
                      output={"role": "assistant", "content": task["answer"]}, usage=_usage(rng, 900, 120))
    root_span = next(s for s in b.spans if s["id"] == root)
    root_span["end_time"] = iso(t)
    b.traces.append({"id": trace_id, "name": "agent.run", "start_time": iso(start), "end_time": iso(t),
                     "input": {"task": task["ask"]}, "output": None if failed else {"answer": task["answer"]},
                     "tags": ["agent", rng.choice(["prod", "staging"])], "user_id": f"user-{rng.randint(1, 40)}",
                     "metadata": {"env": "prod", "tools": len(task["steps"])},
                     "error": {"type": "ToolError", "message": "a tool failed"} if failed else None})
    if not failed:
        b.score("trace", trace_id, "task_completed", value=1.0, label="done", source="online_eval",
                reason="All requested steps were performed.")


def build(seed: int = 7, conversations: int = 40, agent_runs: int = 60, now: datetime | None = None) -> list[Record]:
    """Ingest bodies (one per project) covering the past seven days."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    rag, agent = Builder(RAG_PROJECT, rng), Builder(AGENT_PROJECT, rng)
    for i in range(conversations):
        start = now - timedelta(days=7) + timedelta(seconds=rng.uniform(0, 7 * 86400 - 3600))
        thread_id, history = f"conv-{i + 1:03d}", []
        for question in rng.sample(QUESTIONS, rng.randint(1, 4)):
            start = rag_turn(rag, start, thread_id, f"user-{rng.randint(1, 25)}", question, history)
            start += timedelta(seconds=rng.uniform(15, 120))
        if rng.random() < 0.3:
            rag.score("thread", thread_id, "conversation_quality", value=round(rng.uniform(0.5, 1), 2), source="ui",
                      author="reviewer", reason="Resolved the user's problem.")
    for _ in range(agent_runs):
        start = now - timedelta(days=7) + timedelta(seconds=rng.uniform(0, 7 * 86400 - 600))
        agent_run(agent, start, rng.choice(AGENT_TASKS))
    return [rag.body(), agent.body()]


async def _write_to_store(bodies: list[Record]) -> int:
    from spyglass.server.ingest.submit import write_items
    from spyglass.server.model.validate import validate_ingest
    from spyglass.server.settings import Settings
    from spyglass.server.store.base import Store

    store = Store(Settings.from_env())
    store.open()
    written = 0
    try:
        for body in bodies:
            validated = validate_ingest(orjson.dumps(body))
            written += await write_items(store, validated.items, validated.project)
    finally:
        store.close()
    return written


def seed_store(bodies: list[Record]) -> int:
    """Write through the configured database's store (SPYGLASS_DB_URL); returns items written."""
    return asyncio.run(_write_to_store(bodies))


def seed_url(bodies: list[Record], url: str) -> int:
    """Write through a running server's ingest API."""
    import httpx

    written = 0
    with httpx.Client(base_url=url.rstrip("/"), timeout=60) as client:
        for body in bodies:
            response = client.post("/api/v1/ingest", content=orjson.dumps(body),
                                   headers={"Content-Type": "application/json"})
            response.raise_for_status()
            written += sum(response.json()["accepted"].values())
    return written
