"""Addresses a brand no longer sends marketing e-mails to (the suppression list)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel

# A suppressed address whose owner was erased (GDPR) is kept as this prefix + SHA-256 of the address.
ERASED_PREFIX = "sha256:"


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

    @property
    def is_erased(self) -> bool:
        return self.email.startswith(ERASED_PREFIX)


class DeliveryEventType(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Marked as spam")
    OPENED = "opened", _("Opened")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


class DeliveryEvent(BrandScopedModel):
    """What happened to one sent e-mail after it left: the provider's webhooks (delivered, bounced, marked
    as spam, opened) and the one-click unsubscribe of its link. One row per provider event (its id)."""

    message = models.ForeignKey("messaging.Message", on_delete=models.CASCADE, related_name="+")
    event = models.CharField(_("event"), max_length=16, choices=DeliveryEventType.choices)
    # The provider's id of the event (Mailgun's signature token), or "unsubscribe:<message id>": a webhook
    # delivered twice, or a second click, records nothing more.
    provider_event_id = models.CharField(max_length=200)
    is_permanent = models.BooleanField(default=False, help_text="A hard bounce")
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "provider_event_id"], name="delivery_event_unique_id")
        ]
        indexes = [models.Index(fields=["brand", "message", "event"], name="delivery_event_brand_message")]

    def __str__(self) -> str:
        return f"{self.event} #{self.message_id}"
