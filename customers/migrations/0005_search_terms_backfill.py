"""The search terms of every live profile (customers.search_terms, ADR 0044), one INSERT … SELECT per brand.

Row-level security is forced on the brand tables, migrations included: each brand is written inside its
own setting, and its foreign keys are checked there and then (SET CONSTRAINTS … IMMEDIATE), while its
customers are visible, rather than at the end of the migration, when no brand is set.
"""

from django.db import migrations


def backfill(apps, schema_editor):
    from customers.search_terms import search_terms_refresh

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_brand ORDER BY id")
        brands = [row[0] for row in cursor.fetchall()]
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for brand_id in brands:
            cursor.execute(f"SET LOCAL jewelcrm.brand_id = '{int(brand_id)}'")
            # Without the sort key: its column comes with migration 0007, which fills it.
            search_terms_refresh(brand_id=brand_id, sort=False)
        cursor.execute("SET LOCAL jewelcrm.brand_id = ''")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_search_terms")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
