"""Words of campaign content shown on pages, in both languages.

The audit action and object type of templates are labelled in jewelcrm/accounts/labels.py (where the
audit log looks them up); their French lives in this app's catalogue, hence the same words here."""

from django.utils.translation import gettext_lazy as _

AUDIT_WORDS = (_("E-mail template saved"), _("E-mail template"))

SORT_LABELS = {
    "name": _("Name"),
    "updated": _("Last change"),
}

FIELD_LABELS = {
    "subject_en": _("Subject (English)"),
    "subject_fr": _("Subject (French)"),
    "body_en": _("Message (English)"),
    "body_fr": _("Message (French)"),
}
