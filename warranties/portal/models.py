"""The owner portal: sign-in links, exclusive posts and RSVPs, service requests, ownership transfers,
public look-ups and "found this piece" reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class LinkPurpose(models.TextChoices):
    SIGN_IN = "sign_in", _("Sign in")
    CLAIM = "claim", _("Claim a transferred piece")


class LoginLink(BrandScopedModel):
    """A single-use e-mailed sign-in link. Only the SHA-256 of its token is stored."""

    purpose = models.CharField(max_length=16, choices=LinkPurpose.choices, default=LinkPurpose.SIGN_IN)
    email = models.EmailField()
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    transfer = models.ForeignKey(
        "portal.Transfer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    personal_fields = ("email",)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "token_hash"], name="portal_link_unique_hash")
        ]


class PostKind(models.TextChoices):
    NEWS = "news", _("News")
    CARE_GUIDE = "care_guide", _("Care guide")
    EVENT = "event", _("Event invitation")


class Audience(models.TextChoices):
    ALL = "all", _("All owners")
    COLLECTION = "collection", _("Owners of a collection")
    CATEGORY = "category", _("Owners of a category")


class Post(BrandScopedModel):
    """Exclusive content written by the brand's marketers for the owners of its pieces."""

    kind = models.CharField(_("kind"), max_length=16, choices=PostKind.choices, default=PostKind.NEWS)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, blank=True, help_text=_("Empty: every language"))
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices, default=Audience.ALL)
    audience_value = models.CharField(_("collection or category"), max_length=100, blank=True)
    event_starts_at = models.DateTimeField(_("event date"), null=True, blank=True)
    event_place = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["brand", "is_published", "published_at"], name="portal_post_brand_pub")
        ]

    def __str__(self) -> str:
        return self.title


class RsvpAnswer(models.TextChoices):
    YES = "yes", _("I will come")
    NO = "no", _("I cannot come")


class Rsvp(BrandScopedModel):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="rsvps")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(max_length=8, choices=RsvpAnswer.choices)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "post", "customer"], name="portal_rsvp_one_per_customer")
        ]


class ServiceRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    RECEIVED = "received", _("Piece received")
    CANCELLED = "cancelled", _("Cancelled")


class ServiceRequest(BrandScopedModel):
    """An owner asks a store to service one of their pieces; the store's queue shows it."""

    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("retail.Store", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("service"), max_length=24)
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        max_length=16, choices=ServiceRequestStatus.choices, default=ServiceRequestStatus.REQUESTED
    )
    intervention = models.ForeignKey(
        "warranties.Intervention", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    personal_fields = ("message",)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["brand", "store", "status", "created_at"], name="portal_sr_brand_store")
        ]


class TransferKind(models.TextChoices):
    SALE = "sale", _("Sale")
    GIFT = "gift", _("Gift")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the new owner")
    ACCEPTED = "accepted", _("Accepted")
    CANCELLED = "cancelled", _("Cancelled")


class Transfer(BrandScopedModel):
    """A change of ownership started by the owner (or recorded by a store). The code is stored hashed."""

    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+")
    from_customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    to_customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=TransferKind.choices)
    code_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    store = models.ForeignKey(
        "retail.Store", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "code_hash"], name="portal_transfer_unique_code"),
            models.UniqueConstraint(
                fields=["brand", "item"],
                condition=Q(status="pending"),
                name="portal_transfer_one_pending_per_item",
            ),
        ]


class PublicLookup(BrandScopedModel):
    """One look-up of the public item page for a code whose prefix names this brand."""

    at = models.DateTimeField(default=timezone.now)
    code = models.CharField(max_length=40)
    item = models.ForeignKey(
        "inventory.Item", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["brand", "at"], name="portal_lookup_brand_at")]


class FoundReport(BrandScopedModel):
    """Someone found, or was offered, a piece and wrote to the brand from the public page."""

    item = models.ForeignKey("inventory.Item", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    message = models.TextField(blank=True)
    contact = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)


class ApprovalAction(models.TextChoices):
    TRANSFER = "transfer", _("Transfer to a new owner")
    REPORT_LOST = "report_lost", _("Report lost")
    REPORT_STOLEN = "report_stolen", _("Report stolen")
    RECOVERED = "recovered", _("Mark recovered")


class ApprovalStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for the owner")
    CONFIRMED = "confirmed", _("Confirmed by the owner")
    REFUSED = "refused", _("Refused by the owner")
    CANCELLED = "cancelled", _("Cancelled")


class OwnerApproval(BrandScopedModel):
    """A store asks to change the ownership or the lost/stolen state of a piece it does not hold.

    Nothing happens until the current owner confirms by the link e-mailed to them. The link's token is
    an HMAC of the row (brand, id, `nonce`) with the site's secret key: it is never stored, and the
    e-mail task can rebuild it from the row.
    """

    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("retail.Store", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("request"), max_length=16, choices=ApprovalAction.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.WAITING
    )
    nonce = models.CharField(max_length=32)
    new_owner_email = models.EmailField(blank=True)
    new_owner_first_name = models.CharField(max_length=100, blank=True)
    new_owner_last_name = models.CharField(max_length=100, blank=True)
    transfer_kind = models.CharField(max_length=8, choices=TransferKind.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    personal_fields = ("new_owner_email", "new_owner_first_name", "new_owner_last_name", "note")

    @property
    def status_label(self) -> str:
        """The status as people read it: a request left unanswered past its lifetime is expired."""
        if self.status == ApprovalStatus.WAITING and self.expires_at <= timezone.now():
            return str(_("Expired"))
        return str(self.get_status_display())

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "item"],
                condition=Q(status="waiting"),
                name="portal_approval_one_waiting_per_item",
            ),
        ]
        indexes = [
            models.Index(fields=["brand", "store", "created_at"], name="portal_approval_brand_store"),
        ]
