# ruff: noqa: E501 - the SQL reads better unwrapped
"""The kept ranks of the client books (ADR 0049): a book of 50,000 customers is read a page at a time.

`customers_book_rank` holds, for each live profile with something to suggest, the priority of the
suggestion `clientbook.suggest` would make (0 an important date within the window, 1 a service due, 2 a
follow-up of a purchase, 3 a welcome call), its first date (priority 0), the book's keys (home store,
assigned associate) and the name, indexed `(brand, home store | associate, priority, first date, name)`.
A book's page is then: the ranked rows of the book in that order, then the book's other customers by name
(the `(brand, home store | associate, name)` indexes of the customers), OFFSET and LIMIT away from the first
row. What the page shows (dates, services, sentence) is computed afresh for its 25 customers only.

The rows are written by `book_ranks_refresh(brand_id=, today=, customer_ids= | ids_sql=)`: one DELETE and one
INSERT … SELECT, whatever the number of profiles. Called by the customer services (create, update, contact),
the relations, the orders, the batch API, the customer import, the merge, the erasure and the demo; the
hourly task refreshes every brand whose rows were computed before its local today (the window moves each
day); `manage.py book_ranks` rebuilds a brand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import connection

from customers.search_terms import profiles_scope
from jewelcrm.tenancy.distribution import execute_insert_select

TABLE = "customers_book_rank"
# A searched book lists at most this many of its customers the search finds (a word, not a letter).
SEARCHED_MAX = 5000


def _next_sql(column: str, today: date) -> str:
    """SQL of the first anniversary of `column` on or after `today` (29 February on the 28th in common
    years), as `clientbook.next_occurrence`. `today` is a date, written as a literal."""

    def occurrence(year: int) -> str:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        day = f"extract(day FROM {column})::int"
        month = f"extract(month FROM {column})::int"
        if not leap:
            day = f"CASE WHEN {month} = 2 AND {day} = 29 THEN 28 ELSE {day} END"
        return f"make_date({int(year)}, {month}, {day})"

    this, following = occurrence(today.year), occurrence(today.year + 1)
    return f"CASE WHEN {this} >= DATE '{today.isoformat()}' THEN {this} ELSE {following} END"


def _ranks_select(where: str, today: date) -> str:
    from customers.book_rules import CONTACT_AFTER_PURCHASE_MONTHS, DATE_WINDOW_DAYS
    from customers.book_rules import months_before as _months_before

    end = (today + timedelta(days=DATE_WINDOW_DAYS)).isoformat()
    threshold = _months_before(today, CONTACT_AFTER_PURCHASE_MONTHS).isoformat()
    welcome = (today - timedelta(days=30)).isoformat()
    day = f"DATE '{today.isoformat()}'"

    def within(column: str) -> str:
        return f"CASE WHEN {_next_sql(column, today)} <= DATE '{end}' THEN {_next_sql(column, today)} END"

    # The soonest date in the window: the customer's own (least ignores a missing one) or a relation's.
    # No UNION of FROM-less selects: Citus cannot push those down.
    first_date = f'least({within("c.birth_date")}, {within("c.wedding_anniversary")}, rd.first_date)'
    # Dates: the customer's and the relations'; services: order lines of a product with an interval, of
    # an order neither cancelled nor refunded; purchases: any order (as clientbook.client_book reads them).
    return f"""
        SELECT brand_id, id, priority, first_date, home_store_id, assigned_associate_id, last_name,
            first_name, {day}
        FROM (
            SELECT c.brand_id, c.id, c.home_store_id, c.assigned_associate_id, c.last_name, c.first_name,
                {first_date} AS first_date,
                CASE
                    WHEN {first_date} IS NOT NULL THEN 0
                    WHEN sv.due_on IS NOT NULL AND (c.last_contacted_on IS NULL OR c.last_contacted_on < sv.due_on)
                        THEN 1
                    WHEN lp.bought_on <= DATE '{threshold}'
                        AND (c.last_contacted_on IS NULL OR c.last_contacted_on <= DATE '{threshold}') THEN 2
                    WHEN c.last_contacted_on IS NULL
                        AND coalesce(c.customer_since, (c.created_at AT TIME ZONE 'UTC')::date) >= DATE '{welcome}'
                        THEN 3
                END AS priority
            FROM customers_customer c
            LEFT JOIN LATERAL (
                SELECT min(least({within("r.birth_date")}, {within("r.anniversary")})) AS first_date
                FROM customers_relation r
                WHERE r.brand_id = c.brand_id AND r.customer_id = c.id
                  AND (r.birth_date IS NOT NULL OR r.anniversary IS NOT NULL)
            ) rd ON EXISTS (
                SELECT 1 FROM customers_relation r WHERE r.brand_id = c.brand_id AND r.customer_id = c.id)
            LEFT JOIN LATERAL (
                SELECT (max(o.ordered_at) AT TIME ZONE 'UTC')::date AS bought_on
                FROM customers_order o WHERE o.brand_id = c.brand_id AND o.customer_id = c.id
            ) lp ON TRUE
            LEFT JOIN LATERAL (
                SELECT min(due) AS due_on FROM (
                    SELECT ((o.ordered_at AT TIME ZONE 'UTC')::date
                            + make_interval(months => p.service_interval_months))::date AS due
                    FROM customers_order o
                    JOIN customers_orderline l ON l.brand_id = o.brand_id AND l.order_id = o.id
                    JOIN catalog_product p ON p.brand_id = l.brand_id AND p.id = l.product_id
                    WHERE o.brand_id = c.brand_id AND o.customer_id = c.id
                      AND o.status NOT IN ('cancelled', 'refunded') AND p.service_interval_months IS NOT NULL
                ) s WHERE due <= {day}
            ) sv ON lp.bought_on IS NOT NULL
            WHERE c.brand_id = %s AND c.merged_into_id IS NULL AND NOT c.is_pseudonymised AND ({where})
        ) ranked
        WHERE priority IS NOT NULL
    """


def book_ranks_refresh(
    *,
    brand_id: int,
    today: date,
    customer_ids: Iterable[int] | None = None,
    ids_sql: str = "",
    ids_params: Any = (),
    cursor: Any = None,
    created: bool = False,
) -> int:
    """Rewrite the ranks of these profiles (ids, or a SQL subquery of ids; neither: the whole brand) as
    of `today` (the brand's local date), in two statements (one when `created`: the profiles were just
    inserted and have no rank yet). Returns the rows written."""
    scope = profiles_scope(customer_ids, ids_sql, ids_params)
    if scope is None:
        return 0
    where, params, delete_where, delete_params = scope
    statement = (
        f"INSERT INTO {TABLE} (brand_id, customer_id, priority, first_date, home_store_id, associate_id, "
        f"last_name, first_name, computed_on) {_ranks_select(where, today).strip()}"
    )
    delete = f"DELETE FROM {TABLE} WHERE brand_id = %s AND ({delete_where})"
    if cursor is not None:
        cursor.execute(delete, [brand_id, *delete_params])
        cursor.execute(statement, [brand_id, *params])
        return cursor.rowcount
    with connection.cursor() as cursor:
        if not created:
            cursor.execute(delete, [brand_id, *delete_params])
        written = execute_insert_select(cursor, statement, [brand_id, *params])
        if written is not None:  # Citus: the rows were read, then inserted in batches
            return written
        cursor.execute(statement, [brand_id, *params])
        return cursor.rowcount


def book_ranks_refresh_for(*, brand: Any, customer_ids: Iterable[int], created: bool = False) -> int:
    """The services' call: these profiles' ranks as of the brand's local today."""
    return book_ranks_refresh(
        brand_id=brand.pk, today=brand_today(brand), customer_ids=customer_ids, created=created
    )


def brand_today(brand: Any) -> date:
    import zoneinfo

    from django.utils import timezone

    try:
        zone = zoneinfo.ZoneInfo(getattr(brand, "time_zone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.now().astimezone(zone).date()


def book_ranks_computed_on(*, brand_id: int) -> date | None:
    """The day the brand's ranks were last computed (None: never, or nobody to suggest)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(computed_on) FROM {TABLE} WHERE brand_id = %s", [brand_id])
        return cursor.fetchone()[0]


# --- Reading a book -----------------------------------------------------------------------------------


def _book_branches(
    *, alias: str, store_column: str, associate_column: str, store_id: Any, user_id: int
) -> tuple[list[str], list[Any]]:
    """The book as disjoint branches (each one range of an index): the associate's customers, and for a
    manager the store's customers not assigned to them... written as conditions on `alias`."""
    branches = [f"{alias}.{associate_column} = %s"]
    params: list[Any] = [user_id]
    if store_id:
        branches = [
            f"{alias}.{store_column} = %s",
            f"{alias}.{associate_column} = %s AND {alias}.{store_column} IS DISTINCT FROM %s",
        ]
        params = [store_id, user_id, store_id]
    return branches, params


class BookRows:
    """The ids of a book's customers in the book's order, sliced and counted in SQL (for a Paginator):
    the ranked ones first (priority, first date, name), then the others by name. Two statements to count,
    two per slice. `ids_sql`: only these (a search): then one statement reads them all in that order (at
    most SEARCHED_MAX), and counts and slices come from it."""

    def __init__(
        self, *, brand_id: int, store_id: Any, user_id: int, ids_sql: str = "", ids_params: Any = ()
    ):
        self.brand_id, self.store_id, self.user_id = brand_id, store_id, user_id
        self.ids_sql, self.ids_params = ids_sql, list(ids_params)
        self._counts: tuple[int, int] | None = None
        self._found: list[tuple[int, int | None]] | None = None

    def _ranked_sql(self, extra: str = "") -> tuple[str, list[Any]]:
        """The book's ranked rows, each branch one range of a `book_rank_*` index (the page's customers
        are checked against their own columns when read: `clientbook.client_book`)."""
        branches, branch_params = _book_branches(
            alias="r", store_column="home_store_id", associate_column="associate_id",
            store_id=self.store_id, user_id=self.user_id,
        )  # fmt: skip
        parts, params = [], []
        for branch, bp in zip(branches, _split(branch_params, self.store_id), strict=True):
            parts.append(
                f"SELECT r.priority, r.first_date, r.last_name, r.first_name, r.customer_id FROM {TABLE} r "
                f"WHERE r.brand_id = %s AND {branch}{extra.format(id='r.customer_id')}"
            )
            params += [self.brand_id, *bp]
        return " UNION ALL ".join(f"({p})" for p in parts), params

    def _book_sql(self, *, unranked: bool, extra: str = "") -> tuple[str, list[Any]]:
        """The book's live customers (`unranked`: those without a ranked row), each branch one range of a
        `customer_brand_*_name` index (partial: live profiles only)."""
        branches, branch_params = _book_branches(
            alias="c", store_column="home_store_id", associate_column="assigned_associate_id",
            store_id=self.store_id, user_id=self.user_id,
        )  # fmt: skip
        without = (
            f" AND NOT EXISTS (SELECT 1 FROM {TABLE} r WHERE r.brand_id = c.brand_id AND r.customer_id = c.id)"
            if unranked
            else ""
        )
        parts, params = [], []
        for branch, bp in zip(branches, _split(branch_params, self.store_id), strict=True):
            parts.append(
                f"SELECT c.last_name, c.first_name, c.id FROM customers_customer c "
                f"WHERE c.brand_id = %s AND {branch} AND c.merged_into_id IS NULL AND NOT c.is_pseudonymised"
                f"{extra.format(id='c.id')}{without}"
            )
            params += [self.brand_id, *bp]
        return " UNION ALL ".join(f"({p})" for p in parts), params

    def _searched(self) -> list[tuple[int, int | None]]:
        """A searched book: (id, priority) of its customers the search finds, in the book's order, at most
        SEARCHED_MAX. One statement: the matches gathered once, the book's index ranges checked in them."""
        if self._found is None:
            book, book_params = self._book_sql(unranked=False)
            ranked, ranked_params = self._ranked_sql()
            # The book's index ranges, each row checked in one hash of the matches (`IS TRUE` keeps the
            # planner from probing the customers once per match), joined to the book's ranks (index-only).
            # The planner cannot size a join of two unions and would compile it (JIT): not worth it here.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                cursor.execute(
                    f"SELECT b.id, r.priority FROM ({book}) b LEFT JOIN ({ranked}) r ON r.customer_id = b.id "
                    f"WHERE (b.id IN ({self.ids_sql})) IS TRUE "
                    "ORDER BY coalesce(r.priority, 4), r.first_date NULLS LAST, "
                    f"b.last_name, b.first_name, b.id LIMIT {SEARCHED_MAX}",
                    [*book_params, *ranked_params, *self.ids_params],
                )
                self._found = [(row[0], row[1]) for row in cursor.fetchall()]
        return self._found

    def counts(self) -> tuple[int, int]:
        """(ranked, others): the ranked rows of the book, and its live customers less those (rows out of
        step until the next refresh can make it a little off). One statement, index-only counts."""
        if self.ids_sql:
            found = self._searched()
            ranked_count = sum(1 for _pk, priority in found if priority is not None)
            return ranked_count, len(found) - ranked_count
        if self._counts is None:
            ranked, ranked_params = self._ranked_sql()
            book, book_params = self._book_sql(unranked=False)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT (SELECT count(*) FROM ({ranked}) a), (SELECT count(*) FROM ({book}) b)",
                    [*ranked_params, *book_params],
                )
                ranked_count, book_count = cursor.fetchone()
            self._counts = (ranked_count, max(0, book_count - ranked_count))
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[int]:
        """The ids of rows [start, stop) of the book. Two statements, whichever part the window falls in."""
        start, stop = window.start or 0, window.stop
        if self.ids_sql:
            return [pk for pk, _priority in self._searched()[start:stop]]
        ranked_count, _others = self.counts()
        ranked, ranked_params = self._ranked_sql()
        others, others_params = self._book_sql(unranked=True)
        first_take = max(0, min(stop, ranked_count) - start)
        second_skip = max(0, start - ranked_count)
        second_take = max(0, (stop - start) - first_take)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT customer_id FROM ({ranked}) a ORDER BY priority, first_date NULLS LAST, last_name, "
                f"first_name, customer_id LIMIT %s OFFSET %s",
                [*ranked_params, first_take, min(start, ranked_count)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                f"SELECT id FROM ({others}) b ORDER BY last_name, first_name, id LIMIT %s OFFSET %s",
                [*others_params, second_take, second_skip],
            )
            ids += [row[0] for row in cursor.fetchall()]
        return ids

    def first_dates(self, *, limit: int) -> list[int]:
        """The ids of the book's customers with the soonest important dates (priority 0), soonest first."""
        if self.ids_sql:
            return [pk for pk, priority in self._searched() if priority == 0][:limit]
        ranked, ranked_params = self._ranked_sql()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT customer_id FROM ({ranked}) a WHERE priority = 0 "
                "ORDER BY priority, first_date, last_name, first_name, customer_id LIMIT %s",
                [*ranked_params, limit],
            )
            return [row[0] for row in cursor.fetchall()]


def _split(params: list[Any], store_id: Any) -> list[list[Any]]:
    """The parameters of each branch of `_book_branches`."""
    if store_id:
        return [params[:1], params[1:]]
    return [params]
