"""The campaigns engine's kinds of e-mail and their renderers: the send-time rules live here.

The renderer runs in the delivery task, inside the brand's context, in the transaction that holds the
send-log message's row lock (jewelcrm.messaging.delivery). For each journey or campaign e-mail it checks,
in this order, and records the outcome on the recipient row in that same transaction:
1. the recipient row still exists, and its campaign was not cancelled;
2. the customer still exists (not erased or merged) and has an address;
3. a current consent for e-mail marketing (`customers.selectors.consent_is_active`);
4. the address is not suppressed (`campaigns.delivery.selectors.suppressed_emails`, when installed);
5. outside the brand's quiet hours, else the message waits until they end (`SendDeferred`);
6. under the weekly cap of marketing e-mails per customer, counted under a per-customer advisory lock.
Anything failing → nothing is sent (the message is "Nothing to send") and the row keeps the reason.
"""

from __future__ import annotations

import inspect
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns import rendering, services, sql
from campaigns.models import Campaign, CampaignStatus, Journey, Recipient, RecipientStatus, SkipReason
from customers import selectors as customer_selectors
from jewelcrm.messaging.registry import Email, SendDeferred, email_kind

_MARKETING = {"marketing": True} if "marketing" in inspect.signature(email_kind).parameters else {}


def _skip(recipient: Recipient, reason: str) -> None:
    recipient.status, recipient.skip_reason = RecipientStatus.SKIPPED, reason
    recipient.save(update_fields=["status", "skip_reason"])


def _suppressed(brand: Any, address: str) -> bool:
    try:
        from campaigns.delivery.selectors import suppressed_emails
    except ImportError:  # the delivery app (suppression list) is not installed
        return False
    return bool(suppressed_emails(brand=brand, emails=[address]))


def render_recipient(message: Any) -> Email | None:
    recipient = (
        Recipient.objects.select_for_update()
        .filter(pk=(message.context or {}).get("recipient_id"), message_key=message.key)
        .first()
    )
    if recipient is None:
        return None
    if recipient.status in (RecipientStatus.SENT, RecipientStatus.SKIPPED):
        return None  # already decided (cannot happen while the message row is claimed; kept as a guard)
    brand = message.brand
    journey = Journey.objects.filter(pk=recipient.journey_id).first() if recipient.journey_id else None
    campaign = Campaign.objects.filter(pk=recipient.campaign_id).first() if recipient.campaign_id else None
    if campaign is not None and campaign.status == CampaignStatus.CANCELLED:
        _skip(recipient, SkipReason.CANCELLED)
        return None
    customer = customer_selectors.customer_get(brand=brand, customer_id=recipient.customer_id)
    if customer is None or customer.is_pseudonymised:
        _skip(recipient, SkipReason.GONE)
        return None
    if not customer.email:
        _skip(recipient, SkipReason.NO_ADDRESS)
        return None
    if not customer_selectors.consent_is_active(brand=brand, customer=customer, channel="email"):
        _skip(recipient, SkipReason.NO_CONSENT)
        return None
    if _suppressed(brand, message.to):
        _skip(recipient, SkipReason.SUPPRESSED)
        return None
    now = timezone.now()
    config = services.settings_get(brand=brand)
    until = services.quiet_hours_end(config=config, tz=brand.time_zone, now=now)
    if until is not None:
        raise SendDeferred(until, reason=str(_("Quiet hours: sent when they end")))
    sql.customer_lock(brand_id=brand.pk, customer_id=customer.pk)
    if services.sent_this_week(brand=brand, customer_id=customer.pk, now=now) >= config.weekly_cap:
        _skip(recipient, SkipReason.WEEKLY_CAP)
        return None
    language = message.language or brand.default_language
    rendered = _render(
        brand=brand,
        journey=journey,
        campaign=campaign,
        customer=customer,
        recipient=recipient,
        language=language,
    )
    recipient.status, recipient.sent_at = RecipientStatus.SENT, now
    recipient.save(update_fields=["status", "sent_at"])
    return Email(subject=rendered.subject, text=rendered.text, html=rendered.html)


def _render(
    *,
    brand: Any,
    journey: Journey | None,
    campaign: Campaign | None,
    customer: Any,
    recipient: Recipient,
    language: str,
) -> rendering.Rendered:
    source = journey if journey is not None else campaign
    template = getattr(source, "template", None) if source is not None else None
    if template is not None:
        return rendering.render_template(
            brand=brand,
            template=template,
            customer_id=customer.pk,
            language=language,
            message_key=recipient.message_key,
            occasion={**(recipient.context or {}), "date": str(recipient.occasion_date or "")},
        )
    if campaign is not None:
        french = language == "fr"
        return rendering.render_plain(
            subject=(campaign.subject_fr if french and campaign.subject_fr else campaign.subject_en)
            or campaign.name,
            body=(campaign.body_fr if french and campaign.body_fr else campaign.body_en),
            first_name=customer.first_name,
            brand=brand,
            language=language,
        )
    return rendering.render_default(
        kind=journey.kind if journey else "", brand=brand, first_name=customer.first_name, language=language
    )


email_kind(services.JOURNEY_EMAIL_KIND, label=_("Journey (birthday, anniversary, service…)"), **_MARKETING)(
    render_recipient
)
email_kind(services.CAMPAIGN_EMAIL_KIND, label=_("Campaign"), **_MARKETING)(render_recipient)


@email_kind(services.TEST_EMAIL_KIND, label=_("Campaign test"))
def render_test(message: Any) -> Email | None:
    """A test copy to the marketer: no consent, cap or quiet hours (a person asked for it)."""
    brand = message.brand
    campaign = Campaign.objects.filter(pk=(message.context or {}).get("campaign_id")).first()
    if campaign is None:
        return None
    language = message.language or brand.default_language
    template = getattr(campaign, "template", None)
    if template is not None:
        from campaigns.content.rendering import render_preview

        preview = render_preview(brand=brand, template=template, customer_id=0, language=language)  # no one
        rendered = rendering.Rendered(subject=preview.subject, html=preview.html, text=preview.text)
    else:
        rendered = rendering.render_plain(
            subject=(campaign.subject_fr if language == "fr" and campaign.subject_fr else campaign.subject_en)
            or campaign.name,
            body=campaign.body_fr if language == "fr" and campaign.body_fr else campaign.body_en,
            first_name="",
            brand=brand,
            language=language,
        )
    return Email(subject=f"[TEST] {rendered.subject}", text=rendered.text, html=rendered.html)
