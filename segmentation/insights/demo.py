"""Demo: the insights tables are computed once, so the pages have figures on the first start."""

from __future__ import annotations

from typing import Any

from segmentation.insights.services import insights_refresh


def seed(ctx: Any) -> None:
    insights_refresh(brand=ctx.brand)
