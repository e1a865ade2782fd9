"""A brand's customers: profile, relations, consent ledger, orders."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from jewelcrm.tenancy.models import BrandScopedModel


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")
    POST = "post", _("Post")


class Customer(BrandScopedModel):
    """One person known to one brand. E-mail is stored lower-case, phone in E.164."""

    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=20, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +33612345678"))
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=16, blank=True)
    family_situation = models.CharField(_("family situation"), max_length=32, blank=True)
    wedding_anniversary = models.DateField(_("wedding anniversary"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = CountryField(_("country"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=16, choices=Channel.choices, blank=True
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    home_store = models.ForeignKey(
        "retail.Store", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_associate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer_since = models.DateField(_("customer since"), null=True, blank=True)
    last_contacted_on = models.DateField(_("last contacted on"), null=True, blank=True)
    field_sources = models.JSONField(
        default=dict, blank=True, help_text="field name -> source (erp, eshop, store, portal)"
    )
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    is_pseudonymised = models.BooleanField(default=False)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "external_id"],
                condition=~Q(external_id=""),
                name="customer_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["brand", "email"], name="customer_brand_email"),
            models.Index(fields=["brand", "phone"], name="customer_brand_phone"),
            models.Index(fields=["brand", "last_name", "first_name"], name="customer_brand_name"),
            # The client books: a store's customers and an associate's, by name (ADR 0049).
            models.Index(
                fields=["brand", "home_store", "last_name", "first_name", "id"],
                name="customer_brand_store_name",
                condition=Q(merged_into__isnull=True, is_pseudonymised=False),
            ),
            models.Index(
                fields=["brand", "assigned_associate", "last_name", "first_name", "id"],
                name="customer_brand_associate_name",
                condition=Q(merged_into__isnull=True, is_pseudonymised=False),
            ),
            models.Index(fields=["brand", "home_store"], name="customer_brand_store"),
            # The customer list's other sorts (warranties.customer_360.selectors.SORTS), keyset pages.
            models.Index(
                fields=["brand", "country", "last_name", "first_name", "id"], name="customer_brand_country"
            ),
            models.Index(fields=["brand", "created_at", "id"], name="customer_brand_created"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or f"#{self.pk}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def display_name(self) -> str:
        """What a page calls the person: the name, else the e-mail; an erased profile's pseudonym in the
        reader's language ("Erased customer #6091" / "Client effacé n° 6091")."""
        if self.is_pseudonymised:
            return gettext("Erased customer #%(number)s") % {"number": self.pk}
        return self.full_name or self.email or f"#{self.pk}"


class SearchTerm(BrandScopedModel):
    """A word a live profile is found by: a name word, the e-mail and its parts, the endings of the
    phone's digits (customers.search_terms, ADR 0044). Written only by `search_terms_refresh`, set-based;
    searched by prefix on the (brand, kind, term) btree, which row-level security lets PostgreSQL use."""

    # Derived from the profile: not part of an export, never moved by a merge (both profiles are
    # refreshed), rewritten by erasure (customers.gdpr, customers.dedupe).
    is_derived_index = True

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=1)  # n name word, e e-mail, p phone digits
    term = models.CharField(max_length=254)
    # Name words only: the profile's folded "last first", so that the matches of a name word are read
    # from the index in the order the search shows them (matched word, then name: ADR 0048).
    sort_name = models.CharField(max_length=254, default="", blank=True)

    class Meta:
        db_table = "customers_search_term"
        indexes = [
            models.Index(
                fields=["brand", "term", "sort_name", "customer"],
                name="search_term_name_order",
                opclasses=["int8_ops", "text_pattern_ops", "text_pattern_ops", "int8_ops"],
                condition=models.Q(kind="n"),
            ),
            # A profile's name words, read without the table: is this word its first match, does it
            # also have a word starting with the query's next word (ADR 0048).
            models.Index(
                fields=["brand", "customer", "term", "sort_name"],
                name="search_term_name_customer",
                opclasses=["int8_ops", "int8_ops", "text_pattern_ops", "text_pattern_ops"],
                condition=models.Q(kind="n"),
            ),
            models.Index(
                fields=["brand", "kind", "term", "customer"],
                name="search_term_brand_prefix",
                opclasses=["int8_ops", "text_pattern_ops", "text_pattern_ops", "int8_ops"],
            ),
            models.Index(fields=["brand", "customer"], name="search_term_brand_customer"),
        ]


class BookRank(BrandScopedModel):
    """The rank of a profile in the client books (customers.book_ranks, ADR 0049): the priority of its
    suggested next contact (0 an important date within the window, 1 a service due, 2 a follow-up of a
    purchase, 3 a welcome call; no row: nothing to suggest) and the first date, with the book's keys and
    the name copied, so that a book is read a page at a time from its indexes. Written nightly and by the
    writes that change it, set-based; what the book shows is computed afresh for the page."""

    is_derived_index = True

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", db_index=False)
    priority = models.PositiveSmallIntegerField()
    first_date = models.DateField(null=True)
    home_store_id = models.BigIntegerField(null=True)  # copies, not keys: the book's own columns
    associate_id = models.BigIntegerField(null=True)
    last_name = models.CharField(max_length=100, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    computed_on = models.DateField()

    class Meta:
        db_table = "customers_book_rank"
        constraints = [
            models.UniqueConstraint(fields=["brand", "customer"], name="book_rank_unique_customer")
        ]
        indexes = [
            models.Index(
                fields=[
                    "brand",
                    "home_store_id",
                    "priority",
                    "first_date",
                    "last_name",
                    "first_name",
                    "customer",
                ],
                name="book_rank_store",
            ),
            models.Index(
                fields=[
                    "brand",
                    "associate_id",
                    "priority",
                    "first_date",
                    "last_name",
                    "first_name",
                    "customer",
                ],
                name="book_rank_associate",
            ),
        ]


class RelationKind(models.TextChoices):
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Brother or sister")
    FRIEND = "friend", _("Friend")
    OTHER = "other", _("Other")


class Relation(BrandScopedModel):
    """Someone the customer buys for (a gift recipient), with their own important dates."""

    # Blanked by GDPR erasure of the customer (customers.gdpr); see contract C4.
    personal_fields = ("name", "email", "birth_date", "anniversary", "email_consent_at")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="relations")
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(
        _("relation"), max_length=16, choices=RelationKind.choices, default=RelationKind.OTHER
    )
    birth_date = models.DateField(_("birthday"), null=True, blank=True)
    anniversary = models.DateField(_("anniversary"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    email_consent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["brand", "customer"], name="relation_brand_customer")]

    def __str__(self) -> str:
        return self.name


class ConsentSource(models.TextChoices):
    STORE = "store", _("In store, at the sale")
    DOUBLE_OPT_IN = "double_opt_in", _("E-mail confirmation")
    PORTAL = "portal", _("Owner portal")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    STAFF = "staff", _("Brand staff")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")


class Consent(BrandScopedModel):
    """One entry of the append-only consent ledger. The current status is the latest entry."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    purpose = models.CharField(max_length=32, default="marketing")
    is_granted = models.BooleanField()
    is_confirmed = models.BooleanField(default=False, help_text="Double opt-in confirmed")
    at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=32, choices=ConsentSource.choices)
    wording_version = models.CharField(max_length=32, blank=True)
    store = models.ForeignKey(
        "retail.Store", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(
                fields=["brand", "customer", "channel", "purpose", "at"], name="consent_brand_lookup"
            )
        ]


class ExchangeRate(models.Model):
    """Value of one unit of `currency` in euros on `date`. Shared reference data, owned by no brand."""

    date = models.DateField()
    currency = models.CharField(max_length=3)
    rate_to_eur = models.DecimalField(max_digits=18, decimal_places=8)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["currency", "date"], name="exchange_rate_unique")]

    def __str__(self) -> str:
        return f"{self.currency} {self.date}: {self.rate_to_eur} EUR"


class OrderSource(models.TextChoices):
    WARRANTY = "warranty", _("Warranty registration")
    ERP = "erp", _("ERP")
    ESHOP = "eshop", _("E-shop")
    POS = "pos", _("Point of sale")


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Cancelled")


class Order(BrandScopedModel):
    """A purchase from the ERP, the e-shop, a point of sale or a warranty registration."""

    personal_fields = ("email",)

    source = models.CharField(max_length=16, choices=OrderSource.choices)
    external_id = models.CharField(max_length=64, blank=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    store = models.ForeignKey(
        "retail.Store", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=16, default="store")
    ordered_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=24, choices=OrderStatus.choices, default=OrderStatus.PAID)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    refunded_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_brand_currency = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    email = models.EmailField(blank=True, help_text="As given on the order, before matching")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-ordered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "source", "external_id"],
                condition=~Q(external_id=""),
                name="order_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["brand", "customer", "ordered_at"], name="order_brand_customer"),
            models.Index(fields=["brand", "ordered_at"], name="order_brand_date"),
        ]


class OrderLine(BrandScopedModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sku = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200, blank=True)
    serial = models.CharField(max_length=64, blank=True)
    quantity = models.IntegerField(default=1)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["brand", "order"], name="orderline_brand_order")]
