from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.roles import BRAND_ROLES, RETAIL_ROLES, Role
from jewelcrm.tenancy.models import BrandScopedModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with e-mail and password: brand staff, retailer staff, platform staff."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    is_staff = models.BooleanField(_("platform staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]


colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour such as #1F3A5F."))


class Brand(models.Model):
    """A jewellery or watch house: the tenant. Every brand-owned row points here."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    code_prefix = models.CharField(
        _("public code prefix"),
        max_length=4,
        unique=True,
        help_text=_(
            "Leads every public item code of the brand, so a code finds its brand without a cross-brand "
            "query."
        ),
    )
    default_currency = models.CharField(_("default currency"), max_length=3, default="EUR")
    languages = models.JSONField(
        _("languages"), default=list, help_text=_('Language codes, e.g. ["fr", "en"]')
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    country = models.CharField(_("country"), max_length=2, default="FR")
    logo = models.FileField(_("logo"), upload_to="brand-logos/", blank=True)
    primary_colour = models.CharField(
        _("colour"), max_length=7, default="#1F3A5F", validators=[colour_validator]
    )
    postal_address = models.TextField(
        _("postal address"), blank=True, help_text=_("Shown in the footer of every e-mail the brand sends.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self) -> str:
        return self.name

    @property
    def default_language(self) -> str:
        return (self.languages or ["en"])[0]


class Membership(BrandScopedModel):
    """A user's role in one brand. Retailer roles carry the store they work in."""

    # Besides its brand's rows, a signed-in user may read their own memberships (brand switcher).
    rls_extra_using = "user_id = {user}"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    store = models.ForeignKey(
        "retail.Store", on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    is_active = models.BooleanField(_("active"), default=True)
    # An existing account invited to the brand: no access until its owner accepts (then is_active).
    is_pending = models.BooleanField(_("invitation waiting"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["brand", "user"], name="membership_one_per_brand"),
            models.CheckConstraint(
                condition=Q(role__in=sorted(r.value for r in RETAIL_ROLES), store__isnull=False)
                | Q(role__in=sorted(r.value for r in BRAND_ROLES), store__isnull=True),
                name="membership_store_iff_retail_role",
            ),
        ]
        indexes = [models.Index(fields=["brand", "role"], name="membership_brand_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"

    @property
    def is_retail(self) -> bool:
        return self.role in RETAIL_ROLES

    @property
    def is_brand_staff(self) -> bool:
        return self.role in BRAND_ROLES


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class APIKey(BrandScopedModel):
    """A per-brand API key. Only its SHA-256 is stored; the key is shown once at creation.

    The key reads `jck.<brand slug>.<secret>`: the slug tells which brand to scope to before the
    hash is looked up inside that brand, so no cross-brand query is ever needed.
    """

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16)
    hashed_key = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        indexes = [models.Index(fields=["brand", "hashed_key"], name="apikey_brand_hash")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate(brand_slug: str) -> str:
        return f"jck.{brand_slug}.{secrets.token_urlsafe(32)}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditLog(BrandScopedModel):
    """Append-only record of important changes and sensitive reads."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["brand", "at"], name="audit_brand_at"),
            models.Index(fields=["brand", "object_type", "object_id"], name="audit_brand_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class HomeFigure(BrandScopedModel):
    """A key figure of a home page kept between visits (jewelcrm.accounts.home): counting a million
    customers on each visit is not needed. Rewritten by `refresh_home_figures_task` (hourly, and when a
    page finds it missing or old); the page shows when it was counted."""

    key = models.CharField(max_length=120)
    value = models.BigIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "key"], name="home_figure_unique_key")]

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"
