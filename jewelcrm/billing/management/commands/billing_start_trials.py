"""Give every brand without a subscription a trial starting now: run once when switching billing on for
an installation whose brands were created before (their trial would otherwise count from their creation)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jewelcrm.billing import services


class Command(BaseCommand):
    help = "Start a trial, from now, for every active brand that has no subscription yet."

    def handle(self, *args: Any, **options: Any) -> None:
        started = services.trials_start()
        self.stdout.write(f"{started} trial(s) started.")
