from __future__ import annotations

from rest_framework import serializers

from jewelcrm.retail.models import Store, StoreType


class StoreSerializer(serializers.ModelSerializer):
    retailer = serializers.CharField(source="retailer.name", read_only=True)
    country = serializers.CharField(read_only=True)

    class Meta:
        model = Store
        fields = [
            "id",
            "code",
            "name",
            "type",
            "retailer",
            "address",
            "city",
            "postal_code",
            "country",
            "currency",
            "time_zone",
            "market",
            "is_active",
        ]


class StoreCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=150)
    type = serializers.ChoiceField(choices=StoreType.choices)
    retailer = serializers.CharField(max_length=150, help_text="Retailer name; created if new.")
    is_own_retailer = serializers.BooleanField(
        default=False, help_text="For a new retailer: the brand's own retail."
    )
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. FR")
    currency = serializers.CharField(max_length=3, help_text="ISO 4217, e.g. EUR")
    time_zone = serializers.CharField(max_length=64, default="UTC", help_text="IANA, e.g. Europe/Paris")
    market = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="Country codes (FR or FR,BE) or EU; empty: the store's country",
    )
