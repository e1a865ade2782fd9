"""Writes of the campaigns engine: settings, journeys, campaigns and their approval, the daily evaluation
and the hand-over of recipient rows to the send log (or to an associate).

Exactly once (ADR 0030):
1. a day is evaluated inside one transaction that first inserts its `JourneyRun` (unique per brand and
   local day): a second beat waits on that row and then finds it, a crashed run leaves nothing behind;
2. each journey inserts its recipient rows with INSERT … SELECT … ON CONFLICT DO NOTHING under the unique
   (journey, customer, occasion): a rerun or a catch-up adds nobody twice;
3. the hand-over calls `message_send` with the row's message key (unique per brand in the send log) in the
   same transaction that marks the row queued; the delivery claims the message row, so one e-mail leaves.
"""

from __future__ import annotations

import time as clock
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import sql
from campaigns.dispatch import (  # noqa: F401  (the hand-over, kept at its old import path)
    CAMPAIGN_EMAIL_KIND,
    DISPATCH_BATCH,
    JOURNEY_EMAIL_KIND,
    recipients_dispatch,
    recipients_reconcile,
)
from campaigns.models import (
    DEFAULT_OFFSETS,
    EDITABLE_STATUSES,
    Campaign,
    CampaignSettings,
    CampaignStatus,
    Journey,
    JourneyKind,
    JourneyRun,
    Recipient,
    RecipientStatus,
)
from customers import selectors as customer_selectors
from jewelcrm.accounts.roles import ADMIN_ROLES
from jewelcrm.messaging.services import message_send
from segmentation import selectors as segment_selectors

TEST_EMAIL_KIND = "campaigns.test"


# --- Settings and journeys -------------------------------------------------------------------------


def settings_get(*, brand: Any) -> CampaignSettings:
    found = CampaignSettings.objects.filter(brand=brand).first()
    if found is not None:
        return found
    CampaignSettings.objects.bulk_create([CampaignSettings(brand=brand)], ignore_conflicts=True)
    return CampaignSettings.objects.get(brand=brand)


def settings_update(*, brand: Any, actor: Any, **values: Any) -> CampaignSettings:
    from jewelcrm.accounts.services import audit_log_record

    with transaction.atomic():
        current = settings_get(brand=brand)
        for name, value in values.items():
            setattr(current, name, value)
        current.full_clean(exclude=["brand"])
        current.save()
        audit_log_record(
            brand=brand, actor=actor, action="campaigns.settings_updated", obj=current, data=values
        )
    return current


def journeys_ensure(*, brand: Any) -> list[Journey]:
    """Every occasion has its journey (switched off until a marketer switches it on)."""
    existing = set(Journey.objects.filter(brand=brand).values_list("kind", flat=True))
    missing = [
        Journey(brand=brand, kind=kind, offset_days=DEFAULT_OFFSETS.get(kind, 0))
        for kind in JourneyKind.values
        if kind not in existing
    ]
    if missing:
        Journey.objects.bulk_create(missing, ignore_conflicts=True)
    return list(Journey.objects.filter(brand=brand).select_related("segment"))


def journey_update(*, brand: Any, journey: Journey, actor: Any, **values: Any) -> Journey:
    from jewelcrm.accounts.services import audit_log_record

    segment = values.get("segment")
    if segment is not None and segment.brand_id != getattr(brand, "pk", brand):
        raise ValidationError(_("Choose one of the brand's segments."))
    with transaction.atomic():
        for name, value in values.items():
            setattr(journey, name, value)
        journey.updated_at = timezone.now()
        journey.updated_by = actor
        journey.full_clean(exclude=["brand"])
        journey.save()
        audit_log_record(
            brand=brand,
            actor=actor,
            action="campaigns.journey_updated",
            obj=journey,
            data={"kind": journey.kind, "enabled": journey.is_enabled, "offset_days": journey.offset_days},
        )
    return journey


# --- The daily evaluation ------------------------------------------------------------------------


def brand_today(*, brand: Any, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(ZoneInfo(brand.time_zone)).date()


def days_to_evaluate(*, brand: Any, today: date) -> list[date]:
    """The catch-up policy (ADR 0031): every local day after the last evaluated one, up to today, but at
    most `catch_up_days` back; a brand never evaluated starts today. Older missed days are not sent late."""
    last = (
        JourneyRun.objects.filter(brand=brand)
        .order_by("-local_date")
        .values_list("local_date", flat=True)
        .first()
    )
    if last is None:
        return [today]
    if last >= today:
        return []
    limit = settings_get(brand=brand).catch_up_days
    first = max(last + timedelta(days=1), today - timedelta(days=limit))
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


def journey_run_evaluate(*, brand: Any, day: date, trigger: str = "beat") -> JourneyRun | None:
    """Evaluate every enabled journey of the brand for the local `day`, once. Call inside the brand's
    context; opens its own transaction (a savepoint inside a caller's). Returns None when the day was
    already evaluated (by another beat, a retry or a catch-up)."""
    started = clock.monotonic()
    with transaction.atomic():
        # ON CONFLICT DO NOTHING: a concurrent run of the same day waits here until the first commits, then
        # inserts nothing; the first's rollback (a crash) lets the second run the day instead.
        run_id = sql.run_claim(brand_id=brand.pk, day=day, trigger=trigger)
        if run_id is None:
            return None
        run = JourneyRun.objects.get(brand=brand, pk=run_id)
        config = settings_get(brand=brand)
        counts: dict[str, list[int]] = {}
        for journey in Journey.objects.filter(brand=brand, is_enabled=True).order_by("kind"):
            target = day - timedelta(days=journey.offset_days)
            occasion = sql.occasion_day(target, leap_day_rule=config.leap_day_rule, tz=brand.time_zone)
            added = sql.journey_insert(
                brand_id=brand.pk,
                journey_id=journey.pk,
                kind=journey.kind,
                channel=journey.channel,
                segment_id=journey.segment_id,
                hold_out_percent=journey.hold_out_percent,
                day=day,
                occasion=occasion,
            )
            counts[journey.kind] = [added]
        run.counts = counts
        run.finished_at = timezone.now()
        run.seconds = round(clock.monotonic() - started, 3)
        run.save(update_fields=["counts", "finished_at", "seconds"])
    return run


def journeys_evaluate(*, brand: Any, now: datetime | None = None, trigger: str = "beat") -> list[JourneyRun]:
    """Today's evaluation and the missed days the catch-up policy allows, then the hand-over."""
    from jewelcrm.tenancy.context import brand_context

    with brand_context(brand):
        days = days_to_evaluate(brand=brand, today=brand_today(brand=brand, now=now))
    runs = []
    for day in days:
        with brand_context(brand):
            run = journey_run_evaluate(brand=brand, day=day, trigger=trigger)
        if run is not None:
            runs.append(run)
    recipients_dispatch(brand=brand)
    return runs


# --- Hand-over to the send log or to an associate: campaigns.dispatch ------------------------------


# --- One-off campaigns -------------------------------------------------------------------------


def campaign_create(*, brand: Any, actor: Any, **values: Any) -> Campaign:
    from jewelcrm.accounts.services import audit_log_record

    segment = values.get("segment")
    if segment is None or segment.brand_id != brand.pk:
        raise ValidationError(_("Choose one of the brand's segments."))
    with transaction.atomic():
        campaign = Campaign(brand=brand, created_by=actor, **values)
        campaign.full_clean(exclude=["brand"])
        campaign.save()
        audit_log_record(brand=brand, actor=actor, action="campaigns.campaign_created", obj=campaign, data={})
    return campaign


def campaign_update(*, brand: Any, campaign: Campaign, actor: Any, **values: Any) -> Campaign:
    """Edit a campaign not yet scheduled; any change asks for approval again."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(brand=brand, pk=campaign.pk)
        if locked.status not in EDITABLE_STATUSES:
            raise ValidationError(_("A campaign that is scheduled, sending or sent can no longer be edited."))
        for name, value in values.items():
            setattr(locked, name, value)
        locked.status = CampaignStatus.DRAFT
        locked.approved_by, locked.approved_at = None, None
        locked.full_clean(exclude=["brand"])
        locked.save()
    return locked


def campaign_audience_size(*, brand: Any, campaign: Campaign) -> int:
    """How many of the segment's members may be e-mailed today (current consent, an address)."""
    ids = segment_selectors.segment_member_ids(brand=brand, segment=campaign.segment)
    qs = customer_selectors.customer_list(brand=brand).filter(pk__in=ids).exclude(email="")
    return customer_selectors.with_active_consent(qs, channel="email").count()


def campaign_schedule(*, brand: Any, campaign: Campaign, actor: Any, send_at: datetime) -> Campaign:
    """Schedule a draft or approved campaign. Above the brand's threshold it first needs a second person's
    approval: it then waits as "Awaiting approval" and is scheduled at `send_at` once approved."""
    from jewelcrm.accounts.services import audit_log_record

    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(brand=brand, pk=campaign.pk)
        if locked.status not in EDITABLE_STATUSES:
            raise ValidationError(_("This campaign cannot be scheduled any more."))
        size = campaign_audience_size(brand=brand, campaign=locked)
        if size == 0:
            raise ValidationError(_("Nobody in this segment can be e-mailed: nothing to schedule."))
        locked.audience_size = size
        locked.scheduled_at = send_at
        threshold = settings_get(brand=brand).approval_threshold
        if size > threshold and locked.approved_by_id is None:
            locked.status = CampaignStatus.AWAITING_APPROVAL
        else:
            locked.status = CampaignStatus.SCHEDULED
        locked.save(update_fields=["audience_size", "scheduled_at", "status"])
        audit_log_record(
            brand=brand,
            actor=actor,
            action="campaigns.campaign_scheduled",
            obj=locked,
            data={"audience": size, "send_at": send_at.isoformat(), "status": locked.status},
        )
    return locked


def campaign_approve(*, brand: Any, campaign: Campaign, actor: Any, role: str) -> Campaign:
    """A brand admin or owner other than its author approves; the campaign is then scheduled."""
    from jewelcrm.accounts.services import audit_log_record

    if role not in ADMIN_ROLES:
        raise PermissionDenied(_("Only a brand admin or owner may approve a campaign."))
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(brand=brand, pk=campaign.pk)
        if locked.status != CampaignStatus.AWAITING_APPROVAL:
            raise ValidationError(_("This campaign is not awaiting approval."))
        if locked.created_by_id == actor.pk:
            raise ValidationError(_("A campaign is approved by someone other than its author."))
        locked.approved_by, locked.approved_at = actor, timezone.now()
        locked.status = CampaignStatus.SCHEDULED
        locked.save(update_fields=["approved_by", "approved_at", "status"])
        audit_log_record(brand=brand, actor=actor, action="campaigns.campaign_approved", obj=locked, data={})
    return locked


def campaign_cancel(*, brand: Any, campaign: Campaign, actor: Any) -> Campaign:
    """Cancel before or while sending: e-mails not yet delivered are skipped (the renderer checks)."""
    from jewelcrm.accounts.services import audit_log_record

    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(brand=brand, pk=campaign.pk)
        if locked.status in (CampaignStatus.SENT, CampaignStatus.CANCELLED):
            raise ValidationError(_("This campaign can no longer be cancelled."))
        locked.status = CampaignStatus.CANCELLED
        locked.save(update_fields=["status"])
        audit_log_record(brand=brand, actor=actor, action="campaigns.campaign_cancelled", obj=locked, data={})
    return locked


def campaign_send_test(*, brand: Any, campaign: Campaign, actor: Any, language: str) -> None:
    """A test copy to the person asking (not marketing: no consent or cap; recorded in the send log)."""
    import uuid

    message_send(
        brand=brand,
        key=f"campaign-test:{campaign.pk}:{uuid.uuid4().hex}",
        kind=TEST_EMAIL_KIND,
        to=actor.email,
        context={"campaign_id": campaign.pk, "language": language},
        language=language,
    )


def campaigns_start_due(*, brand: Any, now: datetime | None = None) -> list[int]:
    """Start the brand's scheduled campaigns whose time has come: freeze their recipients (the segment's
    members now, with a current consent), then hand them over. Returns the ids started."""
    from jewelcrm.tenancy.context import brand_context

    now = now or timezone.now()
    started: list[int] = []
    with brand_context(brand):
        due = list(
            Campaign.objects.filter(
                brand=brand, status=CampaignStatus.SCHEDULED, scheduled_at__lte=now
            ).values_list("pk", flat=True)
        )
    for campaign_id in due:
        with brand_context(brand):
            if campaign_start(brand=brand, campaign_id=campaign_id, now=now):
                started.append(campaign_id)
    # Rows left "new" by a crash are handed over too; a campaign is "sent" once every row is decided
    # (sent, skipped or held out): until then it can still be cancelled.
    recipients_dispatch(brand=brand)
    with brand_context(brand):
        open_rows = Recipient.objects.filter(
            brand=brand, campaign_id=OuterRef("pk"), status__in=[RecipientStatus.NEW, RecipientStatus.QUEUED]
        )
        Campaign.objects.filter(brand=brand, status=CampaignStatus.SENDING).exclude(Exists(open_rows)).update(
            status=CampaignStatus.SENT, sent_at=now
        )
    return started


def campaign_start(*, brand: Any, campaign_id: int, now: datetime) -> bool:
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update(skip_locked=True)
            .filter(brand=brand, pk=campaign_id, status=CampaignStatus.SCHEDULED)
            .select_related("segment")
            .first()
        )
        if campaign is None:
            return False
        # The segment may have grown since approval was (not) asked: above the threshold without an
        # approval, the campaign goes back to wait for one instead of sending.
        size = campaign_audience_size(brand=brand, campaign=campaign)
        if size > settings_get(brand=brand).approval_threshold and campaign.approved_by_id is None:
            campaign.status = CampaignStatus.AWAITING_APPROVAL
            campaign.audience_size = size
            campaign.save(update_fields=["status", "audience_size"])
            return False
        sql.campaign_insert(
            brand_id=brand.pk,
            campaign_id=campaign.pk,
            segment_id=campaign.segment_id,
            hold_out_percent=campaign.hold_out_percent,
            day=brand_today(brand=brand, now=now),
        )
        campaign.status = CampaignStatus.SENDING
        campaign.sending_started_at = now
        campaign.save(update_fields=["status", "sending_started_at"])
    return True


# --- Send-time rules (called by the renderer in campaigns.emails, inside the delivery's transaction) ---


def quiet_hours_end(*, config: CampaignSettings, tz: str, now: datetime) -> datetime | None:
    """When the brand's quiet hours end, if `now` falls in them (local time of the brand), else None."""
    local = now.astimezone(ZoneInfo(tz))
    start, end = config.quiet_from, config.quiet_until
    if start == end:
        return None
    hour = local.hour
    in_quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not in_quiet:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, datetime.min.time().replace(hour=end), tzinfo=ZoneInfo(tz))


def sent_this_week(*, brand: Any, customer_id: int, now: datetime) -> int:
    return Recipient.objects.filter(
        brand=brand, customer_id=customer_id, status=RecipientStatus.SENT, sent_at__gt=now - timedelta(days=7)
    ).count()


def email_preview(*, brand: Any, source: Journey | Campaign, customer: Any, language: str) -> Any:
    """What `customer` would get from the journey or campaign in `language` (nothing is sent or recorded)."""
    from campaigns import rendering

    template = source.template
    if template is not None:
        from campaigns.content.rendering import render_preview

        preview = render_preview(brand=brand, template=template, customer_id=customer.pk, language=language)
        return rendering.Rendered(subject=preview.subject, html=preview.html, text=preview.text)
    if isinstance(source, Campaign):
        french = language == "fr"
        return rendering.render_plain(
            subject=(source.subject_fr if french and source.subject_fr else source.subject_en) or source.name,
            body=source.body_fr if french and source.body_fr else source.body_en,
            first_name=customer.first_name,
            brand=brand,
            language=language,
        )
    return rendering.render_default(
        kind=source.kind, brand=brand, first_name=customer.first_name, language=language
    )
