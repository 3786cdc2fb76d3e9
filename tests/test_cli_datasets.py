"""`spyglass datasets import|export`, run as a real subprocess against a real server."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import spyglass.sdk as sg
from tests.sdk.live import server  # noqa: F401 - fixture
from tests.sdk.live import Server

SPYGLASS = str(Path(sys.executable).parent / "spyglass")


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPYGLASS_")}
    env["SPYGLASS_CONFIG_FILE"] = str(tmp_path / "no-config.toml")
    return subprocess.run([SPYGLASS, "datasets", *args], capture_output=True, text=True, timeout=60, env=env)


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def test_import_then_export_csv_and_jsonl(server: Server, tmp_path: Path) -> None:
    source = tmp_path / "qa.csv"
    write_csv(source, [
        ["input", "expected_output", "metadata", "context"],
        ['{"q": "2+2"}', "4", '{"level": "easy"}', "arithmetic,\nsecond line"],
        ["What is the capital of France?", "Paris", "", '["geo", "europe"]'],
        ["[not json", "x", "{}", ""],
    ])
    first = run(tmp_path, "import", "qa", str(source), "--url", server.url)
    assert first.returncode == 0, first.stderr
    assert "imported 3 rows into dataset 'qa': 3 new, 0 updated, 0 duplicates skipped (version 1)" in first.stderr
    again = run(tmp_path, "import", "qa", str(source), "--url", server.url)
    assert "0 new, 0 updated, 3 duplicates skipped" in again.stderr

    client = sg.Client(url=server.url)
    items = {json.dumps(i["input"]): i["data"] for i in client.get_dataset("qa").get_items()}
    assert items['{"q": "2+2"}'] == {"input": {"q": "2+2"}, "expected_output": "4", "metadata": {"level": "easy"},
                                      "context": "arithmetic,\nsecond line"}
    assert items['"What is the capital of France?"']["context"] == ["geo", "europe"]  # JSON cell decoded
    assert items['"[not json"'] == {"input": "[not json", "expected_output": "x", "metadata": {}}

    jsonl = tmp_path / "out.jsonl"
    exported = run(tmp_path, "export", "qa", str(jsonl), "--url", server.url)
    assert exported.returncode == 0, exported.stderr
    assert "exported 3 items of dataset 'qa' (version 1)" in exported.stderr
    assert sorted(json.dumps(json.loads(line), sort_keys=True) for line in jsonl.read_text().splitlines()) == \
        sorted(json.dumps(d, sort_keys=True) for d in items.values())

    out_csv = tmp_path / "out.csv"
    assert run(tmp_path, "export", "qa", str(out_csv), "--url", server.url).returncode == 0
    with out_csv.open(newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["input", "expected_output", "metadata", "context"]
        assert len(list(reader)) == 3
    # the exported files import back to the same items
    for path, name in ((jsonl, "copy-jsonl"), (out_csv, "copy-csv")):
        result = run(tmp_path, "import", name, str(path), "--url", server.url)
        assert "3 new" in result.stderr, result.stderr
        copy = {json.dumps(i["data"], sort_keys=True) for i in client.get_dataset(name).get_items()}
        assert copy == {json.dumps(d, sort_keys=True) for d in items.values()}
    client.close()


def test_export_of_an_earlier_version(server: Server, tmp_path: Path) -> None:
    source = tmp_path / "v.jsonl"
    source.write_text('{"input": "a"}\n\n{"input": "b", "tags": ["t"]}\n')
    assert run(tmp_path, "import", "v", str(source), "--url", server.url).returncode == 0
    source.write_text('{"input": "c"}\n')
    assert "version 2" in run(tmp_path, "import", "v", str(source), "--url", server.url).stderr
    old = tmp_path / "old.jsonl"
    result = run(tmp_path, "export", "v", str(old), "--version", "1", "--url", server.url)
    assert result.returncode == 0, result.stderr
    assert sorted(old.read_text().splitlines()) == ['{"input": "a"}', '{"input": "b"}']
    missing = run(tmp_path, "export", "nope", str(old), "--url", server.url)
    assert missing.returncode == 1 and missing.stderr.startswith("error: not found at ")
    assert "nope" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1


def test_bad_input_is_one_clear_line(tmp_path: Path) -> None:
    def error(*args: str) -> str:
        result = run(tmp_path, *args)
        assert result.returncode == 1, result.stdout + result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        return lines[0]

    dead = "http://127.0.0.1:9"
    assert error("import", "x", str(tmp_path / "missing.csv"), "--url", dead) == \
        f"error: file not found: {tmp_path / 'missing.csv'}"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": 1}\n{"input": \n')
    assert error("import", "x", str(bad), "--url", dead).startswith(
        f"error: bad jsonl file: {bad} line 2: not valid JSON")
    (tmp_path / "list.jsonl").write_text("[1, 2]\n")
    assert "expected a JSON object" in error("import", "x", str(tmp_path / "list.jsonl"))
    meta = tmp_path / "meta.csv"
    write_csv(meta, [["input", "metadata"], ["q", "{oops"]])
    assert error("import", "x", str(meta)) == f"error: bad csv file: {meta} line 2: the metadata cell is not valid JSON"
    assert "--format csv" in error("import", "x", str(tmp_path / "data.txt"))
    assert error("import", "x", str(tmp_path / "d.txt"), "--format", "xml") == \
        "error: unknown format 'xml': use csv or jsonl"
    good = tmp_path / "good.jsonl"
    good.write_text('{"input": 1}\n')
    assert error("import", "x", str(good), "--url", dead) == \
        f"error: cannot reach Spyglass at {dead} (is `spyglass serve` running?)"
    assert error("export", "x", str(tmp_path / "o.csv"), "--url", dead).startswith("error: cannot reach Spyglass")
