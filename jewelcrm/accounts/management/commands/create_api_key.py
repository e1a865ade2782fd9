"""Create an API key for a brand and print it once: `manage.py create_api_key --brand SLUG --name NAME`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jewelcrm.accounts import selectors, services
from jewelcrm.tenancy.context import brand_context


class Command(BaseCommand):
    help = "Create an API key for a brand and print it (it is stored hashed and cannot be shown again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--brand", required=True, help="The brand's slug")
        parser.add_argument("--name", required=True, help="What the key is for")

    def handle(self, *args: Any, **options: Any) -> None:
        brand = selectors.brand_get_by_slug(slug=options["brand"])
        if brand is None:
            raise CommandError(f"No active brand with the slug {options['brand']!r}.")
        name = options["name"].strip()
        if not name:
            raise CommandError("The key needs a name.")
        with brand_context(brand):
            key, raw = services.api_key_create(brand=brand, name=name[:100])
        self.stderr.write(
            f"API key {key.name!r} created for {brand.name}. Copy it now: it is shown only once."
        )
        self.stdout.write(raw)
