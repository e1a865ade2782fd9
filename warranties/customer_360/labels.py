"""User-facing labels of the customer list and 360 page: timeline lines and the CSV export's headers."""

from django.utils.translation import gettext_lazy as _

TIMELINE_LABELS = {
    "registration": _("Warranty registration"),
    "order": _("Order"),
    "intervention": _("Intervention"),
    "consent_granted": _("Consent granted"),
    "consent_withdrawn": _("Consent withdrawn"),
    "item_event": _("Item event"),
}

EXPORT_HEADERS = {
    "id": _("id"),
    "external_id": _("external id"),
    "title": _("title"),
    "first_name": _("first name"),
    "last_name": _("last name"),
    "email": _("e-mail"),
    "phone": _("phone"),
    "address": _("address"),
    "postal_code": _("postal code"),
    "city": _("city"),
    "country": _("country"),
    "language": _("language"),
    "home_store": _("home store"),
    "tags": _("tags"),
}

EXPORT_CHANNEL_REQUIRED = _("Choose the channel the list is for: only consented customers are exported.")
