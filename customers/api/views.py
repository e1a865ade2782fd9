"""Customer API: batch upserts of customers and of orders by external id (ERP and e-shop integrations).

Each call takes {"records": [...]} (at most 1,000) and answers 200 with one result per record, in order:
created | updated | unchanged | error (with field errors). Records are atomic one by one (see
customers/batch.py); sending the same batch again answers "unchanged". A malformed body (not a list,
too many records) is refused as a whole with 400 in the API's single error shape.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from customers import batch
from customers.api import serializers as s
from jewelcrm.accounts.roles import ADMIN_ROLES, MARKETING_ROLES
from jewelcrm.tenancy.views import BrandAPIView


def _records(request: Request) -> list[Any]:
    records = request.data.get("records") if isinstance(request.data, dict) else None
    if not isinstance(records, list):
        raise exceptions.ValidationError({"records": ["Give a list of records."]})
    if len(records) > batch.MAX_BATCH:
        raise exceptions.ValidationError({"records": [f"At most {batch.MAX_BATCH} records per call."]})
    return records


def _validated(records: list[Any], serializer_class: Any, brand: Any) -> list[dict[str, Any]]:
    """Each record validated on its own: an invalid one becomes {"_errors": ...} and is reported."""
    out = []
    for raw in records:
        serializer = serializer_class(data=raw if isinstance(raw, dict) else {}, context={"brand": brand})
        if serializer.is_valid():
            out.append(dict(serializer.validated_data))
        else:
            external_id = raw.get("external_id", "") if isinstance(raw, dict) else ""
            out.append({"external_id": str(external_id), "_errors": _flatten(serializer.errors)})
    return out


def _flatten(errors: Any) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        if isinstance(value, dict):
            for sub, msgs in _flatten(value).items():
                flat[f"{key}.{sub}"] = msgs
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                for sub, msgs in _flatten(item).items():
                    flat[f"{key}[{i}].{sub}"] = msgs
        else:
            flat[key] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return flat


def _answer(results: list[batch.RecordResult]) -> Response:
    counts = batch._counts(results)
    return Response({**counts, "results": [r.as_dict() for r in results]})


def _actor(request: Request) -> Any:
    from jewelcrm.accounts.models import User

    return request.user if isinstance(request.user, User) else None


class CustomerBatchView(BrandAPIView):
    allowed_roles = MARKETING_ROLES | ADMIN_ROLES

    @extend_schema(
        operation_id="customers_batch_upsert",
        request=s.CustomerBatchSerializer,
        responses=s.BatchResultSerializer,
        summary="Create or update up to 1,000 customers by external id",
        description=__doc__,
        examples=[
            OpenApiExample(
                "Two customers",
                request_only=True,
                value={
                    "source": "erp",
                    "records": [
                        {
                            "external_id": "C100000",
                            "first_name": "Ana",
                            "last_name": "David",
                            "email": "ana.david@example.com",
                            "phone": "+41 79 438 26 83",
                            "country": "CH",
                            "consents": [{"channel": "email", "is_granted": True}],
                        },
                        {
                            "external_id": "C100001",
                            "first_name": "Léo",
                            "last_name": "Martin",
                            "phone": "06 12 34 56 78",
                        },
                    ],
                },
            )
        ],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        records = _validated(_records(request), s.CustomerRecordSerializer, self.brand)
        source = request.data.get("source", "api")
        if source not in ("api", "erp", "eshop", "pos"):
            raise exceptions.ValidationError({"source": ["Unknown source."]})
        results = batch.customers_batch_upsert(
            brand=self.brand, records=records, source=source, actor=_actor(request)
        )
        return _answer(results)


class OrderBatchView(BrandAPIView):
    allowed_roles = MARKETING_ROLES | ADMIN_ROLES

    @extend_schema(
        operation_id="orders_batch_upsert",
        request=s.OrderBatchSerializer,
        responses=s.BatchResultSerializer,
        summary="Create or update up to 1,000 orders (with their lines) by source and external id",
        description=__doc__,
        examples=[
            OpenApiExample(
                "An e-shop order",
                request_only=True,
                value={
                    "records": [
                        {
                            "source": "eshop",
                            "external_id": "#1001",
                            "email": "ana.andre@example.com",
                            "store": "WEB-EU",
                            "ordered_at": "2026-03-29T15:09:00+01:00",
                            "status": "paid",
                            "currency": "EUR",
                            "total": "780.00",
                            "lines": [
                                {"sku": "BO-1185", "name": "Boucles", "quantity": 1, "unit_price": "780.00"}
                            ],
                        },
                    ]
                },
            )
        ],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        records = _validated(_records(request), s.OrderRecordSerializer, self.brand)
        results = batch.orders_batch_upsert(brand=self.brand, records=records, actor=_actor(request))
        return _answer(results)
