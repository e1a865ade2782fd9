"""The associate's open outreach tasks at the top of the client book (jewelcrm.accounts.panels)."""

from __future__ import annotations

from typing import Any

from campaigns.outreach import selectors
from campaigns.outreach.models import TaskStatus

CLIENT_BOOK_TASKS = 5


def client_book_panel(*, brand: Any, membership: Any) -> dict[str, Any] | None:
    tasks = selectors.outreach_task_list(brand=brand, membership=membership, status=TaskStatus.OPEN)
    shown = list(tasks[: CLIENT_BOOK_TASKS + 1])
    return {
        "template": "campaign_outreach/_client_book_panel.html",
        "outreach_tasks": shown[:CLIENT_BOOK_TASKS],
        "outreach_more": len(shown) > CLIENT_BOOK_TASKS,
    }
