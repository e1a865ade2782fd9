"""Items API: list with filters, retrieve by serial, create (with an optional shipment to a store)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from jewelcrm.accounts.api.permissions import require_admin
from jewelcrm.accounts.roles import BRAND_ROLES
from jewelcrm.api import actor_of, page_of, paginated
from jewelcrm.catalog import selectors as catalog_selectors
from jewelcrm.retail import selectors as retail_selectors
from jewelcrm.tenancy.views import BrandAPIView
from warranties.inventory import selectors, services
from warranties.inventory.api.serializers import (
    ItemCreateSerializer,
    ItemDetailSerializer,
    ItemFilterSerializer,
    ItemSerializer,
)


class ItemListAPI(BrandAPIView):
    allowed_roles = BRAND_ROLES

    @extend_schema(
        operation_id="items_list",
        tags=["items"],
        responses=page_of(ItemSerializer),
        summary="The brand's items",
        parameters=[
            OpenApiParameter("q", str, description="Serial (part of) or public code"),
            OpenApiParameter("product", int, description="Product id"),
            OpenApiParameter("collection", str),
            OpenApiParameter(
                "status",
                str,
                enum=["in_stock", "in_transit", "sold", "in_service", "lost", "stolen", "destroyed"],
            ),
            OpenApiParameter("store", int, description="Current store id"),
        ],
    )
    def get(self, request: Request, brand_slug: str) -> Response:
        filters = ItemFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        items = selectors.item_list(
            brand=self.brand,
            search=f["q"],
            product_id=f["product"],
            collection=f["collection"],
            status=f["status"],
            store_id=f["store"],
        ).select_related("shipped_to_store")
        return paginated(self, request, items, ItemSerializer)

    @extend_schema(
        operation_id="items_create",
        tags=["items"],
        request=ItemCreateSerializer,
        responses={201: ItemSerializer},
        summary="Create an item (owners, admins, API keys)",
    )
    def post(self, request: Request, brand_slug: str) -> Response:
        require_admin(self)
        serializer = ItemCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = catalog_selectors.product_get_by_reference(brand=self.brand, reference=data["product"])
        if product is None:
            raise ValidationError({"product": [f"Unknown product reference {data['product']}."]})
        store = None
        if data["store"]:
            store = retail_selectors.store_get_by_code(brand=self.brand, code=data["store"])
            if store is None:
                raise ValidationError({"store": [f"Unknown store code {data['store']}."]})
        item = services.item_create(
            brand=self.brand,
            product=product,
            serial=data["serial"],
            store=store,
            shipped_at=data["shipped_at"],
            is_received=data["is_received"],
            actor=actor_of(request),
        )
        item = selectors.item_get(brand=self.brand, item_id=item.pk)
        return Response(ItemSerializer(item).data, status=status.HTTP_201_CREATED)


class ItemDetailAPI(BrandAPIView):
    allowed_roles = BRAND_ROLES

    @extend_schema(
        operation_id="items_retrieve",
        tags=["items"],
        responses=ItemDetailSerializer,
        summary="One item by its serial (case and spacing tolerant)",
    )
    def get(self, request: Request, brand_slug: str, serial: str) -> Response:
        item = selectors.item_get_by_serial(brand=self.brand, serial=serial)
        if item is None:
            raise Http404
        movements = list(selectors.movement_list_for_item(brand=self.brand, item=item))
        return Response(ItemDetailSerializer(item, context={"movements": movements}).data)
