from __future__ import annotations

from rest_framework import serializers

from jewelcrm.catalog.models import Category, Product


class ProductSerializer(serializers.ModelSerializer):
    complements = serializers.SerializerMethodField()
    photo = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "reference",
            "name_en",
            "name_fr",
            "collection",
            "category",
            "metal",
            "stones",
            "price",
            "currency",
            "warranty_months",
            "service_interval_months",
            "photo",
            "complements",
            "is_active",
        ]

    def get_complements(self, product: Product) -> list[str]:
        return [p.reference for p in product.complements.all()]

    def get_photo(self, product: Product) -> str | None:
        return product.photo.url if product.photo else None


class ProductWriteSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=64)
    # Required to create (a product needs a name); a partial update may leave it out.
    name_en = serializers.CharField(max_length=200)
    name_fr = serializers.CharField(max_length=200, required=False, allow_blank=True)
    collection = serializers.CharField(max_length=100, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    metal = serializers.CharField(max_length=100, required=False, allow_blank=True)
    stones = serializers.CharField(max_length=200, required=False, allow_blank=True)
    price = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    currency = serializers.CharField(max_length=3, required=False)
    warranty_months = serializers.IntegerField(min_value=0, max_value=240, required=False)
    service_interval_months = serializers.IntegerField(
        min_value=1, max_value=240, required=False, allow_null=True
    )
    complements = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="References of complementary products"
    )
    is_active = serializers.BooleanField(required=False)
