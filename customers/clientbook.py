"""The associate's client book (intranet): whose book, the important dates ahead, what to do next.

Reads only. The book of a sales associate is the customers assigned to them; a retailer manager also
sees every customer whose home store is their store.

Important dates: birthdays and wedding anniversaries of the customers and the birthdays and
anniversaries of their relations (gift recipients), in the next DATE_WINDOW_DAYS days. A date of
29 February is celebrated on 28 February in years without one. The window crosses the new year.

Suggested next contact, the first rule that applies (kept simple so an associate can trust it):
1. an important date in the window: "Birthday of ... on ...";
2. a service due: a piece bought (order line of a product with a service interval) whose interval has
   elapsed, and no contact since it fell due: "Service due ... offer a check-up";
3. a purchase and no contact for CONTACT_AFTER_PURCHASE_MONTHS months since: "Follow up the purchase";
4. a new customer (less than 30 days) never contacted: "Welcome call";
otherwise nothing is suggested.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from customers.book_rules import CONTACT_AFTER_PURCHASE_MONTHS, DATE_WINDOW_DAYS  # noqa: F401 - read by the views and the tests
from customers.book_rules import months_before as _months_before
from customers.models import Customer, Relation
from jewelcrm.accounts.models import Brand

KIND_LABELS = {
    "birthday": _("Birthday"),
    "wedding_anniversary": _("Wedding anniversary"),
    "relation_birthday": _("Birthday of a relation"),
    "relation_anniversary": _("Anniversary of a relation"),
}


def occurrence_in_year(original: date, year: int) -> date:
    """The date's anniversary in `year`; 29 February falls on 28 February in common years."""
    if original.month == 2 and original.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return original.replace(year=year)


def next_occurrence(original: date, today: date) -> date:
    """The first anniversary of `original` on or after `today`."""
    this_year = occurrence_in_year(original, today.year)
    return this_year if this_year >= today else occurrence_in_year(original, today.year + 1)


@dataclass
class UpcomingDate:
    on: date
    kind: str
    customer_id: int
    original: date
    relation_name: str = ""

    @property
    def kind_label(self) -> Any:
        return KIND_LABELS[self.kind]

    @property
    def years(self) -> int:
        return self.on.year - self.original.year


def upcoming_dates(
    *,
    brand: Brand,
    customers: QuerySet[Customer],
    today: date,
    days: int = DATE_WINDOW_DAYS,
) -> list[UpcomingDate]:
    """Dates of the given customers and their relations within [today, today + days], soonest first."""
    end = today + timedelta(days=days)
    found: list[UpcomingDate] = []

    def consider(original: date | None, kind: str, customer_id: int, relation_name: str = "") -> None:
        if original is None:
            return
        on = next_occurrence(original, today)
        if on <= end:
            found.append(
                UpcomingDate(
                    on=on, kind=kind, customer_id=customer_id, original=original, relation_name=relation_name
                )
            )

    rows = customers.filter(Q(birth_date__isnull=False) | Q(wedding_anniversary__isnull=False))
    for pk, birth, wedding in rows.values_list("pk", "birth_date", "wedding_anniversary"):
        consider(birth, "birthday", pk)
        consider(wedding, "wedding_anniversary", pk)
    relations = Relation.objects.filter(brand=brand, customer__in=customers.values("pk")).filter(
        Q(birth_date__isnull=False) | Q(anniversary__isnull=False)
    )
    for customer_id, name, birth, anniversary in relations.values_list(
        "customer_id", "name", "birth_date", "anniversary"
    ):
        consider(birth, "relation_birthday", customer_id, name)
        consider(anniversary, "relation_anniversary", customer_id, name)
    found.sort(key=lambda d: (d.on, d.customer_id, d.kind))
    return found


def book_customers(*, brand: Brand, membership: Any) -> QuerySet[Customer]:
    """The customers in this member's book."""
    from jewelcrm.accounts.roles import Role

    condition = Q(assigned_associate=membership.user)
    if membership.role == Role.RETAIL_MANAGER and membership.store_id:
        condition |= Q(home_store_id=membership.store_id)
    return Customer.objects.filter(brand=brand, merged_into__isnull=True, is_pseudonymised=False).filter(
        condition
    )


@dataclass
class BookEntry:
    customer: Customer
    last_purchase: Any
    dates: list[UpcomingDate] = field(default_factory=list)
    suggestion: Any = ""
    suggestion_kind: str = ""
    products: list[Any] = field(default_factory=list)  # of the pieces owned (thumbnails), set by the view


@dataclass
class ServiceDue:
    product: str
    bought_on: date
    due_on: date


def services_due(*, brand: Brand, customers: QuerySet[Customer], today: date) -> dict[int, ServiceDue]:
    """Per customer, the earliest service due: a piece bought (order line of a product with a service
    interval) whose interval has elapsed. One query."""
    from customers.models import OrderLine, OrderStatus

    lines = (
        OrderLine.objects.filter(brand=brand, order__customer__in=customers.values("pk"))
        .exclude(order__status__in=[OrderStatus.CANCELLED, OrderStatus.REFUNDED])
        .filter(product__service_interval_months__isnull=False)
        .values_list(
            "order__customer_id", "order__ordered_at", "product__service_interval_months", "name", "sku"
        )
    )
    due: dict[int, ServiceDue] = {}
    for customer_id, ordered_at, months, name, sku in lines:
        bought = ordered_at.date()
        due_on = _months_before(bought, -int(months))
        if due_on <= today and (customer_id not in due or due_on < due[customer_id].due_on):
            due[customer_id] = ServiceDue(product=name or sku, bought_on=bought, due_on=due_on)
    return due


def suggest(
    *,
    customer: Customer,
    last_purchase: date | None,
    dates: list[UpcomingDate],
    today: date,
    service_due: ServiceDue | None = None,
) -> tuple[str, Any]:
    """(kind, sentence) of the suggested next contact, or ("", "")."""
    if dates:
        first = dates[0]
        who = first.relation_name or customer.full_name
        return "date", _("%(what)s of %(who)s on %(day)s: suggest a gift or send wishes.") % {
            "what": first.kind_label,
            "who": who,
            "day": formats.date_format(first.on, "MONTH_DAY_FORMAT"),
        }
    threshold = _months_before(today, CONTACT_AFTER_PURCHASE_MONTHS)
    contacted = customer.last_contacted_on
    if service_due and (contacted is None or contacted < service_due.due_on):
        return "service", _("Service due for the %(product)s bought on %(day)s: offer a check-up.") % {
            "product": service_due.product,
            "day": formats.date_format(service_due.bought_on, "DATE_FORMAT"),
        }
    if last_purchase and last_purchase <= threshold and (contacted is None or contacted <= threshold):
        return "follow_up", _("No contact for %(months)s months since the last purchase: follow it up.") % {
            "months": CONTACT_AFTER_PURCHASE_MONTHS,
        }
    since = customer.customer_since or customer.created_at.date()
    if contacted is None and since >= today - timedelta(days=30):
        return "welcome", _("New customer never contacted: a welcome call.")
    return "", ""


# The dates listed above the book: the soonest of the book's, at most this many.
DATES_SHOWN = 20
PRIORITY = {"date": 0, "service": 1, "follow_up": 2, "welcome": 3, "": 4}


def client_book(
    *, brand: Brand, membership: Any, today: date, query: str = "", page: Any = 1, size: int = 25
) -> dict[str, Any]:
    """One page of the book: entries (customers with last purchase, dates and suggestion) in the book's
    order (the kept ranks of customers.book_ranks: an important date first, soonest first, then a service
    due, a follow-up, a welcome call, then the others, each by name), `page_obj` for the pagination, and
    the soonest important dates of the book (at most DATES_SHOWN). The page's entries are computed afresh;
    the order is the one kept (nightly and on writes). A fixed number of queries, whatever the book's size."""
    from django.core.paginator import Paginator

    from customers.book_ranks import BookRows
    from jewelcrm.accounts.roles import Role

    ids_sql, ids_params = "", []  # type: ignore[var-annotated]
    if query:
        from customers.search_terms import matching_ids_sql

        ids_sql, ids_params = matching_ids_sql(brand_id=brand.pk, query=query, distinct=False)
        ids_sql = ids_sql or "SELECT NULL::bigint WHERE FALSE"
    manager = membership.role == Role.RETAIL_MANAGER and membership.store_id
    rows = BookRows(
        brand_id=brand.pk,
        store_id=membership.store_id if manager else None,
        user_id=membership.user_id,
        ids_sql=ids_sql,
        ids_params=ids_params,
    )
    page_obj: Any = Paginator(rows, size).get_page(page)  # type: ignore[arg-type]
    ids = list(page_obj.object_list)
    date_ids = rows.first_dates(limit=DATES_SHOWN)
    # The profiles' own columns decide whether they are in the book (a rank written before a change of
    # store or associate is not shown there).
    shown = book_customers(brand=brand, membership=membership).filter(pk__in=_ids([*ids, *date_ids]))
    by_id = {
        c.pk: c for c in shown.annotate(last_order=Max("orders__ordered_at")).select_related("home_store")
    }
    dates = upcoming_dates(brand=brand, customers=shown, today=today)
    due = services_due(
        brand=brand, customers=Customer.objects.filter(brand=brand, pk__in=_ids(ids)), today=today
    )
    by_customer: dict[int, list[UpcomingDate]] = {}
    for item in dates:
        by_customer.setdefault(item.customer_id, []).append(item)
    entries = []
    for pk in ids:
        customer = by_id.get(pk)
        if customer is None:
            continue
        last = customer.last_order.date() if customer.last_order else None
        mine = by_customer.get(pk, [])
        kind, sentence = suggest(
            customer=customer, last_purchase=last, dates=mine, today=today, service_due=due.get(pk)
        )
        entries.append(
            BookEntry(
                customer=customer, last_purchase=last, dates=mine, suggestion=sentence, suggestion_kind=kind
            )
        )
    listed = set(date_ids) | {e.customer.pk for e in entries if e.dates}
    dates = [d for d in dates if d.customer_id in listed][:DATES_SHOWN]
    for item in dates:
        item.customer = by_id.get(item.customer_id)  # type: ignore[attr-defined]
        item.days_left = (item.on - today).days  # type: ignore[attr-defined]
    page_obj.object_list = entries
    return {"entries": entries, "dates": dates, "page_obj": page_obj}


def _ids(ids: list[int]) -> Any:
    """A list of ids as SQL, read even when empty (`pk__in=[]` skips the query: a book with no customer
    would then run fewer statements than a full one)."""
    from django.db.models.expressions import RawSQL

    return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])  # noqa: S611
