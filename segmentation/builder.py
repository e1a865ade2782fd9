"""The segment builder: rules (all must hold) → the brand's customers, as one queryset.

A rule is `{"field": ..., "value": ...}` (plus `"days"` for dates). Profile fields are read through
customers.selectors; scores come from the brand's published run.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from segmentation.models import CustomerScore, PipelineRun
from segmentation.rfm import SEGMENT_CODES

CHANNELS = ("email", "sms", "phone", "post")
# field -> kind of value
FIELDS: dict[str, str] = {
    "rfm_segment": "choices",
    "value_band_min": "int",  # 10 = top decile of lifetime value ... 1 = everyone
    "clv_12m_min": "number",
    "clv_12m_max": "number",
    "churn_risk_min": "percent",
    "churn_risk_max": "percent",
    "cluster": "ints",
    "gender": "choices",
    "family_situation": "choices",
    "country": "choices",
    "language": "choices",
    "home_store": "ints",
    "age_min": "int",
    "age_max": "int",
    "consent": "choices",
    "category": "choices",  # owned: bought (order lines) or registered (items)
    "collection": "choices",
    "upcoming_date_days": "int",
    "gift_recipient_date_days": "int",
}
MAX_DAYS = 120


class RuleInvalid(ValueError):
    def __init__(self, code: str, field: str = "") -> None:
        super().__init__(f"{field}: {code}")
        self.code = code
        self.field = field


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if value in (None, ""):
        return []
    return [value]


def normalise(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules cleaned to their canonical form (what is saved); raises RuleInvalid."""
    if not isinstance(rules, list):
        raise RuleInvalid("not_a_list")
    out = []
    for rule in rules:
        if not isinstance(rule, dict) or rule.get("field") not in FIELDS:
            raise RuleInvalid("unknown_field", str(rule.get("field", "")) if isinstance(rule, dict) else "")
        field, kind, value = rule["field"], FIELDS[rule["field"]], rule.get("value")
        try:
            if kind == "choices":
                value = [str(v)[:40] for v in _as_list(value) if str(v).strip()]
                if not value:
                    raise RuleInvalid("empty", field)
                if field == "rfm_segment" and any(v not in SEGMENT_CODES for v in value):
                    raise RuleInvalid("unknown_choice", field)
                if field == "consent" and any(v not in CHANNELS for v in value):
                    raise RuleInvalid("unknown_choice", field)
            elif kind == "ints":
                value = [int(v) for v in _as_list(value)]
                if not value:
                    raise RuleInvalid("empty", field)
            elif kind == "int":
                value = int(value)
                if (
                    value < 0
                    or (field.endswith("_days") and value > MAX_DAYS)
                    or (field == "value_band_min" and not 1 <= value <= 10)
                ):
                    raise RuleInvalid("out_of_range", field)
            elif kind in ("number", "percent"):
                value = float(value)
                if value < 0 or (kind == "percent" and value > 100):
                    raise RuleInvalid("out_of_range", field)
        except (TypeError, ValueError) as error:
            if isinstance(error, RuleInvalid):
                raise
            raise RuleInvalid("not_a_number", field) from None
        out.append({"field": field, "value": value})
    return out


def validate(rules: list[dict[str, Any]]) -> None:
    normalise(rules)


def _window_q(prefix: str, today: date, days: int) -> Q:
    condition = Q()
    for offset in range(days + 1):
        day = today + timedelta(days=offset)
        condition |= Q(**{f"{prefix}__month": day.month, f"{prefix}__day": day.day})
        if day.month == 2 and day.day == 28:
            condition |= Q(**{f"{prefix}__month": 2, f"{prefix}__day": 29})
    return condition


SCORE_FIELDS = ("rfm_segment", "value_band_min", "clv_12m_min", "clv_12m_max", "churn_risk_min",
                "churn_risk_max", "cluster")  # fmt: skip


def _score_q(rules: list[dict[str, Any]]) -> Q:
    """The rules on the published run's scores, as one condition on CustomerScore."""
    score_q = Q()
    for rule in rules:
        field, value = rule["field"], rule["value"]
        if field == "rfm_segment":
            score_q &= Q(rfm_segment__in=value)
        elif field == "value_band_min":
            score_q &= Q(value_band__gte=value)
        elif field == "clv_12m_min":
            score_q &= Q(clv_12m__gte=value)
        elif field == "clv_12m_max":
            score_q &= Q(clv_12m__lte=value)
        elif field == "churn_risk_min":
            score_q &= Q(churn_risk__gte=value / 100)
        elif field == "churn_risk_max":
            score_q &= Q(churn_risk__lte=value / 100)
        elif field == "cluster":
            score_q &= Q(cluster__in=value)
    return score_q


def _profile_queryset(*, brand: Any, rules: list[dict[str, Any]], today: date) -> QuerySet:
    """The brand's live customers matching every rule that is not on scores."""
    from customers import selectors as customer_selectors

    qs = customer_selectors.customer_list(brand=brand).filter(is_pseudonymised=False)
    for rule in rules:
        field, value = rule["field"], rule["value"]
        if field in ("gender", "family_situation", "language"):
            qs = qs.filter(**{f"{field}__in": value})
        elif field == "country":
            qs = qs.filter(country__in=[v.upper() for v in value])
        elif field == "home_store":
            qs = qs.filter(home_store_id__in=value)
        elif field == "age_min":
            qs = qs.filter(birth_date__lte=_years_before(today, value))
        elif field == "age_max":
            qs = qs.filter(birth_date__gt=_years_before(today, value + 1))
        elif field == "consent":
            for channel in value:
                qs = customer_selectors.with_active_consent(qs, channel=channel)
        elif field == "upcoming_date_days":
            qs = qs.filter(
                _window_q("birth_date", today, value) | _window_q("wedding_anniversary", today, value)
            )
        elif field in ("category", "collection"):
            owned = customer_selectors.customer_list(brand=brand).filter(
                Q(**{f"orders__lines__product__{field}__in": value})
                | Q(**{f"items__product__{field}__in": value})
            )
            qs = qs.filter(pk__in=owned.order_by().values("pk"))
        elif field == "gift_recipient_date_days":
            related = customer_selectors.customer_list(brand=brand).filter(
                _window_q("relations__birth_date", today, value)
                | _window_q("relations__anniversary", today, value)
            )
            qs = qs.filter(pk__in=related.values("pk"))
    return qs


def customer_queryset(
    *, brand: Any, rules: list[dict[str, Any]], run: PipelineRun | None, today: date | None = None
) -> QuerySet:
    """The brand's live customers matching every rule."""
    today = today or timezone.localdate()
    rules = normalise(rules)
    qs = _profile_queryset(brand=brand, rules=rules, today=today)
    if any(rule["field"] in SCORE_FIELDS for rule in rules):
        if run is None:
            return qs.none()
        scores = (
            CustomerScore.objects.filter(brand=brand, run=run).filter(_score_q(rules)).values("customer_id")
        )
        qs = qs.filter(pk__in=scores)
    return qs


def member_ids(*, brand: Any, rules: list[dict[str, Any]], run: PipelineRun | None) -> QuerySet:
    """The ids of the customers matching every rule, as one query of a single column `customer_id`-like
    values (what a saved segment's refresh inserts). Rules on scores alone read the published run's scores
    only: they hold live customers, one row each (see `count`)."""
    rules = normalise(rules)
    if rules and run is not None and all(rule["field"] in SCORE_FIELDS for rule in rules):
        scores = CustomerScore.objects.filter(brand=brand, run=run).filter(_score_q(rules))
        return scores.values("customer_id")
    return customer_queryset(brand=brand, rules=rules, run=run).order_by().values("pk")


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def count(
    *, brand: Any, rules: list[dict[str, Any]], run: PipelineRun | None, today: date | None = None
) -> int:
    """The live count of the builder. With rules on scores it starts from the published run's scores
    (the index (brand, run, rfm_segment, value_band) with the other score columns included: an
    index-only scan), then keeps the live customers that match the profile rules by their primary key;
    with profile rules only, it counts the customers."""
    today = today or timezone.localdate()
    rules = normalise(rules)
    if not any(rule["field"] in SCORE_FIELDS for rule in rules):
        return _profile_queryset(brand=brand, rules=rules, today=today).order_by().count()
    if run is None:
        return 0
    scores = CustomerScore.objects.filter(brand=brand, run=run).filter(_score_q(rules))
    if all(rule["field"] in SCORE_FIELDS for rule in rules):
        # A run's scores hold live customers only, one row each: the run reads no merged or erased
        # profile, an erasure deletes the person's scores and a merge moves them to the survivor
        # (segmentation/customer_data.py). Rules on scores alone are counted from the index.
        return scores.count()
    customers = _profile_queryset(brand=brand, rules=rules, today=today).filter(pk=OuterRef("customer_id"))
    return scores.filter(Exists(customers.order_by().values("pk"))).count()
