from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.roles import ADMIN_ROLES
from jewelcrm.imports.models import ImportKind, ImportMode

# Who imports what: marketers import customer data (customers, orders); brand master data (the network's
# stores, the catalogue's products, the serialised stock) is for the owner and admins. The upload form,
# the list and every page of an import (mapping, preview, run, report) apply the same rule.
MARKETER_KINDS = (ImportKind.CUSTOMERS, ImportKind.ORDERS)


def kinds_allowed(role: str) -> frozenset[str]:
    return frozenset(k.value for k in ImportKind if role in ADMIN_ROLES or k in MARKETER_KINDS)


def kinds_for_role(role: str) -> list[tuple[str, Any]]:
    allowed = kinds_allowed(role)
    return [(k.value, k.label) for k in ImportKind if k.value in allowed]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What does the file contain?"))
    file = forms.FileField(
        label=_("File (CSV or Excel .xlsx)"),
        help_text=_(
            "CSV in UTF-8 or Windows-1252, separated by semicolons, commas or tabs; or an .xlsx workbook "
            "(first sheet). The first row holds the column names."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )

    def __init__(self, *args: Any, role: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds_for_role(role)


class MappingForm(forms.Form):
    """One select per field of the kind: which column of the file feeds it."""

    def __init__(
        self, *args: Any, fields: Any, headers: list[str], initial_mapping: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not imported —")), *((h, h) for h in headers if h)]
        for field in fields:
            label = f"{field.label} *" if field.required else str(field.label)
            self.fields[f"map_{field.name}"] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                initial=initial_mapping.get(field.name, ""),
            )
        self.import_fields = list(fields)

    def mapping(self) -> dict[str, str]:
        return {f.name: self.cleaned_data.get(f"map_{f.name}", "") for f in self.import_fields}


class RunForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How to import"),
        choices=ImportMode.choices,
        initial=ImportMode.VALID_ROWS,
        widget=forms.RadioSelect,
        help_text=_(
            "All or nothing: if any row is rejected, nothing is written. Otherwise the valid rows are "
            "imported and the others are listed in the report."
        ),
    )
