"""Product complements move to an explicit link model with a brand (a brand table, like the products)."""

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models

import jewelcrm.tenancy.context


def copy_links(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_product_complements")
        if not cursor.fetchone()[0]:
            return
        cursor.execute("SELECT id FROM accounts_brand ORDER BY id")
        for (brand_id,) in cursor.fetchall():
            # Row-level security is forced on the products, for the owner too: one brand at a time.
            cursor.execute(f"SET LOCAL jewelcrm.brand_id = '{int(brand_id)}'")
            cursor.execute(
                """INSERT INTO catalog_productcomplement (brand_id, from_product_id, to_product_id)
                   SELECT p.brand_id, c.from_product_id, c.to_product_id
                     FROM catalog_product_complements c JOIN catalog_product p ON p.id = c.from_product_id"""
            )
        cursor.execute("SET LOCAL jewelcrm.brand_id = ''")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_initial"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProductComplement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "brand",
                    models.ForeignKey(
                        db_index=False,
                        default=jewelcrm.tenancy.context.require_brand_id,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.brand",
                    ),
                ),
                (
                    "from_product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="catalog.product"
                    ),
                ),
                (
                    "to_product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="catalog.product"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("brand", "from_product", "to_product"), name="product_complement_unique"
                    )
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("unscoped", django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunPython(copy_links, migrations.RunPython.noop),
        migrations.RemoveField(model_name="product", name="complements"),
        migrations.AddField(
            model_name="product",
            name="complements",
            field=models.ManyToManyField(
                blank=True,
                through="catalog.ProductComplement",
                through_fields=("from_product", "to_product"),
                to="catalog.product",
                verbose_name="complementary products",
            ),
        ),
    ]
