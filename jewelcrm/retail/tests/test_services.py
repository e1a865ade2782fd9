import pytest
from django.core.exceptions import ValidationError

from jewelcrm.accounts.models import AuditLog
from jewelcrm.retail import selectors, services
from jewelcrm.retail.markets import market_countries
from jewelcrm.retail.models import Store
from jewelcrm.tenancy.context import brand_context
from tests.factories import RetailerFactory, StoreFactory

pytestmark = pytest.mark.django_db

VALID = {
    "code": "lyo-2",
    "name": "Lyon Presqu'île",
    "type": "boutique",
    "country": "FR",
    "currency": "eur",
    "time_zone": "Europe/Paris",
    "market": "fr, be",
}


def test_store_create_normalises_and_audits(brand):
    retailer = RetailerFactory(brand=brand)
    with brand_context(brand):
        store = services.store_create(brand=brand, retailer=retailer, **VALID)
        assert (store.code, store.currency, store.market) == ("LYO-2", "EUR", "FR,BE")
        assert AuditLog.objects.filter(action="store.create", object_id=str(store.pk)).exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"code": "PAR-1"}, "code", "already uses the code PAR-1"),
        ({"code": "par-1"}, "code", "already uses the code PAR-1"),
        ({"currency": "EURO"}, "currency", "not an ISO 4217 currency code"),
        ({"currency": "XYZ"}, "currency", "not an ISO 4217 currency code"),
        ({"time_zone": "Europe/Lyon"}, "time_zone", "not a known time zone"),
        ({"country": "ZZ"}, "country", "Choose a country"),
        ({"market": "EUROPE"}, "market", "Unknown market EUROPE"),
        ({"type": "kiosk"}, "type", "Choose a store type"),
    ],
)
def test_store_create_refuses_bad_values_with_a_clear_message(brand, change, field, message):
    StoreFactory(brand=brand, code="PAR-1")
    retailer = RetailerFactory(brand=brand)
    with brand_context(brand):
        with pytest.raises(ValidationError) as error:
            services.store_create(brand=brand, retailer=retailer, **{**VALID, **change})
        assert message in " ".join(error.value.message_dict[field])
        assert Store.objects.count() == 1


def test_store_code_may_repeat_across_brands(brand, other_brand):
    StoreFactory(brand=other_brand, code="PAR-1")
    with brand_context(brand):
        store = services.store_create(
            brand=brand, retailer=RetailerFactory(brand=brand), **{**VALID, "code": "PAR-1"}
        )
    assert store.code == "PAR-1"


def test_store_create_refuses_another_brands_retailer(brand, other_brand):
    with brand_context(brand):
        with pytest.raises(ValidationError) as error:
            services.store_create(brand=brand, retailer=RetailerFactory(brand=other_brand), **VALID)
        assert "retailer" in error.value.message_dict


def test_store_update_keeps_its_own_code_and_audits_changes(brand):
    store = StoreFactory(brand=brand, code="PAR-1", city="Paris")
    with brand_context(brand):
        services.store_update(brand=brand, store=store, code="PAR-1", city="Lyon")
        store.refresh_from_db()
        assert store.city == "Lyon"
        log = AuditLog.objects.get(action="store.update")
        assert log.data == {"city": "Lyon"}


def test_retailer_create_refuses_duplicates(brand):
    with brand_context(brand):
        services.retailer_create(brand=brand, name="Bijouterie Lumière")
        with pytest.raises(ValidationError):
            services.retailer_create(brand=brand, name="bijouterie lumière")


def test_store_list_search_and_filters(brand):
    StoreFactory(brand=brand, code="PAR-1", name="Vendôme", country="FR", type="boutique")
    StoreFactory(
        brand=brand, code="GVA-1", name="Rhône", city="Genève", country="CH", type="authorised_dealer"
    )
    with brand_context(brand):
        codes = lambda **kw: [s.code for s in selectors.store_list(brand=brand, **kw)]  # noqa: E731
        assert codes() == ["GVA-1", "PAR-1"]
        assert codes(search="genève") == ["GVA-1"]
        assert codes(country="fr") == ["PAR-1"]
        assert codes(type="authorised_dealer") == ["GVA-1"]
        assert selectors.store_countries(brand=brand) == ["CH", "FR"]


def test_markets():
    assert market_countries(market="", home_country="FR") == {"FR"}
    assert market_countries(market="FR,BE", home_country="FR") == {"FR", "BE"}
    assert "DE" in market_countries(market="EU", home_country="FR")
    assert "CH" not in market_countries(market="EU", home_country="FR")
