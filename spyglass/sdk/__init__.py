"""Spyglass tracing SDK.

``@track`` functions, ``with span(...)`` blocks, ``update_current_span/trace``, ``flush()``,
and :class:`Client` for manual traces, feedback, reads, datasets, experiments and prompts.
Importing this package reads no files and starts no threads; the first traced call resolves
configuration (arguments to ``init()``, then ``SPYGLASS_*`` environment, then
``~/.spyglass/config.toml``).
"""

from __future__ import annotations

from ._version import VERSION as __version__
from .client import Client, SpyglassAPIError
from .config import Config, configure, resolve_config
from .context import ContextThreadPoolExecutor, wrap_context
from .datasets import Dataset
from .decorator import track
from .experiments import Experiment
from .exporter import FlushResult
from .prompts import Prompt
from .propagation import attach_context, extract, get_context, inject
from .span import get_current_span_id, get_current_trace_id, span, update_current_span, update_current_trace
from .state import flush, init
from .templates import MissingVariableError, TemplateError

__all__ = [
    "Client",
    "Config",
    "ContextThreadPoolExecutor",
    "Dataset",
    "Experiment",
    "FlushResult",
    "MissingVariableError",
    "Prompt",
    "SpyglassAPIError",
    "TemplateError",
    "__version__",
    "attach_context",
    "configure",
    "extract",
    "flush",
    "get_context",
    "get_current_span_id",
    "get_current_trace_id",
    "init",
    "inject",
    "resolve_config",
    "span",
    "track",
    "update_current_span",
    "update_current_trace",
    "wrap_context",
]
