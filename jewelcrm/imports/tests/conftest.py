from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def data_path() -> Callable[[str], Path]:
    return lambda name: DATA / name


@pytest.fixture
def run_import() -> Callable[..., Any]:
    """run_import(brand, kind, path_or_name, **options) -> ImportResult, through the command line's
    entry point (services.import_file_run)."""
    from jewelcrm.imports.services import import_file_run

    def _run(brand: Any, kind: str, path: Any, **options: Any) -> Any:
        path = path if isinstance(path, Path) else DATA / path
        return import_file_run(brand=brand, kind=kind, path=str(path), **options)

    return _run


@pytest.fixture
def network(brand: Any, run_import: Callable[..., Any]) -> Any:
    """The sample network and catalogue imported for `brand` (stores, then products)."""
    run_import(brand, "stores", "stores.csv")
    run_import(brand, "products", "erp_products.csv")
    return brand
