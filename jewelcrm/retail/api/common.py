"""Kept for imports written against this path: the helpers live in jewelcrm.api and
jewelcrm.accounts.api.permissions."""

from jewelcrm.accounts.api.permissions import require_admin
from jewelcrm.api import actor_of, paginated

__all__ = ["actor_of", "paginated", "require_admin"]
