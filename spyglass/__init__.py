"""Spyglass: trace, evaluate and monitor LLM applications.

The package root exposes the tracing SDK (`spyglass.sdk`); the server lives in
`spyglass.server` and is never imported by the SDK.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_SDK_NAMES = ("track", "span", "update_current_span", "update_current_trace", "get_current_trace_id",
              "get_current_span_id", "flush", "init", "configure", "Client", "FlushResult", "SpyglassAPIError")


def __getattr__(name: str) -> Any:
    # Imported on first use, so `import spyglass` stays cheap for the server and the CLI.
    if name in _SDK_NAMES:
        from spyglass import sdk

        return getattr(sdk, name)
    raise AttributeError(f"module 'spyglass' has no attribute {name!r}")


__all__ = ["__version__", *_SDK_NAMES]
