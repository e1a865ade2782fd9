"""The write-back of the nightly pipeline (segmentation.pipeline runs it last): the run's scores written
before it is published, in parts side by side, the migration matrix, the publication."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings

from jewelcrm.tenancy.context import brand_context
from segmentation import sql
from segmentation.concurrent import beside, release_freed_memory
from segmentation.models import CustomerScore, PipelineRun

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


def _score_frame(state: Any) -> pd.DataFrame:
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


def _aggregates_of(brand: Any, run_id: int) -> dict[str, Any] | None:
    """The run's scores grouped, once they are written (committed, not yet published): on a connection of
    its own, beside the publishing transaction."""
    from segmentation import selectors

    return selectors.score_aggregates(brand=brand, run=PipelineRun.objects.get(pk=run_id))


def write_path_for() -> str:
    configured = getattr(settings, "SEGMENTATION_WRITE_PATH", "auto")
    if configured in ("copy", "values"):
        return configured
    return "values" if sql.is_citus() else "copy"


def _write_back(state: Any, *, write_path: str | None) -> None:
    from segmentation import services

    table = CustomerScore._meta.db_table
    side = state.previous_segments.result() if state.previous_segments is not None else (None, None, 0, 0.0)
    state.timings["beside the models: previous segments and older scores"] = side[3]
    path = write_path or write_path_for()
    started = time.perf_counter()
    # What the models' threads freed goes back to the system before the scores' frame is built (the
    # job's peak was there).
    release_freed_memory()
    state.rows["scores_written"] = _write_scores(state, table, path) if len(state.data) else 0
    # The new run's rows vacuumed and analysed at once: under last night's statistics (which know no
    # row of this run) the planner read them through the builder index, in its order rather than the
    # table's, and the kept aggregates and the saved segments' refresh took 2 to 4 s each instead of
    # a fraction of a second; the visibility map lets the builder's counts read the index alone.
    if state.rows["scores_written"]:
        sql.refresh_statistics((table,))
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


def _write_scores(state: Any, table: str, path: str) -> int:
    """The run's scores, written before it is published: every page reads the published run's scores
    only, so these rows are seen by none until the publishing transaction makes the run the brand's
    results, all at once; a run that fails leaves none of them (run_execute deletes them, and the next
    run deletes the rows of any earlier unpublished run). From SPLIT_WRITE_FROM rows on, WRITE_PARTS
    parts are written side by side on as many connections (one core each: the inserts and their index
    upkeep are the write-back's cost), each part in its own transaction."""
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
    others = [
        beside(state.brand, write, frame.iloc[a:b]) for a, b in zip(bounds[1:-1], bounds[2:], strict=True)
    ]
    try:
        with brand_context(state.brand):
            written = write(frame.iloc[bounds[0] : bounds[1]])
    finally:
        for other in others:
            other.wait()
    return written + sum(other.result() for other in others)


def segments_of(brand: Any, run_id: int) -> pd.DataFrame:
    """A run's segment per customer (columns customer_id, old), read with COPY: for the migration matrix
    between it and the new run."""
    return sql.copy_out(
        f"SELECT customer_id, rfm_segment AS old FROM {CustomerScore._meta.db_table} "
        "WHERE brand_id = %(brand_id)s AND run_id = %(run)s",
        {"brand_id": brand.pk, "run": run_id},
    )


def _migration(
    state: Any, previous: PipelineRun | None, old: pd.DataFrame | None = None
) -> dict[str, dict[str, int]]:
    """{previous segment or "none": {current segment: customers}} between the published run and this one
    (read with COPY, beside the models stage when `old` is given, and joined in memory: one pass, whatever
    the planner thinks of fresh rows)."""
    if previous is None or not len(state.data):
        return {}
    if old is None:
        old = segments_of(state.brand, previous.pk)
    new = state.data[["customer_id", "rfm_segment"]]
    joined = new.merge(old, on="customer_id", how="left")
    joined["old"] = joined["old"].fillna("none")
    counts = joined.groupby(["old", "rfm_segment"]).size()
    matrix: dict[str, dict[str, int]] = {}
    for (old_code, new_code), count in counts.items():
        matrix.setdefault(str(old_code), {})[str(new_code)] = int(count)
    return matrix
