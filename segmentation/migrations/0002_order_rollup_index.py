"""The covering index of the nightly rollup on the orders table: (brand_id, customer_id, ordered_at)
INCLUDE the columns that make an order's value, so stage 1 of the rollup reads the index only."""

from django.db import migrations

CREATE = """
CREATE INDEX IF NOT EXISTS segmentation_order_rollup ON customers_order
    (brand_id, customer_id, ordered_at)
    INCLUDE (status, total, total_brand_currency, refunded_amount, currency)
"""
DROP = "DROP INDEX IF EXISTS segmentation_order_rollup"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("segmentation", "0001_initial"),
        ("customers", "0002_customer_last_contacted"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
