import pytest
from django.db.models import F

from jewelcrm import demo
from jewelcrm.tenancy.context import brand_context
from warranties import demo as warranties_demo
from warranties.inventory.models import Item
from warranties.models import Intervention, ItemEvent, Registration, WarrantyClaim

pytestmark = pytest.mark.django_db


def test_small_demo_has_sales_gifts_services_and_claims_in_every_status():
    contexts = demo.run(size="small")
    for ctx in contexts:
        with brand_context(ctx.brand):
            registrations = Registration.objects.count()
            assert registrations > 10
            assert Registration.objects.filter(is_gift=True).exists()
            assert Intervention.objects.count() >= 4
            statuses = set(WarrantyClaim.objects.values_list("status", flat=True))
            assert statuses == {"submitted", "approved", "partially_approved", "rejected"}
            sold = Item.objects.filter(status="sold")
            assert sold.count() == registrations and not sold.filter(owner__isnull=True).exists()
            assert ItemEvent.objects.filter(kind="sold", is_public=True).count() == registrations
            # Every registration's warranty covers its sale date; the flagship still has pieces to sell.
            assert not Registration.objects.filter(warranty_ends_on__lt=F("warranty_starts_on")).exists()
            flagship = next(iter(ctx.shared["stores"].values()))
            assert Item.objects.filter(current_store=flagship, status="in_stock").exists()
            # Idempotent: a second run adds nothing.
            warranties_demo.seed(ctx)
            assert Registration.objects.count() == registrations
