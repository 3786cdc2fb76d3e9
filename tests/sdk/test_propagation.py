from __future__ import annotations

import asyncio
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import spyglass.sdk as sg
from spyglass.sdk.asgi import SpyglassMiddleware
from spyglass.sdk.testing import InMemoryExporter


def test_inject_and_extract_round_trip_between_spyglass_services(mem: InMemoryExporter) -> None:
    headers: dict[str, str] = {}
    with sg.span("client-call") as caller:
        sg.inject(headers)
        assert sg.get_context() == headers
    assert headers["traceparent"] == f"00-{caller.trace_id.replace('-', '')}-{caller.id.replace('-', '')[16:]}-01"
    assert headers["tracestate"] == "spyglass=" + caller.id.replace("-", "")

    with sg.attach_context(headers) as trace_id:
        assert trace_id == caller.trace_id
        with sg.span("server-work"):
            pass
    server = next(s for s in mem.spans if s["name"] == "server-work")
    assert server["trace_id"] == caller.trace_id and server["parent_span_id"] == caller.id
    assert [t["name"] for t in mem.traces] == ["client-call"]  # the remote trace is not re-sent
    assert sg.get_current_trace_id() is None


def test_extract_foreign_traceparent_keeps_hex_ids(mem: InMemoryExporter) -> None:
    tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with sg.attach_context([(b"traceparent", tp.encode())]):
        with sg.span("handler"):
            pass
    span = mem.spans[0]
    assert span["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert span["parent_span_id"] == "00f067aa0ba902b7"


def test_invalid_or_missing_traceparent_is_ignored(mem: InMemoryExporter) -> None:
    for headers in ({}, {"traceparent": "garbage"}, {"traceparent": "00-" + "0" * 32 + "-00f067aa0ba902b7-01"}):
        with sg.attach_context(headers) as tid:
            assert tid is None
    assert sg.inject() == {}  # nothing current: nothing injected


def _app() -> Any:
    @sg.track(type="tool")
    def lookup(q: str) -> str:
        return q.upper()

    async def endpoint(request: Request) -> JSONResponse:
        return JSONResponse({"value": lookup(request.query_params["q"]), "trace": sg.get_current_trace_id()})

    async def crash(request: Request) -> JSONResponse:
        raise RuntimeError("boom")

    app = Starlette(routes=[Route("/lookup", endpoint), Route("/crash", crash), Route("/health", endpoint)])
    return SpyglassMiddleware(app, exclude_paths=("/health",))


def test_asgi_middleware_continues_the_callers_trace(mem: InMemoryExporter) -> None:
    async def main() -> None:
        transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            with sg.span("frontend") as front:
                r = await client.get("/lookup", params={"q": "abc"}, headers=sg.inject())
            assert r.json() == {"value": "ABC", "trace": front.trace_id}
            r2 = await client.get("/crash")
            assert r2.status_code == 500
            await client.get("/health", params={"q": "x"})

    asyncio.run(main())
    spans = {s["name"]: s for s in reversed(mem.spans)}  # first span of each name
    assert spans["GET /lookup"]["parent_span_id"] == spans["frontend"]["id"]
    assert spans["GET /lookup"]["metadata"] == {"http.method": "GET", "http.path": "/lookup", "http.status_code": 200}
    assert spans["lookup"]["parent_span_id"] == spans["GET /lookup"]["id"]
    crash = spans["GET /crash"]
    assert "parent_span_id" not in crash and crash["error"]["type"] == "RuntimeError"
    assert "GET /health" not in spans
    assert sorted(t["name"] for t in mem.traces) == ["GET /crash", "frontend", "lookup"]
