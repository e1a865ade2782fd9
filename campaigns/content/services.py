"""Writes of campaign content: templates (validated at save) and tracking events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.content import language
from campaigns.content.models import EmailTemplate, TrackingEvent, TrackingKind

TEMPLATE_FIELDS = ("subject_en", "subject_fr", "body_en", "body_fr")


class TemplateInvalid(ValueError):
    """The template's sources have problems: {field name: [TemplateProblem(line, message)]}."""

    def __init__(self, problems: dict[str, list[language.TemplateProblem]]) -> None:
        self.problems = problems
        super().__init__(
            "; ".join(f"{name} line {p.line}: {p.message}" for name, items in problems.items() for p in items)
        )


def template_problems(*, sources: dict[str, str]) -> dict[str, list[language.TemplateProblem]]:
    """Problems of each source field (only the fields that have some)."""
    problems = {}
    for name in TEMPLATE_FIELDS:
        found = language.validate(sources.get(name, "") or "")
        if found:
            problems[name] = found
    return problems


@dataclass
class TemplateData:
    name: str
    subject_en: str = ""
    subject_fr: str = ""
    body_en: str = ""
    body_fr: str = ""
    has_recommendations: bool = False


class TemplateNameTaken(ValueError):
    pass


def template_save(
    *, brand: Any, data: TemplateData, template: EmailTemplate | None = None, actor: Any = None
) -> EmailTemplate:
    """Create or update a template; refuses (TemplateInvalid) an unknown variable, broken markup or an
    internal attribute, with the line, before anything is written; TemplateNameTaken for a name the brand
    already uses. Audited."""
    from jewelcrm.accounts.services import audit_log_record

    problems = template_problems(sources={name: getattr(data, name) for name in TEMPLATE_FIELDS})
    if problems:
        raise TemplateInvalid(problems)
    if template is not None and template.brand_id != brand.pk:
        raise PermissionError("The template belongs to another brand.")
    is_new = template is None
    template = template if template is not None else EmailTemplate(brand=brand)
    for name, value in vars(data).items():
        setattr(template, name, value)
    try:
        with transaction.atomic():
            template.save()
            audit_log_record(
                brand=brand,
                action="campaign_content.template_save",
                actor=actor,
                obj=template,
                data={"name": template.name, "created": is_new},
            )
    except IntegrityError:
        if is_new:
            template.pk = None
        raise TemplateNameTaken(data.name) from None
    return template


def tracking_record(*, brand_id: int, message_key: str, kind: str, url: str = "") -> None:
    """One open or click: a single INSERT, no read (the counts are aggregated when asked)."""
    if kind not in TrackingKind.values:
        raise ValueError(f"Unknown tracking kind {kind!r}")
    TrackingEvent.objects.create(
        brand_id=brand_id, message_key=message_key[:200], kind=kind, url=url[:2000], at=timezone.now()
    )
