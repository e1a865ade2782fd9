"""Addresses a brand no longer sends marketing e-mails to (the suppression list)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class SuppressionReason(models.TextChoices):
    BOUNCE = "bounce", _("Hard bounce")
    COMPLAINT = "complaint", _("Marked as spam")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
    MANUAL = "manual", _("Added by the brand")


class Suppression(BrandScopedModel):
    """One suppressed address of one brand: no marketing e-mail leaves for it. The e-mail is normalised
    (trimmed, lower-case); the brand is the sender, so a bounce at one brand suppresses nothing at another."""

    email = models.CharField(_("e-mail"), max_length=254)
    reason = models.CharField(_("reason"), max_length=16, choices=SuppressionReason.choices)
    # Where it came from: "unsubscribe link", "webhook:postmark", a staff member's e-mail, …
    source = models.CharField(_("source"), max_length=200, blank=True)
    at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["brand", "email"], name="suppression_unique_email")]
        indexes = [models.Index(fields=["brand", "at"], name="suppression_brand_at")]

    def __str__(self) -> str:
        return self.email
