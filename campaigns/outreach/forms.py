from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.outreach.models import TaskOutcome


class TaskDoneForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What happened?"), choices=TaskOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: what the customer said, what comes next."),
    )
