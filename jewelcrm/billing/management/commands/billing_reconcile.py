"""Compare every brand's subscription with Stripe and print the drift; `--fix` repairs it (the nightly
job always does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jewelcrm.billing import services
from jewelcrm.billing.stripe_api import billing_enabled


class Command(BaseCommand):
    help = "Compare local subscriptions with Stripe; report the drift, and repair it with --fix."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--fix", action="store_true", help="make the local subscriptions follow Stripe")

    def handle(self, *args: Any, fix: bool = False, **options: Any) -> None:
        if not billing_enabled():
            raise CommandError("Billing is off: set STRIPE_SECRET_KEY.")
        run = services.reconcile_all(fix=fix)
        for line in run.details:
            fields = ", ".join(f"{name}: {old} → {new}" for name, (old, new) in line["fields"].items())
            self.stdout.write(f"{line['brand']} ({line['subscription']}): {fields}")
        verb = "corrected" if fix else "drifted"
        self.stdout.write(f"{run.checked} subscription(s) checked, {run.drifted} {verb}.")
