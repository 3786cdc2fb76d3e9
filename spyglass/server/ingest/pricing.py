"""The model price table lives in :mod:`spyglass.pricing`, shared by ingest and the judge
providers of :mod:`spyglass.evals`; this name stays for the ingest code that imports it."""

from spyglass.pricing import *  # noqa: F401,F403
from spyglass.pricing import __all__  # noqa: F401
