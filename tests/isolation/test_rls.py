"""The database wall: PostgreSQL row-level security, checked as the application role.

These tests bypass the application's scoping on purpose (the `unscoped` manager, raw SQL) to prove
that the database alone keeps brands apart.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from jewelcrm.accounts.models import APIKey, AuditLog, Membership
from jewelcrm.retail.models import Retailer, Store
from jewelcrm.tenancy import rls
from jewelcrm.tenancy.context import brand_context
from tests.factories import MembershipFactory, StoreFactory

pytestmark = pytest.mark.django_db

APP_ROLE = settings.DATABASE_ROLES.get("app", {}).get("USER")


def _scalar(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def _rows(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


@pytest.fixture
def two_brands(brand, other_brand):
    """A store, a retailer, memberships, an API key and an audit row in each brand."""
    for b in (brand, other_brand):
        store = StoreFactory(brand=b, code=f"S-{b.slug}")
        MembershipFactory(brand=b, role="sales_associate", store=store)
        MembershipFactory(brand=b, role="owner")
        with brand_context(b):
            APIKey.objects.create(brand=b, name="k", prefix=b.slug, hashed_key=f"hash-{b.slug}")
            AuditLog.objects.create(brand=b, action="test.row")
    return brand, other_brand


# --- (a) every table with a brand column has RLS enabled, forced, with a policy ------------------


def test_the_suite_runs_as_the_application_role():
    assert _scalar("SELECT current_user") == APP_ROLE


def test_application_role_is_not_superuser_cannot_bypass_rls_and_owns_nothing():
    superuser, bypass = _rows("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [APP_ROLE])[0]
    assert (superuser, bypass) == (False, False)
    owned = _rows(
        "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND r.rolname = %s",
        [APP_ROLE],
    )
    assert owned == []
    # Nor may it switch to a role that could.
    assert (
        _rows("SELECT roleid::regrole::text FROM pg_auth_members WHERE member = %s::regrole", [APP_ROLE])
        == []
    )


def test_every_table_with_a_brand_column_has_rls_enabled_forced_and_a_policy():
    brand_tables = {
        row[0]
        for row in _rows(
            "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t "
            "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
            "WHERE c.table_schema = 'public' AND c.column_name = 'brand_id' AND t.table_type = 'BASE TABLE'"
        )
    }
    assert {"accounts_membership", "accounts_apikey", "retail_store"} <= brand_tables
    protected = {
        name: (enabled, forced)
        for name, enabled, forced in _rows(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
        )
    }
    policies: dict[str, list[tuple]] = {}
    for table, name, cmd, qual, check in _rows(
        "SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'public'"
    ):
        policies.setdefault(table, []).append((name, cmd, qual, check))

    missing = sorted(t for t in brand_tables if protected.get(t) != (True, True))
    assert missing == [], f"RLS not enabled and forced on {missing}"
    without_policy = sorted(t for t in brand_tables if not policies.get(t))
    assert without_policy == [], f"no policy on {without_policy}"
    for table in brand_tables:
        for name, cmd, qual, check in policies[table]:
            assert (name, cmd) == (rls.POLICY, "ALL"), table
            assert "jewelcrm.brand_id" in qual and "jewelcrm.brand_id" in check, table
            # Writes are checked against the brand only, never against the user escape of reads.
            assert "jewelcrm.user_id" not in check, table


def test_every_brand_scoped_model_table_is_in_the_database_with_a_brand_column():
    """The model registry and the database agree, so no brand-owned table escapes the test above."""
    model_tables = {table for table, _extra in rls.brand_tables()}
    db_tables = {
        row[0]
        for row in _rows(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'brand_id'"
        )
    }
    assert model_tables <= db_tables


def test_every_join_table_between_brand_models_carries_the_brand_and_its_policy():
    """Many-to-many links between brand models use an explicit through model with `brand` (ISO-05)."""
    from django.apps import apps

    protected = {
        name
        for (name,) in _rows(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relrowsecurity AND c.relforcerowsecurity"
        )
    }
    join_tables = {}
    for model in apps.get_models():
        if not any(f.column == "brand_id" for f in model._meta.concrete_fields):
            continue
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            join_tables[through._meta.db_table] = any(
                f.column == "brand_id" for f in through._meta.concrete_fields
            )
    assert "catalog_product_complement" in join_tables
    assert sorted(t for t, has_brand in join_tables.items() if not has_brand) == []
    assert sorted(t for t in join_tables if t not in protected) == []


def test_complement_links_of_another_brand_are_invisible_to_raw_sql(two_brands):
    from jewelcrm.catalog.models import Product
    from tests.factories import ProductFactory

    a, b = two_brands
    for brand in (a, b):
        first, second = ProductFactory(brand=brand), ProductFactory(brand=brand)
        with brand_context(brand):
            Product.objects.get(pk=first.pk).complements.set([second], through_defaults={"brand": brand})
    with brand_context(a):
        assert {r[0] for r in _rows("SELECT brand_id FROM catalog_product_complement")} == {a.pk}
    with transaction.atomic():
        assert _scalar("SELECT count(*) FROM catalog_product_complement") == 0


# --- (b) scoping bypassed inside brand A: nothing of brand B -----------------------------------


def test_unscoped_manager_and_raw_sql_see_no_row_of_another_brand(two_brands):
    a, b = two_brands
    with brand_context(a):
        assert {s.brand_id for s in Store.unscoped.all()} == {a.pk}
        assert Store.unscoped.filter(brand_id=b.pk).count() == 0
        assert Retailer.unscoped.filter(brand_id=b.pk).count() == 0
        assert Membership.unscoped.filter(brand_id=b.pk).count() == 0
        assert APIKey.unscoped.filter(brand_id=b.pk).count() == 0
        assert _scalar("SELECT count(*) FROM retail_store WHERE brand_id = %s", [b.pk]) == 0
        assert _scalar("SELECT count(*) FROM retail_store") == 1
        assert {r[0] for r in _rows("SELECT DISTINCT brand_id FROM accounts_membership")} == {a.pk}


def test_every_brand_table_shows_only_the_brand_in_context_to_raw_sql(two_brands):
    a, _b = two_brands
    with brand_context(a):
        for table, _extra in rls.brand_tables():
            seen = {r[0] for r in _rows(f'SELECT DISTINCT brand_id FROM "{table}"')}
            assert seen <= {a.pk}, table


def test_another_brand_rows_cannot_be_written_from_brand_a(two_brands):
    a, b = two_brands
    with brand_context(b):
        theirs = Store.unscoped.get()
        retailer_id = theirs.retailer_id
    with brand_context(a):
        # Insert a row for brand B: refused by the policy's WITH CHECK.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO accounts_auditlog (brand_id, at, action, object_type, object_id, data) "
                    "VALUES (%s, now(), 'forged', '', '', '{}')",
                    [b.pk],
                )
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Retailer.unscoped.create(brand=b, name="Forged")
        # Update and delete of B's rows touch nothing; moving A's row into B is refused.
        assert Store.unscoped.filter(pk=theirs.pk).update(name="Hacked") == 0
        assert _rows("DELETE FROM retail_store WHERE id = %s RETURNING id", [theirs.pk]) == []
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Store.unscoped.filter(brand_id=a.pk).update(brand_id=b.pk)
    with brand_context(b):
        store = Store.unscoped.get(pk=theirs.pk)
        assert (store.name, store.retailer_id) == (theirs.name, retailer_id)
        assert Retailer.unscoped.filter(name="Forged").count() == 0
        assert AuditLog.unscoped.filter(action="forged").count() == 0


# --- (c) no brand set: no rows, no writes ------------------------------------------------------


def test_without_a_brand_every_brand_table_is_empty_to_raw_sql(two_brands):
    a, b = two_brands
    with brand_context(a):
        assert _scalar("SELECT count(*) FROM retail_store") == 1  # the rows exist...
    with transaction.atomic():
        assert _scalar("SELECT current_setting('jewelcrm.brand_id', true)") in ("", None)
        for table, _extra in rls.brand_tables():
            assert _scalar(f'SELECT count(*) FROM "{table}"') == 0, table  # ...but not without a brand
        assert Store.unscoped.count() == 0
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Retailer.unscoped.create(brand=a, name="No brand")


def test_a_brand_setting_does_not_outlive_its_transaction(two_brands):
    a, _b = two_brands
    with brand_context(a):
        assert _scalar("SELECT current_setting('jewelcrm.brand_id', true)") == str(a.pk)
    assert _scalar("SELECT current_setting('jewelcrm.brand_id', true)") in ("", None)
    assert _scalar("SELECT count(*) FROM retail_store") == 0


@pytest.mark.django_db(transaction=True)
def test_an_outermost_brand_scope_ends_with_its_transaction(brand, other_brand):
    """Outermost, the scope does not put the setting back: the commit drops it, on the same connection."""
    StoreFactory(brand=brand)
    with CaptureQueriesContext(connection) as captured, brand_context(brand):
        assert _scalar("SELECT current_setting('jewelcrm.brand_id', true)") == str(brand.pk)
        assert _scalar("SELECT count(*) FROM retail_store") == 1
    assert sum("set_config" in q["sql"] for q in captured.captured_queries) == 1
    assert _scalar("SELECT current_setting('jewelcrm.brand_id', true)") in ("", None)
    assert _scalar("SELECT count(*) FROM retail_store") == 0
    with transaction.atomic():
        assert _scalar("SELECT count(*) FROM retail_store") == 0
    with brand_context(other_brand):
        assert _scalar("SELECT count(*) FROM retail_store") == 0


def test_a_failing_brand_task_leaves_no_brand_behind(two_brands):
    """An exception inside a brand's task unwinds the context and the database setting."""
    from jewelcrm.tenancy.context import get_current_brand_id
    from jewelcrm.tenancy.tasks import brand_task

    a, b = two_brands

    @brand_task
    def failing(brand_id: int) -> None:
        assert _scalar("SELECT count(*) FROM retail_store") == 1
        raise RuntimeError("boom")

    @brand_task
    def counting(brand_id: int) -> list[int]:
        return [r[0] for r in _rows("SELECT DISTINCT brand_id FROM retail_store")]

    with pytest.raises(RuntimeError):
        failing(a.pk)
    assert get_current_brand_id() is None
    assert _scalar("SELECT current_setting('jewelcrm.brand_id', true)") in ("", None)
    assert _scalar("SELECT count(*) FROM retail_store") == 0
    assert counting(b.pk) == [b.pk]


@pytest.mark.django_db(transaction=True)
def test_rls_check_command_passes_and_catches_an_unprotected_table():
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from jewelcrm.tenancy.checks import rls_report
    from jewelcrm.tenancy.roles import as_role

    out = StringIO()
    call_command("rls_check", stdout=out)
    assert out.getvalue().startswith("Row-level security: ")
    assert len(rls_report().brand_tables) >= 3
    # Switch it off on one table as the owner, then put it back.
    with as_role("owner"):
        with connection.cursor() as cursor:
            cursor.execute('ALTER TABLE "retail_store" NO FORCE ROW LEVEL SECURITY')
        try:
            with pytest.raises(CommandError, match="retail_store: row-level security is not forced"):
                call_command("rls_check", stdout=StringIO())
        finally:
            with connection.cursor() as cursor:
                cursor.execute('ALTER TABLE "retail_store" FORCE ROW LEVEL SECURITY')
    assert rls_report().ok


def test_rls_check_and_policies_refuse_a_database_that_is_not_postgresql(monkeypatch):
    from types import SimpleNamespace

    from django.core.exceptions import ImproperlyConfigured

    from jewelcrm.tenancy import checks

    other = {"default": SimpleNamespace(vendor="sqlite", settings_dict={"USER": ""})}
    monkeypatch.setattr(checks, "connections", other)
    monkeypatch.setattr(rls, "connections", other)
    with pytest.raises(ImproperlyConfigured, match="Row-level security needs PostgreSQL"):
        checks.rls_report()
    with pytest.raises(ImproperlyConfigured, match="Row-level security needs PostgreSQL"):
        rls.apply()
