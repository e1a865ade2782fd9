"""Backup and restore: a dump of the test data (`db_backup`, pg_dump) restored into a new database
(`db_restore`, pg_restore) gives back every brand's rows, readable only through row-level security as the
application role, exactly as before."""

from __future__ import annotations

from typing import Any

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from customers.tests.factories import CustomerFactory
from tests.factories import BrandFactory, MembershipFactory, StoreFactory
from warranties.portal.tests.factories import owned_item

pytestmark = pytest.mark.django_db(transaction=True)

# Brand tables read back, with the rows each brand gets below.
TABLES = ("customers_customer", "inventory_item", "accounts_membership", "warranties_registration")


def _connect(role: str, dbname: str) -> Any:
    db = connection.settings_dict
    credentials = settings.DATABASE_ROLES[role]
    return psycopg2.connect(
        dbname=dbname,
        user=credentials["USER"],
        password=credentials["PASSWORD"] or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )


def _drop(dbname: str) -> None:
    admin = _connect("admin", "postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
    admin.close()


def _visible(cursor: Any, brand_id: int | None) -> dict[str, list[tuple[int, int]]]:
    """brand_id -> count of each table, as the application role sees it with this brand set."""
    cursor.execute("SELECT set_config('jewelcrm.brand_id', %s, true)", [str(brand_id) if brand_id else ""])
    seen = {}
    for table in TABLES:
        cursor.execute(f'SELECT brand_id, count(*) FROM "{table}" GROUP BY brand_id ORDER BY 1')  # noqa: S608
        seen[table] = cursor.fetchall()
    return seen


def _snapshot(dbname: str, brand_ids: list[int]) -> dict[Any, Any]:
    conn = _connect("app", dbname)
    try:
        with conn.cursor() as cursor:
            result = {brand_id: _visible(cursor, brand_id) for brand_id in [None, *brand_ids]}
            conn.rollback()
    finally:
        conn.close()
    return result


def test_a_dump_restored_into_a_new_database_reads_each_brand_through_row_level_security(tmp_path):
    brands = [BrandFactory(slug="b-aurore"), BrandFactory(slug="b-leman")]
    for n, brand in enumerate(brands, start=1):
        store = StoreFactory(brand=brand)
        MembershipFactory(brand=brand, role="owner")
        for _ in range(n):
            owned_item(brand=brand, store=store)
        CustomerFactory.create_batch(n, brand=brand)
    brand_ids = [b.pk for b in brands]
    source = connection.settings_dict["NAME"]
    restored = f"{source}_restore"
    _drop(restored)
    before = _snapshot(source, brand_ids)
    dump = tmp_path / "jewelcrm.dump"
    try:
        call_command("db_backup", str(dump))
        assert dump.stat().st_size > 0
        call_command("db_restore", str(dump), "--database-name", restored)
        after = _snapshot(restored, brand_ids)
        # Each brand reads exactly its own rows, no brand at all reads nothing, as in the source.
        assert after == before
        assert after[None] == {table: [] for table in TABLES}
        for n, brand_id in enumerate(brand_ids, start=1):
            assert after[brand_id] == {
                "customers_customer": [(brand_id, 2 * n)],
                "inventory_item": [(brand_id, n)],
                "accounts_membership": [(brand_id, 1)],
                "warranties_registration": [(brand_id, n)],
            }
        # The restored tables belong to the owner role; the application role owns nothing there.
        admin = _connect("admin", restored)
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
            )
            owners = [row[0] for row in cursor.fetchall()]
        admin.close()
        assert owners == [settings.DATABASE_ROLES["owner"]["USER"]]
    finally:
        _drop(restored)


def test_a_restore_refuses_an_existing_database(tmp_path):
    from django.core.management.base import CommandError

    dump = tmp_path / "jewelcrm.dump"
    call_command("db_backup", str(dump))
    with pytest.raises(CommandError, match="exists already"):
        call_command("db_restore", str(dump), "--database-name", connection.settings_dict["NAME"])
