from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from warranties.inventory.models import Item, ItemStatus


class ItemSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.reference", read_only=True)
    current_store = serializers.SerializerMethodField()
    shipped_to_store = serializers.SerializerMethodField()
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = Item
        fields = [
            "id",
            "serial",
            "product",
            "status",
            "current_store",
            "shipped_to_store",
            "shipped_on",
            "public_code",
            "public_url",
            "created_at",
        ]

    def get_current_store(self, item: Item) -> str | None:
        return item.current_store.code if item.current_store_id else None

    def get_shipped_to_store(self, item: Item) -> str | None:
        return item.shipped_to_store.code if item.shipped_to_store_id else None

    def get_public_url(self, item: Item) -> str:
        return settings.SITE_URL.rstrip("/") + "/i/" + item.public_code


class MovementSerializer(serializers.Serializer):
    kind = serializers.CharField()
    from_store = serializers.CharField(source="from_store.code", allow_null=True, default=None)
    to_store = serializers.CharField(source="to_store.code", allow_null=True, default=None)
    sent_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField(allow_null=True)


class ItemDetailSerializer(ItemSerializer):
    movements = serializers.SerializerMethodField()

    class Meta(ItemSerializer.Meta):
        fields = [*ItemSerializer.Meta.fields, "movements"]

    @extend_schema_field(MovementSerializer(many=True))
    def get_movements(self, item: Item) -> list[dict]:
        return MovementSerializer(self.context.get("movements", []), many=True).data


class ItemCreateSerializer(serializers.Serializer):
    serial = serializers.CharField(max_length=64)
    product = serializers.CharField(max_length=64, help_text="Product reference")
    store = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="Code of the store it was shipped to; empty: the brand's own stock",
    )
    shipped_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    is_received = serializers.BooleanField(
        default=True, help_text="False: in transit until the store confirms"
    )


class ItemFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, default="")
    product = serializers.IntegerField(required=False, allow_null=True, default=None)
    collection = serializers.CharField(required=False, default="")
    status = serializers.ChoiceField(choices=ItemStatus.choices, required=False, default="")
    store = serializers.IntegerField(required=False, allow_null=True, default=None)
