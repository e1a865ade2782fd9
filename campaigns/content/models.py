"""E-mail templates of campaigns and journeys, and the opens and clicks of the e-mails sent from them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class EmailTemplate(BrandScopedModel):
    """A marketing e-mail in both languages, in the safe template language (campaigns.content.language).

    The sources are validated when saved (services.template_save): an unknown variable or broken markup is
    refused with its line. Journeys and campaigns hold a foreign key to it."""

    name = models.CharField(_("name"), max_length=150)
    subject_en = models.CharField(_("subject (English)"), max_length=255, blank=True)
    subject_fr = models.CharField(_("subject (French)"), max_length=255, blank=True)
    body_en = models.TextField(_("body (English)"), blank=True)
    body_fr = models.TextField(_("body (French)"), blank=True)
    # A recommendations block under the message (complements of the pieces owned, bought together).
    has_recommendations = models.BooleanField(_("show recommendations"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["brand", "name"], name="emailtemplate_unique_name")]
        indexes = [models.Index(fields=["brand", "updated_at"], name="emailtemplate_brand_updated")]

    def __str__(self) -> str:
        return self.name


class TrackingKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    CLICKED = "clicked", _("Clicked")


class TrackingEvent(BrandScopedModel):
    """One open (the pixel was fetched) or click (a signed link was followed) of a marketing e-mail.

    `message_key` is the send log's key of the e-mail (campaigns' own keys, e.g. "camp:12:345"). Opens are
    inflated by mail privacy proxies that fetch every image (Apple Mail Privacy Protection)."""

    message_key = models.CharField(_("message"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=TrackingKind.choices)
    url = models.URLField(_("link"), max_length=2000, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # varchar_pattern_ops: the measurement page asks by key prefix (LIKE 'camp:12:%').
            models.Index(
                fields=["brand", "message_key", "kind"],
                opclasses=["int8_ops", "varchar_pattern_ops", "varchar_ops"],
                name="trackingevent_brand_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_key}"
