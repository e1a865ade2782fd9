"""The measurement of a journey or campaign: what was sent, opened and clicked, and whether it changed
anything, against its hold-out group.

Converted = a purchase (paid order) or a piece registration by the customer within the conversion window
(N days from the day they were chosen), for recipients and hold-out alike. Uplift = conversion of the
recipients contacted minus conversion of the hold-out group, with a 95 % confidence interval by
Newcombe's hybrid score method (method 10 of Newcombe 1998, from two Wilson intervals), which stays inside
[-1, 1] and behaves with small groups and rates near 0. Revenue attributed = the recipients' revenue in the
window minus what the hold-out rate predicts for them (hold-out revenue per person × recipients).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from campaigns import sql

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def newcombe(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float, float] | None:
    """Difference p1 - p2 and its Newcombe hybrid score interval; None when a group is empty."""
    if n1 == 0 or n2 == 0:
        return None
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (difference, low, high)


@dataclass
class Group:
    people: int = 0
    converted: int = 0
    revenue: Decimal = Decimal(0)

    @property
    def rate(self) -> float | None:
        return self.converted / self.people if self.people else None


@dataclass
class Breakdown:
    label: Any
    recipients: Group = field(default_factory=Group)
    hold_out: Group = field(default_factory=Group)

    @property
    def uplift(self) -> tuple[float, float, float] | None:
        return newcombe(
            self.recipients.converted, self.recipients.people, self.hold_out.converted, self.hold_out.people
        )

    @property
    def uplift_percent(self) -> tuple[float, float, float] | None:
        """The uplift and its interval in percentage points."""
        found = self.uplift
        return tuple(100 * v for v in found) if found else None  # type: ignore[return-value]


@dataclass
class Results:
    chosen: int = 0
    sent: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    tracking: dict[str, int] = field(default_factory=dict)  # opens and clicks (campaigns.content)
    delivery: dict[str, int] = field(default_factory=dict)  # delivered, bounced… (campaigns.delivery)
    total: Breakdown = field(default_factory=lambda: Breakdown(label=_("Everyone")))
    by_segment: list[Breakdown] = field(default_factory=list)
    by_store: list[Breakdown] = field(default_factory=list)
    cost: Decimal = Decimal(0)
    window_days: int = 30

    @property
    def revenue_attributed(self) -> Decimal:
        recipients, hold_out = self.total.recipients, self.total.hold_out
        if not hold_out.people:
            return recipients.revenue
        baseline = hold_out.revenue / hold_out.people * recipients.people
        return (recipients.revenue - baseline).quantize(Decimal("0.01"))


def results(
    *,
    brand: Any,
    journey_id: int | None = None,
    campaign_id: int | None = None,
    window_days: int,
    cost_per_message: Decimal,
    segment_labels: dict[str, Any],
    store_names: dict[int, str],
) -> Results:
    """Counts per group, overall, by RFM segment (published scores) and by home store. Recipients who were
    chosen but skipped at send time (no consent any more, cap) are left out of the comparison: they were
    neither contacted nor held out on purpose."""
    rows = sql.outcomes(
        brand_id=brand.pk, journey_id=journey_id, campaign_id=campaign_id, window_days=window_days
    )
    out = Results(window_days=window_days)
    segments: dict[str, Breakdown] = defaultdict(lambda: Breakdown(label=""))
    stores: dict[Any, Breakdown] = defaultdict(lambda: Breakdown(label=""))
    skipped: dict[str, int] = defaultdict(int)
    for group, status, _customer_id, store_id, rfm_segment, converted, revenue in rows:
        out.chosen += 1
        if status == "sent":
            out.sent += 1
        if status == "skipped":
            skipped["skipped"] += 1
            continue
        if group == "recipient" and status not in ("sent", "task"):
            continue  # still on its way: not measured yet
        for breakdown in (out.total, segments[rfm_segment or ""], stores[store_id]):
            target = breakdown.recipients if group == "recipient" else breakdown.hold_out
            target.people += 1
            target.converted += 1 if converted else 0
            target.revenue += Decimal(revenue or 0)
    out.skipped = dict(skipped)
    out.cost = (cost_per_message * out.sent).quantize(Decimal("0.01"))
    for code, breakdown in sorted(segments.items()):
        breakdown.label = segment_labels.get(code, code) if code else "—"
        out.by_segment.append(breakdown)
    for store_id, breakdown in sorted(stores.items(), key=lambda pair: store_names.get(pair[0], "")):
        breakdown.label = store_names.get(store_id, "—") if store_id else "—"
        out.by_store.append(breakdown)
    return out
