"""Docs stay in step with the code."""

from __future__ import annotations

from pathlib import Path

from spyglass.server.settings import SETTINGS, Settings

DOCS = Path(__file__).parent.parent / "docs"


def test_every_setting_is_documented():
    text = (DOCS / "configuration.md").read_text()
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in text]
    assert missing == []


def test_settings_table_matches_settings_object():
    assert [s.name for s in SETTINGS] == list(Settings().as_dict())
    defaults = Settings().as_dict()
    assert all(s.default == defaults[s.name] for s in SETTINGS if s.default is not None)


def test_readme_quickstart_is_two_commands():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("## Quickstart", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert [line for line in block.strip().splitlines()] == ["pip install . && spyglass serve", "scripts/test"]


def test_frozen_search_migration_matches_the_search_module():
    """Changing store/search.py's structures needs a new migration, not a silent edit."""
    import importlib

    from spyglass.server.store import search

    migration = importlib.import_module("spyglass.server.store.migrations.versions.0002_text_search")
    assert migration.SQLITE == search.ddl("sqlite")
    assert migration.POSTGRESQL == search.ddl("postgresql")
