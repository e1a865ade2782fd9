"""Warranty API: registrations (idempotent POST), interventions, claims. Thin views over services.

Authentication: the brand's API key (full access to the brand) or the session (the member's role:
retailer staff see and write for their own store; brand owners and admins everything; marketers and
analysts read only). Errors use the single shape of jewelcrm/api.py; a refused write writes nothing,
except the brand's alert when someone tries to sell a piece reported lost or stolen.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from customers.normalise import email_normalise, phone_normalise
from jewelcrm.accounts.roles import ADMIN_ROLES, BRAND_ROLES, RETAIL_ROLES
from jewelcrm.api import page_of
from jewelcrm.retail import selectors as retail_selectors
from jewelcrm.tenancy.views import BrandAPIView
from warranties import selectors, services
from warranties.api import serializers as s
from warranties.models import Registration

WRITE_ROLES = RETAIL_ROLES | ADMIN_ROLES
CUSTOMER_FIELDS = frozenset({"first_name", "last_name", "email", "phone", "language"})


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


def _validation(detail: Any, code: str) -> exceptions.ValidationError:
    return exceptions.ValidationError(detail, code=code)


def django_error_to_api(error: ValidationError) -> exceptions.APIException:
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(error.message_dict)
    code = getattr(error, "code", None) or "invalid"
    return exceptions.ValidationError({"non_field_errors": error.messages}, code=code)


class WarrantyAPIView(BrandAPIView):
    allowed_roles = BRAND_ROLES | RETAIL_ROLES

    @property
    def is_retail(self) -> bool:
        return self.membership is not None and self.membership.role in RETAIL_ROLES

    def require_write(self, roles: frozenset[str] = WRITE_ROLES) -> None:
        if self.membership is not None and self.membership.role not in roles:
            raise exceptions.PermissionDenied

    def store_for_write(self, code: str) -> Any:
        """Retailer staff write for their own store; API keys and brand admins name the store."""
        if self.is_retail:
            return self.membership.store
        store = retail_selectors.store_get_by_code(brand=self.brand, code=code) if code else None
        if store is None:
            raise _validation(
                {"store": ["Unknown store code." if code else "Give the store code."]}, "store_unknown"
            )
        return store

    def store_scope(self) -> Any:
        return self.membership.store if self.is_retail else None

    def paginate(self, request: Request, queryset: Any, serializer_class: Any) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)


# --- Registrations --------------------------------------------------------------------------------


class RegistrationListCreateAPIView(WarrantyAPIView):
    @extend_schema(responses=page_of(s.RegistrationSerializer), summary="Registrations of the brand")
    def get(self, request: Request, brand_slug: str) -> Response:
        queryset = selectors.registration_list(
            brand=self.brand, filters=selectors.RegistrationFilters(kind=None)
        )
        store = self.store_scope()
        if store is not None:
            queryset = queryset.filter(store=store)
        return self.paginate(request, queryset, s.RegistrationSerializer)

    @extend_schema(
        request=s.RegistrationInSerializer,
        responses={201: s.RegistrationSerializer, 200: s.RegistrationSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="A unique key per sale (e.g. a UUID): a retry with the same key "
                "and body returns the same registration; another body gives 409.",
            )
        ],
        summary="Register a sale (activates the warranty)",
    )
    def post(self, request: Request, brand_slug: str) -> Response:
        self.require_write()
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not key or len(key) > 80:
            raise _validation(
                {"Idempotency-Key": ["Send a unique Idempotency-Key header (at most 80 characters)."]},
                "idempotency_key_required",
            )
        fingerprint = services.request_fingerprint(request.data)
        existing = selectors.registration_get_by_key(brand=self.brand, key=key)
        if existing is not None:
            return self._replay(existing, fingerprint)
        data = self._valid(s.RegistrationInSerializer, request.data)
        store = self.store_for_write(data.get("store", ""))
        customer_data = data["customer"]
        region = str(store.country or "") or None
        errors: dict[str, list[str]] = {}
        email = phone = ""
        try:
            email = email_normalise(customer_data.get("email"))
        except ValidationError as error:
            errors["customer.email"] = error.messages
        try:
            phone = phone_normalise(customer_data.get("phone"), default_region=region)
        except ValidationError as error:
            errors["customer.phone"] = error.messages
        if not errors and not (email or phone):
            errors["customer"] = ["Give the customer's e-mail or phone."]
        gift = None
        if data.get("gift"):
            g = data["gift"]
            try:
                gift_email = email_normalise(g.get("email"))
            except ValidationError as error:
                errors["gift.email"] = error.messages
                gift_email = ""
            if gift_email and not g.get("email_consent"):
                errors["gift.email_consent"] = ["Keep the recipient's e-mail only with their own consent."]
            gift = services.GiftInput(
                recipient_name=g["recipient_name"],
                relation=g.get("relation") or "other",
                occasion=g.get("occasion", ""),
                birthday=g.get("birthday"),
                email=gift_email,
                has_email_consent=bool(g.get("email_consent")),
            )
        if errors:
            raise _validation(errors, "invalid")
        user = request.user if getattr(request.user, "pk", None) else None
        ip = request.META.get("REMOTE_ADDR")
        try:
            registration, created = services.registration_create(
                brand=self.brand,
                store=store,
                item_query=data["serial"],
                customer=services.CustomerInput(
                    first_name=customer_data.get("first_name", ""),
                    last_name=customer_data.get("last_name", ""),
                    email=email,
                    phone=phone,
                    language=customer_data.get("language") or "",
                    country=str(store.country or ""),
                ),
                price_paid=data["price_paid"],
                currency=data["currency"],
                gift=gift,
                consents=set(data.get("consents") or []),
                associate=user,
                sold_on=data.get("sold_on"),
                idempotency_key=key,
                fingerprint=fingerprint,
                ip=ip,
            )
        except ValidationError as error:
            raise self._sale_error(error, store=store, user=user, ip=ip, serial=data["serial"]) from None
        if not created:
            return self._replay(registration, fingerprint)
        return Response(s.RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)

    def _sale_error(
        self, error: ValidationError, *, store: Any, user: Any, ip: str | None, serial: str
    ) -> exceptions.APIException:
        """The API's answer to a refused sale. The call is rolled back (BrandAPIView), so the trace of a lost
        or stolen piece offered for sale, which the service recorded, is recorded again after it."""
        code = getattr(error, "code", None)
        if code == services.ITEM_NOT_FOUND:
            return _validation({"serial": error.messages}, code)
        if code == services.ITEM_FLAGGED:
            brand = self.brand

            def trace() -> None:
                item = selectors.item_find(brand=brand, query=serial)
                if item is not None:
                    services.item_flagged_sale_attempt(brand=brand, item=item, store=store, actor=user, ip=ip)

            self.after_rollback(trace)
            return Conflict(" ".join(error.messages), code=code)
        if code == services.ITEM_ALREADY_SOLD:
            return Conflict(" ".join(error.messages), code=code)
        if hasattr(error, "error_dict"):
            # The customer's fields are nested under "customer" in the request.
            return exceptions.ValidationError(
                {
                    f"customer.{name}" if name in CUSTOMER_FIELDS else name: messages
                    for name, messages in error.message_dict.items()
                }
            )
        return django_error_to_api(error)

    def _valid(self, serializer_class: Any, payload: Any) -> dict[str, Any]:
        serializer = serializer_class(data=payload)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _replay(self, registration: Registration, fingerprint: str) -> Response:
        if registration.idempotency_fingerprint != fingerprint:
            raise Conflict(
                "This Idempotency-Key was already used with a different request.",
                code="idempotency_key_reused",
            )
        registration = selectors.registration_get(brand=self.brand, registration_id=registration.pk)
        return Response(s.RegistrationSerializer(registration).data, status=status.HTTP_200_OK)


class RegistrationDetailAPIView(WarrantyAPIView):
    @extend_schema(responses=s.RegistrationSerializer, summary="One registration")
    def get(self, request: Request, brand_slug: str, pk: int) -> Response:
        registration = selectors.registration_get(brand=self.brand, registration_id=pk)
        store = self.store_scope()
        if registration is None or (store is not None and registration.store_id != store.pk):
            raise Http404
        return Response(s.RegistrationSerializer(registration).data)


# --- Interventions --------------------------------------------------------------------------------


class InterventionListCreateAPIView(WarrantyAPIView):
    @extend_schema(
        responses=page_of(s.InterventionSerializer),
        summary="Interventions",
        parameters=[OpenApiParameter("open", bool, description="Only those not returned yet")],
    )
    def get(self, request: Request, brand_slug: str) -> Response:
        queryset = selectors.intervention_list(
            brand=self.brand,
            store=self.store_scope(),
            open_only=request.query_params.get("open") in ("1", "true"),
        )
        return self.paginate(request, queryset, s.InterventionSerializer)

    @extend_schema(
        request=s.InterventionInSerializer,
        responses={201: s.InterventionSerializer},
        summary="Log an intervention",
    )
    def post(self, request: Request, brand_slug: str) -> Response:
        self.require_write()
        serializer = s.InterventionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = self.store_for_write(data.get("store", ""))
        item = selectors.item_find(brand=self.brand, query=data["serial"])
        if item is None:
            raise _validation({"serial": services.item_not_found_error().messages}, services.ITEM_NOT_FOUND)
        try:
            intervention = services.intervention_create(
                brand=self.brand,
                item=item,
                store=store,
                kind=data["kind"],
                received_on=data["received_on"],
                description=data["description"],
                parts=data["parts"],
                labour_cost=data["labour_cost"],
                parts_cost=data["parts_cost"],
                currency=data["currency"],
                created_by=request.user if getattr(request.user, "pk", None) else None,
            )
        except ValidationError as error:
            raise django_error_to_api(error) from None
        return Response(s.InterventionSerializer(intervention).data, status=status.HTTP_201_CREATED)


class InterventionDetailAPIView(WarrantyAPIView):
    def _get(self, pk: int) -> Any:
        intervention = selectors.intervention_get(
            brand=self.brand, intervention_id=pk, store=self.store_scope()
        )
        if intervention is None:
            raise Http404
        return intervention

    @extend_schema(responses=s.InterventionSerializer, summary="One intervention")
    def get(self, request: Request, brand_slug: str, pk: int) -> Response:
        return Response(s.InterventionSerializer(self._get(pk)).data)


class InterventionStatusAPIView(InterventionDetailAPIView):
    @extend_schema(
        request=s.InterventionStatusInSerializer,
        responses=s.InterventionSerializer,
        summary="Move an intervention forward",
    )
    def post(self, request: Request, brand_slug: str, pk: int) -> Response:
        self.require_write()
        intervention = self._get(pk)
        serializer = s.InterventionStatusInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            intervention = services.intervention_advance(
                brand=self.brand,
                intervention=intervention,
                status=serializer.validated_data["status"],
                actor=request.user if getattr(request.user, "pk", None) else None,
            )
        except ValidationError as error:
            raise django_error_to_api(error) from None
        return Response(s.InterventionSerializer(intervention).data)


# --- Claims ---------------------------------------------------------------------------------------


class ClaimListCreateAPIView(WarrantyAPIView):
    @extend_schema(
        responses=page_of(s.ClaimSerializer),
        summary="Warranty claims",
        parameters=[OpenApiParameter("status", str)],
    )
    def get(self, request: Request, brand_slug: str) -> Response:
        queryset = selectors.claim_list(
            brand=self.brand, status=request.query_params.get("status", ""), store=self.store_scope()
        )
        return self.paginate(request, queryset, s.ClaimSerializer)

    @extend_schema(
        request=s.ClaimInSerializer,
        responses={201: s.ClaimSerializer},
        summary="Claim reimbursement of warranty work",
    )
    def post(self, request: Request, brand_slug: str) -> Response:
        self.require_write()
        serializer = s.ClaimInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        intervention = selectors.intervention_get(
            brand=self.brand, intervention_id=data["intervention"], store=self.store_scope()
        )
        if intervention is None:
            raise _validation({"intervention": ["Unknown intervention."]}, "not_found")
        try:
            claim = services.claim_create(
                brand=self.brand,
                intervention=intervention,
                store=intervention.store,
                labour_amount=data["labour_amount"],
                parts_amount=data["parts_amount"],
                submitted_by=request.user if getattr(request.user, "pk", None) else None,
            )
        except ValidationError as error:
            raise django_error_to_api(error) from None
        claim = selectors.claim_get(brand=self.brand, claim_id=claim.pk)
        return Response(s.ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


class ClaimDecisionAPIView(WarrantyAPIView):
    @extend_schema(
        request=s.ClaimDecisionInSerializer,
        responses=s.ClaimSerializer,
        summary="Approve, partially approve or reject a claim",
    )
    def post(self, request: Request, brand_slug: str, pk: int) -> Response:
        self.require_write(ADMIN_ROLES)
        claim = selectors.claim_get(brand=self.brand, claim_id=pk)
        if claim is None:
            raise Http404
        serializer = s.ClaimDecisionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            claim = services.claim_decide(
                brand=self.brand,
                claim=claim,
                actor=request.user if getattr(request.user, "pk", None) else None,
                **serializer.validated_data,
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "already_decided":
                raise Conflict(" ".join(error.messages), code="already_decided") from None
            raise django_error_to_api(error) from None
        claim = selectors.claim_get(brand=self.brand, claim_id=claim.pk)
        return Response(s.ClaimSerializer(claim).data)
