from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.audiences.models import Destination


class AudienceExportForm(forms.Form):
    segment = forms.TypedChoiceField(label=_("Saved segment"), coerce=int)
    destination = forms.ChoiceField(
        label=_("Destination"),
        choices=Destination.choices,
        initial=Destination.FILE,
        widget=forms.RadioSelect,
    )
    platform_audience_id = forms.RegexField(
        label=_("Meta custom audience id"),
        regex=r"^\d{1,30}$",
        required=False,
        help_text=_("Digits, from Meta's Audiences page. Kept for the next export of this segment."),
        error_messages={"invalid": _("The audience id is made of digits only.")},
    )

    def __init__(self, *args: Any, segments: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [(s.pk, s.name) for s in segments]
