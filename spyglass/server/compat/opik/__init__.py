"""The opik SDK's REST API (and so Dify's Opik integration), served under /opik/api.

Requests are translated to canonical records and written through the ingest entry point;
reads translate stored rows back to Opik's shapes. No storage code lives here.
"""
