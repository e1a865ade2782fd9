"""Serializers of the customer API: they validate and normalise one record; services write."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries import countries
from rest_framework import serializers

from customers.models import Channel, OrderSource, OrderStatus
from customers.normalise import email_normalise, phone_normalise
from jewelcrm.currencies import currency_is_valid


class ConsentEntrySerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    purpose = serializers.CharField(max_length=32, default="marketing")
    is_granted = serializers.BooleanField()
    is_confirmed = serializers.BooleanField(default=False)
    at = serializers.DateTimeField(required=False)
    wording_version = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class CustomerRecordSerializer(serializers.Serializer):
    """One customer. Fields left out are not changed; `null`/"" clears a field."""

    external_id = serializers.CharField(max_length=64)
    title = serializers.CharField(max_length=20, required=False, allow_blank=True)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    gender = serializers.CharField(max_length=16, required=False, allow_blank=True)
    family_situation = serializers.CharField(max_length=32, required=False, allow_blank=True)
    wedding_anniversary = serializers.DateField(required=False, allow_null=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, help_text="ISO 3166 alpha-2"
    )
    language = serializers.CharField(max_length=8, required=False, allow_blank=True)
    preferred_channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    home_store = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="store code"
    )
    customer_since = serializers.DateField(required=False, allow_null=True)
    consents = ConsentEntrySerializer(many=True, required=False)

    def validate_email(self, value: str) -> str:
        try:
            return email_normalise(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def validate_country(self, value: str) -> str:
        value = (value or "").upper()
        if value and value not in dict(countries):
            raise serializers.ValidationError("Unknown country code.")
        return value

    def validate_home_store(self, value: str) -> Any:
        if not value:
            return None
        from jewelcrm.retail.selectors import store_get_by_code

        store = store_get_by_code(brand=self.context["brand"], code=value)
        if store is None:
            raise serializers.ValidationError("Unknown store code.")
        return store

    def validate_phone(self, value: str) -> str:
        country = (
            str(self.initial_data.get("country") or "").upper() if isinstance(self.initial_data, dict) else ""
        )
        region = country if country in dict(countries) else self.context["brand"].country
        try:
            return phone_normalise(value, default_region=region)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class OrderLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    serial = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(min_value=1, default=1)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("total") is None:
            data["total"] = data["unit_price"] * data["quantity"]
        return data


class OrderRecordSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=[OrderSource.ERP, OrderSource.ESHOP, OrderSource.POS])
    external_id = serializers.CharField(max_length=64)
    customer_external_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    store = serializers.CharField(max_length=32, required=False, allow_blank=True, help_text="store code")
    channel = serializers.CharField(max_length=16, required=False, allow_blank=True)
    ordered_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=OrderStatus.choices, default=OrderStatus.PAID)
    currency = serializers.CharField(max_length=3)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    refunded_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=0)
    lines = OrderLineSerializer(many=True, required=False, default=list)

    def validate_email(self, value: str) -> str:
        try:
            return email_normalise(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def validate_currency(self, value: str) -> str:
        if not currency_is_valid(value):
            raise serializers.ValidationError("Unknown currency.")
        return value.upper()

    def validate_store(self, value: str) -> Any:
        if not value:
            return None
        from jewelcrm.retail.selectors import store_get_by_code

        store = store_get_by_code(brand=self.context["brand"], code=value)
        if store is None:
            raise serializers.ValidationError("Unknown store code.")
        return store

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("refunded_amount") and data["refunded_amount"] > data["total"]:
            raise serializers.ValidationError({"refunded_amount": ["More than the order's total."]})
        return data


class CustomerBatchSerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=["api", "erp", "eshop", "pos"],
        default="api",
        help_text="recorded as the source of every field written",
    )
    records = CustomerRecordSerializer(many=True, help_text="at most 1,000")


class OrderBatchSerializer(serializers.Serializer):
    records = OrderRecordSerializer(many=True, help_text="at most 1,000")


class RecordResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error"])
    id = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class BatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error = serializers.IntegerField()
    results = RecordResultSerializer(many=True)
