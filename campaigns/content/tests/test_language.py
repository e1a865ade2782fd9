"""The safe template language: validation with line numbers, fallbacks, and the sandbox."""

from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError

from campaigns.content import language


def lines(source: str) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in language.validate(source)]


def test_a_valid_template_has_no_problem():
    source = (
        "{{ salutation }},\n"
        "{% if pieces %}You own {{ piece_names }}.{% endif %}\n"
        "{% for piece in pieces %}- {{ piece.name }} ({{ piece.collection|default('') }})\n{% endfor %}"
        "{{ birthday|date('d MMMM') }} {{ first_name|default('friend')|upper }} {{ value_band_label }}\n"
        "{% for r in recommendations %}{{ r.name }}{% endfor %} {{ brand_name }}"
    )
    assert language.validate(source) == []


def test_unknown_variable_is_refused_with_its_line():
    assert lines("Hello\n\n{{ first_name }} {{ frist_name }}") == [(3, "Unknown variable “frist_name”.")]


def test_unknown_variable_inside_a_block_is_refused_with_its_line():
    source = "{% if pieces %}\n  ok\n{% for p in pieces %}{{ p.name }}{{ password }}{% endfor %}\n{% endif %}"
    assert lines(source) == [(3, "Unknown variable “password”.")]


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("Hello\n{{ first_name ", 2),  # unclosed expression
        ("a\nb\n{% if pieces %}never closed", 3),
        ("{% for %}", 1),
        ("one\n{% endif %}", 2),
        ("x\ny\n{{ first_name|no_such_filter }}", 3),
    ],
)
def test_broken_markup_is_refused_with_its_line(source, line):
    problems = language.validate(source)
    assert len(problems) == 1
    assert problems[0].line == line


def test_attribute_errors_of_the_sample_are_reported_with_their_line():
    # A known variable used wrongly: the sample render with StrictUndefined finds it.
    problems = language.validate("ok\n{{ pieces[0].price }}")
    assert [p.line for p in problems] == [2]


@pytest.mark.parametrize(
    "source",
    [
        "{{ first_name.__class__ }}",
        "{{ first_name.__class__.__mro__[1].__subclasses__() }}",
        "{{ pieces.__class__ }}",
        "{{ first_name['__class__'] }}",
        "{{ first_name|attr('__class__') }}",
        "{{ first_name.upper() }}",
        "{{ 'a{0.__class__}'.format(first_name) }}",
        "{{ pieces.append(1) }}",
        "{{ lipsum() }}",
        "{{ range(10) }}",
        "{{ self }}",
        "{{ cycler }}",
        "{% import 'os' as os %}",
        "{% include 'base.html' %}",
        "{% extends 'base.html' %}",
        "{% macro m() %}x{% endmacro %}",
        "{{ config }}",
        "{{ request }}",
    ],
)
def test_sandbox_escapes_are_refused_at_save(source):
    assert language.validate(source) != [], source


@pytest.mark.parametrize(
    "source",
    [
        "{{ first_name.__class__ }}",
        "{{ first_name|attr('__class__') }}",
        "{{ first_name.upper() }}",
        "{{ pieces.append(1) }}",
    ],
)
def test_sandbox_refuses_at_render_too(source):
    # Even a source that skipped validation cannot reach Python internals when rendered.
    with pytest.raises(SecurityError):
        language.render(source, {"first_name": "Anna", "pieces": []})


def test_missing_values_render_their_fallback_or_default():
    assert language.render("[{{ first_name }}]", {}) == "[]"
    assert language.render("{{ first_name|default('dear friend') }}", {}) == "dear friend"
    assert language.render("{{ store_name }}|{{ last_piece }}", {}) == "our boutiques|your piece"
    assert language.render("{% for p in pieces %}x{% endfor %}.", {}) == "."
    assert language.render("{{ birthday|date }}.", {}) == "."


@pytest.mark.parametrize(
    "source",
    [
        "{% if value_band > 8 %}VIP{% endif %}",
        "{% if value_band <= 8 %}VIP{% endif %}",
        "{{ value_band + 1 }}",
        "{{ pieces[0].name }}",
        "{{ pieces|first }}",
        "{{ birthday.year }}",
        "{{ pieces|length }}",
    ],
)
def test_a_missing_value_never_fails_a_render(source):
    assert language.validate(source) == []
    assert language.render(source, {}) in ("", "0")
