"""Serializers of the warranty API: input validation and output shapes only (no writes here)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from customers.models import Channel, RelationKind
from jewelcrm.currencies import currency_normalise
from warranties.models import InterventionKind, InterventionStatus, RegistrationKind, WarrantyClaim


def _currency(value: str) -> str:
    code = currency_normalise(value)
    if code is None:
        raise serializers.ValidationError(_("Not an ISO 4217 currency code."), code="currency_unknown")
    return code


class CustomerInSerializer(serializers.Serializer):
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    language = serializers.ChoiceField(choices=["en", "fr"], required=False, allow_blank=True)


class GiftInSerializer(serializers.Serializer):
    recipient_name = serializers.CharField(max_length=150)
    relation = serializers.ChoiceField(
        choices=RelationKind.choices, required=False, default=RelationKind.OTHER
    )
    occasion = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    birthday = serializers.DateField(required=False, allow_null=True, default=None)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    email_consent = serializers.BooleanField(required=False, default=False)


class RegistrationInSerializer(serializers.Serializer):
    serial = serializers.CharField(max_length=64, help_text="Serial or public code of the item")
    store = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="Store code; required with an API key, implied for retailer staff",
    )
    customer = CustomerInSerializer()
    price_paid = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0))
    currency = serializers.CharField(max_length=3)
    sold_on = serializers.DateField(required=False, allow_null=True, default=None)
    gift = GiftInSerializer(required=False, allow_null=True, default=None)
    consents = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.values), required=False, default=list
    )

    def validate_currency(self, value: str) -> str:
        return _currency(value)


class RegistrationSerializer(serializers.Serializer):
    """Output only. A plain Serializer (no model introspection per call): this is the hot path of the POS."""

    id = serializers.IntegerField()
    serial = serializers.CharField(source="item.serial")
    public_code = serializers.CharField(source="item.public_code")
    product = serializers.CharField(source="item.product.reference")
    store = serializers.CharField(source="store.code")
    customer_id = serializers.IntegerField()
    sold_on = serializers.DateField()
    registered_at = serializers.DateTimeField()
    price_paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    is_gift = serializers.BooleanField()
    gift_relation = serializers.CharField()
    gift_occasion = serializers.CharField()
    warranty_starts_on = serializers.DateField()
    warranty_ends_on = serializers.DateField()
    is_grey_market = serializers.BooleanField()
    grey_market_reason = serializers.CharField()
    is_current = serializers.BooleanField()
    kind = serializers.ChoiceField(choices=RegistrationKind.choices)


class InterventionInSerializer(serializers.Serializer):
    serial = serializers.CharField(max_length=64)
    store = serializers.CharField(required=False, allow_blank=True, max_length=32)
    kind = serializers.ChoiceField(choices=InterventionKind.choices)
    received_on = serializers.DateField()
    description = serializers.CharField(required=False, allow_blank=True, default="")
    parts = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    labour_cost = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal(0), default=Decimal(0)
    )
    parts_cost = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal(0), default=Decimal(0)
    )
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")

    def validate_currency(self, value: str) -> str:
        return _currency(value) if value else ""


class InterventionStatusInSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=InterventionStatus.choices)


class InterventionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    serial = serializers.CharField(source="item.serial")
    store = serializers.CharField(source="store.code")
    kind = serializers.CharField()
    status = serializers.CharField()
    received_on = serializers.DateField()
    ready_on = serializers.DateField(allow_null=True)
    returned_on = serializers.DateField(allow_null=True)
    description = serializers.CharField()
    parts = serializers.CharField()
    labour_cost = serializers.DecimalField(max_digits=10, decimal_places=2)
    parts_cost = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()
    is_under_warranty = serializers.BooleanField()


class ClaimInSerializer(serializers.Serializer):
    intervention = serializers.IntegerField()
    labour_amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal(0))
    parts_amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal(0))


class ClaimDecisionInSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "partial", "reject"])
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, default=None
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ClaimSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code")
    serial = serializers.CharField(source="intervention.item.serial")

    class Meta:
        model = WarrantyClaim
        fields = [
            "id",
            "intervention",
            "store",
            "serial",
            "status",
            "labour_amount",
            "parts_amount",
            "currency",
            "approved_amount",
            "decision_reason",
            "submitted_at",
            "decided_at",
        ]
