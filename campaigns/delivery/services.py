"""Writes of campaign delivery (the brand in context): the suppression list, one-click unsubscribe, the
owner's e-mail preferences, and what the e-mail provider reports about each message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.delivery.models import DeliveryEvent, Suppression, SuppressionReason
from campaigns.delivery.selectors import email_hash, email_key
from campaigns.delivery.tokens import Unsubscribe

UNSUBSCRIBE_SOURCE = "unsubscribe link"


# --- The suppression list ---------------------------------------------------------------------------


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
    existing = (
        Suppression.objects.filter(brand_id=row.brand_id, email__in=[address, email_hash(address)])
        .order_by("at")
        .first()
    )
    if existing is not None:
        return existing, False
    # INSERT … ON CONFLICT DO NOTHING: concurrent webhooks and clicks never fail on the unique constraint.
    Suppression.objects.bulk_create([row], ignore_conflicts=True)
    return Suppression.objects.get(brand_id=row.brand_id, email=address), True


def suppression_remove(*, brand: Any, suppression_id: int) -> Suppression | None:
    """Lift a suppression. Returns the row removed, or None (not in the brand)."""
    row = Suppression.objects.filter(brand=brand, pk=suppression_id).first()
    if row is not None:
        Suppression.objects.filter(brand=brand, pk=row.pk).delete()
    return row


def suppression_add_manual(*, brand: Any, email: str, actor: Any, ip: str | None = None) -> Suppression:
    """The brand's staff add an address by hand (audited). ValidationError when it is already listed."""
    from jewelcrm.accounts.services import audit_log_record

    with transaction.atomic():
        row, created = suppression_add(
            brand=brand, email=email, reason=SuppressionReason.MANUAL, source=getattr(actor, "email", "")
        )
        if not created:
            raise ValidationError(
                {"email": [_("This address is already on the suppression list.")]}, code="duplicate"
            )
        audit_log_record(
            brand=brand, action="suppression.add", actor=actor, obj=row, data={"email": row.email}, ip=ip
        )
    return row


def suppression_remove_manual(
    *, brand: Any, suppression_id: int, actor: Any, ip: str | None = None
) -> Suppression | None:
    """The brand's staff lift a suppression (audited, with the reason it had)."""
    from jewelcrm.accounts.services import audit_log_record

    with transaction.atomic():
        row = suppression_remove(brand=brand, suppression_id=suppression_id)
        if row is not None:
            audit_log_record(
                brand=brand,
                action="suppression.remove",
                actor=actor,
                obj=row,
                data={"email": row.email, "reason": row.reason},
                ip=ip,
            )
    return row


def suppression_erase(*, brand: Any, emails: list[str]) -> dict[str, int]:
    """GDPR erasure (customers.gdpr.customer_erase's hook): the person's suppressed addresses are kept
    as their hash, so they stay suppressed if they come back, and the providers' texts that name them
    are blanked. Returns the rows changed per model."""
    keys = sorted({key for key in (email_key(e) for e in emails) if key and "@" in key})
    changed: dict[str, int] = {}
    if not keys:
        return changed
    suppressions = 0
    for key in keys:
        hashed = email_hash(key)
        if Suppression.objects.filter(brand=brand, email=hashed).exists():
            suppressions += Suppression.objects.filter(brand=brand, email=key).delete()[0]
        else:
            suppressions += Suppression.objects.filter(brand=brand, email=key).update(email=hashed)
    events = 0
    for key in keys:
        events += DeliveryEvent.objects.filter(brand=brand, detail__icontains=key).update(detail="")
    if suppressions:
        changed["campaign_delivery.Suppression"] = suppressions
    if events:
        changed["campaign_delivery.DeliveryEvent"] = events
    return changed


# --- Delivery events --------------------------------------------------------------------------------


def delivery_event_record(
    *,
    brand: Any,
    message_id: int,
    event: str,
    provider_event_id: str,
    detail: str = "",
    is_permanent: bool = False,
    at: datetime | None = None,
) -> bool:
    """Record one event of one sent message, once per provider event id. Returns whether it was new."""
    brand_id = getattr(brand, "pk", brand)
    provider_event_id = provider_event_id[:200]
    if DeliveryEvent.objects.filter(brand_id=brand_id, provider_event_id=provider_event_id).exists():
        return False
    row = DeliveryEvent(
        brand_id=brand_id,
        message_id=message_id,
        event=event,
        provider_event_id=provider_event_id,
        detail=(detail or "")[:500],
        is_permanent=is_permanent,
        at=at or timezone.now(),
    )
    # ON CONFLICT DO NOTHING: the same webhook delivered twice at once records one row.
    DeliveryEvent.objects.bulk_create([row], ignore_conflicts=True)
    return True


# --- One-click unsubscribe --------------------------------------------------------------------------


def unsubscribe_apply(*, brand: Any, unsubscribe: Unsubscribe, ip: str | None = None) -> bool:
    """Stop the marketing the token names: the consent withdrawn in the customer's ledger (source: the
    unsubscribe link), the address suppressed, the message's unsubscribe counted. Idempotent: a second
    click changes nothing. Returns whether anything changed. Call inside the brand's context."""
    from customers.models import ConsentSource
    from customers.selectors import consent_current, customer_find, customer_get
    from customers.services import consent_withdraw
    from jewelcrm.messaging.selectors import message_get

    if unsubscribe.brand_id != brand.pk:
        raise ValidationError(_("This unsubscribe link is not valid."), code="invalid")
    changed = False
    with transaction.atomic():
        # The suppression first: a concurrent second click waits on its unique index until the first
        # commits, then reads the ledger with the first's withdrawal in it (one withdrawal, not two).
        if unsubscribe.channel == "email" and unsubscribe.email:
            _row, created = suppression_add(
                brand=brand,
                email=unsubscribe.email,
                reason=SuppressionReason.UNSUBSCRIBE,
                source=UNSUBSCRIBE_SOURCE,
            )
            changed = created
        customer = None
        if unsubscribe.customer_id:
            customer = customer_get(brand=brand, customer_id=unsubscribe.customer_id)
        elif unsubscribe.email:
            customer = customer_find(brand=brand, email=unsubscribe.email)
        if customer is not None:
            entry = consent_current(brand=brand, customer=customer, purpose=unsubscribe.purpose).get(
                unsubscribe.channel
            )
            if entry is not None and entry.is_granted:
                consent_withdraw(
                    brand=brand,
                    customer=customer,
                    channel=unsubscribe.channel,
                    purpose=unsubscribe.purpose,
                    source=ConsentSource.UNSUBSCRIBE,
                    ip=ip,
                )
                changed = True
        if unsubscribe.message_id and message_get(brand=brand, message_id=unsubscribe.message_id):
            delivery_event_record(
                brand=brand,
                message_id=unsubscribe.message_id,
                event="unsubscribed",
                provider_event_id=f"unsubscribe:{unsubscribe.message_id}",
            )
    return changed


# --- The owner's preferences (owner portal) ---------------------------------------------------------


def preferences_save(
    *, brand: Any, customer: Any, wanted: dict[tuple[str, str], bool], ip: str | None = None
) -> int:
    """The owner's choices per (channel, purpose), from the portal's preference page: a ledger entry for
    each change only (source: owner portal). Consenting again to marketing e-mails lifts the suppression
    the owner's own unsubscribe put on the address (never a bounce's, a complaint's or the brand's).
    Returns how many entries were written."""
    from customers.models import Channel, ConsentSource
    from customers.selectors import consent_status_table
    from customers.services import consent_entry, consents_record

    current = {
        (row["channel"], row["purpose"]): row["entry"]
        for row in consent_status_table(brand=brand, customer=customer)
    }
    entries = []
    for (channel, purpose), is_granted in wanted.items():
        entry = current.get((channel, purpose))
        if (entry.is_granted if entry is not None else False) == is_granted:
            continue
        entries.append(
            consent_entry(
                brand=brand,
                customer=customer,
                channel=channel,
                purpose=purpose,
                is_granted=is_granted,
                # E-mail marketing is confirmed by a confirmed address (double opt-in), as in "My data".
                is_confirmed=bool(customer.email_confirmed_at) if is_granted else False,
                source=ConsentSource.PORTAL,
                wording_version="portal-preferences-1",
                ip=ip,
            )
        )
    with transaction.atomic():
        if entries:
            consents_record(entries)
        if wanted.get((Channel.EMAIL, "marketing")) and customer.email:
            Suppression.objects.filter(
                brand=brand, email=email_key(customer.email), reason=SuppressionReason.UNSUBSCRIBE
            ).delete()
    return len(entries)
