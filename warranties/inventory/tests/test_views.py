import pytest
from django.urls import reverse

from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory, StoreFactory
from warranties.inventory.models import Item, ItemStatus, StockMovement
from warranties.inventory.tests.factories import ItemFactory, StockMovementFactory

pytestmark = pytest.mark.django_db

BRAND_STAFF = ["owner", "admin", "marketer", "analyst"]
RETAIL = ["retail_manager", "sales_associate"]


def url(name, brand, **kwargs):
    return reverse(f"inventory:{name}", kwargs={"brand_slug": brand.slug, **kwargs})


def _in_transit_to(brand, store, **kwargs):
    item = ItemFactory(brand=brand, status=ItemStatus.IN_TRANSIT, current_store=store, **kwargs)
    return StockMovementFactory(brand=brand, item=item, to_store=store)


# --- roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"), [*((r, 200) for r in BRAND_STAFF), *((r, 403) for r in RETAIL)]
)
@pytest.mark.parametrize("page", ["item_list", "stock"])
def test_dashboard_pages_per_role(client_for, brand, role, expected, page):
    ItemFactory(brand=brand, current_store=StoreFactory(brand=brand))
    assert client_for(brand, role).get(url(page, brand)).status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [("owner", 200), ("admin", 200), ("marketer", 403), ("analyst", 403), ("sales_associate", 403)],
)
def test_ship_page_is_for_owner_and_admin(client_for, brand, role, expected):
    assert client_for(brand, role).get(url("ship", brand)).status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"), [*((r, 403) for r in BRAND_STAFF), *((r, 200) for r in RETAIL)]
)
@pytest.mark.parametrize("page", ["my_stock", "incoming", "transfer"])
def test_intranet_pages_per_role(client_for, brand, role, expected, page):
    assert client_for(brand, role).get(url(page, brand)).status_code == expected


# --- item pages ----------------------------------------------------------------------------------


def test_item_detail_shows_product_store_movements_and_qr(owner_client, brand, settings):
    settings.SITE_URL = "https://crm.example"
    store = StoreFactory(brand=brand, code="PAR-1")
    item = ItemFactory(brand=brand, current_store=store, serial="SER-42")
    StockMovementFactory(brand=brand, item=item, to_store=store)
    response = owner_client.get(url("item_detail", brand, pk=item.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "SER-42" in body and item.product.reference in body and "PAR-1" in body
    assert item.public_code in body
    assert f"https://crm.example/i/{item.public_code}" in body
    assert "<svg" in body and 'aria-label="QR code"' in body
    assert "Shipment from the brand" in body


def test_item_detail_of_another_brand_is_404_like_a_missing_one(owner_client, brand, other_brand):
    foreign = ItemFactory(brand=other_brand)
    assert owner_client.get(url("item_detail", brand, pk=foreign.pk)).status_code == 404
    assert owner_client.get(url("item_detail", brand, pk=999_999)).status_code == 404


def test_foreign_brand_url_is_404(owner_client, other_brand):
    for page in ("item_list", "stock", "ship"):
        assert owner_client.get(url(page, other_brand)).status_code == 404


def test_item_list_search_by_code_as_typed(analyst_client, brand):
    wanted = ItemFactory(brand=brand, serial="WANTED1")
    ItemFactory(brand=brand, serial="OTHER1")
    ItemFactory(brand=StoreFactory().brand, serial="FOREIGN1")
    body = analyst_client.get(
        url("item_list", brand), {"q": wanted.public_code.lower().replace("-", " ")}
    ).content.decode()
    assert "WANTED1" in body and "OTHER1" not in body and "FOREIGN1" not in body


def test_item_list_has_a_fixed_query_count(
    analyst_client, brand, django_assert_max_num_queries, django_assert_num_queries
):
    store = StoreFactory(brand=brand)
    for _ in range(3):
        ItemFactory(brand=brand, current_store=store)
    analyst_client.get(url("item_list", brand))  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert analyst_client.get(url("item_list", brand)).status_code == 200
    products = [ProductFactory(brand=brand) for _ in range(5)]
    for n in range(30):
        ItemFactory(
            brand=brand,
            product=products[n % 5],
            current_store=StoreFactory(brand=brand) if n % 10 == 0 else store,
        )
    with django_assert_num_queries(len(few.captured_queries)):
        assert analyst_client.get(url("item_list", brand)).status_code == 200
    assert len(few.captured_queries) <= 20


# --- stock ---------------------------------------------------------------------------------------


def test_stock_page_table_and_chart(owner_client, brand):
    paris = StoreFactory(brand=brand, code="PAR")
    for _ in range(2):
        ItemFactory(brand=brand, current_store=paris)
    _in_transit_to(brand, paris)
    response = owner_client.get(url("stock", brand))
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        "data-stock-chart" in body
        and "inventory/stock_chart.js" in body
        and "vendor/chartjs/chart.umd.js" in body
    )
    row = response.context["table"][1]
    assert row["label"] == "PAR"
    assert dict(zip([s.value for s in response.context["statuses"]], row["cells"], strict=True)) == {
        "in_stock": 2,
        "in_transit": 1,
    }


def test_stock_page_as_of_a_past_date(owner_client, brand):
    ItemFactory(brand=brand, current_store=StoreFactory(brand=brand))
    response = owner_client.get(url("stock", brand), {"as_of": "2020-01-01"})
    assert response.status_code == 200
    assert response.context["grand_total"] == 0
    assert owner_client.get(url("stock", brand), {"as_of": "2999-01-01"}).status_code == 400


def test_stock_page_has_a_fixed_query_count(owner_client, brand):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner_client.get(url("stock", brand))
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url("stock", brand))
    for _ in range(5):
        ItemFactory(brand=brand, current_store=StoreFactory(brand=brand))
    with CaptureQueriesContext(connection) as many:
        owner_client.get(url("stock", brand))
    assert len(many.captured_queries) == len(few.captured_queries)


# --- ship ----------------------------------------------------------------------------------------


def test_admin_ships_typed_and_ticked_items(admin_client_brand, brand):
    store = StoreFactory(brand=brand)
    a, b, c = (ItemFactory(brand=brand, serial=s) for s in ("A1", "B2", "C3"))
    response = admin_client_brand.post(
        url("ship", brand), {"store": store.pk, "serials": "a1\nb2", "items": [c.pk]}
    )
    assert response.status_code == 302
    with brand_context(brand):
        assert sorted(Item.objects.filter(status="in_transit").values_list("serial", flat=True)) == [
            "A1",
            "B2",
            "C3",
        ]
        assert StockMovement.objects.filter(to_store=store, received_at__isnull=True).count() == 3


def test_ship_with_an_unknown_serial_ships_nothing(admin_client_brand, brand, other_brand):
    store = StoreFactory(brand=brand)
    ItemFactory(brand=brand, serial="A1")
    ItemFactory(brand=other_brand, serial="THEIRS")
    response = admin_client_brand.post(url("ship", brand), {"store": store.pk, "serials": "A1 THEIRS"})
    assert response.status_code == 400
    assert "Unknown serials: THEIRS" in response.content.decode()
    with brand_context(brand):
        assert StockMovement.objects.count() == 0


def test_marketer_cannot_ship(marketer_client, brand):
    store = StoreFactory(brand=brand)
    ItemFactory(brand=brand, serial="A1")
    assert marketer_client.post(url("ship", brand), {"store": store.pk, "serials": "A1"}).status_code == 403
    with brand_context(brand):
        assert StockMovement.objects.count() == 0


# --- intranet ------------------------------------------------------------------------------------


def test_my_stock_shows_only_my_store(retailer_client, brand, store):
    ItemFactory(brand=brand, current_store=store, serial="MINE1")
    ItemFactory(brand=brand, current_store=StoreFactory(brand=brand), serial="OTHERSTORE1")
    ItemFactory(brand=brand, current_store=store, serial="SOLD1", status=ItemStatus.SOLD)
    body = retailer_client.get(url("my_stock", brand)).content.decode()
    assert "MINE1" in body and "OTHERSTORE1" not in body and "SOLD1" not in body


def test_my_stock_has_a_fixed_query_count(retailer_client, brand, store):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ItemFactory(brand=brand, current_store=store)
    retailer_client.get(url("my_stock", brand))
    with CaptureQueriesContext(connection) as few:
        retailer_client.get(url("my_stock", brand))
    for _ in range(8):
        ItemFactory(brand=brand, current_store=store)
    with CaptureQueriesContext(connection) as many:
        retailer_client.get(url("my_stock", brand))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_associate_confirms_one_receipt(retailer_client, brand, store):
    movement = _in_transit_to(brand, store, serial="INC1")
    response = retailer_client.post(url("confirm_receipt", brand, pk=movement.pk))
    assert response.status_code == 302
    with brand_context(brand):
        item = Item.objects.get(serial="INC1")
        assert (item.status, item.current_store_id) == ("in_stock", store.pk)
        assert StockMovement.objects.get(pk=movement.pk).received_at is not None


def test_confirm_with_htmx_returns_the_row(retailer_client, brand, store):
    movement = _in_transit_to(brand, store, serial="INC2")
    response = retailer_client.post(url("confirm_receipt", brand, pk=movement.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Received" in response.content.decode() and "<html" not in response.content.decode()


def test_associate_cannot_confirm_another_stores_shipment(retailer_client, brand):
    movement = _in_transit_to(brand, StoreFactory(brand=brand), serial="ELSE1")
    assert retailer_client.post(url("confirm_receipt", brand, pk=movement.pk)).status_code == 404
    with brand_context(brand):
        assert Item.objects.get(serial="ELSE1").status == ItemStatus.IN_TRANSIT


def test_confirm_another_brands_movement_is_404(retailer_client, brand, other_brand):
    foreign_store = StoreFactory(brand=other_brand)
    movement = _in_transit_to(other_brand, foreign_store)
    assert retailer_client.post(url("confirm_receipt", brand, pk=movement.pk)).status_code == 404


def test_confirm_all(manager_client, brand, store):
    for n in range(3):
        _in_transit_to(brand, store, serial=f"ALL{n}")
    other = _in_transit_to(brand, StoreFactory(brand=brand), serial="NOTMINE")
    assert manager_client.post(url("confirm_all", brand)).status_code == 302
    with brand_context(brand):
        assert Item.objects.filter(current_store=store, status="in_stock").count() == 3
        assert Item.objects.get(pk=other.item_id).status == ItemStatus.IN_TRANSIT


def test_incoming_lists_only_my_pending_movements(retailer_client, brand, store):
    _in_transit_to(brand, store, serial="COMING1")
    _in_transit_to(brand, StoreFactory(brand=brand), serial="ELSEWHERE1")
    body = retailer_client.get(url("incoming", brand)).content.decode()
    assert "COMING1" in body and "ELSEWHERE1" not in body


def test_transfer_request(retailer_client, brand, store):
    lyon = StoreFactory(brand=brand, name="Lyon")
    item = ItemFactory(brand=brand, current_store=store, serial="TR1")
    response = retailer_client.post(url("transfer", brand), {"serial": "tr1", "to_store": lyon.pk})
    assert response.status_code == 302
    with brand_context(brand):
        item.refresh_from_db()
        assert (item.status, item.current_store_id) == ("in_transit", lyon.pk)


def test_transfer_of_an_item_of_another_store_is_refused(retailer_client, brand):
    elsewhere = StoreFactory(brand=brand)
    ItemFactory(brand=brand, current_store=elsewhere, serial="NOTHERE")
    response = retailer_client.post(
        url("transfer", brand), {"serial": "NOTHERE", "to_store": StoreFactory(brand=brand).pk}
    )
    assert response.status_code == 400
    with brand_context(brand):
        assert StockMovement.objects.count() == 0


def test_transfer_to_another_brands_store_is_refused(retailer_client, brand, store, other_brand):
    ItemFactory(brand=brand, current_store=store, serial="STAY1")
    response = retailer_client.post(
        url("transfer", brand), {"serial": "STAY1", "to_store": StoreFactory(brand=other_brand).pk}
    )
    assert response.status_code == 400
    with brand_context(brand):
        assert StockMovement.objects.count() == 0


def test_confirm_by_scanning_the_serial_or_code(retailer_client, brand, store):
    by_serial = _in_transit_to(brand, store, serial="SCAN1")
    by_code = _in_transit_to(brand, store, serial="SCAN2")
    assert retailer_client.post(url("confirm_scanned", brand), {"code": " scan1 "}).status_code == 302
    code = by_code.item.public_code.lower().replace("-", "")
    assert retailer_client.post(url("confirm_scanned", brand), {"code": code}).status_code == 302
    with brand_context(brand):
        assert set(Item.objects.filter(status="in_stock").values_list("serial", flat=True)) == {
            "SCAN1",
            "SCAN2",
        }
        assert StockMovement.objects.filter(pk=by_serial.pk, received_at__isnull=False).exists()


def test_scanning_a_piece_not_coming_here_changes_nothing(retailer_client, brand, store):
    _in_transit_to(brand, StoreFactory(brand=brand), serial="ELSEWHERE")
    ItemFactory(brand=brand, current_store=store, serial="ALREADYHERE")
    for code in ("ELSEWHERE", "ALREADYHERE", "UNKNOWN"):
        response = retailer_client.post(url("confirm_scanned", brand), {"code": code}, follow=True)
        assert (
            f"No piece on its way to your store has the serial or code {code}." in response.content.decode()
        )
    with brand_context(brand):
        assert Item.objects.get(serial="ELSEWHERE").status == ItemStatus.IN_TRANSIT


def test_a_second_tap_on_received_is_harmless(retailer_client, brand, store):
    movement = _in_transit_to(brand, store, serial="TWICE1")
    first = retailer_client.post(url("confirm_receipt", brand, pk=movement.pk), HTTP_HX_REQUEST="true")
    second = retailer_client.post(url("confirm_receipt", brand, pk=movement.pk), HTTP_HX_REQUEST="true")
    assert first.status_code == second.status_code == 200
    with brand_context(brand):
        from jewelcrm.accounts.models import AuditLog

        assert AuditLog.objects.filter(action="movement.receive").count() == 1


def test_confirming_a_piece_no_longer_in_transit_explains_why(retailer_client, brand, store):
    movement = _in_transit_to(brand, store, serial="LOST1")
    with brand_context(brand):
        Item.objects.filter(pk=movement.item_id).update(status=ItemStatus.LOST)
    response = retailer_client.post(url("confirm_receipt", brand, pk=movement.pk), follow=True)
    assert "This item is no longer in transit." in response.content.decode()
    with brand_context(brand):
        assert StockMovement.objects.get(pk=movement.pk).received_at is None


def test_stock_as_csv(analyst_client, brand):
    paris = StoreFactory(brand=brand, code="PAR", name="Vendôme")
    ItemFactory(brand=brand, current_store=paris)
    _in_transit_to(brand, paris)
    response = analyst_client.get(url("stock", brand), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Store,Name,In stock,In transit,Total"
    assert lines[1:] == ["Brand stock,,0,0,0", "PAR,Vendôme,1,1,2"]


def test_stock_csv_never_lets_a_store_name_become_a_formula(analyst_client, brand):
    store = StoreFactory(brand=brand, code="EVIL", name='=HYPERLINK("http://example.test","x")')
    ItemFactory(brand=brand, current_store=store)
    response = analyst_client.get(url("stock", brand), {"format": "csv"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[2].startswith('EVIL,"\'=HYPERLINK(')
