"""The hand-over of new recipient rows to the send log (e-mail) or to an associate (a task), ADR 0030."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _

from campaigns.models import (
    Campaign,
    CampaignStatus,
    Journey,
    JourneyChannel,
    Recipient,
    RecipientStatus,
    SkipReason,
)
from customers import selectors as customer_selectors
from jewelcrm.messaging.services import message_send

log = logging.getLogger(__name__)

JOURNEY_EMAIL_KIND = "campaigns.journey"
CAMPAIGN_EMAIL_KIND = "campaigns.campaign"
DISPATCH_BATCH = 500


# --- Hand-over to the send log or to an associate ------------------------------------------------


def _language(customer_language: str, brand: Any) -> str:
    languages = brand.languages or ["en"]
    return customer_language if customer_language in languages else brand.default_language


def recipients_dispatch(*, brand: Any, limit: int | None = None) -> int:
    """Hand every new recipient row to the send log (e-mail) or to the associate (task), in batches of
    DISPATCH_BATCH, one transaction each. Rows are claimed with SKIP LOCKED, so two dispatchers share the
    work; `message_send` with the row's key records one message however often a row is handed over."""
    from jewelcrm.tenancy.context import brand_context

    handed = 0
    while limit is None or handed < limit:
        with brand_context(brand):
            batch = list(
                Recipient.objects.select_for_update(skip_locked=True)
                .filter(brand=brand, status=RecipientStatus.NEW)
                .order_by("id")[:DISPATCH_BATCH]
            )
            if not batch:
                break
            _dispatch_batch(brand=brand, batch=batch)
            handed += len(batch)
    with brand_context(brand):
        recipients_reconcile(brand=brand)
    return handed


def recipients_reconcile(*, brand: Any, limit: int = 5000) -> int:
    """Rows still "queued" whose message the send log decided without our renderer (the marketing policy
    of campaigns.delivery skips a suppressed address before rendering; a message parked as not delivered;
    a message whose sender died mid-send, found delivered by the provider check of ADR 0040) take that
    outcome, so a campaign can finish and the page tells why."""
    from jewelcrm.messaging.selectors import message_list

    queued = dict(
        Recipient.objects.filter(brand=brand, status=RecipientStatus.QUEUED)
        .order_by("id")
        .values_list("message_key", "pk")[:limit]
    )
    if not queued:
        return 0
    decided = message_list(brand=brand).filter(key__in=list(queued), status__in=["skipped", "failed", "sent"])
    changed = 0
    for key, status, sent_at in decided.values_list("key", "status", "sent_at"):
        if status == "sent":
            changed += Recipient.objects.filter(
                brand=brand, pk=queued[key], status=RecipientStatus.QUEUED
            ).update(status=RecipientStatus.SENT, sent_at=sent_at)
            continue
        reason = SkipReason.SUPPRESSED if status == "skipped" else SkipReason.NOT_DELIVERED
        changed += Recipient.objects.filter(
            brand=brand, pk=queued[key], status=RecipientStatus.QUEUED
        ).update(status=RecipientStatus.SKIPPED, skip_reason=reason)
    return changed


def _dispatch_batch(*, brand: Any, batch: list[Recipient]) -> None:
    customers = {
        c.pk: c
        for c in customer_selectors.customer_list(brand=brand).filter(pk__in={r.customer_id for r in batch})
    }
    journeys = {
        j.pk: j
        for j in Journey.objects.filter(brand=brand, pk__in={r.journey_id for r in batch if r.journey_id})
    }
    campaigns = {
        c.pk: c
        for c in Campaign.objects.filter(brand=brand, pk__in={r.campaign_id for r in batch if r.campaign_id})
    }
    for recipient in batch:
        customer = customers.get(recipient.customer_id)
        journey = journeys.get(recipient.journey_id) if recipient.journey_id else None
        campaign = campaigns.get(recipient.campaign_id) if recipient.campaign_id else None
        if customer is None or customer.is_pseudonymised:
            recipient.status, recipient.skip_reason = RecipientStatus.SKIPPED, SkipReason.GONE
        elif campaign is not None and campaign.status == CampaignStatus.CANCELLED:
            recipient.status, recipient.skip_reason = RecipientStatus.SKIPPED, SkipReason.CANCELLED
        elif journey is not None and journey.channel == JourneyChannel.ASSOCIATE:
            _outreach(brand=brand, journey=journey, recipient=recipient, customer=customer)
        elif not customer.email:
            recipient.status, recipient.skip_reason = RecipientStatus.SKIPPED, SkipReason.NO_ADDRESS
        else:
            message_send(
                brand=brand,
                key=recipient.message_key,
                kind=JOURNEY_EMAIL_KIND if journey is not None else CAMPAIGN_EMAIL_KIND,
                to=customer.email,
                context={"recipient_id": recipient.pk},
                language=_language(customer.language, brand),
            )
            recipient.status = RecipientStatus.QUEUED
    Recipient.objects.bulk_update(batch, ["status", "skip_reason"])


def _outreach(*, brand: Any, journey: Journey, recipient: Recipient, customer: Any) -> None:
    """The associate channel: a task in the client book (campaigns.outreach), idempotent on the key."""
    try:
        from campaigns.outreach.services import outreach_task_create
    except ImportError:  # the outreach app is not installed: the row waits for it
        log.warning("campaigns: no outreach app; recipient %s left for later", recipient.pk)
        return
    title = _("%(occasion)s: %(name)s") % {
        "occasion": journey.get_kind_display(),
        "name": customer.display_name,
    }
    from django.utils import formats, translation

    due_on = recipient.occasion_date or recipient.chosen_on
    with translation.override(brand.default_language):
        detail = _("%(occasion)s on %(date)s: a good moment to get in touch.") % {
            "occasion": journey.get_kind_display(),
            "date": formats.date_format(due_on, "DATE_FORMAT"),
        }
        title = str(title)
    outreach_task_create(
        brand=brand,
        customer_id=customer.pk,
        key=recipient.message_key,
        due_on=due_on,
        title=title,
        detail=detail,
    )
    recipient.status = RecipientStatus.TASK
