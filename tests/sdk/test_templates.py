"""Prompt templates rendered on the client: mustache and sandboxed jinja2 (no server)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from spyglass.sdk import Prompt
from spyglass.sdk.templates import (MissingVariableError, TemplateError, messages_variables, render,
                                    render_messages, variables)


def test_mustache_variables_sections_inverted_and_dotted_names() -> None:
    template = ("Hi {{name}}, {{{raw}}}! {{#docs}}[{{title}}] {{/docs}}{{^docs}}no docs{{/docs}} "
                "{{user.city}} {{! a comment }}{{#flag}}on{{/flag}}")
    values = {"name": 'Ann & "Bob"', "raw": "<b>", "docs": [{"title": "a"}, {"title": "b"}],
              "user": {"city": "Oslo"}, "flag": True}
    assert render(template, values) == 'Hi Ann & "Bob", <b>! [a] [b]  Oslo on'
    assert render(template, {**values, "docs": [], "flag": False}) == 'Hi Ann & "Bob", <b>! no docs Oslo '
    assert variables(template) == ["name", "raw", "docs", "user", "flag"]


def test_mustache_values_are_plain_text_and_json() -> None:
    assert render("{{n}} {{f}} {{none}} {{obj}} {{items}}", {"n": 3, "f": 0.5, "none": None, "obj": {"k": "é"},
                                                               "items": [1, 2]}) == '3 0.5  {"k": "é"} [1, 2]'
    assert render("{{#xs}}{{.}},{{/xs}}", {"xs": ["a", "b"]}) == "a,b,"

    @dataclass
    class User:
        name: str

    assert render("{{user.name}}", {"user": User("Zoë")}) == "Zoë"


def test_mustache_does_not_call_methods_of_objects() -> None:
    class Account:
        def delete(self) -> str:
            raise AssertionError("called")

        def __str__(self) -> str:
            return "account"

    assert render("{{acct}}", {"acct": Account()}) == "account"
    with pytest.raises(MissingVariableError):
        render("{{acct.delete}}", {"acct": Account()})


def test_missing_variable_names_it() -> None:
    with pytest.raises(MissingVariableError) as info:
        render("Hello {{name}}", {"other": 1})
    assert info.value.name == "name"
    assert str(info.value) == "missing prompt variable 'name': pass it to format(), e.g. format(name=...)"
    with pytest.raises(MissingVariableError) as info:
        render("{{user.email}}", {"user": {"name": "x"}})
    assert info.value.name == "user.email"
    with pytest.raises(MissingVariableError, match="'title'"):
        render("{{#docs}}{{title}}{{/docs}}", {"docs": [{"body": "x"}]})
    # a missing section is false: that is what inverted sections are for
    assert render("{{#extra}}x{{/extra}}{{^extra}}none{{/extra}}", {}) == "none"


def test_bad_mustache_template() -> None:
    with pytest.raises(TemplateError, match="matching tag"):
        render("{{#open}} never closed", {"open": True})
    with pytest.raises(TemplateError, match="unknown template type"):
        render("x", {}, "handlebars")


def test_jinja2_renders_in_a_sandbox() -> None:
    template = "{% for d in docs %}- {{ d.title | upper }}\n{% endfor %}Q: {{ question }}"
    assert render(template, {"docs": [{"title": "a"}], "question": "why?"}, "jinja2") == "- A\nQ: why?"
    assert variables(template, "jinja2") == ["docs", "question"]
    assert render("{% if x is defined %}{{ x }}{% else %}-{% endif %}", {}, "jinja2") == "-"
    with pytest.raises(MissingVariableError) as info:
        render("Hi {{ name }}", {}, "jinja2")
    assert info.value.name == "name" and "name" in str(info.value)
    with pytest.raises(TemplateError, match="unsafe"):
        render("{{ x.__class__.__mro__ }}", {"x": 1}, "jinja2")
    with pytest.raises(TemplateError, match="line 1"):
        render("{% for %}", {}, "jinja2")


def test_chat_templates_render_each_message() -> None:
    messages = [
        {"role": "system", "content": "You answer about {{topic}}."},
        {"role": "user", "content": [{"type": "text", "text": "{{question}}"},
                                     {"type": "image_url", "image_url": {"url": "{{image}}"}}]},
    ]
    out = render_messages(messages, {"topic": "cats", "question": "why?", "image": "http://x/1.png"})
    assert out == [
        {"role": "system", "content": "You answer about cats."},
        {"role": "user", "content": [{"type": "text", "text": "why?"},
                                     {"type": "image_url", "image_url": {"url": "http://x/1.png"}}]},
    ]
    assert messages[0]["content"] == "You answer about {{topic}}."  # the template is not changed
    assert messages_variables(messages) == ["topic", "question", "image"]


def test_prompt_object_formats_text_and_chat() -> None:
    text = Prompt({"id": "v1", "name": "greet", "version": 2, "commit": "abcd1234", "template": "Hi {{name}}",
                   "template_structure": "text", "type": "mustache"})
    assert text.format(name="Ann") == "Hi Ann" and text.variables == ["name"]
    assert text.link() == {"name": "greet", "version": 2, "commit": "abcd1234", "id": "v1"}
    chat = Prompt({"id": "v2", "name": "qa", "version": 1, "commit": "ffff0000", "type": "jinja2",
                   "template_structure": "chat", "template": '[{"role": "user", "content": "{{ q }}"}]'})
    assert chat.format(q="why?") == [{"role": "user", "content": "why?"}]
    assert chat.variables == ["q"]
    with pytest.raises(MissingVariableError, match="'q'"):
        chat.format()
