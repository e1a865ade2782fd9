"""What the pages and exports show, in words, from the stored codes and numbers."""

from __future__ import annotations

import csv
import json
from typing import IO, Any

from jewelcrm.catalog.models import Category
from segmentation import labels, selectors
from segmentation.models import PipelineRun
from segmentation.rfm import SEGMENT_CODES


def _drivers(raw: Any) -> list[str]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    return [labels.driver_text(code, params) for code, params in raw or []]


def run_results(run: PipelineRun | None, *, currency: str) -> dict[str, Any]:
    if run is None or not run.is_published and run.status != "succeeded":
        return {"results": None}
    summary = run.summary or {}
    counts = summary.get("segments", {})
    total = sum(counts.values()) or 1
    segments = [
        {
            "code": code,
            "label": labels.SEGMENT_LABELS[code],
            "hint": labels.SEGMENT_HINTS[code],
            "count": counts.get(code, 0),
            "share": round(100 * counts.get(code, 0) / total, 1),
        }
        for code in SEGMENT_CODES
    ]
    migration = summary.get("migration") or {}
    codes = [
        c for c in (*SEGMENT_CODES, "none") if c in migration or any(c in row for row in migration.values())
    ]
    matrix = {
        "columns": [labels.SEGMENT_LABELS[c] for c in codes if c != "none"],
        "rows": [
            {
                "label": labels.SEGMENT_LABELS[old],
                "cells": [migration.get(old, {}).get(new, 0) for new in codes if new != "none"],
            }
            for old in codes
            if old in migration
        ],
    }
    fit = run.fit or {}
    btyd = fit.get("btyd")
    if btyd:
        btyd = {**btyd, "label": labels.MODEL_LABELS.get(btyd.get("model", ""), btyd.get("model", ""))}
    return {
        "results": True,
        "segments_table": segments,
        "matrix": matrix if migration else None,
        "btyd": btyd,
        "gammagamma": fit.get("gammagamma"),
        "churn": fit.get("churn"),
        "clusters": summary.get("clusters", []),
        "profile": _profile(
            summary.get("profile"), currency=currency, limits=summary.get("price_band_limits") or []
        ),
        "notes": [labels.note_text(code, params) for code, params in run.notes or []],
        "currency": currency,
    }


def _value_labels(name: str, currency: str, limits: list[int]) -> Any:
    """The words of a profile dimension's values (a code as stored → its label in the page's language)."""
    from jewelcrm import labels as vocabulary

    if name == "category":
        return lambda value: str(dict(Category.choices).get(value, value))
    if name == "price_band":
        bands = labels.price_band_labels(limits, currency) if limits else []

        def band(value: str) -> str:
            index = int(value.removeprefix("band_")) if value.startswith("band_") else -1
            return str(bands[index]) if 0 <= index < len(bands) else value

        return band
    if name in ("gender", "channel", "family"):
        kind = {"gender": "gender", "channel": "order_channel", "family": "family_situation"}[name]
        return lambda value: vocabulary.label(kind, value) or value
    return lambda value: value


def _profile(
    profile: dict[str, Any] | None, *, currency: str = "", limits: list[int] | None = None
) -> list[dict[str, Any]] | None:
    """Each dimension in words, its values with their share among the top decile and among the rest."""
    if not profile or not profile.get("top_customers"):
        return None
    out = []
    for name, shares in profile.get("dimensions", {}).items():
        word = _value_labels(name, currency, list(limits or []))
        values = list(dict.fromkeys([*shares.get("top", {}), *shares.get("rest", {})]))
        out.append(
            {
                "label": labels.PROFILE_LABELS.get(name, name),
                "rows": [
                    {
                        "value": labels.PROFILE_VALUES.get(value) or word(value),
                        "top": round(100 * shares.get("top", {}).get(value, 0)),
                        "rest": round(100 * shares.get("rest", {}).get(value, 0)),
                    }
                    for value in values
                ],
            }
        )
    return out


def segment_rule_rows(form: Any, segments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "label": labels.SEGMENT_LABELS.get(s["code"], s["code"]),
            "fields": [form[f"s{i}_{axis}_{end}"] for axis in ("r", "f") for end in ("min", "max")],
        }
        for i, s in enumerate(segments)
    ]


def rule_texts(rules: list[dict[str, Any]], *, brand: Any = None) -> list[str]:
    """Each rule in words: segments, categories and channels by their labels, stores by their names
    (one query when a home-store rule is there)."""
    stores: dict[int, str] = {}
    wanted = [pk for rule in rules if rule["field"] == "home_store" for pk in rule["value"]]
    if wanted and brand is not None:
        from jewelcrm.retail import selectors as retail_selectors

        stores = dict(
            retail_selectors.store_list(brand=brand).filter(pk__in=wanted).values_list("pk", "name")
        )
    categories = dict(Category.choices)
    out = []
    for rule in rules:
        value = rule["value"]
        if rule["field"] == "rfm_segment":
            value = ", ".join(str(labels.SEGMENT_LABELS.get(v, v)) for v in value)
        elif rule["field"] == "home_store":
            value = ", ".join(stores.get(v, str(v)) for v in value)
        elif rule["field"] == "category":
            value = ", ".join(str(categories.get(v, v)) for v in value)
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        out.append(f"{labels.FIELD_LABELS.get(rule['field'], rule['field'])}: {value}")
    return out


def member_rows(*, brand: Any, customers: list[Any]) -> list[dict[str, Any]]:
    scores = selectors.scores_for(brand=brand, customer_ids=[c.pk for c in customers])
    return [{"customer": c, "score": insight(scores.get(c.pk))} for c in customers]


def insight(score: Any) -> dict[str, Any] | None:
    """A customer's published scores in words (None when not scored)."""
    if score is None:
        return None
    return {
        "segment": labels.SEGMENT_LABELS.get(score.rfm_segment, score.rfm_segment),
        "segment_code": score.rfm_segment,
        "r": score.r_score,
        "f": score.f_score,
        "m": score.m_score,
        "score": score,
        "drivers": _drivers(score.drivers),
        "churn_percent": None if score.churn_risk is None else round(100 * score.churn_risk),
        "p_alive_percent": None if score.p_alive is None else round(100 * score.p_alive),
    }


def write_scores_csv(handle: IO[str], *, brand: Any, run: PipelineRun) -> int:
    writer = csv.writer(handle)
    writer.writerow(selectors.EXPORT_HEADER)
    count = 0
    for row in selectors.scores_export_rows(brand=brand, run=run).iterator(chunk_size=5000):
        writer.writerow(["" if v is None else v for v in row])
        count += 1
    return count


def best_customer_profile(run: Any) -> list[dict[str, Any]] | None:
    """The best-customer profile of a run (top value decile against the rest), in words, or None."""
    return _profile((run.summary or {}).get("profile"))
