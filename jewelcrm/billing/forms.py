from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jewelcrm.billing.models import Interval


class ChangePlanForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=None, to_field_name="code", label=_("Plan"))  # type: ignore[arg-type]
    interval = forms.ChoiceField(choices=Interval.choices, label=_("Billing"), initial=Interval.MONTH)

    def __init__(self, *args: Any, plans: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]
