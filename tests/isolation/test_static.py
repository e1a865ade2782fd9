"""Static guards of the isolation (ISO-10, ISO-11, ISO-12): they fail on a new view, index or module that
could read across brands, until someone reviews it and adds it to the allow-list below with a reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from jewelcrm.tenancy import rls

ROOT = Path(settings.BASE_DIR)

# --- ISO-12: raw SQL and unscoped managers only in reviewed modules ------------------------------

_ESCAPES = re.compile(
    r"\.unscoped\b|\.cursor\(\)|\.raw\(|\bRawSQL\b|\.extra\(|copy_expert|copy_from|"
    r"\bimport\b.*\bconnection\b"
)
REVIEWED = {
    "jewelcrm/accounts/selectors.py": "a user's own memberships across brands (sign-in, switcher)",
    "jewelcrm/accounts/tasks.py": "housekeeping and the isolation probe task, inside brand_task",
    "jewelcrm/accounts/home.py": "one upsert of a kept home figure with the brand id, a statement_timeout "
    "inside a savepoint; inside the brand (ADR 0045)",
    "customers/search_terms.py": "set-based rewrite and range reads of the search terms, every statement "
    "filtered by the brand id and run inside the brand (ADR 0044)",
    "customers/clientbook.py": "a bound array of the page's customer ids (RawSQL), applied to the brand's "
    "book queryset",
    "customers/book_ranks.py": "set-based rewrite of the client books' kept ranks and a book's index "
    "ranges, every statement filtered by the brand id and run inside the brand (ADR 0049)",
    "jewelcrm/imports/staging.py": "COPY into a temporary table and one set-based merge, inside the brand",
    "jewelcrm/tenancy/checks.py": "the row-level security report (catalogue tables only)",
    "jewelcrm/tenancy/context.py": "sets and clears the brand setting itself",
    "jewelcrm/tenancy/distribution.py": "catalogue reads and key changes after migrate; set-based inserts of "
    "rows the brand's own SELECT returned, inside the brand (Citus)",
    "jewelcrm/tenancy/management/commands/citus_growth_drill.py": "shard moves as admin; counts and audit "
    "rows inside each brand's context",
    "jewelcrm/tenancy/management/commands/citus_setup.py": "creates the extension and registers workers "
    "(admin login)",
    "jewelcrm/tenancy/management/commands/db_setup.py": "creates roles and the database (admin login)",
    "jewelcrm/tenancy/rls.py": "enables and forces row-level security after migrate",
    "jewelcrm/views.py": "the health check's SELECT 1",
    "customers/dedupe.py": "a merge clears the merged record's external id, inside the brand",
    "customers/gdpr.py": "erasure follows merged records and scrubs audit rows, inside the brand",
    "customers/selectors.py": "accent-insensitive search with unaccent, inside the brand",
    "segmentation/sql.py": "the nightly rollup and write-back, brand in every WHERE, inside the brand; "
    "VACUUM ANALYZE of its own scores and memberships as their owner after publishing",
    "campaigns/sql.py": "the daily journey evaluation and campaign audience (INSERT … SELECT), the "
    "measurement and the per-customer advisory lock; brand in every WHERE and join, inside the brand",
    "segmentation/pipeline.py": "the migration matrix read through sql.copy_out, inside the brand",
    "segmentation/summary.py": "the purchase summary's two reads (binary COPY of the orders, the customers' "
    "profile), brand in every WHERE, inside the brand (ADR 0055)",
    "segmentation/owned.py": "what customers own: three reads by binary COPY of a SELECT, brand in every "
    "WHERE, inside the brand (on the pipeline's thread of its own, in its brand context)",
    "segmentation/concurrent.py": "no SQL: runs a function on the thread's own connection inside the "
    "brand's context (or in the caller's, inside a transaction), then closes that thread's connections",
    "segmentation/services.py": "set-based segment membership refresh, inside the brand",
    "jewelcrm/imports/runs.py": "the import runner: advisory lock, heartbeat and staging, inside the brand",
    "segmentation/insights/services/refresh.py": (
        "set-based rebuild of one brand's weekly tables, inside the brand"
    ),
    "segmentation/insights/services/weekly.py": (
        "the changed weeks of one brand's weekly sales and product mix rewritten set-based on the rebuild's "
        "cursor, brand in every WHERE, inside the brand"
    ),
    "jewelcrm/tenancy/backup.py": "dump and restore as the administrative and owner logins (operations only)",
    "warranties/customer_360/selectors.py": (
        "reviewed: one RawSQL, the customer list's keyset condition `(sort columns, id) > (%s, ...)`, ANDed "
        "to the brand-filtered queryset; column names from SORTS only, the signed cursor's values bound as "
        "parameters; a cursor of another brand finds only this brand's rows "
        "(tests/isolation/test_scoping.py::test_a_list_cursor_of_another_brand_pages_only_through_this_brand)"
    ),
    "jewelcrm/messaging/delivery.py": "the delivery's advisory lock (pg_advisory_lock on ids), no table read",
}


def _escapes() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for folder in ("jewelcrm", "customers", "warranties", "segmentation", "campaigns"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            hits = [
                line.strip()
                for line in path.read_text(encoding="utf-8").splitlines()
                if _ESCAPES.search(line)
            ]
            if hits:
                found[path.relative_to(ROOT).as_posix()] = hits
    return found


def test_raw_sql_and_unscoped_managers_appear_only_in_reviewed_modules():
    found = _escapes()
    new = {path: hits[:3] for path, hits in found.items() if path not in REVIEWED}
    assert new == {}, (
        "Raw SQL or an unscoped manager in a module nobody reviewed (ISO-12). Check that it cannot read "
        "another brand (row-level security still applies), then add it to REVIEWED in "
        f"tests/isolation/test_static.py with the reason: {new}"
    )


def test_the_static_check_catches_a_new_escape(tmp_path, monkeypatch):
    module = ROOT / "customers" / "zz_unreviewed_probe.py"
    monkeypatch.setattr(Path, "rglob", lambda self, pattern: [module] if self.name == "customers" else [])
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: "rows = Customer.unscoped.all()\n")
    assert _escapes() == {"customers/zz_unreviewed_probe.py": ["rows = Customer.unscoped.all()"]}


# --- ISO-10 and ISO-11: database views and unique indexes ------------------------------------------


# Unique indexes of brand tables that do not hold brand_id, each reviewed by hand.
UNIQUE_WITHOUT_BRAND: dict[str, str] = {
    "accounts_apikey_hashed_key_key": "a random secret's hash, unique everywhere; the key names its brand",
}


def _rows(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def views_not_invoker() -> list[str]:
    """Views over the public schema that run as their owner, and materialized views without brand_id."""
    problems = []
    for name, kind, options in _rows(
        "SELECT c.relname, c.relkind, c.reloptions FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm')"
        # Views an extension owns (Citus' citus_tables, citus_shards) are the extension's, not ours.
        " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
        " AND d.objid = c.oid AND d.deptype = 'e')"
    ):
        if kind == "v" and not any(
            o in ("security_invoker=true", "security_invoker=on") for o in options or []
        ):
            problems.append(f"view {name} is not security_invoker")
        if kind == "m":
            columns = {
                r[0] for r in _rows("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass", [name])
            }
            if "brand_id" not in columns:
                problems.append(f"materialized view {name} has no brand_id")
    return problems


@pytest.mark.django_db
def test_every_view_is_security_invoker_and_no_materialized_view_lacks_the_brand():
    assert views_not_invoker() == []


@pytest.mark.django_db(transaction=True)
def test_the_view_check_catches_a_view_running_as_its_owner():
    from jewelcrm.tenancy.roles import as_role

    with as_role("owner"):
        with connection.cursor() as cursor:
            cursor.execute("CREATE VIEW zz_store_names AS SELECT brand_id, name FROM retail_store")
        try:
            assert views_not_invoker() == ["view zz_store_names is not security_invoker"]
            with connection.cursor() as cursor:
                cursor.execute("ALTER VIEW zz_store_names SET (security_invoker = true)")
            assert views_not_invoker() == []
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DROP VIEW zz_store_names")


def unique_indexes_without_brand() -> list[str]:
    brand_tables = {table for table, _extra in rls.brand_tables()}
    problems = []
    for table, index, columns in _rows(
        "SELECT t.relname, i.relname, array_agg(a.attname::text) FROM pg_index x "
        "JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(x.indkey) "
        "WHERE n.nspname = 'public' AND x.indisunique AND NOT x.indisprimary GROUP BY t.relname, i.relname"
    ):
        if table in brand_tables and "brand_id" not in (columns or []) and index not in UNIQUE_WITHOUT_BRAND:
            problems.append(f"{table}.{index} ({', '.join(c for c in columns if c)})")
    return sorted(problems)


@pytest.mark.django_db
def test_every_unique_index_of_a_brand_table_holds_the_brand():
    assert unique_indexes_without_brand() == [], (
        "Unique indexes of brand tables without brand_id (ISO-11): add brand to the constraint, or review "
        "and list it in UNIQUE_WITHOUT_BRAND in tests/isolation/test_static.py"
    )
