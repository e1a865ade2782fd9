"""The home pages show each domain's key figures for the brand and store of the member, and no others."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory
from warranties.inventory.models import ItemStatus
from warranties.inventory.tests.factories import ItemFactory
from warranties.models import Intervention
from warranties.tests.factories import InterventionFactory, WarrantyClaimFactory

pytestmark = pytest.mark.django_db


def _tiles(response) -> dict[str, str]:
    html = response.content.decode()
    pairs = re.findall(r'stat-label">([^<]+)</div>\s*<div class="stat-value">([^<]+)</div>', html)
    return {label.strip(): value.strip() for label, value in pairs}


def test_dashboard_counts_the_brands_own_rows_only(owner_client, brand, other_brand):
    CustomerFactory.create_batch(3, brand=brand)
    CustomerFactory.create_batch(5, brand=other_brand)
    store = StoreFactory(brand=brand)
    ItemFactory.create_batch(2, brand=brand, current_store=store, status=ItemStatus.IN_STOCK)
    WarrantyClaimFactory(brand=brand)
    response = owner_client.get(reverse("accounts:dashboard", kwargs={"brand_slug": brand.slug}))
    tiles = _tiles(response)
    assert tiles["Customers"] == "3"
    assert tiles["Pieces in stores"] == "2"
    assert tiles["Claims to decide"] == "1"


def test_analyst_does_not_see_the_claims_to_decide(analyst_client, brand):
    response = analyst_client.get(reverse("accounts:dashboard", kwargs={"brand_slug": brand.slug}))
    assert response.status_code == 200
    assert "Claims to decide" not in _tiles(response)
    assert "Customers" in _tiles(response)


def test_intranet_counts_the_members_store_only(retailer_client, brand, store):
    other_store = StoreFactory(brand=brand)
    ItemFactory.create_batch(2, brand=brand, current_store=store, status=ItemStatus.IN_STOCK)
    ItemFactory.create_batch(4, brand=brand, current_store=other_store, status=ItemStatus.IN_STOCK)
    InterventionFactory(brand=brand, store=store)
    returned = InterventionFactory(brand=brand, store=store)
    with brand_context(brand):
        Intervention.objects.filter(pk=returned.pk).update(
            status="returned", returned_on=timezone.localdate()
        )
    response = retailer_client.get(reverse("accounts:intranet", kwargs={"brand_slug": brand.slug}))
    tiles = _tiles(response)
    assert tiles["Pieces in my stock"] == "2"
    assert tiles["Pieces in the workshop"] == "1"
    assert 'data-testid="home-actions"' in response.content.decode()


def test_new_customers_counts_the_last_thirty_days(marketer_client, brand):
    CustomerFactory(brand=brand)
    CustomerFactory(brand=brand, created_at=timezone.now() - timedelta(days=45))
    response = marketer_client.get(reverse("accounts:dashboard", kwargs={"brand_slug": brand.slug}))
    assert _tiles(response)["New customers, 30 days"] == "1"
