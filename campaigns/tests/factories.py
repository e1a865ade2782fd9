"""Factories of the campaigns engine."""

from __future__ import annotations

import factory

from campaigns.models import Campaign, Journey
from tests.factories import BrandFactory, BrandScopedFactory


class JourneyFactory(BrandScopedFactory):
    class Meta:
        model = Journey

    brand = factory.SubFactory(BrandFactory)
    kind = "birthday"
    is_enabled = True
    offset_days = 0
    hold_out_percent = 0


class CampaignFactory(BrandScopedFactory):
    class Meta:
        model = Campaign

    brand = factory.SubFactory(BrandFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    subject_en = "News for {first_name}"
    subject_fr = "Des nouvelles pour {first_name}"
    body_en = "Hello {first_name}, {brand} has news."
    body_fr = "Bonjour {first_name}, {brand} a des nouvelles."
    hold_out_percent = 0
