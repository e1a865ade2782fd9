"""Writes of campaign delivery: the suppression list (the brand in context)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.delivery.models import Suppression, SuppressionReason
from campaigns.delivery.selectors import email_key


def suppression_add(
    *, brand: Any, email: str, reason: str, source: str = "", at: Any = None
) -> tuple[Suppression, bool]:
    """Suppress `email` for the brand's marketing e-mails. Idempotent: an address already suppressed keeps
    its first row (its reason and date). Returns (row, created). Call inside the brand's context."""
    address = email_key(email)
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(
            {"email": [_("“%(value)s” is not a valid e-mail address.") % {"value": email}]}, code="invalid"
        ) from None
    if reason not in SuppressionReason.values:
        raise ValueError(f"Unknown reason of suppression: {reason}")
    row = Suppression(
        brand_id=getattr(brand, "pk", brand),
        email=address,
        reason=reason,
        source=source[:200],
        at=at or timezone.now(),
    )
    existing = Suppression.objects.filter(brand_id=row.brand_id, email=address).first()
    if existing is not None:
        return existing, False
    # INSERT … ON CONFLICT DO NOTHING: concurrent webhooks and clicks never fail on the unique constraint.
    Suppression.objects.bulk_create([row], ignore_conflicts=True)
    return Suppression.objects.get(brand_id=row.brand_id, email=address), True


def suppression_remove(*, brand: Any, suppression_id: int) -> Suppression | None:
    """Lift a suppression (the brand's staff, audited by the caller). Returns the row removed, or None."""
    row = Suppression.objects.filter(brand=brand, pk=suppression_id).first()
    if row is not None:
        Suppression.objects.filter(brand=brand, pk=row.pk).delete()
    return row
