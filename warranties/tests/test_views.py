from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from customers.tests.factories import CustomerFactory
from jewelcrm.accounts.models import AuditLog
from jewelcrm.csv_safe import csv_safe_cell as csv_safe
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory
from warranties import services
from warranties.inventory.models import Item
from warranties.inventory.tests.factories import ItemFactory
from warranties.models import Intervention, ItemEvent, Registration, WarrantyClaim
from warranties.tests.factories import InterventionFactory, RegistrationFactory, WarrantyClaimFactory

pytestmark = pytest.mark.django_db

BRAND_ROLES = ["owner", "admin", "marketer", "analyst"]
RETAIL_ROLES = ["retail_manager", "sales_associate"]


def url(name, brand, **kw):
    return reverse(f"warranties:{name}", kwargs={"brand_slug": brand.slug, **kw})


def form_data(**kw):
    data = {
        "idempotency_key": "a" * 32,
        "item_query": "",
        "email": "new@example.test",
        "phone": "",
        "first_name": "Nina",
        "last_name": "Roux",
        "language": "fr",
        "price_paid": "1500.00",
        "currency": "EUR",
        "gift_relation": "other",
        "consent_email": "on",
    }
    data.update(kw)
    return data


def count(brand, model):
    with brand_context(brand):
        return model.objects.count()


@pytest.fixture
def item(brand, store):
    return ItemFactory(brand=brand, current_store=store)


# --- Registration page ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", RETAIL_ROLES)
def test_retail_roles_open_the_registration_form(client_for, brand, store, role):
    client = client_for(brand, role, store)
    response = client.get(url("register", brand))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="idempotency_key"' in content
    assert "vendor/html5-qrcode/html5-qrcode.min.js" in content
    assert 'value="EUR"' in content
    for channel in ("email", "sms", "phone", "post"):
        assert f'name="consent_{channel}"' in content
    assert "checked" not in content  # consents unticked by default


@pytest.mark.parametrize("role", BRAND_ROLES)
def test_brand_roles_cannot_register(client_for, brand, role):
    assert client_for(brand, role).get(url("register", brand)).status_code == 403


def test_other_brand_member_gets_404(client_for, brand, other_brand):
    client = client_for(other_brand, "sales_associate")
    assert client.get(url("register", brand)).status_code == 404


def test_register_a_sale_then_card_and_pdf(retailer_client, brand, store, item):
    response = retailer_client.post(url("register", brand), form_data(item_query=item.serial.lower()))
    with brand_context(brand):
        registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("card", brand, pk=registration.pk)
    assert registration.store_id == store.pk and registration.associate_id == retailer_client.user.pk
    card = retailer_client.get(response["Location"])
    assert card.status_code == 200
    assert item.serial in card.content.decode() and "<svg" in card.content.decode()
    assert "warranties/print.css" in card.content.decode()
    pdf = retailer_client.get(url("card_pdf", brand, pk=registration.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("serial", "header"),
    [
        ('AB"12;x', 'attachment; filename="warranty-AB\\"12;x.pdf"'),
        ("MONTRE-É1", "attachment; filename*=utf-8''warranty-MONTRE-%C3%891.pdf"),
    ],
)
def test_the_pdf_file_name_survives_quotes_and_accents_in_the_serial(client_for, brand, serial, header):
    """A quote in a serial once broke the header: the name is built by Django's own helper."""
    from email.message import EmailMessage

    registration = RegistrationFactory(
        brand=brand, item=ItemFactory(brand=brand, serial=serial, status="sold")
    )
    pdf = client_for(brand, "owner").get(url("card_pdf", brand, pk=registration.pk))
    assert pdf.status_code == 200
    assert pdf["Content-Disposition"] == header
    message = EmailMessage()
    message["Content-Disposition"] = pdf["Content-Disposition"]
    assert message.get_filename() == f"warranty-{serial}.pdf"


def test_double_submit_registers_once(retailer_client, brand, item):
    data = form_data(item_query=item.serial)
    first = retailer_client.post(url("register", brand), data)
    second = retailer_client.post(url("register", brand), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert count(brand, Registration) == 1


def test_unknown_serial_and_other_brand_serial_give_the_same_message(retailer_client, brand, other_brand):
    foreign = ItemFactory(brand=other_brand)
    unknown = retailer_client.post(url("register", brand), form_data(item_query="NOPE-123"))
    other = retailer_client.post(url("register", brand), form_data(item_query=foreign.serial))
    assert unknown.status_code == other.status_code == 400
    message = "No item of this brand has this serial or code."
    assert message in unknown.content.decode() and message in other.content.decode()
    assert count(brand, Registration) == 0 and count(brand, Customer) == 0
    with brand_context(other_brand):
        assert Item.objects.get(pk=foreign.pk).status == "in_stock"


def test_sold_item_offers_transfer_and_writes_nothing(retailer_client, brand, store):
    registration = RegistrationFactory(brand=brand, store=store)
    response = retailer_client.post(url("register", brand), form_data(item_query=registration.item.serial))
    assert response.status_code == 400
    content = response.content.decode()
    assert "ownership transfer" in content and 'data-testid="transfer-hint"' in content
    assert f'href="/b/{brand.slug}/intranet/lookup/?q={registration.item.serial}"' in content
    assert count(brand, Registration) == 1 and count(brand, Customer) == 1


def test_stolen_item_refused_and_brand_alerted(retailer_client, brand, store):
    stolen = ItemFactory(brand=brand, current_store=store, status="stolen")
    response = retailer_client.post(url("register", brand), form_data(item_query=stolen.serial))
    assert response.status_code == 400
    assert "lost or stolen" in response.content.decode()
    assert count(brand, Registration) == 0 and count(brand, Customer) == 0
    with brand_context(brand):
        assert (
            AuditLog.objects.filter(action="item.flagged_sale_attempt", object_id=str(stolen.pk)).count() == 1
        )
        assert ItemEvent.objects.filter(item=stolen, kind="flagged_sale_attempt").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "is not a valid e-mail address"),
        ("phone", "12", "is not a valid phone number"),
        ("currency", "XYZ", "is not an ISO 4217 currency code"),
        ("price_paid", "-5", "greater than or equal to 0"),
    ],
)
def test_invalid_input_redisplays_with_message_and_writes_nothing(
    retailer_client, brand, item, field, value, message
):
    response = retailer_client.post(
        url("register", brand), form_data(item_query=item.serial, **{field: value})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert count(brand, Registration) == 0 and count(brand, Customer) == 0


def test_phone_read_in_store_country(retailer_client, brand, item):
    retailer_client.post(
        url("register", brand), form_data(item_query=item.serial, email="", phone="06 12 34 56 78")
    )
    with brand_context(brand):
        assert Customer.objects.get().phone == "+33612345678"


def test_new_customer_needs_a_name(retailer_client, brand, item):
    response = retailer_client.post(url("register", brand), form_data(item_query=item.serial, first_name=""))
    assert response.status_code == 400
    assert count(brand, Registration) == 0


def test_gift_needs_recipient_name_and_email_consent(retailer_client, brand, item):
    response = retailer_client.post(
        url("register", brand),
        form_data(item_query=item.serial, is_gift="on", gift_recipient_name="", gift_email="x@example.test"),
    )
    content = response.content.decode()
    assert response.status_code == 400
    assert "Give the name of the person who receives the gift." in content
    assert "only with their own consent" in content


def test_item_lookup_partial(retailer_client, brand, item):
    found = retailer_client.get(url("item_lookup", brand), {"item_query": item.serial})
    assert 'data-testid="item-found"' in found.content.decode()
    missing = retailer_client.get(url("item_lookup", brand), {"item_query": "NOPE"})
    assert 'data-testid="item-not-found"' in missing.content.decode()


def test_customer_lookup_partial_masks_and_audits_foreign_customer(retailer_client, brand, store):
    elsewhere = StoreFactory(brand=brand)
    customer = CustomerFactory(
        brand=brand, email="jane.doe@gmail.com", phone="+33612345678", home_store=elsewhere
    )
    response = retailer_client.get(url("customer_lookup", brand), {"email": "Jane.Doe@gmail.com"})
    content = response.content.decode()
    assert customer.full_name in content and "j***@g***.com" in content
    assert "jane.doe@gmail.com" not in content and "+33612345678" not in content
    with brand_context(brand):
        assert (
            AuditLog.objects.filter(action="customer.lookup_foreign", object_id=str(customer.pk)).count() == 1
        )


def test_customer_lookup_own_customer_not_audited(retailer_client, brand, store):
    CustomerFactory(brand=brand, email="own@example.test", home_store=store)
    retailer_client.get(url("customer_lookup", brand), {"email": "own@example.test"})
    with brand_context(brand):
        assert AuditLog.objects.filter(action="customer.lookup_foreign").count() == 0


def test_card_of_another_store_or_brand_is_404(client_for, brand, other_brand, store):
    registration = RegistrationFactory(brand=brand, store=StoreFactory(brand=brand))
    assert (
        client_for(brand, "sales_associate", store).get(url("card", brand, pk=registration.pk)).status_code
        == 404
    )
    foreign = RegistrationFactory(brand=other_brand)
    assert client_for(brand, "owner").get(url("card", brand, pk=foreign.pk)).status_code == 404
    assert client_for(brand, "owner").get(url("card_pdf", brand, pk=foreign.pk)).status_code == 404
    assert client_for(brand, "owner").get(url("card", brand, pk=registration.pk)).status_code == 200


# --- Recognition ----------------------------------------------------------------------------------


def test_lookup_by_serial_shows_pieces_history_and_masked_owner(retailer_client, brand, store):
    elsewhere = StoreFactory(brand=brand, name="Boutique Genève")
    owner = CustomerFactory(
        brand=brand, email="paul@example.test", phone="+41791234567", home_store=elsewhere
    )
    registration = RegistrationFactory(brand=brand, store=elsewhere, customer=owner)
    with brand_context(brand):
        Item.objects.filter(pk=registration.item_id).update(owner=owner)
    InterventionFactory(brand=brand, store=elsewhere, item=registration.item, kind="battery")
    response = retailer_client.get(url("lookup", brand), {"q": registration.item.serial})
    content = response.content.decode()
    assert response.status_code == 200
    assert owner.full_name in content and "p***@e***.test" in content and "+41*******67" in content
    assert "paul@example.test" not in content
    assert "Under warranty until" in content and "Battery" in content
    with brand_context(brand):
        assert AuditLog.objects.filter(action="customer.lookup_foreign", object_id=str(owner.pk)).count() == 1


def test_lookup_by_email_and_phone_finds_customer_pieces(retailer_client, brand, store):
    owner = CustomerFactory(brand=brand, email="zoe@example.test", phone="+33611111111", home_store=store)
    registration = RegistrationFactory(brand=brand, store=store, customer=owner)
    with brand_context(brand):
        Item.objects.filter(pk=registration.item_id).update(owner=owner)
    for query in ("ZOE@example.test", "06 11 11 11 11"):
        content = retailer_client.get(url("lookup", brand), {"q": query}).content.decode()
        assert registration.item.serial in content
    with brand_context(brand):
        assert AuditLog.objects.filter(action="customer.lookup_foreign").count() == 0


def test_lookup_other_brand_serial_finds_nothing(retailer_client, brand, other_brand):
    foreign = RegistrationFactory(brand=other_brand)
    content = retailer_client.get(url("lookup", brand), {"q": foreign.item.serial}).content.decode()
    assert (
        'data-testid="lookup-empty"' in content
        and foreign.item.serial not in content.split("lookup-empty")[1]
    )


# --- Interventions and claims (intranet) ----------------------------------------------------------


def test_intervention_list_query_count_is_fixed(retailer_client, brand, store, django_assert_num_queries):
    InterventionFactory(brand=brand, store=store)
    retailer_client.get(url("interventions", brand))  # warm caches (session, content types)
    with django_assert_num_queries(16) as first:
        retailer_client.get(url("interventions", brand))
    for _i in range(4):
        intervention = InterventionFactory(brand=brand, store=store)
        WarrantyClaimFactory(brand=brand, intervention=intervention)
    with django_assert_num_queries(len(first.captured_queries)):
        response = retailer_client.get(url("interventions", brand))
    assert response.content.decode().count("<tr>") == 1 + 5


def test_intervention_list_shows_only_my_store(retailer_client, brand, store):
    mine = InterventionFactory(brand=brand, store=store)
    other = InterventionFactory(brand=brand, store=StoreFactory(brand=brand))
    content = retailer_client.get(url("interventions", brand)).content.decode()
    assert mine.item.serial in content and other.item.serial not in content
    assert retailer_client.get(url("intervention_detail", brand, pk=other.pk)).status_code == 404


def test_create_advance_and_claim_an_intervention(retailer_client, brand, store):
    registration = RegistrationFactory(
        brand=brand, store=store, sold_on=timezone.localdate() - timedelta(days=10)
    )
    response = retailer_client.post(
        url("intervention_create", brand),
        {
            "item_query": registration.item.serial,
            "kind": "repair",
            "received_on": timezone.localdate().isoformat(),
            "description": "Clasp",
            "parts": "clasp",
            "labour_cost": "50",
            "parts_cost": "10",
        },
    )
    with brand_context(brand):
        intervention = Intervention.objects.get()
    assert response.status_code == 302 and intervention.is_under_warranty
    detail = url("intervention_detail", brand, pk=intervention.pk)
    assert retailer_client.post(detail, {"action": "advance", "status": "in_workshop"}).status_code == 302
    assert retailer_client.post(detail, {"action": "advance", "status": "received"}).status_code == 400
    assert (
        retailer_client.post(
            detail, {"action": "claim", "labour_amount": "50", "parts_amount": "10"}
        ).status_code
        == 302
    )
    with brand_context(brand):
        intervention.refresh_from_db()
        claim = WarrantyClaim.objects.get()
    assert intervention.status == "in_workshop"
    assert (claim.claimed_amount, claim.store_id) == (Decimal("60.00"), store.pk)
    page = retailer_client.get(detail).content.decode()
    assert 'value="claim"' not in page and "Received for an intervention" in page
    # A second claim for the same intervention is refused.
    assert (
        retailer_client.post(
            detail, {"action": "claim", "labour_amount": "5", "parts_amount": "0"}
        ).status_code
        == 400
    )
    assert count(brand, WarrantyClaim) == 1


def test_intervention_for_stolen_item_refused(retailer_client, brand, store):
    stolen = ItemFactory(brand=brand, current_store=store, status="stolen")
    response = retailer_client.post(
        url("intervention_create", brand),
        {
            "item_query": stolen.serial,
            "kind": "repair",
            "received_on": timezone.localdate().isoformat(),
            "labour_cost": "0",
            "parts_cost": "0",
        },
    )
    assert response.status_code == 400 and count(brand, Intervention) == 0


# --- Dashboard ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", BRAND_ROLES)
def test_brand_roles_see_registrations(client_for, brand, role):
    RegistrationFactory(brand=brand)
    response = client_for(brand, role).get(url("registrations", brand))
    assert response.status_code == 200 and "data-chart" in response.content.decode()


@pytest.mark.parametrize("role", RETAIL_ROLES)
def test_retail_roles_cannot_see_brand_registrations(client_for, brand, role):
    assert client_for(brand, role).get(url("registrations", brand)).status_code == 403


def test_registration_list_filters(owner_client, brand):
    paris = StoreFactory(brand=brand, country="FR")
    geneva = StoreFactory(brand=brand, country="CH", currency="CHF")
    fr = RegistrationFactory(brand=brand, store=paris, sold_on=date(2026, 1, 10))
    ch = RegistrationFactory(brand=brand, store=geneva, is_gift=True, sold_on=date(2026, 2, 10))
    other = RegistrationFactory(brand=brand, store=paris, sold_on=date(2025, 6, 1))

    def serials(params):
        content = owner_client.get(url("registrations", brand), params).content.decode()
        return {r.item.serial for r in (fr, ch, other) if r.item.serial in content}

    assert serials({"country": "CH"}) == {ch.item.serial}
    assert serials({"store": paris.pk}) == {fr.item.serial, other.item.serial}
    assert serials({"gift": "yes"}) == {ch.item.serial}
    assert serials({"gift": "no", "date_from": "2026-01-01"}) == {fr.item.serial}
    assert serials({"product": fr.item.product_id}) == {fr.item.serial}


def test_registration_list_query_count_is_fixed(owner_client, brand, django_assert_num_queries):
    RegistrationFactory(brand=brand)
    owner_client.get(url("registrations", brand))
    with django_assert_num_queries(18) as first:
        owner_client.get(url("registrations", brand))
    for _i in range(5):
        RegistrationFactory(brand=brand, is_grey_market=True)
    with django_assert_num_queries(len(first.captured_queries)):
        owner_client.get(url("registrations", brand))
    with django_assert_num_queries(15):
        owner_client.get(url("grey_market", brand))


def test_other_brand_registrations_invisible(owner_client, brand, other_brand):
    foreign = RegistrationFactory(brand=other_brand)
    assert foreign.item.serial not in owner_client.get(url("registrations", brand)).content.decode()


def test_claim_queue_and_decision_by_admin(client_for, brand):
    claim = WarrantyClaimFactory(brand=brand)
    admin = client_for(brand, "admin")
    assert claim.intervention.item.serial in admin.get(url("claim_queue", brand)).content.decode()
    response = admin.post(
        url("claim_detail", brand, pk=claim.pk),
        {"decision": "partial", "amount": "40", "reason": "Parts not covered"},
    )
    assert response.status_code == 302
    with brand_context(brand):
        claim.refresh_from_db()
    assert (claim.status, claim.approved_amount) == ("partially_approved", Decimal("40.00"))


def test_claim_rejection_needs_reason(client_for, brand):
    claim = WarrantyClaimFactory(brand=brand)
    response = client_for(brand, "owner").post(
        url("claim_detail", brand, pk=claim.pk), {"decision": "reject"}
    )
    assert response.status_code == 400 and "Give the reason for the rejection." in response.content.decode()
    with brand_context(brand):
        claim.refresh_from_db()
    assert claim.status == "submitted"


@pytest.mark.parametrize(
    ("role", "view_status", "post_status"),
    [
        ("analyst", 200, 403),
        ("marketer", 403, 403),
        ("sales_associate", 403, 403),
    ],
)
def test_claim_decision_denied_roles_change_nothing(client_for, brand, role, view_status, post_status):
    claim = WarrantyClaimFactory(brand=brand)
    client = client_for(brand, role)
    assert client.get(url("claim_detail", brand, pk=claim.pk)).status_code == view_status
    assert (
        client.post(url("claim_detail", brand, pk=claim.pk), {"decision": "approve"}).status_code
        == post_status
    )
    with brand_context(brand):
        claim.refresh_from_db()
    assert claim.status == "submitted"


def test_foreign_claim_is_404(client_for, brand, other_brand):
    foreign = WarrantyClaimFactory(brand=other_brand)
    admin = client_for(brand, "admin")
    assert admin.get(url("claim_detail", brand, pk=foreign.pk)).status_code == 404
    assert admin.post(url("claim_detail", brand, pk=foreign.pk), {"decision": "approve"}).status_code == 404
    with brand_context(other_brand):
        foreign.refresh_from_db()
    assert foreign.status == "submitted"


def test_payout_page_and_formula_safe_csv(client_for, brand):
    store = StoreFactory(brand=brand)
    with brand_context(brand):
        store.retailer.name = "=cmd|' /C calc'!A0"
        store.retailer.save()
    claim = WarrantyClaimFactory(brand=brand, intervention=InterventionFactory(brand=brand, store=store))
    with brand_context(brand):
        services.claim_decide(brand=brand, claim=claim, decision="approve")
    owner = client_for(brand, "owner")
    page = owner.get(url("payouts", brand))
    assert page.status_code == 200 and "100.00 EUR" in page.content.decode()
    csv = owner.get(url("payouts", brand), {"format": "csv", "month": timezone.localdate().strftime("%Y-%m")})
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode()
    assert "'=cmd|' /C calc'!A0" in text and "\n=cmd" not in text
    assert text.strip().splitlines()[-1] == "ALL,,,,,,total,,100.00,EUR"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+33", "'+33"),
        ("-2", "'-2"),
        ("@SUM", "'@SUM"),
        ("Paris", "Paris"),
        (None, ""),
    ],
)
def test_csv_safe(value, expected):
    assert csv_safe(value) == expected


def test_scanning_a_stolen_piece_alerts_the_brand_once(
    retailer_client, brand, store, eager_tasks, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.factories import MembershipFactory, UserFactory

    MembershipFactory(brand=brand, role="owner", user=UserFactory(email="boss@maison.test"))
    stolen = ItemFactory(brand=brand, current_store=store, status="stolen")
    with django_capture_on_commit_callbacks(execute=True):
        scan = retailer_client.get(url("item_lookup", brand), {"item_query": stolen.serial})
    with django_capture_on_commit_callbacks(execute=True):
        retailer_client.post(url("register", brand), form_data(item_query=stolen.serial))
    assert "lost or stolen" in scan.content.decode()
    assert [m.to for m in mail.outbox] == [["boss@maison.test"]]
    with brand_context(brand):
        assert AuditLog.objects.filter(action="item.flagged_sale_attempt").count() == 2


def test_registration_list_shows_the_sale_not_the_transfer(owner_client, brand, store):
    sale = RegistrationFactory(brand=brand, store=store)
    with brand_context(brand):
        services.registration_transfer(brand=brand, item=sale.item, new_owner=CustomerFactory(brand=brand))
        assert Registration.objects.count() == 2
    content = owner_client.get(url("registrations", brand)).content.decode()
    assert content.count(sale.item.serial) == 1
    assert sale.customer.full_name in content


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("sales_associate", 200),
        ("retail_manager", 200),
        ("owner", 403),
        ("marketer", 403),
        ("analyst", 403),
    ],
)
def test_intranet_pages_per_role(client_for, brand, store, role, expected):
    client = client_for(brand, role, store if role in RETAIL_ROLES else None)
    for name in ("lookup", "interventions", "intervention_create", "store_claims"):
        assert client.get(url(name, brand)).status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 200),
        ("admin", 200),
        ("analyst", 200),
        ("marketer", 403),
        ("sales_associate", 403),
    ],
)
def test_claim_queue_and_payouts_per_role(client_for, brand, store, role, expected):
    client = client_for(brand, role, store if role in RETAIL_ROLES else None)
    assert client.get(url("claim_queue", brand)).status_code == expected
    assert client.get(url("payouts", brand)).status_code == expected


def test_update_intervention_details_until_returned(retailer_client, brand, store):
    intervention = InterventionFactory(brand=brand, store=store)
    detail = url("intervention_detail", brand, pk=intervention.pk)
    response = retailer_client.post(
        detail,
        {
            "action": "update",
            "description": "New clasp",
            "parts": "clasp",
            "labour_cost": "90",
            "parts_cost": "15",
        },
    )
    assert response.status_code == 302
    with brand_context(brand):
        intervention.refresh_from_db()
        assert (intervention.description, intervention.labour_cost) == ("New clasp", Decimal("90.00"))
        Intervention.objects.filter(pk=intervention.pk).update(status="returned")
    response = retailer_client.post(
        detail,
        {"action": "update", "description": "Too late", "parts": "", "labour_cost": "1", "parts_cost": "1"},
    )
    assert response.status_code == 400
    with brand_context(brand):
        intervention.refresh_from_db()
    assert intervention.description == "New clasp"


def test_grey_market_page_lists_reason(owner_client, brand):
    grey = RegistrationFactory(
        brand=brand, is_grey_market=True, grey_market_reason="Shipped to PAR, sold in GVA"
    )
    clean = RegistrationFactory(brand=brand)
    content = owner_client.get(url("grey_market", brand)).content.decode()
    assert grey.item.serial in content and "Shipped to PAR, sold in GVA" in content
    assert clean.item.serial not in content


def test_item_lookup_proposes_the_public_price_to_the_sale_form(retailer_client, brand, store):
    from tests.factories import ProductFactory as CatalogProductFactory

    priced = ItemFactory(
        brand=brand,
        current_store=store,
        product=CatalogProductFactory(brand=brand, price=Decimal("4250.00"), currency="CHF"),
    )
    body = retailer_client.get(url("item_lookup", brand), {"item_query": priced.serial}).content.decode()
    assert 'data-price="4250.00" data-currency="CHF"' in body
    unpriced = ItemFactory(
        brand=brand, current_store=store, product=CatalogProductFactory(brand=brand, price=None)
    )
    body = retailer_client.get(url("item_lookup", brand), {"item_query": unpriced.serial}).content.decode()
    assert "data-price" not in body
