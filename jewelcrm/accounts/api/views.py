"""`GET /api/v1/<brand>/whoami/`: lets an API client check its key and the brand it is scoped to."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from jewelcrm.accounts.models import APIKey
from jewelcrm.tenancy.context import get_current_brand_id
from jewelcrm.tenancy.views import BrandAPIView


class WhoAmIView(BrandAPIView):
    def get(self, request: Request, brand_slug: str) -> Response:
        key = request.auth if isinstance(request.auth, APIKey) else None
        caller: dict[str, Any] = (
            {"type": "api_key", "name": key.name, "prefix": key.prefix}
            if key is not None
            else {"type": "user", "email": request.user.email, "role": self.membership.role}
        )
        return Response(
            {
                "brand": {"slug": self.brand.slug, "name": self.brand.name, "id": get_current_brand_id()},
                "caller": caller,
            }
        )
