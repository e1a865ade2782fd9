"""Labels of ad audiences: the consent purpose they need, audit actions and object type (jewelcrm.labels).

The consent ledger (customers) stores the purpose as free text; "advertising" is registered here so the
consent pages, the GDPR export and the consent form's vocabulary name it in words.
"""

from django.utils.translation import gettext_lazy as _

from jewelcrm import labels

ADVERTISING_PURPOSE = "advertising"


def register() -> None:
    labels.register(
        "consent_purpose",
        {ADVERTISING_PURPOSE: _("Advertising audiences (hashed, shared with ad platforms)")},
    )
    labels.register(
        "audit_action",
        {
            "audiences.export": _("Ad audience exported"),
            "audiences.download": _("Ad audience file downloaded"),
            "audiences.upload": _("Ad audience upload started"),
        },
    )
    labels.register("object_type", {"AudienceExport": _("Ad audience export")})
