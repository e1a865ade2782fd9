"""The covering index of the nightly rollup also holds each order's id and channel: the purchase summary
and what customers own read the orders once, in (customer, time) order, from the index alone (ADR 0055).
Without them the read in that order fetched every order from the table at random (16 s for four million
orders), and read in the table's order it had to be sorted in memory."""

from django.db import migrations

CREATE = """
CREATE INDEX IF NOT EXISTS segmentation_order_rollup ON customers_order
    (brand_id, customer_id, ordered_at)
    INCLUDE (status, total, total_brand_currency, refunded_amount, currency, id, channel)
"""
CREATE_BEFORE = """
CREATE INDEX IF NOT EXISTS segmentation_order_rollup ON customers_order
    (brand_id, customer_id, ordered_at)
    INCLUDE (status, total, total_brand_currency, refunded_amount, currency)
"""
DROP = "DROP INDEX IF EXISTS segmentation_order_rollup"


def forward(apps, schema_editor):
    schema_editor.execute(DROP)
    schema_editor.execute(CREATE)


def backward(apps, schema_editor):
    schema_editor.execute(DROP)
    schema_editor.execute(CREATE_BEFORE)


class Migration(migrations.Migration):
    dependencies = [("segmentation", "0006_scores_unique_by_customer_then_run")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
