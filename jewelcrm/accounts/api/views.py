"""`GET /api/v1/<brand>/whoami/`: lets an API client check its key and the brand it is scoped to."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from jewelcrm.accounts.models import APIKey
from jewelcrm.tenancy.context import get_current_brand_id
from jewelcrm.tenancy.views import BrandAPIView


class _BrandSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()


class _CallerSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["api_key", "user"])
    name = serializers.CharField(required=False)
    prefix = serializers.CharField(required=False)
    email = serializers.EmailField(required=False)
    role = serializers.CharField(required=False)


class WhoAmISerializer(serializers.Serializer):
    brand = _BrandSerializer()
    caller = _CallerSerializer()


class WhoAmIView(BrandAPIView):
    @extend_schema(responses=WhoAmISerializer, summary="The brand and caller of this request")
    def get(self, request: Request, brand_slug: str) -> Response:
        key = request.auth if isinstance(request.auth, APIKey) else None
        caller: dict[str, Any] = (
            {"kind": "api_key", "name": key.name, "prefix": key.prefix}
            if key is not None
            else {"kind": "user", "email": request.user.email, "role": self.membership.role}
        )
        return Response(
            {
                "brand": {"slug": self.brand.slug, "name": self.brand.name, "id": get_current_brand_id()},
                "caller": caller,
            }
        )
