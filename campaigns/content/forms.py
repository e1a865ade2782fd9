"""The template editor's form: errors of the template language are attached to their field with the line."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.content import services
from campaigns.content.labels import FIELD_LABELS
from campaigns.content.models import EmailTemplate


def problem_text(source: str, problem: Any) -> str:
    """ "Line 3: Unknown variable “frist_name”. — {{ frist_name }}" (the line as written, shortened)."""
    source_lines = (source or "").splitlines()
    excerpt = source_lines[problem.line - 1].strip() if 0 < problem.line <= len(source_lines) else ""
    if len(excerpt) > 80:
        excerpt = excerpt[:77] + "…"
    text = gettext("Line %(line)s: %(message)s") % {"line": problem.line, "message": problem.message}
    return f"{text} — {excerpt}" if excerpt else text


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["name", "subject_en", "body_en", "subject_fr", "body_fr", "has_recommendations"]
        labels = {
            "name": _("Name"),
            "has_recommendations": _("Add the recommendations block"),
            **FIELD_LABELS,
        }
        help_texts = {
            "has_recommendations": _(
                "Under the message: complements of the pieces the person owns, then what other customers "
                "bought with them."
            ),
            "body_en": _("Plain text: a blank line starts a paragraph; write links as [words](https://…)."),
        }
        widgets = {
            "body_en": forms.Textarea(attrs={"rows": 14, "spellcheck": "true", "class": "code"}),
            "body_fr": forms.Textarea(attrs={"rows": 14, "spellcheck": "true", "class": "code"}),
        }

    def __init__(self, *args: Any, brand: Any, read_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.brand = brand
        self.problems: dict[str, list[Any]] = {}
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        sources = {name: cleaned.get(name, "") or "" for name in services.TEMPLATE_FIELDS}
        if not (sources["body_en"].strip() or sources["body_fr"].strip()):
            self.add_error("body_en", gettext("Write the message in at least one language."))
        self.problems = services.template_problems(sources=sources)
        for name, problems in self.problems.items():
            for problem in problems:
                self.add_error(name, problem_text(sources[name], problem))
        return cleaned

    def data_for_service(self) -> services.TemplateData:
        c = self.cleaned_data
        return services.TemplateData(
            name=c["name"],
            subject_en=c.get("subject_en", ""),
            subject_fr=c.get("subject_fr", ""),
            body_en=c.get("body_en", ""),
            body_fr=c.get("body_fr", ""),
            has_recommendations=bool(c.get("has_recommendations")),
        )
