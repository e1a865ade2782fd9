"""Demo: run the pipeline once per brand so every page has real numbers on first start."""

from __future__ import annotations

from typing import Any

from segmentation.models import RunStatus, RunTrigger


class DemoRunFailed(RuntimeError):
    """The demo's run failed: seed_demo stops with its error (CI runs seed_demo on Citus, and a failure
    only logged went unnoticed there)."""


def seed(ctx: Any) -> None:
    from segmentation import pipeline, selectors, services

    if selectors.published_run(brand=ctx.brand) is not None:
        return
    try:
        run = services.run_request(brand=ctx.brand, trigger=RunTrigger.DEMO)
    except services.RunAlreadyActive:
        return
    ctx.shared["segmentation_run"] = run.pk
    finished = pipeline.run_execute(brand=ctx.brand, run_id=run.pk)
    if finished is not None and finished.status == RunStatus.FAILED:
        raise DemoRunFailed(f"The segmentation run of {ctx.brand.slug} failed: {finished.error}")
