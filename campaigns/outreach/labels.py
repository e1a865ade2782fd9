"""Labels of outreach's audit actions and object type (jewelcrm.labels registry)."""

from django.utils.translation import gettext_lazy as _

from jewelcrm import labels


def register() -> None:
    labels.register("audit_action", {"outreach.task_done": _("Outreach task done")})
    labels.register("object_type", {"OutreachTask": _("Outreach task")})
