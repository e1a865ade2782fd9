"""The nightly pipeline of one brand: rollup → features → scores → models → write-back.

Each stage runs in its own short brand-scoped transaction, so the run's progress bar moves while it works.
The write-back writes the run's rows first (no page reads an unpublished run's scores), then publishes the
run in one transaction, so readers see the previous run until the new one is complete, and a failure
leaves it in place (the failed run's rows are deleted: nothing half-written is ever read).

Independent database work runs beside the main thread on connections of its own (segmentation.concurrent,
docs/adr/0053-nightly-segmentation-side-by-side.md): what customers own beside the purchase summary, the
published run's segments and the deletion of older runs' scores beside the models, the scores' two halves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.utils import timezone

from jewelcrm.tenancy.context import brand_context
from segmentation import owned, rfm, sql, summary
from segmentation.concurrent import beside, release_freed_memory
from segmentation.models import CustomerScore, PipelineRun, RunStatus, SegmentRules
from segmentation.pipeline_stages import _deciles, _models, _predictive_clv, _scores  # noqa: F401
from segmentation.pipeline_write import (  # noqa: F401
    SCORE_COLUMNS,
    _write_back,
    segments_of,
    write_path_for,
)

logger = logging.getLogger(__name__)

STAGES = ("rollup", "features", "scores", "models", "write_back")
HORIZON_DAYS = 365  # the churn label: bought in the following twelve months


class PipelineError(Exception):
    """A failure that the run page explains in words (the code is a key of labels.RUN_ERRORS)."""


@dataclass
class State:
    brand: Any
    run: PipelineRun
    observation: date
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    rules: dict[str, Any] = field(default_factory=dict)
    fit: dict[str, Any] = field(default_factory=dict)
    notes: list[list[Any]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # The published run's segments, read beside the models stage (see _side_work).
    previous_segments: Any = None
    # What customers own, read beside the rollup and joined by join_owned() when the models need it.
    owned: Any = None
    # The new scores' aggregates, grouped beside the publication (_aggregates_of).
    aggregates: Any = None

    def join_owned(self) -> None:
        _join_owned(self)


def run_execute(*, brand: Any, run_id: int, write_path: str | None = None) -> PipelineRun | None:
    """Claim the waiting run and run it; record success or failure. Not inside a transaction: each stage
    commits its own progress. Returns None when the run was not waiting (a duplicate delivery)."""
    with brand_context(brand):
        claimed = PipelineRun.objects.filter(pk=run_id, brand=brand, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, started_at=timezone.now(), stage="rollup", progress=0
        )
        if not claimed:
            return None
        run = PipelineRun.objects.get(pk=run_id)
    try:
        execute(brand=brand, run=run, write_path=write_path)
    except Exception as error:
        logger.exception("segmentation run %s of brand %s failed", run_id, brand.pk)
        code = getattr(error, "code", "") or type(error).__name__
        with brand_context(brand):
            PipelineRun.objects.filter(pk=run_id).update(
                status=RunStatus.FAILED,
                finished_at=timezone.now(),
                error=f"{code}: {error}"[:2000],
                stage="",
            )
            # Rows the failed run may have left (it never published) go; the published run stays.
            CustomerScore.objects.filter(brand=brand, run_id=run_id).delete()
    with brand_context(brand):
        return PipelineRun.objects.get(pk=run_id)


def _midnight(brand: Any, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(brand.time_zone))


def _save_run(brand: Any, run: PipelineRun, **fields: Any) -> None:
    """Progress and state of the run in their own short transaction, visible to the page at once."""
    for name, value in fields.items():
        setattr(run, name, value)
    with brand_context(brand):
        PipelineRun.objects.filter(pk=run.pk).update(**fields)


def execute(*, brand: Any, run: PipelineRun, write_path: str | None = None) -> PipelineRun:
    """Run every stage for `run` (already claimed as running). Raises PipelineError or anything else on
    failure; the caller records it."""
    state = State(brand=brand, run=run, observation=run.observation_date)
    timings: dict[str, float] = {}
    steps: list[tuple[str, Callable[[State], None]]] = [
        ("rollup", _rollup),
        ("features", _features),
        ("scores", _scores),
        ("models", _models),
        ("write_back", lambda s: _write_back(s, write_path=write_path)),
    ]
    try:
        for index, (name, step) in enumerate(steps):
            _save_run(brand, run, stage=name, progress=int(100 * index / len(steps)), timings=timings)
            started = time.perf_counter()
            state.timings = timings
            if name == "models":
                state.previous_segments = beside(None, _side_work, brand, run.pk)
            step(state)
            timings[name] = round(time.perf_counter() - started, 3)
    finally:
        for pending in (state.owned, state.previous_segments, state.aggregates):
            if pending is not None:
                pending.wait()
    started = time.perf_counter()
    # The scores were vacuumed and analysed once written (pipeline_write): the memberships remain.
    if sql.refresh_statistics(("segmentation_segmentmember",)):
        timings["after publishing: table statistics"] = round(time.perf_counter() - started, 3)
    _keep_score_aggregates(brand, run, state.aggregates)
    _save_run(brand, run, timings=timings)
    return run


def _side_work(brand: Any, run_id: int) -> tuple[int | None, pd.DataFrame | None, int, float]:
    """Database work of the write-back that needs no result of the models, done on a connection of its
    own while the models stage computes (one core each): the published run's segments, for the migration
    matrix, and the deletion of the scores of every other earlier run (nothing reads them: the published
    run stays until this one replaces it). Returns (published run, its segments, rows deleted, seconds)."""
    started = time.perf_counter()
    with brand_context(brand):
        previous = PipelineRun.objects.filter(brand=brand, is_published=True).first()
        segments = None
        if previous is not None:
            segments = segments_of(brand, previous.pk)
        keep = [run_id] + ([previous.pk] if previous else [])
        older = PipelineRun.objects.filter(brand=brand).exclude(pk__in=keep).values_list("pk", flat=True)
        deleted = 0
        if older:
            deleted, _ = CustomerScore.objects.filter(brand=brand, run_id__in=list(older)).delete()
    if deleted:
        # The deleted rows vacuumed now, while the models compute: the vacuum once the new scores are
        # written (pipeline_write) then only visits the new run's pages.
        sql.refresh_statistics(sql.SCORE_TABLES)
    return (previous.pk if previous else None), segments, deleted, round(time.perf_counter() - started, 3)


def _keep_score_aggregates(brand: Any, run: PipelineRun, pending: Any = None) -> None:
    """The published scores' aggregates grouped once (beside the publication when `pending`) and kept on
    the run (the insights customers page reads them in one query); a failure only logs: the results are
    already published, and the page groups them itself until the next run."""
    from segmentation import selectors

    try:
        if pending is not None:
            data = pending.result()
        else:
            with brand_context(brand):
                data = selectors.score_aggregates(brand=brand)
        if data is not None and data["run_id"] == run.pk:
            _save_run(brand, run, aggregates=selectors.score_aggregates_encode(data))
    except Exception:
        logger.warning("keeping the score aggregates of run %s failed", run.pk, exc_info=True)


# --- rollup -----------------------------------------------------------------------------------------


def _params(state: State) -> dict[str, Any]:
    obs = state.observation
    return {
        "brand_id": state.brand.pk,
        "tz": state.brand.time_zone,
        "currency": state.brand.default_currency.upper(),
        "end": _midnight(state.brand, obs + timedelta(days=1)),
        "c1": obs - timedelta(days=HORIZON_DAYS),
        "c2": obs - timedelta(days=2 * HORIZON_DAYS),
        # The same cut-offs as instants: the local midnights that end them.
        "c1_end": _midnight(state.brand, obs - timedelta(days=HORIZON_DAYS - 1)),
        "c2_end": _midnight(state.brand, obs - timedelta(days=2 * HORIZON_DAYS - 1)),
    }


OWNED_DEFAULTS: dict[str, int] = {
    "pieces": 0,
    **{f"cat_{code}": 0 for code in sql.OWNED_CATEGORIES},
    **{f"channel_{code}": 0 for code in sql.OWNED_CHANNELS},
    **{f"{name}{suffix}": (-1 if name == "top_band" else 0)
       for name in ("cat_mask", "band_mask", "top_band") for suffix in ("", "_c1", "_c2")},
}  # fmt: skip


def _rollup(state: State) -> None:
    from segmentation.insights.selectors import price_band_limits

    params = _params(state)
    with brand_context(state.brand):
        limits = price_band_limits(brand=state.brand)
    # What customers own reads the order lines (ten million at a brand's real size) and counts them
    # (segmentation.owned) on a connection and a thread of its own, while this connection reads the
    # orders and sums them per customer (segmentation.summary): one core each. The orders are read once,
    # here, and handed to it.
    # It is joined when the models need it (join_owned): the features, scores and lifetime value, which
    # need the summary only, are computed meanwhile.
    orders: Future[tuple[np.ndarray, ...]] = Future()
    state.owned = beside(state.brand, _owned, owned.owned_params(params, limits), orders.result)
    try:
        with brand_context(state.brand):
            read = summary.read_orders(params)
            codes = owned.order_codes(
                read.channel,
                read.instant,
                summary.instant(params["c1_end"]),
                summary.instant(params["c2_end"]),
            )
            orders.set_result((read.id, read.customer, codes))
            data, left_out = summary.read(params, read)
            del read, codes
            currencies = sql.scalar_row(sql.LEFT_OUT_SQL, params)[0] if left_out else ""
            extras = sql.copy_out(sql.EXTRAS_SQL, params)
    except BaseException as error:
        if not orders.done():
            orders.set_exception(error)
        state.owned.wait()
        raise
    state.summary["price_band_limits"] = [int(v) for v in limits]
    if left_out:
        state.notes.append(["orders_without_rate", {"count": int(left_out), "currencies": currencies}])
    if len(extras):
        data = data.merge(extras, on="customer_id", how="left")
    _fill(
        data,
        (
            ("registrations", 0),
            ("gifts", 0),
            ("services", 0),
            ("email_ok", False),
            ("sms_ok", False),
            ("relations", 0),
            ("relation_days", ""),
        ),
    )
    state.data = data
    state.rows["customers"] = len(data)
    state.rows["purchase_days"] = int(data["n_days"].sum()) if len(data) else 0
    if len(data) == 0:
        state.notes.append(["no_purchases", {}])


def _fill(data: pd.DataFrame, defaults: Any) -> None:
    for column, default in defaults:
        if column not in data:
            data[column] = default
        data[column] = data[column].fillna(default)
        if isinstance(default, int) and not isinstance(default, bool):
            data[column] = data[column].astype(np.int64)


def _join_owned(state: State) -> None:
    """What customers own (read beside the summary since the rollup) joined to the customers, and the
    features a marketer reads from it. Waits for the read when it is still running."""
    pending, state.owned = state.owned, None
    if pending is None:
        return
    owned, seconds = pending.result()
    state.timings["rollup: pieces owned"] = seconds
    d = state.data
    if len(owned) and len(d):
        # Column by column, aligned on the customer (no copy of the whole frame).
        aligned = owned.set_index("customer_id").reindex(d["customer_id"].to_numpy())
        for column in aligned.columns:
            d[column] = aligned[column].to_numpy()
        del aligned
    del owned
    _fill(d, OWNED_DEFAULTS.items())
    if len(d):
        _owned_features(d)
    state.data = d
    release_freed_memory()


def _owned(params: dict[str, Any], orders: Callable[[], Any]) -> tuple[pd.DataFrame, float]:
    started = time.perf_counter()
    found = owned.read(params, orders)
    return found, round(time.perf_counter() - started, 3)


# --- features ---------------------------------------------------------------------------------------


def _days_between(later: date | pd.Series, earlier: pd.Series) -> np.ndarray:
    return (pd.to_datetime(later) - pd.to_datetime(earlier)).dt.days.to_numpy()


def _features(state: State) -> None:
    d = state.data
    obs = pd.Timestamp(state.observation)
    if len(d):
        for column in ("first_day", "last_day", "last_c1", "last_c2", "birth_date", "wedding_anniversary"):
            d[column] = pd.to_datetime(d[column])
        d["frequency"] = d["n_days"] - 1
        d["recency"] = (d["last_day"] - d["first_day"]).dt.days
        d["t"] = (obs - d["first_day"]).dt.days
        d["days_since_last"] = (obs - d["last_day"]).dt.days
        repeat = d["frequency"] > 0
        d["monetary_value"] = np.where(
            repeat, (d["spend"] - d["first_amount"]) / d["frequency"].where(repeat, 1), 0.0
        )
        d["gift_share"] = np.where(d["registrations"] > 0, d["gifts"] / d["registrations"].clip(lower=1), 0.0)
        intervals = (d.loc[repeat, "recency"] / d.loc[repeat, "frequency"]).to_numpy()
    else:
        intervals = np.array([])
    with brand_context(state.brand):
        stored = SegmentRules.objects.filter(brand=state.brand).first()
        if stored is not None and stored.is_customised:
            rules = {
                "recency_cutoffs": stored.recency_cutoffs,
                "frequency_cutoffs": stored.frequency_cutoffs,
                "monetary_cutoffs": stored.monetary_cutoffs,
                "segments": stored.segments,
                "derived_from": stored.derived_from,
            }
        else:
            rules = rfm.default_rules(
                intervals=intervals, total_spend=d["spend"].to_numpy() if len(d) else np.array([])
            )
            SegmentRules.objects.update_or_create(
                brand=state.brand,
                defaults={**rules, "is_customised": False, "updated_at": timezone.now(), "updated_by": None},
            )
    state.rules = rules
    if rules.get("derived_from", {}).get("fallback"):
        state.notes.append(["recency_fallback", {"intervals": rules["derived_from"].get("intervals", 0)}])


def _owned_features(d: pd.DataFrame) -> None:
    """What each customer owns, in words a marketer uses: the number of categories, the main category
    (most pieces, bought or registered), the only one when there is one, the highest price band, the
    main channel (most pieces bought there)."""
    codes = np.array(sql.OWNED_CATEGORIES)
    counts = d[[f"cat_{code}" for code in codes]].to_numpy()
    has = counts.sum(axis=1) > 0
    d["categories"] = (counts > 0).sum(axis=1)
    d["main_category"] = np.where(has, codes[counts.argmax(axis=1)], "")
    d["only_category"] = np.where(d["categories"] == 1, d["main_category"], "")
    channels = np.array(sql.OWNED_CHANNELS)
    bought = d[[f"channel_{code}" for code in channels]].to_numpy()
    d["main_channel"] = np.where(bought.sum(axis=1) > 0, channels[bought.argmax(axis=1)], "")


# --- scores and models: segmentation.pipeline_stages (execute looks `_scores` and `_models` up here) ---
