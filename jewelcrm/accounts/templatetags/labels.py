"""`{% load labels %}`: `{{ value|label:"vocabulary" }}`, the label of a coded value (see jewelcrm.labels)."""

from typing import Any

from django import template

from jewelcrm import labels

register = template.Library()


@register.filter(name="label")
def label(value: Any, vocabulary: str) -> str:
    return labels.label(vocabulary, value)


@register.filter(name="event_label")
def event_label(event: Any) -> str:
    """`{{ event|event_label }}`: the line of an item event (see jewelcrm.labels.event_label)."""
    return labels.event_label(getattr(event, "kind", ""), getattr(event, "data", None))
