from __future__ import annotations

import factory

from campaigns.delivery.models import Suppression, SuppressionReason
from tests.factories import BrandFactory, BrandScopedFactory


class SuppressionFactory(BrandScopedFactory):
    class Meta:
        model = Suppression

    brand = factory.SubFactory(BrandFactory)
    email = factory.Sequence(lambda n: f"suppressed{n}@example.test")
    reason = SuppressionReason.BOUNCE
    source = "test"
