"""The brand's price band limits: read for the rebuild, set by its owner or admins."""

from __future__ import annotations

from django.db import transaction

from jewelcrm.accounts.models import Brand
from segmentation.insights.models import InsightsSettings, default_price_bands


def price_band_limits_of(brand: Brand) -> list[int]:
    found = InsightsSettings.objects.filter(brand=brand).first()
    return list(found.price_band_limits) if found else default_price_bands()


@transaction.atomic
def insights_settings_update(
    *, brand: Brand, price_band_limits: list[int], actor: object = None
) -> InsightsSettings:
    """Set the brand's price bands: limits in increasing order, each above zero."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from jewelcrm.accounts.services import audit_log_record

    limits = list(price_band_limits)
    if not limits or any(limit <= 0 for limit in limits) or limits != sorted(set(limits)):
        raise ValidationError(
            {"price_band_limits": [_("Give increasing amounts above zero, e.g. 500, 1000, 2500.")]}
        )
    settings, _created = InsightsSettings.objects.update_or_create(
        brand=brand, defaults={"price_band_limits": limits}
    )
    audit_log_record(
        brand=brand, action="insights.price_bands", actor=actor, obj=settings, data={"limits": limits}
    )
    return settings
