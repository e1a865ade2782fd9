"""Journeys (triggered, evaluated daily), one-off campaigns to a saved segment, the per-recipient rows that
make every send happen once, the daily runs, and the brand's campaign settings.

Exactly once rests on three unique constraints: one recipient row per (journey, customer, occasion) or
(campaign, customer); one send-log message per (brand, key) in jewelcrm.messaging, whose key the
recipient row names; one journey run per (brand, local day). See campaigns/README.md and ADR 0030.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class LeapDayRule(models.TextChoices):
    FEB_28 = "feb28", _("On 28 February")
    MAR_1 = "mar1", _("On 1 March")


class CampaignSettings(BrandScopedModel):
    """The brand's rules for every journey and campaign (one row per brand, created on first use)."""

    leap_day_rule = models.CharField(
        _("29 February dates in other years"),
        max_length=8,
        choices=LeapDayRule.choices,
        default=LeapDayRule.FEB_28,
        help_text=_("When a birthday or anniversary on 29 February is celebrated in a year without one."),
    )
    approval_threshold = models.PositiveIntegerField(
        _("approval needed above"),
        default=1000,
        help_text=_(
            "A campaign to more customers than this needs a brand admin's approval before it is sent."
        ),
    )
    weekly_cap = models.PositiveSmallIntegerField(
        _("marketing e-mails per customer per week"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    quiet_from = models.PositiveSmallIntegerField(
        _("quiet hours from"), default=21, validators=[MaxValueValidator(23)], help_text=_("Hour, 0–23")
    )
    quiet_until = models.PositiveSmallIntegerField(
        _("quiet hours until"), default=9, validators=[MaxValueValidator(23)], help_text=_("Hour, 0–23")
    )
    catch_up_days = models.PositiveSmallIntegerField(
        _("days caught up after a missed night"), default=3, validators=[MaxValueValidator(14)]
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand"], name="campaignsettings_one_per_brand")]


class JourneyKind(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday")
    GIFT_BIRTHDAY = "gift_birthday", _("Gift recipient's birthday (to the giver)")
    GIFT_ANNIVERSARY = "gift_anniversary", _("Gift recipient's anniversary (to the giver)")
    WEDDING_ANNIVERSARY = "wedding_anniversary", _("Wedding anniversary")
    PURCHASE_ANNIVERSARY = "purchase_anniversary", _("Anniversary of a piece's purchase")
    CUSTOMER_SINCE = "customer_since", _("Customer since: anniversary")
    SERVICE_DUE = "service_due", _("Service due")
    WARRANTY_ENDING = "warranty_ending", _("Warranty ending soon")
    WELCOME = "welcome", _("Welcome after a registration")
    WIN_BACK = "win_back", _("Win-back (At risk, Hibernating, Can't lose them)")
    THANK_YOU = "thank_you", _("Thank you after a purchase")


# Days relative to the occasion when a new journey of each kind sends (negative: before).
DEFAULT_OFFSETS: dict[str, int] = {
    JourneyKind.BIRTHDAY: 0,
    JourneyKind.GIFT_BIRTHDAY: -14,
    JourneyKind.GIFT_ANNIVERSARY: -14,
    JourneyKind.WEDDING_ANNIVERSARY: -7,
    JourneyKind.PURCHASE_ANNIVERSARY: 0,
    JourneyKind.CUSTOMER_SINCE: 0,
    JourneyKind.SERVICE_DUE: -14,
    JourneyKind.WARRANTY_ENDING: -30,
    JourneyKind.WELCOME: 1,
    JourneyKind.WIN_BACK: 0,
    JourneyKind.THANK_YOU: 2,
}


class JourneyChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    ASSOCIATE = "associate", _("Task for the customer's associate")


class Measured(models.Model):
    """What measures a journey or a campaign: the hold-out share kept from sending, the days a purchase
    counts as converted, and the cost of one message."""

    hold_out_percent = models.PositiveSmallIntegerField(
        _("hold-out group (%)"), default=10, validators=[MaxValueValidator(50)]
    )
    conversion_days = models.PositiveSmallIntegerField(
        _("conversion window (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    cost_per_message = models.DecimalField(_("cost per message"), max_digits=8, decimal_places=4, default=0)

    class Meta:
        abstract = True


class Journey(BrandScopedModel, Measured):
    """A triggered journey: one per kind and brand, switched on or off by a marketer."""

    kind = models.CharField(_("occasion"), max_length=32, choices=JourneyKind.choices)
    is_enabled = models.BooleanField(_("switched on"), default=False)
    offset_days = models.SmallIntegerField(
        _("days from the occasion"),
        default=0,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("Negative: before the occasion; positive: after it."),
    )
    segment = models.ForeignKey(
        "segmentation.Segment",
        verbose_name=_("audience"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Only the members of this saved segment; empty: every customer with a consent."),
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=JourneyChannel.choices, default=JourneyChannel.EMAIL
    )
    template = models.ForeignKey(
        "campaign_content.EmailTemplate",
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the built-in wording of the occasion."),
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["brand", "kind"], name="journey_one_per_kind")]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def timing(self) -> str:
        days = abs(self.offset_days)
        if self.offset_days < 0:
            return ngettext("%(n)s day before", "%(n)s days before", days) % {"n": days}
        if self.offset_days > 0:
            return ngettext("%(n)s day after", "%(n)s days after", days) % {"n": days}
        return gettext("On the day")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


EDITABLE_STATUSES = (CampaignStatus.DRAFT, CampaignStatus.AWAITING_APPROVAL, CampaignStatus.APPROVED)


class Campaign(BrandScopedModel, Measured):
    """A one-off e-mail to a saved segment's members at the time of sending."""

    name = models.CharField(_("name"), max_length=150)
    segment = models.ForeignKey(
        "segmentation.Segment", verbose_name=_("segment"), on_delete=models.PROTECT, related_name="+"
    )
    template = models.ForeignKey(
        "campaign_content.EmailTemplate",
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the subject and message below."),
    )
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    subject_fr = models.CharField(_("subject (French)"), max_length=200, blank=True)
    body_en = models.TextField(_("message (English)"), blank=True)
    body_fr = models.TextField(_("message (French)"), blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    audience_size = models.PositiveIntegerField(_("audience when approval was asked"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["brand", "status", "scheduled_at"], name="campaign_brand_due")]

    def __str__(self) -> str:
        return self.name


class RecipientGroup(models.TextChoices):
    RECIPIENT = "recipient", _("Recipient")
    HOLD_OUT = "hold_out", _("Hold-out (not contacted)")


class RecipientStatus(models.TextChoices):
    NEW = "new", _("Chosen, not yet handed over")
    QUEUED = "queued", _("Handed to the send log")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    TASK = "task", _("Task for the associate")
    HELD_OUT = "held_out", _("Held out")


class SkipReason(models.TextChoices):
    NO_CONSENT = "no_consent", _("No current consent for this channel")
    SUPPRESSED = "suppressed", _("Address suppressed (bounce, complaint or unsubscribe)")
    WEEKLY_CAP = "weekly_cap", _("Weekly limit of marketing e-mails reached")
    NO_ADDRESS = "no_address", _("No e-mail address")
    CANCELLED = "cancelled", _("Campaign cancelled")
    GONE = "gone", _("Customer erased or merged")
    NOT_DELIVERED = "not_delivered", _("Not delivered (address refused or too many failures)")


class Recipient(BrandScopedModel):
    """One customer chosen by a journey for one occasion, or by a campaign: exactly one row each, written
    before anything is sent, whether the customer is contacted or held out."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    occasion = models.CharField(_("occasion"), max_length=80)
    occasion_date = models.DateField(_("occasion date"), null=True, blank=True)
    chosen_on = models.DateField(_("chosen on"), help_text="The brand's local day of the evaluation")
    group = models.CharField(_("group"), max_length=16, choices=RecipientGroup.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=RecipientStatus.choices, default=RecipientStatus.NEW
    )
    skip_reason = models.CharField(_("reason"), max_length=16, choices=SkipReason.choices, blank=True)
    message_key = models.CharField(max_length=200)
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "journey", "customer", "occasion"],
                condition=Q(journey__isnull=False),
                name="recipient_once_per_journey_occasion",
            ),
            models.UniqueConstraint(
                fields=["brand", "campaign", "customer"],
                condition=Q(campaign__isnull=False),
                name="recipient_once_per_campaign",
            ),
            models.CheckConstraint(
                condition=Q(journey__isnull=True) ^ Q(campaign__isnull=True),
                name="recipient_journey_xor_campaign",
            ),
        ]
        indexes = [
            models.Index(fields=["brand", "customer", "sent_at"], name="recipient_brand_customer_sent"),
            models.Index(
                fields=["brand", "status", "id"], name="recipient_brand_new", condition=Q(status="new")
            ),
            models.Index(fields=["brand", "message_key"], name="recipient_brand_key"),
        ]


class JourneyRun(BrandScopedModel):
    """The daily evaluation of a brand's journeys for one local day: at most one (a unique constraint), so
    two beats, a retry and a catch-up never evaluate the same day twice."""

    local_date = models.DateField(_("day"))
    trigger = models.CharField(_("started by"), max_length=16, default="beat")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True, help_text="journey kind -> [recipients, hold-out]")
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-local_date"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "local_date"], name="journeyrun_once_per_day"),
        ]
