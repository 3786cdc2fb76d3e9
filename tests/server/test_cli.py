"""The `spyglass` command line, run as a real subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

SPYGLASS = str(Path(sys.executable).parent / "spyglass")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SPYGLASS, *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_db_upgrade_creates_the_schema(db_url):
    result = run("db", "upgrade", "--db", db_url)
    assert result.returncode == 0, result.stderr
    assert "newest schema" in result.stderr


def test_bad_database_url_is_one_clear_line():
    result = run("db", "upgrade", "--db", "mysql://nobody@localhost/x")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["error: unsupported database 'mysql' in 'mysql://nobody@localhost/x': "
                                                  "use sqlite or postgresql"]
    garbage = run("serve", "--db", "::not a url::")
    assert garbage.returncode == 1 and "bad database URL" in garbage.stderr


def test_unreachable_postgres_is_one_clear_line():
    result = run("db", "upgrade", "--db", "postgresql://postgres@127.0.0.1:1/nothing")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot open database") and len(result.stderr.splitlines()) <= 2


def test_database_path_under_a_file_is_one_clear_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("db", "upgrade", "--db", f"sqlite:///{blocker}/sub/x.db")
    assert result.returncode == 1
    assert "cannot create database directory" in result.stderr


def test_port_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port), "--db", f"sqlite:///{tmp_path}/x.db")
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr


def test_bad_setting_in_environment(tmp_path):
    result = run("serve", "--db", f"sqlite:///{tmp_path}/x.db", env={"SPYGLASS_PORT": "lots"})
    assert result.returncode == 1 and "SPYGLASS_PORT='lots' is not a valid int" in result.stderr


def test_configure_writes_the_sdk_config(tmp_path):
    target = tmp_path / "config.toml"
    result = run("configure", "--url", "http://127.0.0.1:9999", "--project", "shop",
                 env={"SPYGLASS_CONFIG_FILE": str(target)})
    assert result.returncode == 0, result.stderr
    text = target.read_text()
    assert "http://127.0.0.1:9999" in text and "shop" in text


def test_serve_creates_a_fresh_database_and_answers(tmp_path):
    from tests.server.test_durability import free_port, start

    db = tmp_path / "nested" / "new.db"
    port = free_port()
    server = start(f"sqlite:///{db}", port)
    try:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/")
        page = conn.getresponse()
        assert page.status == 200 and b"Spyglass" in page.read()
        assert db.exists()
    finally:
        server.terminate()
        server.wait(30)


def test_malformed_langfuse_key_table_fails_at_start(tmp_path):
    result = run("serve", "--db", f"sqlite:///{tmp_path}/x.db", env={"SPYGLASS_LANGFUSE_KEYS": "no-equals-sign"})
    assert result.returncode == 1
    assert "SPYGLASS_LANGFUSE_KEYS entry 'no-equals-sign' is not public:secret=project" in result.stderr
