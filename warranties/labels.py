"""Labels of the item events shown in timelines (intranet, customer 360, portal), registered in
jewelcrm.labels (see `jewelcrm.labels.event_label` for the line of an intervention update)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jewelcrm import labels

ITEM_EVENT_LABELS = {
    "sold": _("Sold"),
    "grey_market": _("Sold outside its allocation (grey market)"),
    "intervention": _("Received for an intervention"),
    "intervention_status": _("Intervention update"),
    "ownership_transfer": _("Ownership transferred"),
    "flagged_sale_attempt": _("Attempted sale of a piece reported lost or stolen"),
    "reported_lost": _("Reported lost"),
    "reported_stolen": _("Reported stolen"),
    "recovered": _("Recovered"),
    "found": _("Reported found"),
    "offered": _("Reported offered for sale"),
    "gift": _("Given as a gift"),
    "resale": _("Resold"),
}


def register() -> None:
    from warranties.models import InterventionKind, InterventionStatus

    labels.register("item_event", ITEM_EVENT_LABELS)
    labels.register("intervention_status", dict(InterventionStatus.choices))
    labels.register("intervention_kind", dict(InterventionKind.choices))
