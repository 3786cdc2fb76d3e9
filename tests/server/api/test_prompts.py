"""The prompt library over HTTP: versions, idempotent create, labels, resolve, diff, bad input."""

from __future__ import annotations

import json
import re


def create(client, name="greet", template="Hello {{name}}", status=201, **fields):
    response = client.post("/api/v1/prompts", json={"name": name, "template": template, **fields})
    assert response.status_code == status, response.text
    return response.json()


def resolve(client, name="greet", **params):
    return client.get(f"/api/v1/prompts/{name}/resolve", params=params)


def test_versions_are_numbered_and_identical_create_is_idempotent(client):
    first = create(client, description="greets", tags=["demo"])
    v1 = first["version"]
    assert (v1["version"], v1["name"], v1["variables"], v1["template_structure"], v1["type"]) == (
        1, "greet", ["name"], "text", "mustache")
    assert re.fullmatch(r"[0-9a-f]{8}", v1["commit"]) and first["prompt"]["description"] == "greets"
    same = create(client, status=200)
    assert same["version"]["id"] == v1["id"] and same["prompt"]["version_count"] == 1
    v2 = create(client, template="Hi {{name}}, about {{#topic}}{{title}}{{/topic}}", change_description="shorter")
    assert v2["version"]["version"] == 2 and v2["version"]["variables"] == ["name", "topic", "title"]
    v3 = create(client, template="Hi {{name}}, about {{#topic}}{{title}}{{/topic}}", metadata={"model": "m"})
    assert v3["version"]["version"] == 3 and v3["version"]["commit"] != v2["version"]["commit"]
    versions = client.get("/api/v1/prompts/greet/versions").json()["items"]
    assert [v["version"] for v in versions] == [3, 2, 1] and versions[1]["change_description"] == "shorter"
    prompt = client.get("/api/v1/prompts/greet").json()
    assert (prompt["version_count"], prompt["latest_version"]["version"], prompt["tags"]) == (3, 3, ["demo"])


def test_labels_move_and_resolve(client):
    create(client, labels=["production"])
    create(client, template="Hi {{name}}")
    create(client, template="Hey {{name}}")
    assert resolve(client).json()["version"] == 1  # production wins over latest
    moved = client.post("/api/v1/prompts/greet/labels", json={"label": "production", "version": 2})
    assert moved.status_code == 200 and moved.json()["labels"] == ["production"]
    client.post("/api/v1/prompts/greet/labels", json={"label": "staging", "version": 3})
    versions = {v["version"]: v["labels"] for v in client.get("/api/v1/prompts/greet/versions").json()["items"]}
    assert versions == {3: ["staging"], 2: ["production"], 1: []}
    assert client.get("/api/v1/prompts/greet").json()["labels"] == {"production": 2, "staging": 3}
    assert resolve(client).json()["version"] == 2
    assert resolve(client, label="staging").json()["version"] == 3
    assert resolve(client, label="latest").json()["version"] == 3
    assert resolve(client, version=1).json()["template"] == "Hello {{name}}"
    commit = resolve(client, version=2).json()["commit"]
    assert resolve(client, commit=commit).json()["version"] == 2
    assert client.delete("/api/v1/prompts/greet/labels/production").status_code == 204
    assert resolve(client).json()["version"] == 3
    assert resolve(client, label="production").status_code == 404
    assert resolve(client, version=9).status_code == 404
    assert client.delete("/api/v1/prompts/greet/labels/production").status_code == 404


def test_chat_and_jinja_templates(client):
    messages = [{"role": "system", "content": "You help with {{product}}."},
                {"role": "user", "content": [{"type": "text", "text": "{{question}}"}]}]
    chat = create(client, "support", messages, template_structure="chat")["version"]
    assert chat["template"] == messages and chat["variables"] == ["product", "question"]
    same = create(client, "support", json.dumps(messages), template_structure="chat", status=200)
    assert same["version"]["id"] == chat["id"]
    jinja = create(client, "report", "{% for x in items %}{{ x }} {{ sep }}{% endfor %}{{ footer }}",
                   type="jinja2")["version"]
    assert jinja["variables"] == ["items", "sep", "footer"]
    broken = client.post("/api/v1/prompts", json={"name": "bad", "template": "{% for %}", "type": "jinja2"})
    assert broken.status_code == 400 and broken.json()["error"].startswith("template")
    assert client.get("/api/v1/prompts/bad").status_code == 404


def test_diff_between_versions(client):
    create(client, template="Hello {{name}}\nBye")
    create(client, template="Hi {{name}}\nBye")
    body = client.get("/api/v1/prompts/greet/diff").json()
    assert (body["from"]["version"], body["to"]["version"]) == (1, 2)
    assert "-Hello {{name}}" in body["diff"] and "+Hi {{name}}" in body["diff"] and " Bye" in body["diff"]
    explicit = client.get("/api/v1/prompts/greet/diff", params={"from": 2, "to": 1}).json()
    assert "+Hello {{name}}" in explicit["diff"]
    missing = client.get("/api/v1/prompts/greet/diff", params={"from": 7})
    assert missing.status_code == 404 and missing.json()["error"].startswith("from")


def test_list_rename_delete(client):
    create(client, "alpha")
    create(client, "beta")
    page = client.get("/api/v1/prompts", params={"limit": 1}).json()
    assert [p["name"] for p in page["items"]] == ["beta"]
    rest = client.get("/api/v1/prompts", params={"limit": 1, "cursor": page["next_cursor"]}).json()
    assert [p["name"] for p in rest["items"]] == ["alpha"] and rest["next_cursor"] is None
    assert [p["name"] for p in client.get("/api/v1/prompts", params={"name_contains": "ET"}).json()["items"]] == [
        "beta"]
    assert client.patch("/api/v1/prompts/alpha", json={"name": "beta"}).status_code == 409
    assert client.patch("/api/v1/prompts/alpha", json={"name": "gamma"}).json()["name"] == "gamma"
    assert resolve(client, "gamma").json()["name"] == "gamma"
    assert client.delete("/api/v1/prompts/gamma").status_code == 204
    assert client.get("/api/v1/prompts/gamma").status_code == 404
    assert client.delete("/api/v1/prompts/gamma").status_code == 404


def test_bad_input_names_the_field(client):
    create(client)
    bad_label = client.post("/api/v1/prompts", json={"name": "x", "template": "t", "labels": ["Prod!"]})
    assert bad_label.status_code == 400 and bad_label.json()["error"].startswith("labels.0")
    latest = client.post("/api/v1/prompts/greet/labels", json={"label": "latest", "version": 1})
    assert latest.status_code == 400 and latest.json()["error"].startswith("label")
    no_version = client.post("/api/v1/prompts/greet/labels", json={"label": "staging", "version": 4})
    assert no_version.status_code == 404 and no_version.json()["error"].startswith("version")
    not_chat = client.post("/api/v1/prompts", json={"name": "c", "template": "plain", "template_structure": "chat"})
    assert not_chat.status_code == 400 and not_chat.json()["error"].startswith("template")
    no_role = client.post("/api/v1/prompts", json={"name": "c", "template": [{"content": "x"}],
                                                   "template_structure": "chat"})
    assert no_role.status_code == 400 and no_role.json()["error"].startswith("template.0.role")
    wrong_type = client.post("/api/v1/prompts", json={"name": "c", "template": "t", "type": "handlebars"})
    assert wrong_type.status_code == 422 and wrong_type.json()["error"].startswith("type")
    list_for_text = client.post("/api/v1/prompts", json={"name": "c", "template": [{"role": "user", "content": "x"}]})
    assert list_for_text.status_code == 400 and list_for_text.json()["error"].startswith("template")
    two = resolve(client, version=1, label="production")
    assert two.status_code == 400
    assert resolve(client, "nope").status_code == 404
    assert client.get("/api/v1/prompts/nope/versions").status_code == 404
