from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats, translation
from django.utils.html import format_html

register = template.Library()


@register.filter
def percent(value: Any) -> str:
    """A share (0.425) as a percentage in the page's language: "42.5%", "42,5 %"; a dash when undefined."""
    if value is None or value == "":
        return format_html('<span class="muted">—</span>')
    number = formats.number_format(Decimal(value) * 100, decimal_pos=1)
    if translation.get_language() == "fr":
        return f"{number}\u202f%"
    return f"{number}%"


@register.filter
def money(value: Any, currency: str) -> str:
    """An amount with its currency, grouped in the page's language: "12,500.00 EUR", "12 500,00 EUR"."""
    if value is None or value == "":
        return format_html('<span class="muted">—</span>')
    return f"{formats.number_format(Decimal(value), decimal_pos=2, force_grouping=True)}\u00a0{currency}"


@register.filter
def index(sequence: Any, position: int) -> Any:
    try:
        return sequence[position]
    except (IndexError, TypeError):
        return ""
