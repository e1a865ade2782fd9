"""The schema is shaped for distribution by brand: checked against the catalog, on plain PostgreSQL and
on Citus alike (there, every brand table must also be distributed by brand_id and every shared table be
a reference table). A model added later by any app is covered without a change here."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.utils import DatabaseError

from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from jewelcrm.tenancy.distribution import (
    brand_table_names,
    is_citus,
    problems,
    project_models,
)
from jewelcrm.tenancy.models import BrandMoveRefused
from jewelcrm.tenancy.roles import as_role
from tests.factories import BrandFactory, StoreFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL catalog"),
]


def _rows(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def test_every_brand_table_is_keyed_by_brand_and_placed():
    """PK (brand_id, id); every unique with brand_id; every FK between brand tables on both sides; on
    Citus, brand tables distributed by brand_id and the others reference tables."""
    assert len(brand_table_names()) >= 25
    assert problems() == []


def test_the_catalog_agrees_table_by_table():
    """Read the catalog directly, so the check above cannot be fooled by its own helper."""
    brand_tables = brand_table_names()
    pks = dict(
        _rows(
            """SELECT c.conrelid::regclass::text,
                      array_to_string(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), ',')
                 FROM pg_constraint c WHERE c.contype = 'p'"""
        )
    )
    assert {t: pks[t] for t in brand_tables} == {t: "brand_id,id" for t in brand_tables}
    single_fks = _rows(
        """SELECT c.conname FROM pg_constraint c
            WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
              AND c.confrelid::regclass::text = ANY(%s) AND cardinality(c.conkey) = 1
              AND c.confrelid::regclass::text <> 'accounts_brand'""",
        [sorted(brand_tables), sorted(brand_tables)],
    )
    assert single_fks == []
    uniques_without_brand = _rows(
        """SELECT i.indexrelid::regclass::text FROM pg_index i
            WHERE i.indisunique AND i.indrelid::regclass::text = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid
                              AND a.attname = 'brand_id' AND a.attnum = ANY(i.indkey::int2[]))""",
        [sorted(brand_tables)],
    )
    assert uniques_without_brand == []
    if is_citus(connection):
        distributed = {
            t
            for (t,) in _rows(
                "SELECT logicalrelid::regclass::text FROM pg_dist_partition WHERE partmethod = 'h'"
            )
        }
        assert brand_tables - distributed == set()


@pytest.mark.django_db(transaction=True)
def test_a_model_of_tomorrow_gets_the_same_keys():
    """A new brand model, created by the schema editor like any migration would: keys with brand_id."""

    class Tomorrow(models.Model):  # noqa: DJ008 - a throw-away model
        brand = models.ForeignKey("accounts.Brand", on_delete=models.PROTECT, related_name="+")
        customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
        code = models.CharField(max_length=10, unique=True)

        class Meta:
            app_label = "tenancy"
            db_table = "tenancy_test_tomorrow"

    try:
        with as_role("owner"), connection.schema_editor() as editor:
            editor.create_model(Tomorrow)
        constraints = dict(
            _rows(
                """SELECT contype::text || ':' || array_to_string(ARRAY(SELECT a.attname FROM unnest(conkey)
                          WITH ORDINALITY k(n, i) JOIN pg_attribute a
                          ON a.attrelid = conrelid AND a.attnum = k.n ORDER BY k.i), ','),
                          coalesce(nullif(confrelid, 0)::regclass::text, '-')
                     FROM pg_constraint WHERE conrelid = 'tenancy_test_tomorrow'::regclass
                       AND contype <> 'n'"""  # PostgreSQL 18 (the embedded server) lists NOT NULLs too
            )
        )
        assert constraints == {
            "p:brand_id,id": "-",
            "u:brand_id,code": "-",
            "f:brand_id,customer_id": "customers_customer",
            "f:brand_id": "accounts_brand",
        }
    finally:
        with as_role("owner"), connection.schema_editor() as editor:
            editor.execute('DROP TABLE IF EXISTS "tenancy_test_tomorrow"')
        apps.all_models["tenancy"].pop("tomorrow", None)
        apps.clear_cache()


def test_every_link_between_brand_models_has_a_brand():
    """No table without brand_id references a brand table (many-to-many: explicit through models)."""
    brand_tables = brand_table_names()
    offenders = [
        f"{m._meta.label}.{f.name}"
        for m in project_models()
        if m._meta.db_table not in brand_tables
        for f in m._meta.concrete_fields
        if f.is_relation and f.related_model is not None and f.related_model._meta.db_table in brand_tables
    ]
    assert offenders == []


def test_joins_between_brand_models_include_brand_id(brand):
    from customers.models import Relation

    sql = str(Relation.unscoped.select_related("customer").query)
    condition = '("customers_relation"."brand_id" = ("customers_customer"."brand_id"))'
    assert condition in sql
    from customers.models import Customer

    assert condition in str(Customer.unscoped.filter(relations__name="x").query)


def test_updates_filter_on_brand_and_a_brand_move_is_refused(brand, django_assert_num_queries):
    other = BrandFactory(name="Autre", slug="autre")
    with brand_context(brand):
        customer = CustomerFactory(brand=brand)
        with django_assert_num_queries(1) as captured:
            customer.first_name = "Léa"
            customer.save()
        assert (
            f'WHERE ("customers_customer"."brand_id" = {brand.pk} AND' in captured.captured_queries[0]["sql"]
        )
        customer.brand = other
        with pytest.raises(BrandMoveRefused, match="cannot move to brand"):
            customer.save()
        from customers.models import Customer

        with pytest.raises(BrandMoveRefused):
            Customer.objects.filter(pk=customer.pk).update(brand=other)
        store = StoreFactory(brand=brand)
    # Below the ORM, the database refuses too (row-level security; on Citus, the partition value).
    with pytest.raises(DatabaseError), brand_context(brand):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE retail_store SET brand_id = %s WHERE id = %s", [other.pk, store.pk])


def test_a_set_based_insert_from_a_staging_table_writes_the_brand_rows(brand):
    """INSERT … SELECT from a temporary staging table (on Citus: the SELECT, then plain INSERTs, since
    Citus would COPY into the shards and row-level security refuses COPY)."""
    from jewelcrm.imports import staging
    from jewelcrm.retail.models import Retailer

    with brand_context(brand):
        staging.staging_create("import_test_retailers", [("name", "text")])
        assert staging.staging_copy("import_test_retailers", ["name"], [("Atelier A",), ("Atelier B",)]) == 2
        extra_cols, extra_params = staging.model_defaults(Retailer, ["brand_id", "name"])
        written = staging.sql(
            f"INSERT INTO retail_retailer (brand_id, name, {', '.join(extra_cols)}) "
            f"SELECT %s, s.name, {', '.join(['%s'] * len(extra_cols))} "
            "FROM import_test_retailers s ORDER BY s.name",
            [brand.pk, *extra_params],
        )
        assert written == 2
        assert sorted(Retailer.objects.values_list("name", flat=True)) == ["Atelier A", "Atelier B"]


def test_row_level_security_is_forced_with_its_policy_on_every_shard():
    """Citus: every shard of every brand table, on every worker, has RLS enabled and forced and the
    brand_isolation policy (the policies are what the workers check, with the propagated setting)."""
    if not is_citus(connection):
        pytest.skip("Citus only")
    checked = 0
    for table in sorted(brand_table_names()):
        results = _rows(
            "SELECT success, result FROM run_command_on_shards(%s, $cmd$SELECT relrowsecurity AND "
            "relforcerowsecurity AND EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = '%%1$s'::regclass "
            "AND polname = 'brand_isolation') FROM pg_class WHERE oid = '%%1$s'::regclass$cmd$)",
            [table],
        )
        assert results and results == [(True, "t")] * len(results), table
        checked += len(results)
    assert checked >= len(brand_table_names()) * 2
