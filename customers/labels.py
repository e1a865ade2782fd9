"""Labels of the customer values stored without choices (gender, family situation, language, consent
purpose, order channel, the source of each profile value, country, profile field names), registered in
jewelcrm.labels from CustomersConfig.ready()."""

from django.utils.translation import get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from jewelcrm import labels

# --- Values stored without choices (imports, API, forms): registered in jewelcrm.labels ------------

GENDER_LABELS = {
    "female": _("Female"),
    "male": _("Male"),
    "non_binary": _("Non-binary"),
    "other": _("Other"),
    "unknown": _("Not stated"),
}

FAMILY_SITUATION_LABELS = {
    "single": _("Single"),
    "in_a_relationship": _("In a relationship"),
    "engaged": _("Engaged"),
    "married": _("Married"),
    "civil_partnership": _("Civil partnership"),
    "divorced": _("Divorced"),
    "widowed": _("Widowed"),
}

CONSENT_PURPOSE_LABELS = {
    "marketing": _("Marketing messages"),
    "service": _("Service messages"),
    "profiling": _("Personalised offers"),
}

# Where an order was placed (Order.channel).
ORDER_CHANNEL_LABELS = {
    "store": _("In store"),
    "web": _("Online"),
    "eshop": _("Online"),
    "online": _("Online"),
    "phone": _("By phone"),
    "marketplace": _("Marketplace"),
}

# Who gave a profile value (Customer.field_sources).
FIELD_SOURCE_LABELS = {
    "erp": _("ERP"),
    "eshop": _("E-shop"),
    "store": _("In store"),
    "portal": _("Owner portal"),
    "staff": _("Brand staff"),
    "api": _("API"),
    "import": _("Import"),
    "merge": _("Merged profile"),
}


def _language_name(code: str) -> str | None:
    """Django's own translated name of a language code ("fr" -> "French" / "Français")."""
    try:
        return gettext(get_language_info(code.lower())["name"])
    except KeyError:
        return None


def _country_name(code: str) -> str | None:
    from django_countries import countries

    return str(countries.name(code.upper())) or None


def _customer_field_name(name: str) -> str | None:
    from customers.models import Customer

    try:
        verbose = Customer._meta.get_field(name).verbose_name
    except Exception:  # noqa: BLE001 - any unknown name falls back to the raw key
        return None
    text = str(verbose)
    return text[:1].upper() + text[1:]


def register() -> None:
    labels.register("gender", GENDER_LABELS)
    labels.register("family_situation", FAMILY_SITUATION_LABELS)
    labels.register("language", {}, fallback=_language_name)
    labels.register("consent_purpose", CONSENT_PURPOSE_LABELS)
    labels.register("order_channel", ORDER_CHANNEL_LABELS)
    labels.register("field_source", FIELD_SOURCE_LABELS)
    labels.register("customer_field", {}, fallback=_customer_field_name)
    labels.register("country", {}, fallback=_country_name)
