"""Build the demo: two brands with their networks, catalogues, items, customers and history (idempotent)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from jewelcrm import demo


class Command(BaseCommand):
    help = "Create or refresh the demo brands and users, then print one login per role."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--size", choices=["full", "small"], default="full")
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins")
        parser.add_argument("--if-empty", action="store_true", help="Seed only when no brand exists yet")

    def handle(self, *args: Any, **options: Any) -> None:
        from jewelcrm.accounts.models import Brand

        if options["if_empty"] and Brand.objects.exists():
            self.stdout.write("Demo data already loaded.")
            self._print_logins(demo.logins_of_existing())
            return
        contexts = demo.run(size=options["size"], stdout=self.stdout)
        if options["quiet_logins"]:
            return
        self._print_logins([(ctx.brand, ctx.logins) for ctx in contexts])

    def _print_logins(self, groups: list) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (staff password: {demo.DEMO_PASSWORD})"))
        for brand, logins in groups:
            self.stdout.write(f"\n  {brand.name}  ({settings.SITE_URL}/b/{brand.slug}/)")
            for label, email, _password in logins:
                self.stdout.write(f"    {label:<36} {email}")
