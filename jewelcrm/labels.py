"""Words, not codes: the labels of coded values people read (gender "female", an audit action
"claim.partially_approved", a field source "erp").

Model choices already carry their labels (`get_FOO_display`). This registry covers the values stored
without choices (free-text fields filled with well-known codes by imports and the API, JSON keys, audit
actions, item event kinds). Each app registers its vocabularies from its `labels` module in
`AppConfig.ready`, so the platform never imports the domains; templates read them with
`{% load labels %}{{ value|label:"gender" }}`.

An unknown value of a free-text vocabulary (a gender typed by hand) is shown as typed; a vocabulary may
instead give a fallback function (languages: Django's own translated language names).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

_VOCABULARIES: dict[str, dict[str, Any]] = {}
_FALLBACKS: dict[str, Callable[[str], str | None]] = {}


def register(
    vocabulary: str, labels: Mapping[str, Any], fallback: Callable[[str], str | None] | None = None
) -> None:
    """Add `labels` (value -> lazy translated label) to `vocabulary`."""
    _VOCABULARIES.setdefault(vocabulary, {}).update(labels)
    if fallback is not None:
        _FALLBACKS[vocabulary] = fallback


def labels(vocabulary: str) -> dict[str, Any]:
    """Every registered value -> label of `vocabulary` (for choices of a form or a filter)."""
    return dict(_VOCABULARIES.get(vocabulary, {}))


def is_known(vocabulary: str, value: Any) -> bool:
    return str(value) in _VOCABULARIES.get(vocabulary, {})


def label(vocabulary: str, value: Any) -> str:
    """The label of `value` in the active language; "" for an empty value; the value itself if unknown."""
    if value is None or value == "":
        return ""
    key = str(value)
    known = _VOCABULARIES.get(vocabulary, {})
    if key in known:
        return str(known[key])
    fallback = _FALLBACKS.get(vocabulary)
    if fallback is not None:
        found = fallback(key)
        if found:
            return found
    return key


def choices(vocabulary: str, *, blank: Any = None) -> list[tuple[str, Any]]:
    """The vocabulary as form choices, optionally preceded by a blank choice."""
    items = list(_VOCABULARIES.get(vocabulary, {}).items())
    return ([("", blank)] if blank is not None else []) + items


def event_label(kind: str, data: dict[str, Any] | None = None) -> str:
    """The line of an item event: "Sold", or "Intervention update: Ready for collection" (the status an
    intervention moved to is in the event's data)."""
    text = label("item_event", kind)
    status = (data or {}).get("status") if kind == "intervention_status" else None
    return f"{text}: {label('intervention_status', status)}" if status else text
