"""Before a brand grows what its plan counts (a store, a seat): the one question lower apps ask billing.

Retail and accounts sit below billing in the app map, so they cannot import it. The billing app registers
its check when Django starts (`BillingConfig.ready`); a check raises ValidationError to refuse. With no
check registered nothing is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

GrowthCheck = Callable[..., None]
_checks: list[GrowthCheck] = []


def growth_check_register(check: GrowthCheck) -> None:
    if check not in _checks:
        _checks.append(check)


def growth_check(*, brand: Any, limit: str, adding: int = 1) -> None:
    """Refuse (ValidationError) when `adding` more of `limit` (e.g. "stores", "seats") is past the plan."""
    for check in _checks:
        check(brand=brand, limit=limit, adding=adding)
