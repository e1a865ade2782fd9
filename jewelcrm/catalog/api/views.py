"""Products API: list and retrieve for the brand's staff and integrations; create and update for admins."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from jewelcrm.accounts.api.permissions import require_admin
from jewelcrm.accounts.roles import BRAND_ROLES
from jewelcrm.api import actor_of, page_of, paginated
from jewelcrm.catalog import selectors, services
from jewelcrm.catalog.api.serializers import ProductSerializer, ProductWriteSerializer
from jewelcrm.catalog.models import Product
from jewelcrm.tenancy.views import BrandAPIView


def _complements(brand: Any, references: list[str] | None) -> list[Any] | None:
    if references is None:
        return None
    found = [selectors.product_get_by_reference(brand=brand, reference=ref) for ref in references]
    missing = [ref for ref, product in zip(references, found, strict=True) if product is None]
    if missing:
        raise ValidationError({"complements": [f"Unknown references: {', '.join(missing)}."]})
    return found


class ProductListAPI(BrandAPIView):
    allowed_roles = BRAND_ROLES

    @extend_schema(
        operation_id="products_list",
        tags=["products"],
        responses=page_of(ProductSerializer),
        summary="The brand's catalogue",
        parameters=[
            OpenApiParameter("q", str, description="Search reference, names, collection"),
            OpenApiParameter("collection", str),
            OpenApiParameter("category", str),
        ],
    )
    def get(self, request: Request, brand_slug: str) -> Response:
        products = selectors.product_list(
            brand=self.brand,
            search=request.query_params.get("q", ""),
            collection=request.query_params.get("collection", ""),
            category=request.query_params.get("category", ""),
        ).prefetch_related(Prefetch("complements", queryset=Product.objects.order_by("reference")))
        return paginated(self, request, products, ProductSerializer)

    @extend_schema(
        operation_id="products_create",
        tags=["products"],
        request=ProductWriteSerializer,
        responses={201: ProductSerializer},
        summary="Create a product (owners, admins, API keys)",
    )
    def post(self, request: Request, brand_slug: str) -> Response:
        require_admin(self)
        serializer = ProductWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        complements = _complements(self.brand, data.pop("complements", None)) or []
        product = services.product_create(
            brand=self.brand, complements=complements, actor=actor_of(request), **data
        )
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailAPI(BrandAPIView):
    allowed_roles = BRAND_ROLES

    def _product(self, pk: int) -> Product:
        product = selectors.product_get(brand=self.brand, product_id=pk)
        if product is None:
            raise Http404
        return product

    @extend_schema(
        operation_id="products_retrieve",
        tags=["products"],
        responses=ProductSerializer,
        summary="One product",
    )
    def get(self, request: Request, brand_slug: str, pk: int) -> Response:
        return Response(ProductSerializer(self._product(pk)).data)

    @extend_schema(
        operation_id="products_update",
        tags=["products"],
        request=ProductWriteSerializer,
        responses=ProductSerializer,
        summary="Change a product (only the fields sent)",
    )
    def patch(self, request: Request, brand_slug: str, pk: int) -> Response:
        require_admin(self)
        product = self._product(pk)
        serializer = ProductWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        complements = _complements(self.brand, data.pop("complements", None))
        product = services.product_update(
            brand=self.brand, product=product, complements=complements, actor=actor_of(request), **data
        )
        return Response(
            ProductSerializer(selectors.product_get(brand=self.brand, product_id=product.pk)).data
        )
