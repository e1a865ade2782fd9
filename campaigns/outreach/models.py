"""Associate outreach: a task for a person (the customer's associate, or their store's manager) instead of
an e-mail. The campaign engine creates them for journeys routed to a person; the client book lists them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")


class TaskOutcome(models.TextChoices):
    CALLED = "called", _("Called")
    MESSAGED = "messaged", _("Messaged")
    VISIT_BOOKED = "visit_booked", _("Visit booked")
    NO_ANSWER = "no_answer", _("No answer")


class OutreachTask(BrandScopedModel):
    """One suggestion to get in touch with one customer, created at most once per (brand, key)."""

    # Free text about the person, blanked by customers.gdpr.customer_erase (contract C4); the title is
    # scrubbed of the person's names like every text column.
    personal_fields = ("detail", "note")

    key = models.CharField(_("key"), max_length=200, help_text="Unique per brand: the occasion of the task")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    # The customer's associate when the task was created, or their home store's manager; None when neither
    # exists (the store's managers and the brand's marketers still see it).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The store whose managers see the task: the customer's home store, else the assignee's store.
    store = models.ForeignKey(
        "retail.Store", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    title = models.CharField(_("title"), max_length=255)
    detail = models.TextField(_("detail"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    outcome = models.CharField(_("outcome"), max_length=16, choices=TaskOutcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["brand", "key"], name="outreach_task_unique_key")]
        indexes = [
            models.Index(fields=["brand", "assignee", "status", "due_on"], name="outreach_brand_assignee"),
            models.Index(fields=["brand", "store", "status", "due_on"], name="outreach_brand_store"),
            models.Index(fields=["brand", "status", "due_on"], name="outreach_brand_status"),
            models.Index(fields=["brand", "customer"], name="outreach_brand_customer"),
        ]

    def __str__(self) -> str:
        return self.title
