"""The Langfuse SDK's wire format: its OTLP endpoint and the few calls around it."""
