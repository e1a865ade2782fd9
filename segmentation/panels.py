"""The segment, lifetime value, churn risk and drivers on the customer 360 page and in the client book."""

from __future__ import annotations

from typing import Any

from segmentation import presenters, selectors

CONTACT_THIS_WEEK = 10


def customer_panel(*, brand: Any, customer: Any) -> dict[str, Any] | None:
    if customer.is_pseudonymised:
        return None
    score = selectors.score_get(brand=brand, customer_id=customer.pk)
    return {"template": "segmentation/_customer_panel.html", "insight": presenters.insight(score)}


def contact_priorities(*, brand: Any, customer_ids: list[int]) -> list[dict[str, Any]]:
    """The book's customers with the most value at risk first (those with a churn score)."""
    scores = selectors.scores_for(brand=brand, customer_ids=customer_ids)
    ranked = sorted(
        (s for s in scores.values() if s.value_at_risk is not None),
        key=lambda s: (-s.value_at_risk, s.customer_id),
    )
    return [
        {"customer_id": s.customer_id, "value_at_risk": s.value_at_risk, "insight": presenters.insight(s)}
        for s in ranked[:CONTACT_THIS_WEEK]
    ]
