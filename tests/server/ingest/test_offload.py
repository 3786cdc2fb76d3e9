"""Large OTLP exports prepared in a helper process: same stored result, nothing lost if it dies."""

from __future__ import annotations

import asyncio
import fcntl
import multiprocessing
import os
import signal
import time
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from spyglass.server.app import create_app
from spyglass.server.ingest.offload import MIN_BYTES, PIPE_BYTES, Offload
from tests.server.compat.otlp_helpers import PB, sdk_request

TEXT = "refunds are accepted within thirty days of delivery " * 40  # ~2 KB


def _large_export(project: str):
    def build(tracer):
        with tracer.start_as_current_span("agent", attributes={"openinference.span.kind": "AGENT",
                                                               "input.value": "question", "session.id": "s-1"}):
            for i in range(40):
                with tracer.start_as_current_span(f"llm-{i}", attributes={
                    "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini",
                    "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": TEXT,
                    "llm.token_count.prompt": 100 + i, "llm.token_count.completion": 10,
                }):
                    pass

    request = sdk_request(build, {"service.name": project})
    body = request.SerializeToString()
    assert len(body) >= MIN_BYTES
    trace_id = request.resource_spans[0].scope_spans[0].spans[0].trace_id.hex()
    return body, trace_id


def _stored(client, trace_id):
    got = client.get(f"/api/v1/traces/{trace_id}").json()
    spans = sorted(got["spans"], key=lambda s: s["name"])
    return got["trace"]["project"], got["trace"]["usage"], [
        (s["name"], s["type"], s["input"], s["model"], s["usage"], s["cost"],
         s["attributes"]) for s in spans]


def _wait_until_ready(offload, deadline_s=60.0):
    deadline = time.monotonic() + deadline_s
    while not offload.ready:
        assert time.monotonic() < deadline, "helper processes did not start"
        time.sleep(0.05)


def test_a_large_export_prepared_by_a_helper_is_stored_as_one_prepared_inline(settings):
    with TestClient(create_app(settings)) as client:
        offload = client.app.state.store.offload
        first, first_trace = _large_export("inline-project")
        assert client.post("/v1/traces", content=first, headers=PB).status_code == 200
        assert offload.offloaded == 0  # the pool was still starting: prepared inline
        _wait_until_ready(offload)
        # A project the server has not seen: the helper asks for it, the server creates it.
        second, second_trace = _large_export("helper-project")
        assert client.post("/v1/traces", content=second, headers=PB).status_code == 200
        assert offload.offloaded == 2  # once to learn of the new project, once to prepare
        inline, helper = _stored(client, first_trace), _stored(client, second_trace)
        assert (inline[0], helper[0]) == ("inline-project", "helper-project")
        assert helper[1:] == inline[1:] and len(helper[2]) == 41
        assert helper[2][1][2] == {"messages": [{"role": "user", "content": TEXT}]}
        # A body the helper cannot decode: its error comes back as the same 400.
        garbage = client.post("/v1/traces", content=b"\xff\x00" * MIN_BYTES, headers=PB)
        assert garbage.status_code == 400 and offload.offloaded == 3


def test_a_killed_helper_costs_no_span(settings):
    with TestClient(create_app(settings)) as client:
        offload = client.app.state.store.offload
        body, _ = _large_export("warm-up")
        client.post("/v1/traces", content=body, headers=PB)
        _wait_until_ready(offload)
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGKILL)
        time.sleep(0.2)
        for project in ("after-kill", "starts-a-new-pool"):
            body, trace_id = _large_export(project)
            assert client.post("/v1/traces", content=body, headers=PB).status_code == 200
            assert len(client.get(f"/api/v1/traces/{trace_id}").json()["spans"]) == 41
        assert offload.offloaded == 0
        _wait_until_ready(offload)
        body, trace_id = _large_export("after-kill")
        assert client.post("/v1/traces", content=body, headers=PB).status_code == 200
        assert len(client.get(f"/api/v1/traces/{trace_id}").json()["spans"]) == 41
        assert offload.offloaded == 1


def test_a_disabled_pool_prepares_inline(settings):
    with TestClient(create_app(replace(settings, ingest_processes=0))) as client:
        body, trace_id = _large_export("no-helpers")
        assert client.post("/v1/traces", content=body, headers=PB).status_code == 200
        assert len(client.get(f"/api/v1/traces/{trace_id}").json()["spans"]) == 41
        offload = client.app.state.store.offload
        assert (offload.running, offload.offloaded) == (False, 0)


def test_helpers_stop_after_idle_time_and_start_again():
    async def scenario():
        # The work is a builtin (`pow`): a helper imports only what the work names.
        offload = Offload(1, ("math",), idle_seconds=0.5, min_bytes=10)
        assert await offload.run(5, pow, 2, 1) == 2 and not offload.running  # small: inline
        assert await offload.run(10, pow, 2, 2) == 4 and offload.running  # starts the pool
        deadline = time.monotonic() + 30
        while not offload.ready:
            assert time.monotonic() < deadline, "helper did not start"
            await asyncio.sleep(0.05)
        assert (await offload.run(10, pow, 2, 3), offload.offloaded) == (8, 1)
        await asyncio.sleep(1.2)
        assert not offload.running  # idle: the helper is gone
        assert await offload.run(10, pow, 2, 4) == 16 and offload.running
        offload.close()

    asyncio.run(scenario())


def test_the_pools_pipes_hold_a_whole_large_request():
    async def scenario():
        offload = Offload(1, ("math",), min_bytes=10)
        assert await offload.run(10, pow, 2, 2) == 4
        pool = offload._pool
        sizes = [fcntl.fcntl(queue._reader.fileno(), fcntl.F_GETPIPE_SZ)
                 for queue in (pool._call_queue, pool._result_queue)]
        offload.close()
        return sizes

    assert asyncio.run(scenario()) == [PIPE_BYTES, PIPE_BYTES]


def test_helpers_that_fail_to_start_leave_requests_inline(caplog):
    async def scenario():
        offload = Offload(1, ("spyglass.no_such_module",), min_bytes=10)
        assert await offload.run(10, pow, 2, 1) == 2
        deadline = time.monotonic() + 30
        while "failed to start" not in caplog.text:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert (await offload.run(10, pow, 2, 2), offload.ready, offload.offloaded) == (4, False, 0)
        offload.close()

    asyncio.run(scenario())


def test_helpers_the_system_refuses_leave_requests_inline(caplog, monkeypatch):
    """A process that cannot be spawned (EAGAIN: too many processes) costs no request, and
    starting is not tried again on every request."""
    import errno
    from concurrent.futures.process import ProcessPoolExecutor

    spawned = []

    def refuse(self):  # type: ignore[no-untyped-def]
        spawned.append(1)
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(ProcessPoolExecutor, "_spawn_process", refuse)

    async def scenario():
        offload = Offload(1, ("math",), min_bytes=10)
        assert await offload.run(10, pow, 2, 1) == 2
        assert await offload.run(10, pow, 2, 2) == 4
        assert (len(spawned), offload.running, offload.offloaded) == (1, False, 0)
        assert "cannot start ingest helper processes" in caplog.text
        offload.close()

    asyncio.run(scenario())


def test_helper_modules_start_without_sqlalchemy():
    """A helper is ready as soon as its modules are imported: they must stay light (no
    SQLAlchemy, ~0.2 s of imports), or large requests are prepared inline for longer."""
    import subprocess
    import sys

    from spyglass.server.store.base import OTLP_HELPER_MODULES

    code = ("import importlib, sys\n"
            f"for name in {OTLP_HELPER_MODULES!r}: importlib.import_module(name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'fastapi', 'alembic')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_large_grpc_export_is_prepared_by_a_helper(settings):
    """gRPC exports arrive as bytes and take the HTTP path: the same helper, the same errors."""
    import grpc
    import httpx
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    from tests.server.compat.otlp_helpers import free_port, live_server

    with live_server(replace(settings, otlp_grpc=True, otlp_grpc_port=free_port())) as server:
        offload = server.app.state.store.offload
        method = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
        with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
            export = channel.unary_unary(method, response_deserializer=ExportTraceServiceResponse.FromString)
            first, first_trace = _large_export("grpc-project")
            assert not export(first).HasField("partial_success")
            _wait_until_ready(offload)
            second, second_trace = _large_export("grpc-project")
            assert not export(second).HasField("partial_success")
            assert offload.offloaded == 1
            with pytest.raises(grpc.RpcError) as refused:
                export(b"\xff\x00" * MIN_BYTES)
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "ExportTraceServiceRequest" in refused.value.details()
        for trace_id in (first_trace, second_trace):
            got = httpx.get(f"{server.url}/api/v1/traces/{trace_id}").json()
            assert got["trace"]["project"] == "grpc-project" and len(got["spans"]) == 41
