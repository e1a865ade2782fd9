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


@register.filter
def figure(value: Any, kind: str) -> str:
    """A headline figure as its kind says: a count, an amount (give the currency after a colon) or a share."""
    if value is None:
        return format_html('<span class="muted">—</span>')
    if kind == "share":
        return percent(value)
    if kind.startswith("money"):
        return money(value, kind.partition(":")[2])
    return formats.number_format(value, decimal_pos=0, force_grouping=True)


@register.filter
def trend(change: Any, kind: str) -> str:
    """The change against the previous period: "+12.5%" for counts and amounts, "+3.0 pts" for shares."""
    from django.utils.translation import gettext as _

    if change is None:
        return format_html('<span class="stat-note">{}</span>', _("no previous figure"))
    number = formats.number_format(
        Decimal(change) if kind == "share" else Decimal(change) * 100, decimal_pos=1
    )
    sign = "+" if change > 0 else ("" if change < 0 else "±")
    css = "up" if change > 0 else ("down" if change < 0 else "")
    if kind == "share":
        text = _("%(sign)s%(number)s pts vs the previous period") % {"sign": sign, "number": number}
    else:
        text = _("%(sign)s%(number)s%% vs the previous period") % {"sign": sign, "number": number}
    return format_html('<span class="stat-note {}" data-testid="trend">{}</span>', css, text)


@register.filter
def heat(share: Any) -> int:
    """A share (0.25) as a heat level 0 … 5 for the heat-map cells (classes heat-0 … heat-5)."""
    if share is None or share == "":
        return 0
    value = Decimal(share)
    for level, limit in enumerate(
        (Decimal(0), Decimal("0.1"), Decimal("0.2"), Decimal("0.35"), Decimal("0.5"))
    ):
        if value <= limit:
            return level
    return 5


@register.simple_tag
def grey_cell(grey: Any, week: Any, code: str) -> int:
    return grey.cells.get((week, code), 0)


@register.simple_tag
def grey_total(grey: Any, week: Any) -> int:
    return grey.week_total(week)
