"""Demo: run the pipeline once per brand so every page has real numbers on first start."""

from __future__ import annotations

from typing import Any

from segmentation.models import RunTrigger


def seed(ctx: Any) -> None:
    from segmentation import pipeline, selectors, services

    if selectors.published_run(brand=ctx.brand) is not None:
        return
    try:
        run = services.run_request(brand=ctx.brand, trigger=RunTrigger.DEMO)
    except services.RunAlreadyActive:
        return
    ctx.shared["segmentation_run"] = run.pk
    pipeline.run_execute(brand=ctx.brand, run_id=run.pk)
