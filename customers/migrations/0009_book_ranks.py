"""The client books' kept ranks (customers.book_ranks, ADR 0049), and the customer indexes a book is read by
(a store's customers, an associate's, by name). The ranks are written by `manage.py book_ranks` or the
nightly task (`refresh_book_ranks_all_task`); until then a book lists its customers by name."""

import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_home_figures'),
        ('customers', '0008_search_term_name_customer'),
        ('retail', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='BookRank',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('brand', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.brand')),
                ('customer', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.customer')),
                ('priority', models.PositiveSmallIntegerField()),
                ('first_date', models.DateField(null=True)),
                ('home_store_id', models.BigIntegerField(null=True)),
                ('associate_id', models.BigIntegerField(null=True)),
                ('last_name', models.CharField(blank=True, max_length=100)),
                ('first_name', models.CharField(blank=True, max_length=100)),
                ('computed_on', models.DateField()),
            ],
            options={
                'db_table': 'customers_book_rank',
                'constraints': [models.UniqueConstraint(fields=('brand', 'customer'), name='book_rank_unique_customer')],
                'indexes': [
                    models.Index(fields=['brand', 'home_store_id', 'priority', 'first_date', 'last_name', 'first_name', 'customer'], name='book_rank_store'),
                    models.Index(fields=['brand', 'associate_id', 'priority', 'first_date', 'last_name', 'first_name', 'customer'], name='book_rank_associate'),
                ],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(condition=models.Q(('is_pseudonymised', False), ('merged_into__isnull', True)), fields=['brand', 'home_store', 'last_name', 'first_name', 'id'], name='customer_brand_store_name'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(condition=models.Q(('is_pseudonymised', False), ('merged_into__isnull', True)), fields=['brand', 'assigned_associate', 'last_name', 'first_name', 'id'], name='customer_brand_associate_name'),
        ),
    ]
