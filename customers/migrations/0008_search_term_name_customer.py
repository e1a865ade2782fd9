from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_search_term_sort_name")]

    operations = [
        migrations.AddIndex(
            model_name="searchterm",
            index=models.Index(
                condition=models.Q(("kind", "n")),
                fields=["brand", "customer", "term", "sort_name"],
                name="search_term_name_customer",
                opclasses=["int8_ops", "int8_ops", "text_pattern_ops", "text_pattern_ops"],
            ),
        ),
    ]
