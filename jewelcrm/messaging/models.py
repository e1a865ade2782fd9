"""The send log: one row per e-mail the platform sends, written in the transaction that causes it.

The row is also the outbox: it exists before any task is enqueued, so a lost task (a broker restarted
without persistence, a worker killed) only delays the e-mail until the relay enqueues it again.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not delivered")
    UNCERTAIN = "uncertain", _("Delivery uncertain")
    SKIPPED = "skipped", _("Nothing to send")


# The relay enqueues these when due: waiting ones, and ones whose sender may have died mid-send.
RELAYED_STATUSES = ("pending", "sending")


class Message(BrandScopedModel):
    """One e-mail to one address, sent at most once per (brand, key)."""

    key = models.CharField(_("key"), max_length=200, help_text="Unique per brand: the occasion of the e-mail")
    kind = models.CharField(_("kind"), max_length=64)
    to = models.CharField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=8, blank=True)
    context = models.JSONField(default=dict, blank=True, help_text="What the kind's renderer needs")
    status = models.CharField(
        _("status"), max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # While pending or sending: when the relay enqueues it (again) if it has not been sent by then.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The e-mail provider's id of the message (django-anymail's `anymail_status.message_id`), when the
    # backend is a provider's API; empty over SMTP. Webhook events name it.
    provider_id = models.CharField(_("provider's id"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["brand", "key"], name="message_unique_key")]
        indexes = [
            models.Index(fields=["brand", "created_at"], name="message_brand_created"),
            models.Index(
                fields=["brand", "next_attempt_at"],
                name="message_brand_due",
                condition=Q(status__in=RELAYED_STATUSES),
            ),
            models.Index(fields=["brand", "to"], name="message_brand_to"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to}"
