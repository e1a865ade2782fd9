"""The name words' sort key (ADR 0048): the profile's folded "last first", filled set-based for the name
words already written, each brand inside its own setting (row-level security is forced)."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    from customers.search_terms import sort_name_sql

    expression, params = sort_name_sql("c")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_brand ORDER BY id")
        brands = [row[0] for row in cursor.fetchall()]
        for brand_id in brands:
            cursor.execute(f"SET LOCAL jewelcrm.brand_id = '{int(brand_id)}'")
            cursor.execute(
                f"""
                UPDATE customers_search_term t SET sort_name = {expression}
                FROM customers_customer c
                WHERE t.brand_id = %s AND t.kind = 'n' AND c.brand_id = t.brand_id AND c.id = t.customer_id
                """,
                [*params, brand_id],
            )
        cursor.execute("SET LOCAL jewelcrm.brand_id = ''")


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_merge_unsubscribe_and_search_terms")]

    operations = [
        migrations.AddField(
            model_name="searchterm",
            name="sort_name",
            field=models.CharField(blank=True, default="", max_length=254),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="searchterm",
            index=models.Index(
                condition=models.Q(("kind", "n")),
                fields=["brand", "term", "sort_name", "customer"],
                name="search_term_name_order",
                opclasses=["int8_ops", "text_pattern_ops", "text_pattern_ops", "int8_ops"],
            ),
        ),
    ]
