"""Reads of the services page: interventions by type, warranty against paid work, turnaround per store,
claims and payouts per retailer, pieces due for service. Every figure comes from the small tables the
nightly refresh fills (`ServiceMonth`, `ClaimMonth`, `ServiceDue`): a handful of grouped queries whatever
the size of the brand.

Definitions (also shown on the page):
- interventions are counted in the month they were received; warranty work is an intervention under
  warranty, paid work the others;
- turnaround = days from received to returned, for the interventions returned in the period (average);
- claims are counted in the month they were submitted (amount claimed) and decided (paid, with the
  approved amount, or rejected), in the claim's currency;
- a piece is due for service its product's service interval after its sale, or after its last service
  intervention returned to the owner; overdue = due before this month.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from jewelcrm.accounts.models import Brand
from jewelcrm.retail import selectors as retail_selectors
from segmentation.insights.models import ClaimMonth, ServiceDue, ServiceMonth
from segmentation.insights.overview import MonthPeriod, add_months


@dataclass(frozen=True)
class Stores:
    """The stores a page covers: all (None), or those of a country or one store."""

    ids: frozenset[int] | None = None

    def apply(self, rows: Any) -> Any:
        return rows if self.ids is None else rows.filter(store_id__in=self.ids)


def stores_in_scope(*, brand: Brand, country: str = "", store_id: int | None = None) -> Stores:
    if store_id is not None:
        return Stores(frozenset({store_id}))
    if country:
        return Stores(
            frozenset(retail_selectors.store_list(brand=brand, country=country).values_list("pk", flat=True))
        )
    return Stores()


@dataclass
class KindRow:
    kind: str
    label: Any
    received: int
    under_warranty: int

    @property
    def paid(self) -> int:
        return self.received - self.under_warranty


@dataclass
class StoreTurnaround:
    store: Any
    returned: int
    days: int

    @property
    def average_days(self) -> Decimal | None:
        return (
            (Decimal(self.days) / Decimal(self.returned)).quantize(Decimal("0.1")) if self.returned else None
        )


@dataclass
class RetailerClaims:
    retailer: Any
    currency: str
    submitted: int = 0
    claimed: Decimal = Decimal(0)
    paid: int = 0
    payout: Decimal = Decimal(0)
    rejected: int = 0


@dataclass
class DueRow:
    store: Any
    overdue: int = 0
    next_3: int = 0
    next_12: int = 0


@dataclass
class Services:
    kinds: list[KindRow]
    months: list[dict[str, Any]]  # month, warranty, paid
    turnaround: list[StoreTurnaround]
    claims: list[RetailerClaims]
    due: list[DueRow]
    due_months: list[dict[str, Any]]  # month, pieces (the next 12 months)
    overdue: int = 0
    totals: dict[str, Any] = field(default_factory=dict)


def services(*, brand: Brand, period: MonthPeriod, stores: Stores, today: date) -> Services:
    from warranties.models import InterventionKind

    labels = dict(InterventionKind.choices)
    in_period = {"month__gte": period.start, "month__lte": period.end}
    rows = stores.apply(ServiceMonth.objects.filter(brand=brand, **in_period)).order_by()
    by_kind = {
        r["kind"]: r
        for r in rows.values("kind").annotate(received=Sum("received"), warranty=Sum("under_warranty"))
    }
    kinds = [
        KindRow(
            kind=k, label=labels.get(k, k), received=r["received"] or 0, under_warranty=r["warranty"] or 0
        )
        for k, r in sorted(by_kind.items(), key=lambda kv: -(kv[1]["received"] or 0))
        if r["received"]
    ]
    by_month = {
        r["month"]: r
        for r in rows.values("month").annotate(received=Sum("received"), warranty=Sum("under_warranty"))
    }
    months = [
        {
            "month": m,
            "warranty": (by_month.get(m) or {}).get("warranty") or 0,
            "paid": ((by_month.get(m) or {}).get("received") or 0)
            - ((by_month.get(m) or {}).get("warranty") or 0),
        }
        for m in period.months
    ]
    store_objects = {s.pk: s for s in retail_selectors.store_list(brand=brand)}
    turnaround = [
        StoreTurnaround(store=store_objects[r["store_id"]], returned=r["returned"], days=r["days"] or 0)
        for r in rows.values("store_id").annotate(returned=Sum("returned"), days=Sum("turnaround_days"))
        if r["returned"] and r["store_id"] in store_objects
    ]
    turnaround.sort(key=lambda t: (-(t.average_days or 0), t.store.name))

    claims: dict[tuple[int, str], RetailerClaims] = {}
    claim_rows = (
        stores.apply(ClaimMonth.objects.filter(brand=brand, **in_period))
        .order_by()
        .values("store_id", "currency")
        .annotate(
            submitted=Sum("submitted"),
            claimed=Sum("claimed"),
            paid=Sum("paid"),
            payout=Sum("payout"),
            rejected=Sum("rejected"),
        )
    )
    for r in claim_rows:
        store = store_objects.get(r["store_id"])
        if store is None:
            continue
        line = claims.setdefault(
            (store.retailer_id, r["currency"]),
            RetailerClaims(retailer=store.retailer, currency=r["currency"]),
        )
        line.submitted += r["submitted"] or 0
        line.claimed += r["claimed"] or Decimal(0)
        line.paid += r["paid"] or 0
        line.payout += r["payout"] or Decimal(0)
        line.rejected += r["rejected"] or 0
    claim_list = sorted(claims.values(), key=lambda c: (c.retailer.name, c.currency))

    this_month = today.replace(day=1)
    due_rows = list(
        stores.apply(ServiceDue.objects.filter(brand=brand, due_month__lt=add_months(this_month, 12)))
        .order_by()
        .values("store_id", "due_month", "pieces")
    )
    due_by_store: dict[int, DueRow] = {}
    due_by_month: dict[date, int] = defaultdict(int)
    for r in due_rows:
        store = store_objects.get(r["store_id"])
        if store is None:
            continue
        line = due_by_store.setdefault(store.pk, DueRow(store=store))
        if r["due_month"] < this_month:
            line.overdue += r["pieces"]
        else:
            line.next_12 += r["pieces"]
            due_by_month[r["due_month"]] += r["pieces"]
            if r["due_month"] < add_months(this_month, 3):
                line.next_3 += r["pieces"]
    due = sorted(due_by_store.values(), key=lambda d: (-(d.overdue + d.next_3), d.store.name))
    return Services(
        kinds=kinds,
        months=months,
        turnaround=turnaround,
        claims=claim_list,
        due=due,
        due_months=[
            {"month": add_months(this_month, n), "pieces": due_by_month.get(add_months(this_month, n), 0)}
            for n in range(12)
        ],
        overdue=sum(d.overdue for d in due),
        totals={
            "received": sum(k.received for k in kinds),
            "under_warranty": sum(k.under_warranty for k in kinds),
            "returned": sum(t.returned for t in turnaround),
            "average_days": (
                Decimal(sum(t.days for t in turnaround)) / Decimal(sum(t.returned for t in turnaround))
            ).quantize(Decimal("0.1"))
            if turnaround
            else None,
        },
    )
