"""Search at a million customers: trigram GIN indexes (pg_trgm, with btree_gin so that brand_id leads
each index) on the three expressions customer_search matches with LIKE '%...%': the accent-free lower-case
name (exactly as customers.selectors._unaccented_name writes it), the upper-case e-mail (Django's
icontains) and the phone. PostgreSQL only; on SQLite the migration does nothing."""

from django.db import migrations

# customers.selectors._ACCENTED and _PLAIN as they are when this migration was written.
_ACCENTED = "àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťùúûüūůűųýÿžźż"
_PLAIN = "aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrssstuuuuuuuuyyzzz"

NAME = (
    "translate(lower((COALESCE(first_name, '') || "
    "COALESCE((COALESCE(' ', '') || COALESCE(last_name, '')), ''))),"
    f" '{_ACCENTED}', '{_PLAIN}')"
)
INDEXES = {
    "customer_brand_name_trgm": f"({NAME}) gin_trgm_ops",
    "customer_brand_email_trgm": "(upper(email::text)) gin_trgm_ops",
    "customer_brand_phone_trgm": "phone gin_trgm_ops",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer USING gin (brand_id, {expression})"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_customer_last_contacted")]

    operations = [migrations.RunPython(forwards, backwards)]
