"""Inside campaigns, delivery stands alone: it never imports the engine (the core `campaigns` modules),
the content, outreach or audiences apps; the send log (jewelcrm.messaging, below it) never imports it.
(An import-linter contract over the container comes with the engine, which owns the core modules.)"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _imports(folder: Path) -> set[tuple[str, str]]:
    found = set()
    for path in folder.rglob("*.py"):
        if "tests" in path.relative_to(folder).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add((str(path.relative_to(ROOT)), node.module))
            elif isinstance(node, ast.Import):
                found.update((str(path.relative_to(ROOT)), alias.name) for alias in node.names)
    return found


def test_delivery_imports_no_other_campaigns_module():
    wrong = sorted(
        (path, module)
        for path, module in _imports(ROOT / "campaigns" / "delivery")
        if module.startswith("campaigns") and not module.startswith("campaigns.delivery")
    )
    assert wrong == []


def test_the_send_log_does_not_import_campaigns():
    wrong = sorted(
        (path, module)
        for path, module in _imports(ROOT / "jewelcrm" / "messaging")
        if module.startswith("campaigns")
    )
    assert wrong == []
