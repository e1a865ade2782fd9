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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils import timezone

from jewelcrm.tenancy.context import brand_context
from segmentation import rfm, sql
from segmentation.concurrent import beside
from segmentation.models import CustomerScore, PipelineRun, RunStatus, SegmentRules
from segmentation.pipeline_stages import _deciles, _models, _predictive_clv, _scores  # noqa: F401

logger = logging.getLogger(__name__)

STAGES = ("rollup", "features", "scores", "models", "write_back")
HORIZON_DAYS = 365  # the churn label: bought in the following twelve months

SCORE_COLUMNS = (
    "brand_id",
    "run_id",
    "customer_id",
    "frequency",
    "recency",
    "t",
    "monetary_value",
    "purchases",
    "total_spend",
    "first_purchase",
    "last_purchase",
    "days_since_last",
    "r_score",
    "f_score",
    "m_score",
    "rfm_segment",
    "average_order_value",
    "purchases_per_year",
    "lifespan_years",
    "clv_historic",
    "p_alive",
    "expected_purchases_12m",
    "clv_12m",
    "clv_12m_low",
    "clv_12m_high",
    "clv_36m",
    "value_band",
    "churn_risk",
    "value_at_risk",
    "drivers",
    "cluster",
)


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
    if _refresh_statistics():
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
            segments = sql.copy_out(
                f"SELECT customer_id, rfm_segment AS old FROM {CustomerScore._meta.db_table} "
                "WHERE brand_id = %(brand_id)s AND run_id = %(run)s",
                {"brand_id": brand.pk, "run": previous.pk},
            )
        keep = [run_id] + ([previous.pk] if previous else [])
        older = PipelineRun.objects.filter(brand=brand).exclude(pk__in=keep).values_list("pk", flat=True)
        deleted = 0
        if older:
            deleted, _ = CustomerScore.objects.filter(brand=brand, run_id__in=list(older)).delete()
    if deleted:
        # The deleted rows vacuumed now, while the models compute: the vacuum after publishing then only
        # visits the new run's pages.
        _refresh_statistics()
    return (previous.pk if previous else None), segments, deleted, round(time.perf_counter() - started, 3)


def _aggregates_of(brand: Any, run_id: int) -> dict[str, Any] | None:
    """The run's scores grouped, once they are written (committed, not yet published): on a connection of
    its own, beside the publishing transaction."""
    from segmentation import selectors

    return selectors.score_aggregates(brand=brand, run=PipelineRun.objects.get(pk=run_id))


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


def _refresh_statistics() -> bool:
    """After publishing: fresh statistics and visibility of the scores and memberships (sql.py)."""
    from django.db import connection

    if connection.in_atomic_block or not getattr(settings, "DATABASE_ROLES", None):
        return False  # inside a transaction (tests): VACUUM cannot run there
    return sql.refresh_statistics(("segmentation_customerscore", "segmentation_segmentmember"))


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
    # What customers own reads the order lines (ten million at a brand's real size) while this
    # connection reads the orders: the two statements run side by side, one per core.
    # It is joined when the models need it (join_owned): the features, scores and lifetime value, which
    # need the summary only, are computed meanwhile.
    state.owned = beside(state.brand, _owned, sql.owned_params(params, limits))
    try:
        with brand_context(state.brand):
            data = sql.copy_out(sql.SUMMARY_SQL, params)
            left_out, currencies = sql.scalar_row(sql.LEFT_OUT_SQL, params)
            extras = sql.copy_out(sql.EXTRAS_SQL, params)
    except BaseException:
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
    _fill(d, OWNED_DEFAULTS.items())
    if len(d):
        _owned_features(d)
    state.data = d


# What customers own is read with up to two parallel workers beside the summary: they share the cores
# with it while it runs, then finish alone (it is the rollup's longer statement). Measured on 2 cores
# at a million customers: 16 s serial, 15 s with one worker, 14.5 s with two.
OWNED_WORKERS = 2


def _owned(params: dict[str, Any]) -> tuple[pd.DataFrame, float]:
    started = time.perf_counter()
    owned = sql.owned_decode(
        sql.copy_out(sql.owned_sql(params), params, workers=OWNED_WORKERS, work_mem=sql.OWNED_WORK_MEM),
        params,
    )
    return owned, round(time.perf_counter() - started, 3)


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


# --- write-back -------------------------------------------------------------------------------------


SCORE_KINDS = {
    "brand_id": "int8",
    "run_id": "int8",
    "customer_id": "int8",
    "frequency": "int4",
    "recency": "int4",
    "t": "int4",
    "purchases": "int4",
    "days_since_last": "int4",
    "first_purchase": "date",
    "last_purchase": "date",
    "r_score": "int2",
    "f_score": "int2",
    "m_score": "int2",
    "value_band": "int2",
    "cluster": "int2",
    "rfm_segment": "text",
    "drivers": "json",
}


def _score_frame(state: State) -> pd.DataFrame:
    d = state.data
    return pd.DataFrame(
        {
            "brand_id": state.brand.pk,
            "run_id": state.run.pk,
            "customer_id": d["customer_id"],
            "frequency": d["frequency"],
            "recency": d["recency"],
            "t": d["t"],
            "monetary_value": d["monetary_value"].round(4),
            "purchases": d["n_days"],
            "total_spend": d["spend"].round(2),
            "first_purchase": d["first_day"],
            "last_purchase": d["last_day"],
            "days_since_last": d["days_since_last"],
            "r_score": d["r_score"],
            "f_score": d["f_score"],
            "m_score": d["m_score"],
            "rfm_segment": d["rfm_segment"],
            "average_order_value": d["average_order_value"].round(2),
            "purchases_per_year": d["purchases_per_year"].round(4),
            "lifespan_years": d["lifespan_years"].round(4),
            "clv_historic": d["clv_historic"].round(2),
            "p_alive": d["p_alive"].round(4),
            "expected_purchases_12m": d["expected_purchases_12m"].round(4),
            "clv_12m": d["clv_12m"].round(2),
            "clv_12m_low": d["clv_12m_low"].round(2),
            "clv_12m_high": d["clv_12m_high"].round(2),
            "clv_36m": d["clv_36m"].round(2),
            "value_band": d["value_band"],
            "churn_risk": d["churn_risk"].round(4),
            "value_at_risk": d["value_at_risk"].round(2),
            "drivers": d["drivers"],
            "cluster": d["cluster"],
        },
        columns=list(SCORE_COLUMNS),
    )


def _score_rows(frame: pd.DataFrame) -> Iterator[list[Any]]:
    """Rows for the multi-row INSERT … VALUES path, in chunks (NULL for NaN, ISO dates)."""
    for start in range(0, len(frame), 20_000):
        chunk = frame.iloc[start : start + 20_000].copy()
        for column in ("first_purchase", "last_purchase"):
            chunk[column] = pd.to_datetime(chunk[column]).dt.strftime("%Y-%m-%d")
        chunk = chunk.astype(object).where(chunk.notna(), None)
        yield from chunk.itertuples(index=False, name=None)


def write_path_for() -> str:
    configured = getattr(settings, "SEGMENTATION_WRITE_PATH", "auto")
    if configured in ("copy", "values"):
        return configured
    return "values" if sql.is_citus() else "copy"


def _write_back(state: State, *, write_path: str | None) -> None:
    from segmentation import services

    table = CustomerScore._meta.db_table
    side = state.previous_segments.result() if state.previous_segments is not None else (None, None, 0, 0.0)
    state.timings["beside the models: previous segments and older scores"] = side[3]
    path = write_path or write_path_for()
    started = time.perf_counter()
    state.rows["scores_written"] = _write_scores(state, table, path) if len(state.data) else 0
    state.rows["write_path"] = path  # type: ignore[assignment]
    state.timings["write_back: scores"] = round(time.perf_counter() - started, 3)
    # The new scores' aggregates are grouped beside the publication (kept on the run once it succeeds).
    state.aggregates = beside(state.brand, _aggregates_of, state.brand, state.run.pk)
    with brand_context(state.brand):
        previous = PipelineRun.objects.filter(brand=state.brand, is_published=True).first()
        started = time.perf_counter()
        old = side[1] if previous is not None and side[0] == previous.pk else None
        state.rows["older_scores_deleted"] = side[2]
        state.summary["migration"] = _migration(state, previous, old)
        state.timings["write_back: migration matrix"] = round(time.perf_counter() - started, 3)
        state.summary["segments"] = (
            state.data["rfm_segment"].value_counts().to_dict() if len(state.data) else {}
        )
        # Spend per segment, for the segment value over time (insights' customer page).
        state.summary["segment_values"] = (
            {k: round(float(v), 2) for k, v in state.data.groupby("rfm_segment")["spend"].sum().items()}
            if len(state.data)
            else {}
        )
        state.summary["previous_run"] = previous.pk if previous else None
        started = time.perf_counter()
        services.run_publish(brand=state.brand, run=state.run, previous=previous, state=state)
        state.timings["write_back: publish and segments"] = round(time.perf_counter() - started, 3)


# From this many scores on, the write-back writes them in WRITE_PARTS parts side by side (one per core:
# three parts on two cores took 10 s instead of 6 s at a million customers).
SPLIT_WRITE_FROM = 20_000
WRITE_PARTS = 2


def _write_scores(state: State, table: str, path: str) -> int:
    """The run's scores, written before it is published: every page reads the published run's scores
    only, so these rows are seen by none until the publishing transaction makes the run the brand's
    results, all at once; a run that fails leaves none of them (run_execute deletes them, and the next
    run deletes the rows of any earlier unpublished run). From SPLIT_WRITE_FROM rows on, the two halves
    are written side by side on two connections (one core each: the inserts and their index upkeep
    are the write-back's cost), each half in its own transaction."""
    frame = _score_frame(state)
    spec = [(column, SCORE_KINDS.get(column, "float8")) for column in SCORE_COLUMNS]

    def write(part: pd.DataFrame) -> int:
        if path == "copy":
            return sql.write_frame_binary(table, spec, part)
        return sql.write_rows_values(table, SCORE_COLUMNS, _score_rows(part))

    if len(frame) < SPLIT_WRITE_FROM:
        with brand_context(state.brand):
            return write(frame)
    bounds = np.linspace(0, len(frame), WRITE_PARTS + 1).astype(int)
    others = [beside(state.brand, write, frame.iloc[a:b]) for a, b in zip(bounds[1:-1], bounds[2:], strict=True)]
    try:
        with brand_context(state.brand):
            written = write(frame.iloc[bounds[0] : bounds[1]])
    finally:
        for other in others:
            other.wait()
    return written + sum(other.result() for other in others)


def _migration(
    state: State, previous: PipelineRun | None, old: pd.DataFrame | None = None
) -> dict[str, dict[str, int]]:
    """{previous segment or "none": {current segment: customers}} between the published run and this one
    (read with COPY, beside the models stage when `old` is given, and joined in memory: one pass, whatever
    the planner thinks of fresh rows)."""
    if previous is None or not len(state.data):
        return {}
    if old is None:
        old = sql.copy_out(
            f"SELECT customer_id, rfm_segment AS old FROM {CustomerScore._meta.db_table} "
            "WHERE brand_id = %(brand_id)s AND run_id = %(run)s",
            {"brand_id": state.brand.pk, "run": previous.pk},
        )
    new = state.data[["customer_id", "rfm_segment"]]
    joined = new.merge(old, on="customer_id", how="left")
    joined["old"] = joined["old"].fillna("none")
    counts = joined.groupby(["old", "rfm_segment"]).size()
    matrix: dict[str, dict[str, int]] = {}
    for (old_code, new_code), count in counts.items():
        matrix.setdefault(str(old_code), {})[str(new_code)] = int(count)
    return matrix
