"""Stores API: list and retrieve for the brand's staff and integrations; create for admins."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from jewelcrm.accounts.api.permissions import require_admin
from jewelcrm.accounts.roles import BRAND_ROLES
from jewelcrm.api import actor_of, page_of, paginated
from jewelcrm.retail import selectors, services
from jewelcrm.retail.api.serializers import StoreCreateSerializer, StoreSerializer
from jewelcrm.tenancy.views import BrandAPIView


class StoreListAPI(BrandAPIView):
    allowed_roles = BRAND_ROLES

    @extend_schema(
        operation_id="stores_list",
        tags=["stores"],
        responses=page_of(StoreSerializer),
        summary="The brand's stores",
        parameters=[
            OpenApiParameter("q", str, description="Search code, name, city, retailer"),
            OpenApiParameter("country", str, description="ISO country code"),
            OpenApiParameter("type", str, enum=["boutique", "corner", "authorised_dealer", "eshop"]),
        ],
    )
    def get(self, request: Request, brand_slug: str) -> Response:
        stores = selectors.store_list(
            brand=self.brand,
            search=request.query_params.get("q", ""),
            country=request.query_params.get("country", ""),
            type=request.query_params.get("type", ""),
        )
        return paginated(self, request, stores, StoreSerializer)

    @extend_schema(
        operation_id="stores_create",
        tags=["stores"],
        request=StoreCreateSerializer,
        responses={201: StoreSerializer},
        summary="Create a store (owners, admins, API keys)",
    )
    def post(self, request: Request, brand_slug: str) -> Response:
        require_admin(self)
        serializer = StoreCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        retailer_name, is_own = data.pop("retailer"), data.pop("is_own_retailer")
        actor = actor_of(request)
        with transaction.atomic():
            retailer = (
                selectors.retailer_list(brand=self.brand).filter(name__iexact=retailer_name.strip()).first()
            )
            if retailer is None:
                retailer = services.retailer_create(
                    brand=self.brand, name=retailer_name, is_own=is_own, actor=actor
                )
            store = services.store_create(brand=self.brand, retailer=retailer, actor=actor, **data)
        return Response(StoreSerializer(store).data, status=status.HTTP_201_CREATED)


class StoreDetailAPI(BrandAPIView):
    allowed_roles = BRAND_ROLES

    @extend_schema(
        operation_id="stores_retrieve", tags=["stores"], responses=StoreSerializer, summary="One store"
    )
    def get(self, request: Request, brand_slug: str, pk: int) -> Response:
        store = selectors.store_get(brand=self.brand, store_id=pk)
        if store is None:
            raise Http404
        return Response(StoreSerializer(store).data)
