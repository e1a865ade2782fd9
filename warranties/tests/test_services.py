from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import Consent, Customer, Order, OrderLine, Relation
from customers.tests.factories import CustomerFactory
from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context
from tests.factories import MembershipFactory, StoreFactory, UserFactory
from warranties import selectors, services
from warranties.inventory.models import Item
from warranties.inventory.tests.factories import ItemFactory
from warranties.models import Intervention, ItemEvent, Registration, WarrantyClaim
from warranties.tests.factories import InterventionFactory, RegistrationFactory, WarrantyClaimFactory

pytestmark = pytest.mark.django_db


def _new_customer(**kw):
    data = {
        "first_name": "Alice",
        "last_name": "Martin",
        "email": "alice@example.test",
        "phone": "",
        "language": "fr",
    }
    data.update(kw)
    return services.CustomerInput(**data)


def _register(brand, store, item, **kw):
    params = {
        "brand": brand,
        "store": store,
        "item": item,
        "customer": _new_customer(),
        "price_paid": Decimal("1500"),
        "currency": "EUR",
        "consents": {"email"},
        "idempotency_key": "key-1",
    }
    params.update(kw)
    with brand_context(brand):
        return services.registration_create(**params)


def _counts(brand):
    with brand_context(brand):
        return (
            Registration.objects.count(),
            Order.objects.count(),
            Customer.objects.count(),
            Consent.objects.count(),
            ItemEvent.objects.count(),
        )


@pytest.fixture
def associate(brand, store):
    return MembershipFactory(brand=brand, role="sales_associate", store=store).user


@pytest.fixture
def item(brand, store):
    return ItemFactory(brand=brand, current_store=store, shipped_to_store=store)


def test_registration_writes_sale_warranty_item_timeline_consents(brand, store, item, associate):
    item.product.warranty_months = 24
    with brand_context(brand):
        item.product.save()
    registration, created = _register(brand, store, item, associate=associate, sold_on=date(2026, 3, 15))

    assert created is True
    with brand_context(brand):
        registration.refresh_from_db()
        assert (registration.warranty_starts_on, registration.warranty_ends_on) == (
            date(2026, 3, 15),
            date(2028, 3, 14),
        )
        assert registration.price_paid == Decimal("1500.00") and registration.currency == "EUR"
        assert registration.is_grey_market is False and registration.associate == associate
        item.refresh_from_db()
        assert item.status == "sold" and item.owner == registration.customer and item.current_store == store
        order = Order.objects.get()
        assert (order.source, order.total, order.currency, order.customer_id) == (
            "warranty",
            Decimal("1500.00"),
            "EUR",
            registration.customer_id,
        )
        line = OrderLine.objects.get()
        assert (line.serial, line.total, line.product_id) == (
            item.serial,
            Decimal("1500.00"),
            item.product_id,
        )
        assert registration.order_id == order.pk
        event = ItemEvent.objects.get(kind="sold")
        assert event.is_public is True and event.data == {
            "month": "2026-03",
            "city": "Paris",
            "country": "FR",
        }
        consents = {c.channel: c for c in Consent.objects.all()}
        assert {ch: c.is_granted for ch, c in consents.items()} == {
            "email": True,
            "sms": False,
            "phone": False,
            "post": False,
        }
        assert consents["email"].wording_version == services.CONSENT_WORDING_VERSION
        assert consents["email"].store == store and consents["email"].staff == associate
        assert consents["email"].is_confirmed is False
        customer = registration.customer
        assert (customer.email, customer.home_store, customer.language) == ("alice@example.test", store, "fr")
        assert (
            AuditLog.objects.filter(action="registration.create", object_id=str(registration.pk)).count() == 1
        )


def test_same_idempotency_key_returns_the_same_registration(brand, store, item):
    first, created = _register(brand, store, item)
    again, created_again = _register(brand, store, item)
    assert created is True and created_again is False
    assert again.pk == first.pk
    assert _counts(brand)[0] == 1


def test_registration_email_sent_after_commit_in_customer_language(
    brand, store, item, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration, _ = _register(brand, store, item, customer=_new_customer(language="fr"))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.test"]
    assert "garantie" in message.subject.lower()
    assert f"/portal/{brand.slug}/confirm/" in message.body
    assert "/i/" + item.public_code in message.body


def test_registration_email_in_english(brand, store, item, eager_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _register(brand, store, item, customer=_new_customer(language="en"))
    assert "Your Maison Test warranty is active" in mail.outbox[0].subject


def test_no_email_without_address(brand, store, item, eager_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _register(brand, store, item, customer=_new_customer(email="", phone="+33612345678"))
    assert mail.outbox == []


@pytest.mark.parametrize("status", ["sold"])
def test_already_sold_item_is_refused_and_nothing_written(brand, store, status):
    sold = ItemFactory(brand=brand, current_store=store, status=status)
    before = _counts(brand)
    with pytest.raises(ValidationError) as error:
        _register(brand, store, sold)
    assert error.value.code == services.ITEM_ALREADY_SOLD
    assert "transfer" in error.value.messages[0]
    assert _counts(brand) == before


def test_item_with_a_current_registration_is_refused(brand, store, item):
    _register(brand, store, item)
    with brand_context(brand):
        Item.objects.filter(pk=item.pk).update(status="in_stock")  # inconsistent status must not matter
    with pytest.raises(ValidationError) as error:
        _register(brand, store, item, idempotency_key="key-2")
    assert error.value.code == services.ITEM_ALREADY_SOLD


@pytest.mark.parametrize("status", ["lost", "stolen"])
def test_flagged_item_is_refused_traced_and_the_brand_alerted(
    brand, store, status, eager_tasks, django_capture_on_commit_callbacks
):
    MembershipFactory(brand=brand, role="owner", user=UserFactory(email="boss@maison.test"))
    flagged = ItemFactory(brand=brand, current_store=store, status=status)
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        with pytest.raises(ValidationError) as error:
            services.registration_create(
                brand=brand,
                store=store,
                item_query=flagged.serial,
                customer=_new_customer(),
                price_paid=Decimal("1500"),
                currency="EUR",
            )
        # The caller goes on (the page answers with the reason): the trace is in its own transaction.
    assert error.value.code == services.ITEM_FLAGGED
    assert _counts(brand)[:4] == (0, 0, 0, 0)  # no registration, order, customer or consent
    with brand_context(brand):
        assert AuditLog.objects.filter(action="item.flagged_sale_attempt").count() == 1
        assert [e.kind for e in ItemEvent.objects.filter(item=flagged)] == ["flagged_sale_attempt"]
        assert Item.objects.get(pk=flagged.pk).status == status
    assert [m.to for m in mail.outbox] == [["boss@maison.test"]]


def test_new_customer_needs_a_first_and_last_name(brand, store, item):
    with pytest.raises(ValidationError) as error:
        _register(brand, store, item, customer=_new_customer(first_name=" ", email="nobody@example.test"))
    assert list(error.value.message_dict) == ["first_name"]
    assert _counts(brand) == (0, 0, 0, 0, 0)


def test_an_unknown_serial_is_refused_like_another_brands(brand, other_brand, store):
    foreign = ItemFactory(brand=other_brand)
    for query in ("NOPE-123", foreign.serial):
        with pytest.raises(ValidationError) as error:
            _register(brand, store, None, item_query=query)
        assert error.value.code == services.ITEM_NOT_FOUND
    assert _counts(brand) == (0, 0, 0, 0, 0)


def test_flagged_sale_attempt_alerts_the_brand(brand, store, eager_tasks, django_capture_on_commit_callbacks):
    owner = MembershipFactory(
        brand=brand, role="owner", user=UserFactory(email="boss@maison.test", language="fr")
    )
    MembershipFactory(brand=brand, role="admin", user=UserFactory(email="admin@maison.test"))
    MembershipFactory(brand=brand, role="marketer", user=UserFactory(email="mkt@maison.test"))
    stolen = ItemFactory(brand=brand, current_store=store, status="stolen")
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        services.item_flagged_sale_attempt(brand=brand, item=stolen, store=store)
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@maison.test", owner.user.email]
    assert stolen.serial in mail.outbox[0].subject
    with brand_context(brand):
        assert AuditLog.objects.filter(action="item.flagged_sale_attempt").count() == 1
        assert (
            ItemEvent.objects.filter(item=stolen, kind="flagged_sale_attempt", is_public=False).count() == 1
        )


def test_unknown_currency_is_refused(brand, store, item):
    before = _counts(brand)
    with pytest.raises(ValidationError) as error:
        _register(brand, store, item, currency="EUX")
    assert "currency" in error.value.message_dict
    assert _counts(brand) == before


def test_currency_is_normalised(brand, store, item):
    registration, _ = _register(brand, store, item, currency=" chf ")
    assert registration.currency == "CHF"


def test_grey_market_when_sold_by_another_store(brand, store):
    other = StoreFactory(brand=brand, country="CH", currency="CHF", market="CH", city="Genève")
    item = ItemFactory(brand=brand, current_store=store, shipped_to_store=store)
    registration, _ = _register(brand, other, item, currency="CHF")
    assert registration.is_grey_market is True
    assert other.code in registration.grey_market_reason
    with brand_context(brand):
        assert ItemEvent.objects.filter(item=item, kind="grey_market").count() == 1
        assert list(
            selectors.registration_list(
                brand=brand, filters=selectors.RegistrationFilters(is_grey_market=True)
            )
        ) == [registration]


def test_gift_creates_relation_and_keeps_email_only_with_consent(brand, store, item):
    gift = services.GiftInput(
        recipient_name="Emma",
        relation="spouse",
        occasion="birthday",
        birthday=date(1990, 5, 4),
        email="emma@example.test",
        has_email_consent=False,
    )
    registration, _ = _register(brand, store, item, gift=gift)
    with brand_context(brand):
        relation = Relation.objects.get()
        assert (relation.name, relation.kind, relation.birth_date, relation.email) == (
            "Emma",
            "spouse",
            date(1990, 5, 4),
            "",
        )
        assert registration.is_gift and registration.gift_recipient == relation
        assert registration.gift_occasion == "birthday" and registration.gift_recipient_name == "Emma"


def test_gift_email_kept_with_recipient_consent(brand, store, item):
    gift = services.GiftInput(recipient_name="Emma", email="emma@example.test", has_email_consent=True)
    _register(brand, store, item, gift=gift)
    with brand_context(brand):
        relation = Relation.objects.get()
        assert relation.email == "emma@example.test" and relation.email_consent_at is not None


def test_existing_customer_consents_are_not_overwritten_by_unticked_boxes(brand, store, item):
    customer = CustomerFactory(brand=brand, email="known@example.test")
    from customers.services import consent_record

    with brand_context(brand):
        consent_record(brand=brand, customer=customer, channel="sms", is_granted=True, source="portal")
    known = _new_customer(first_name="", last_name="", email="known@example.test")
    _register(brand, store, item, customer=known, consents=set())
    with brand_context(brand):
        assert Consent.objects.filter(customer=customer).count() == 1
        assert Customer.objects.count() == 1


def test_new_customer_input_matching_existing_email_reuses_customer(brand, store, item):
    customer = CustomerFactory(brand=brand, email="alice@example.test")
    registration, _ = _register(brand, store, item)
    assert registration.customer_id == customer.pk


def test_transfer_moves_ownership_and_keeps_warranty(brand, store, item):
    registration, _ = _register(brand, store, item)
    new_owner = CustomerFactory(brand=brand)
    with brand_context(brand):
        moved = services.registration_transfer(brand=brand, item=item, new_owner=new_owner)
        registration.refresh_from_db()
        item.refresh_from_db()
        assert registration.is_current is False and moved.is_current is True
        assert (registration.kind, moved.kind) == ("sale", "transfer")
        assert (moved.warranty_starts_on, moved.warranty_ends_on) == (
            registration.warranty_starts_on,
            registration.warranty_ends_on,
        )
        assert item.owner == new_owner
        event = ItemEvent.objects.get(kind="ownership_transfer")
        assert event.is_public and event.data["ownership_changes"] == 1


def test_transfer_refuses_stolen_item(brand, store):
    registration = RegistrationFactory(brand=brand, store=store)
    with brand_context(brand):
        Item.objects.filter(pk=registration.item_id).update(status="stolen")
        with pytest.raises(ValidationError):
            services.registration_transfer(
                brand=brand, item=registration.item, new_owner=CustomerFactory(brand=brand)
            )
        assert Registration.objects.filter(item=registration.item).count() == 1


# --- Interventions --------------------------------------------------------------------------------


def test_intervention_create_under_warranty_with_event(brand, store):
    registration = RegistrationFactory(
        brand=brand, store=store, sold_on=timezone.localdate() - timedelta(days=100)
    )
    with brand_context(brand):
        intervention = services.intervention_create(
            brand=brand,
            item=registration.item,
            store=store,
            kind="battery",
            received_on=timezone.localdate(),
            description="Battery flat",
        )
        assert intervention.is_under_warranty is True
        assert intervention.status == "received" and intervention.currency == "EUR"
        event = ItemEvent.objects.get(kind="intervention")
        assert event.is_public and event.data["type"] == "battery"


def test_intervention_outside_warranty(brand, store):
    registration = RegistrationFactory(
        brand=brand, store=store, sold_on=timezone.localdate() - timedelta(days=1000)
    )
    with brand_context(brand):
        intervention = services.intervention_create(
            brand=brand,
            item=registration.item,
            store=store,
            kind="cleaning",
            received_on=timezone.localdate(),
        )
    assert intervention.is_under_warranty is False


@pytest.mark.parametrize("status", ["lost", "stolen"])
def test_intervention_refuses_flagged_item(brand, store, status):
    flagged = ItemFactory(brand=brand, current_store=store, status=status)
    with brand_context(brand):
        with pytest.raises(ValidationError):
            services.intervention_create(
                brand=brand, item=flagged, store=store, kind="repair", received_on=timezone.localdate()
            )
        assert Intervention.objects.count() == 0


def test_intervention_moves_forward_only_and_emails_owner_when_ready(
    brand, store, eager_tasks, django_capture_on_commit_callbacks
):
    registration = RegistrationFactory(brand=brand, store=store)
    with brand_context(brand):
        Item.objects.filter(pk=registration.item_id).update(owner=registration.customer)
    intervention = InterventionFactory(brand=brand, store=store, item=registration.item)
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        services.intervention_advance(brand=brand, intervention=intervention, status="in_workshop")
        services.intervention_advance(brand=brand, intervention=intervention, status="ready")
    assert [m.to for m in mail.outbox] == [[registration.customer.email]]
    with brand_context(brand):
        with pytest.raises(ValidationError):
            services.intervention_advance(brand=brand, intervention=intervention, status="in_workshop")
        intervention.refresh_from_db()
        assert intervention.status == "ready" and intervention.ready_on == timezone.localdate()
        services.intervention_advance(brand=brand, intervention=intervention, status="returned")
        intervention.refresh_from_db()
        assert intervention.returned_on == timezone.localdate()
        assert ItemEvent.objects.filter(kind="intervention_status").count() == 3


# --- Claims ---------------------------------------------------------------------------------------


@pytest.fixture
def warranty_intervention(brand, store):
    registration = RegistrationFactory(
        brand=brand, store=store, sold_on=timezone.localdate() - timedelta(days=30)
    )
    return InterventionFactory(
        brand=brand, store=store, item=registration.item, received_on=timezone.localdate()
    )


def test_claim_create(brand, store, warranty_intervention):
    with brand_context(brand):
        claim = services.claim_create(
            brand=brand,
            intervention=warranty_intervention,
            store=store,
            labour_amount=Decimal("80"),
            parts_amount=Decimal("20"),
        )
    assert (claim.status, claim.claimed_amount, claim.currency) == ("submitted", Decimal("100"), "EUR")


def test_claim_refused_outside_warranty(brand, store):
    registration = RegistrationFactory(
        brand=brand, store=store, sold_on=timezone.localdate() - timedelta(days=1000)
    )
    intervention = InterventionFactory(brand=brand, store=store, item=registration.item)
    with brand_context(brand):
        with pytest.raises(ValidationError) as error:
            services.claim_create(
                brand=brand, intervention=intervention, store=store, labour_amount=10, parts_amount=0
            )
        assert error.value.code == "outside_warranty"
        assert WarrantyClaim.objects.count() == 0


def test_claim_refused_for_another_store_and_stolen_item_and_duplicate(brand, store, warranty_intervention):
    other = StoreFactory(brand=brand)
    with brand_context(brand):
        with pytest.raises(ValidationError) as error:
            services.claim_create(
                brand=brand, intervention=warranty_intervention, store=other, labour_amount=10, parts_amount=0
            )
        assert error.value.code == "wrong_store"
        services.claim_create(
            brand=brand, intervention=warranty_intervention, store=store, labour_amount=10, parts_amount=0
        )
        with pytest.raises(ValidationError) as error:
            services.claim_create(
                brand=brand, intervention=warranty_intervention, store=store, labour_amount=10, parts_amount=0
            )
        assert error.value.code == "claim_exists"
        Item.objects.filter(pk=warranty_intervention.item_id).update(status="stolen")
        WarrantyClaim.objects.update(status="rejected")
        with pytest.raises(ValidationError) as error:
            services.claim_create(
                brand=brand, intervention=warranty_intervention, store=store, labour_amount=10, parts_amount=0
            )
        assert error.value.code == services.ITEM_FLAGGED
        assert WarrantyClaim.objects.count() == 1


@pytest.mark.parametrize(
    ("decision", "amount", "reason", "status", "approved"),
    [
        ("approve", None, "", "approved", Decimal("100")),
        ("partial", Decimal("60"), "Parts not covered", "partially_approved", Decimal("60")),
        ("reject", None, "Shock damage", "rejected", Decimal("0")),
    ],
)
def test_claim_decide(brand, decision, amount, reason, status, approved):
    claim = WarrantyClaimFactory(brand=brand)
    with brand_context(brand):
        decided = services.claim_decide(
            brand=brand, claim=claim, decision=decision, amount=amount, reason=reason
        )
        assert (decided.status, decided.approved_amount, decided.decision_reason) == (
            status,
            approved,
            reason,
        )
        assert decided.decided_at is not None
        assert AuditLog.objects.filter(action=f"claim.{decision}").count() == 1


@pytest.mark.parametrize(
    ("decision", "amount", "reason"),
    [
        ("partial", Decimal("100"), "too much"),
        ("partial", None, "no amount"),
        ("partial", Decimal("10"), ""),
        ("reject", None, ""),
        ("maybe", None, "x"),
    ],
)
def test_claim_decide_invalid_changes_nothing(brand, decision, amount, reason):
    claim = WarrantyClaimFactory(brand=brand)
    with brand_context(brand):
        with pytest.raises(ValidationError):
            services.claim_decide(brand=brand, claim=claim, decision=decision, amount=amount, reason=reason)
        claim.refresh_from_db()
        assert claim.status == "submitted" and claim.decided_at is None


def test_claim_decided_once(brand):
    claim = WarrantyClaimFactory(brand=brand)
    with brand_context(brand):
        services.claim_decide(brand=brand, claim=claim, decision="approve")
        with pytest.raises(ValidationError):
            services.claim_decide(brand=brand, claim=claim, decision="reject", reason="changed my mind")


def test_payout_statement_totals_by_retailer_and_currency(brand):
    paris = StoreFactory(brand=brand)
    geneva = StoreFactory(brand=brand, currency="CHF", country="CH")
    claims = [
        WarrantyClaimFactory(brand=brand, intervention=InterventionFactory(brand=brand, store=paris)),
        WarrantyClaimFactory(brand=brand, intervention=InterventionFactory(brand=brand, store=paris)),
        WarrantyClaimFactory(
            brand=brand, intervention=InterventionFactory(brand=brand, store=geneva), currency="CHF"
        ),
        WarrantyClaimFactory(
            brand=brand, intervention=InterventionFactory(brand=brand, store=geneva), currency="CHF"
        ),
    ]
    with brand_context(brand):
        services.claim_decide(brand=brand, claim=claims[0], decision="approve")
        services.claim_decide(
            brand=brand, claim=claims[1], decision="partial", amount=Decimal("30"), reason="r"
        )
        services.claim_decide(brand=brand, claim=claims[2], decision="approve")
        services.claim_decide(brand=brand, claim=claims[3], decision="reject", reason="no")
        statement = selectors.payout_statement(brand=brand, month=timezone.localdate())
    assert statement.totals == {"CHF": Decimal("100.00"), "EUR": Decimal("130.00")}
    by_retailer = {line.retailer: line.totals for line in statement.lines}
    assert by_retailer == {
        paris.retailer.name: {"EUR": Decimal("130.00")},
        geneva.retailer.name: {"CHF": Decimal("100.00")},
    }


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_with_the_same_key_register_once(brand, store):
    import threading

    from django.db import connection

    item = ItemFactory(brand=brand, current_store=store, shipped_to_store=store)
    results, errors = [], []
    barrier = threading.Barrier(4)

    def submit() -> None:
        try:
            barrier.wait()
            results.append(_register(brand, store, item, idempotency_key="double-click")[0].pk)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1 and len(results) == 4
    assert _counts(brand)[:3] == (1, 1, 1)


def test_a_sale_in_another_currency_is_valued_in_the_brand_currency(brand, store, item):
    from customers.models import ExchangeRate

    ExchangeRate.objects.create(date=date(2020, 1, 1), currency="CHF", rate_to_eur=Decimal("0.95"))
    _register(brand, store, item, price_paid=Decimal("2000"), currency="CHF")
    with brand_context(brand):
        order = Order.objects.get()
    assert (order.currency, order.total, order.total_brand_currency) == (
        "CHF",
        Decimal("2000.00"),
        Decimal("1900.00"),
    )


def test_a_sale_in_the_brand_currency_keeps_its_amount(brand, store, item):
    _register(brand, store, item, price_paid=Decimal("1500"), currency="EUR")
    with brand_context(brand):
        assert Order.objects.get().total_brand_currency == Decimal("1500.00")
