"""The words customers are found by (ADR 0044): a table `customers_search_term (brand_id, kind, term,
customer_id)` searched by prefix through a btree, because row-level security lets PostgreSQL use an index
only for leakproof operators (`=`, `~>=~`, `~<~`), never for `LIKE`, `lower()` or trigram matches.

Terms of a live (not merged) profile:
- kind "n": each word of the name, folded as `normalise.name_key` folds it ("Éloïse D'Arcy" → eloise, d,
  arcy);
- kind "e": the e-mail, its domain and each word of its local part ("lea.dubois@mail.ch" →
  lea.dubois@mail.ch, mail.ch, lea, dubois);
- kind "p": every ending of the phone's digits of four digits or more ("+41791234567" → 41791234567,
  1791234567, …, 4567), so a prefix of one of them is any run of digits of the number.

The rows are written set-based by `search_terms_refresh` (one DELETE and one INSERT … SELECT for any number
of profiles): the customer services, the batch API, the customer import, the merge, the erasure and the demo
call it; `manage.py customers_search_terms` rebuilds a brand after writes made outside them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from customers.normalise import FOLDED_LETTERS, name_key, text_fold
from jewelcrm.tenancy.distribution import execute_insert_select

TABLE = "customers_search_term"
# The end of a prefix range: `term ~>=~ 'mart' AND term ~<~ 'mart' || U+10FFFF` (byte order), every term
# starting with "mart" and no other.
_TOP = "\U0010ffff"
MIN_PHONE_DIGITS = 4
# The profile fields the terms come from: a change of another field leaves them as they are.
SEARCHED_FIELDS = frozenset({"first_name", "last_name", "email", "phone", "merged_into"})

# Letters the SQL folds like text_fold: one character to one (translate()), the others by replace().
_RANGES = ((0x00A0, 0x0250), (0x1E00, 0x1F00), (0xFF00, 0xFFF0))


def _fold_tables() -> tuple[str, str, dict[str, str]]:
    source, target, deleted, longer = [], [], [], dict(FOLDED_LETTERS)
    for start, end in _RANGES:
        for code in range(start, end):
            char = chr(code)
            if char in FOLDED_LETTERS or unicodedata.category(char).startswith("C"):
                continue
            # What name_key makes of it: letters and digits, anything else a space between words.
            folded = re.sub(r"[^a-z0-9]", " ", text_fold(char))
            if not folded:
                deleted.append(char)  # only a combining mark: gone, the word goes on
                continue
            if not folded.strip() or folded == char.lower():
                continue
            if len(folded) == 1:
                source.append(char)
                target.append(folded)
            else:
                longer[char] = folded
    # translate() deletes the characters of its second argument that the third does not reach.
    return "".join(source) + "".join(deleted), "".join(target), longer


_FOLD_FROM, _FOLD_TO, _FOLD_LONGER = _fold_tables()


def _sql_fold(expression: str) -> tuple[str, list[str]]:
    """SQL of text_fold(expression) as far as words of a-z and 0-9 go, and its parameters. A text of
    printable ASCII only (most names) is just lower-cased; the others go through the tables."""
    params: list[str] = []
    folded = expression
    for char, replacement in _FOLD_LONGER.items():
        folded = f"replace({folded}, %s, %s)"
        params += [char, replacement]
    sql = (
        f"CASE WHEN {expression} ~ '^[ -~]*$' THEN lower({expression}) "
        f"ELSE lower(translate({folded}, %s, %s)) END"
    )
    return sql, [*params, _FOLD_FROM, _FOLD_TO]


def sort_name_sql(alias: str) -> tuple[str, list[str]]:
    """SQL of a profile's sort key (the name words' `sort_name`): its folded "last first"."""
    folded, params = _sql_fold(f"{alias}.last_name || ' ' || {alias}.first_name")
    return f"left({folded}, 254)", params


def profiles_scope(
    customer_ids: Iterable[int] | None, ids_sql: str, ids_params: Any
) -> tuple[str, list[Any], str, list[Any]] | None:
    """Which profiles a refresh of kept rows rewrites: (the WHERE on customers `c`, its parameters, the
    WHERE on the kept rows' `customer_id`, its parameters) for these ids, or a SQL subquery of ids, or,
    with neither, the whole brand; None for an empty list of ids (nothing to rewrite)."""
    if customer_ids is not None:
        ids = sorted({int(i) for i in customer_ids})
        if not ids:
            return None
        return "c.id = ANY(%s)", [ids], "customer_id = ANY(%s)", [ids]
    if ids_sql:
        return f"c.id IN ({ids_sql})", list(ids_params), f"customer_id IN ({ids_sql})", list(ids_params)
    return "TRUE", [], "TRUE", []


def _prefix(params: list[Any], brand_id: int, kind: str, value: str) -> str:
    """SQL of the ids whose `kind` term starts with `value` (a range of the (brand_id, kind, term)
    index); its parameters are appended to `params`."""
    params.extend([brand_id, kind, value, value + _TOP])
    return (
        f"SELECT customer_id FROM {TABLE} WHERE brand_id = %s AND kind = %s "
        "AND term ~>=~ %s AND term ~<~ %s"
    )


def _terms_select(where: str, *, sort: bool = True) -> tuple[str, list[Any]]:
    name, name_params = _sql_fold("c.first_name || ' ' || c.last_name")
    sort_name, sort_params = sort_name_sql("c") if sort else ("", [])
    sort_column = f", CASE WHEN t.kind = 'n' THEN {sort_name} ELSE '' END" if sort else ""
    sql = f"""
        SELECT DISTINCT c.brand_id, c.id, t.kind, left(t.term, 254){sort_column}
        FROM customers_customer c
        CROSS JOIN LATERAL (
            SELECT 'n' AS kind, w AS term FROM regexp_split_to_table({name}, '[^a-z0-9]+') w
            UNION ALL SELECT 'e', c.email
            UNION ALL SELECT 'e', split_part(c.email, '@', 2)
            UNION ALL SELECT 'e', w FROM regexp_split_to_table(split_part(c.email, '@', 1), '[^a-z0-9]+') w
            UNION ALL SELECT 'p', substr(d.digits, i)
                FROM (SELECT regexp_replace(c.phone, '[^0-9]', '', 'g') AS digits) d,
                     generate_series(1, length(d.digits) - {MIN_PHONE_DIGITS - 1}) i
        ) t
        WHERE c.brand_id = %s AND c.merged_into_id IS NULL AND t.term <> '' AND ({where})
    """
    return sql, [*sort_params, *name_params]


def search_terms_refresh(
    *,
    brand_id: int,
    customer_ids: Iterable[int] | None = None,
    ids_sql: str = "",
    ids_params: Any = (),
    cursor: Any = None,
    created: bool = False,
    sort: bool = True,
) -> int:
    """Rewrite the terms of these profiles (ids, or a SQL subquery of ids; neither: the whole brand) from
    their current values, in two statements. Merged profiles end with none. Returns the rows written.
    `cursor`: another connection's (a bench's generator); by default Django's, inside the brand.
    `created`: the profiles were just inserted and have no terms yet (one statement instead of two).
    `sort=False`: without the name words' sort key (migration 0005, before its column existed)."""
    scope = profiles_scope(customer_ids, ids_sql, ids_params)
    if scope is None:
        return 0
    where, params, delete_where, delete_params = scope
    select, name_params = _terms_select(where, sort=sort)
    columns = "brand_id, customer_id, kind, term" + (", sort_name" if sort else "")
    statement = f"INSERT INTO {TABLE} ({columns}) {select.strip()}"
    delete = f"DELETE FROM {TABLE} WHERE brand_id = %s AND ({delete_where})"
    if cursor is not None:
        cursor.execute(delete, [brand_id, *delete_params])
        cursor.execute(statement, [*name_params, brand_id, *params])
        return cursor.rowcount
    with connection.cursor() as cursor:
        if not created:
            cursor.execute(delete, [brand_id, *delete_params])
        written = execute_insert_select(cursor, statement, [*name_params, brand_id, *params])
        if written is not None:  # Citus: the rows were read, then inserted in batches
            return written
        cursor.execute(statement, [*name_params, brand_id, *params])
        return cursor.rowcount


# --- The query side -------------------------------------------------------------------------------


@dataclass
class Matcher:
    """What a free-text query looks for: the e-mail prefix, the run of phone digits, the name words."""

    email: str
    digits: str
    words: list[str]

    @classmethod
    def of(cls, query: str) -> Matcher:
        query = (query or "").strip()
        digits = "".join(c for c in query if c.isdigit())
        digits = digits.lstrip("0") if len(digits) >= MIN_PHONE_DIGITS else ""
        return cls(
            email=query.lower(),
            digits=digits if len(digits) >= MIN_PHONE_DIGITS else "",
            words=name_key(query).split(),
        )


def matching_ids_sql(
    *, brand_id: int, query: str, or_sql: str = "", or_params: Any = (), distinct: bool = True
) -> tuple[str, list]:
    """SQL of the ids of the profiles the query finds (an e-mail starting with it, a phone holding its
    digits, or a name with a word starting with each of its words), plus the ids of `or_sql`. Each part
    is a range of the (brand_id, kind, term) index; a profile must still be filtered as live."""
    matcher = Matcher.of(query)
    parts: list[str] = []
    params: list[Any] = []

    def prefix(kind: str, value: str) -> str:
        return _prefix(params, brand_id, kind, value)

    if matcher.email:
        parts.append(prefix("e", matcher.email))
    if matcher.digits:
        parts.append(prefix("p", matcher.digits))
    if matcher.words:
        parts.append("(" + " INTERSECT ".join(prefix("n", w) for w in matcher.words) + ")")
    if or_sql:
        parts.append(or_sql)
        params.extend(or_params)
    # `distinct=False`: the same id may come twice (a set test, `IN (…)`, needs no deduplication).
    return (" UNION " if distinct else " UNION ALL ").join(parts), params


def search_terms_of(*, brand_id: int, customer_id: int) -> set[tuple[str, str]]:
    """The (kind, term) rows of one profile, for tests and checks."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, term FROM {TABLE} WHERE brand_id = %s AND customer_id = %s",
            [brand_id, customer_id],
        )
        return set(cursor.fetchall())


def search_terms_stale(*, brand_id: int) -> int:
    """How many (customer, kind, term) rows differ from what the profiles' values give: 0 when in step."""
    select, name_params = _terms_select("TRUE")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH wanted AS ({select}),
                 kept AS (
                    SELECT brand_id, customer_id, kind, term, sort_name FROM {TABLE} WHERE brand_id = %s
                 )
            SELECT count(*) FROM (
                (TABLE wanted EXCEPT TABLE kept) UNION ALL (TABLE kept EXCEPT TABLE wanted)
            ) x
            """,
            [*name_params, brand_id, brand_id],
        )
        return cursor.fetchone()[0]


# --- Pages in the order of the index (ADR 0048) -----------------------------------------------------


def ordered_page(
    *,
    brand_id: int,
    query: str,
    after: list | None = None,
    size: int = 25,
    or_sql: str = "",
    or_params: Any = (),
    count_cap: int = 1000,
) -> tuple[list[tuple[int, str, str, int]], int]:
    """The next `size + 1` matches of the query after the key `after`, as (group, term, sort name, id),
    in the order the search shows them: first the profiles found by their e-mail, phone or `or_sql` (an
    item's serial), by name; then those found by name words, by the word matched (the first one when two
    words of a name start with the query's first word), then by name. The name words are read in that
    order from the `search_term_name_order` index, a LIMIT away from the first row, however common the
    word ("martin": 66,659 of a million names); several words are intersected first. With the number of
    matches, counted up to `count_cap` + 1 (0 when the page is empty). One query."""
    matcher = Matcher.of(query)
    words = matcher.words
    params: list[Any] = []
    others: list[str] = []

    def prefix(kind: str, value: str) -> str:
        return _prefix(params, brand_id, kind, value)

    if matcher.email:
        others.append(prefix("e", matcher.email))
    if matcher.digits:
        others.append(prefix("p", matcher.digits))
    if or_sql:
        others.append(or_sql)
        params.extend(or_params)
    other_sql = " UNION ".join(others) or "SELECT NULL::bigint WHERE FALSE"
    head_params = list(params)
    sort_name, sort_params = sort_name_sql("c")
    group, term, name, pk = (
        (int(after[0]), str(after[1]), str(after[2]), int(after[3])) if after else (-1, "", "", 0)
    )
    first = f"""
        SELECT 0 AS grp, ''::text AS term, {sort_name} AS sort_name, c.id
        FROM customers_customer c
        WHERE c.brand_id = %s AND c.merged_into_id IS NULL AND c.id IN (SELECT id FROM other)
          AND (%s < 0 OR {sort_name} ~>~ %s OR ({sort_name} = %s AND c.id > %s))
        ORDER BY 3 USING ~<~, 4 LIMIT {int(size) + 1}
    """
    # The sort key's expression appears three times above: its parameters each time.
    first_params = [*sort_params, brand_id, group, *sort_params, name, *sort_params, name, pk]
    every, every_params = matching_ids_sql(brand_id=brand_id, query=query, or_sql=or_sql, or_params=or_params)
    count = f"""(SELECT count(*) FROM (SELECT 1 FROM customers_customer n WHERE n.brand_id = %s
        AND n.merged_into_id IS NULL AND n.id IN (SELECT unnest(ARRAY({every})))
        LIMIT {int(count_cap) + 1}) x)"""
    count_params = [brand_id, *every_params]
    if not words:
        sql = f"WITH other(id) AS MATERIALIZED ({other_sql}) SELECT page.*, {count} FROM ({first}) page"
        return _page(sql, [*head_params, *count_params, *first_params])
    lead, top = words[0], words[0] + _TOP
    if group == 1:  # after a name match: the rows after it in the index order
        keyset = (
            " AND t.term ~>=~ %s AND (t.term ~>~ %s OR (t.term = %s"
            " AND (t.sort_name ~>~ %s OR (t.sort_name = %s AND t.customer_id > %s))))"
        )
        keyset_params: list[Any] = [term, term, term, name, name, pk]
    else:
        keyset, keyset_params = "", []
    # A profile whose name has two words starting with the query's first word comes once, at its first.
    once = (
        f"NOT EXISTS (SELECT 1 FROM {TABLE} d WHERE d.brand_id = t.brand_id AND d.customer_id = t.customer_id"
        " AND d.kind = 'n' AND d.term ~>=~ %s AND d.term ~<~ t.term)"
    )
    if len(words) == 1:
        # One word: its rows in the index order, LIMIT rows away; the matches counted from the rows.
        found = _NAME_RANGE
        found_params: list[Any] = [brand_id, lead, top]
        narrowed, narrowed_params = "", []  # type: ignore[var-annotated]
    else:
        # Several words: the profiles having them all (an intersection of ranges, as few as the rarest
        # word allows), then their rows of the first word, sorted.
        found = " INTERSECT ".join(_NAME_RANGE for _ in words)
        found_params = [v for w in words for v in (brand_id, w, w + _TOP)]
        narrowed, narrowed_params = " AND t.customer_id IN (SELECT id FROM found)", []
    second = f"""
        SELECT 1 AS grp, t.term::text, t.sort_name::text, t.customer_id
        FROM {TABLE} t
        WHERE t.brand_id = %s AND t.kind = 'n' AND t.term ~>=~ %s AND t.term ~<~ %s{keyset}{narrowed}
          AND {once} AND t.customer_id NOT IN (SELECT id FROM other WHERE id IS NOT NULL)
        ORDER BY t.term USING ~<~, t.sort_name USING ~<~, t.customer_id LIMIT {int(size) + 1}
    """
    second_params = [brand_id, lead, top, *keyset_params, *narrowed_params, lead]
    if group == 1:
        first, first_params = "SELECT 0, ''::text, ''::text, 0::bigint WHERE FALSE", []
    # Name words are written for live profiles only (a merged profile has none): the count reads the
    # matches' ids, at most count_cap + 1 of them; the serial's owner is checked as live.
    count = f"""(SELECT count(*) FROM (
        (SELECT id FROM found LIMIT {int(count_cap) + 1})
        UNION SELECT o.id FROM other o JOIN customers_customer n ON n.brand_id = %s AND n.id = o.id
            AND n.merged_into_id IS NULL) x)"""
    sql = (
        f"WITH other(id) AS MATERIALIZED ({other_sql}), found(id) AS ({found}) "
        f"SELECT page.*, {count} FROM (({first}) UNION ALL ({second})) page "
        f"ORDER BY 1, 2 USING ~<~, 3 USING ~<~, 4 LIMIT {int(size) + 1}"
    )
    return _page(sql, [*head_params, *found_params, brand_id, *first_params, *second_params])


_NAME_RANGE = (
    f"SELECT customer_id FROM {TABLE} WHERE brand_id = %s AND kind = 'n' AND term ~>=~ %s AND term ~<~ %s"
)


def _page(sql: str, params: list[Any]) -> tuple[list[tuple[int, str, str, int]], int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [tuple(row[:4]) for row in rows], (rows[0][4] if rows else 0)
