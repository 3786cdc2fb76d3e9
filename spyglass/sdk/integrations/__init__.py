"""Integrations with LLM client libraries and frameworks.

Each module imports its target library only when used; ``import spyglass.sdk`` imports none.
"""
