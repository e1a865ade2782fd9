"""Profile, relation, consent-ledger, money and order services."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from customers import selectors, services
from customers.models import Consent, ExchangeRate, Order
from customers.tests.factories import ConsentFactory, CustomerFactory, RelationFactory
from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


# --- Profile -----------------------------------------------------------------------------------


def test_customer_update_changes_fields_records_sources_and_audits_field_names_only(brand):
    customer = CustomerFactory(
        brand=brand, first_name="Ana", email="ana@example.test", field_sources={"email": "erp"}
    )
    store = StoreFactory(brand=brand)
    with brand_context(brand):
        changed = services.customer_update(
            brand=brand,
            customer=customer,
            source="staff",
            data={
                "first_name": "Anna",
                "email": "ana@example.test",
                "home_store": store,
                "tags": "VIP, VIP, bridal",
            },
        )
        customer.refresh_from_db()
        audit = AuditLog.objects.get(action="customer.update")
    assert changed == ["first_name", "home_store", "tags"]
    assert (customer.first_name, customer.home_store_id, customer.tags) == (
        "Anna",
        store.pk,
        ["VIP", "bridal"],
    )
    assert customer.field_sources == {
        "email": "erp",
        "first_name": "staff",
        "home_store": "staff",
        "tags": "staff",
    }
    assert audit.data == {"fields": ["first_name", "home_store", "tags"]}
    assert "Anna" not in str(audit.data)


def test_customer_update_without_any_contact_is_refused_and_writes_nothing(brand):
    customer = CustomerFactory(brand=brand, email="a@example.test", phone="")
    with brand_context(brand), pytest.raises(ValidationError):
        services.customer_update(brand=brand, customer=customer, data={"email": ""})
    with brand_context(brand):
        customer.refresh_from_db()
        assert customer.email == "a@example.test"
        assert not AuditLog.objects.exists()


def test_customer_update_with_nothing_changed_is_not_audited(brand):
    customer = CustomerFactory(brand=brand, first_name="Ana")
    with brand_context(brand):
        assert services.customer_update(brand=brand, customer=customer, data={"first_name": "Ana"}) == []
        assert not AuditLog.objects.exists()


def test_relation_save_and_delete(brand):
    customer = CustomerFactory(brand=brand)
    with brand_context(brand):
        relation = services.relation_save(
            brand=brand,
            customer=customer,
            data={
                "name": "Léa",
                "kind": "child",
                "birth_date": date(2012, 2, 29),
                "anniversary": None,
                "email": "",
            },
        )
        assert list(selectors.relation_list(brand=brand, customer=customer)) == [relation]
        services.relation_delete(brand=brand, customer=customer, relation=relation)
        assert list(selectors.relation_list(brand=brand, customer=customer)) == []


def test_relation_of_another_customer_cannot_be_changed(brand):
    mine, other = CustomerFactory(brand=brand), CustomerFactory(brand=brand)
    relation = RelationFactory(brand=brand, customer=other, name="Paul")
    with brand_context(brand), pytest.raises(ValidationError):
        services.relation_save(brand=brand, customer=mine, relation=relation, data={"name": "Pierre"})
    with brand_context(brand):
        relation.refresh_from_db()
    assert relation.name == "Paul"


# --- Consent ledger ----------------------------------------------------------------------------


def test_the_ledger_offers_no_update_nor_delete_service():
    from customers.services import consents

    names = {n for n in dir(services) if n.startswith("consent") and callable(getattr(services, n))}
    assert names == {n for n in dir(consents) if n.startswith("consent") and callable(getattr(consents, n))}
    assert names == {
        "consent_entry",
        "consent_record",
        "consents_record",
        "consent_withdraw",
        "consent_confirm",
        "consent_confirmation_token",
    }
    assert not any(hasattr(services, n) for n in ("consent_update", "consent_delete", "consent_edit"))


def test_current_status_is_the_latest_entry_per_channel_and_purpose(brand):
    customer = CustomerFactory(brand=brand)
    t = lambda h: datetime(2026, 1, 1, h, tzinfo=UTC)  # noqa: E731
    with brand_context(brand):
        services.consent_record(
            brand=brand, customer=customer, channel="sms", is_granted=True, source="store", at=t(9)
        )
        services.consent_withdraw(brand=brand, customer=customer, channel="sms", source="portal")
        services.consent_record(
            brand=brand,
            customer=customer,
            channel="email",
            is_granted=True,
            is_confirmed=True,
            source="store",
            at=t(9),
        )
        services.consent_record(
            brand=brand,
            customer=customer,
            channel="email",
            is_granted=False,
            source="staff",
            purpose="surveys",
            at=t(10),
        )
        assert selectors.consent_is_active(brand=brand, customer=customer, channel="sms") is False
        assert selectors.consent_is_active(brand=brand, customer=customer, channel="email") is True
        assert (
            selectors.consent_is_active(brand=brand, customer=customer, channel="email", purpose="surveys")
            is False
        )
        assert Consent.objects.filter(customer=customer).count() == 4
        status = {
            (r["purpose"], r["channel"]): r["is_active"]
            for r in selectors.consent_status_table(brand=brand, customer=customer)
        }
    assert status == {("marketing", "email"): True, ("marketing", "sms"): False, ("surveys", "email"): False}


def test_email_consent_counts_only_once_confirmed_and_confirmation_appends(brand):
    customer = CustomerFactory(brand=brand)
    with brand_context(brand):
        services.consent_record(
            brand=brand, customer=customer, channel="email", is_granted=True, source="store"
        )
        assert selectors.consent_is_active(brand=brand, customer=customer, channel="email") is False
        token = services.consent_confirmation_token(customer=customer)
        services.consent_confirm(brand=brand, token=token, ip="203.0.113.5")
        services.consent_confirm(brand=brand, token=token, ip="203.0.113.5")  # idempotent
        assert selectors.consent_is_active(brand=brand, customer=customer, channel="email") is True
        entries = list(Consent.objects.filter(customer=customer).values_list("is_confirmed", "source", "ip"))
    assert entries == [(False, "store", None), (True, "double_opt_in", "203.0.113.5")]


def test_with_active_consent_filters_like_consent_is_active(brand):
    confirmed = ConsentFactory(brand=brand, channel="email", is_confirmed=True).customer
    unconfirmed = ConsentFactory(brand=brand, channel="email", is_confirmed=False).customer
    withdrawn = ConsentFactory(brand=brand, channel="email", is_confirmed=True).customer
    ConsentFactory(
        brand=brand,
        customer=withdrawn,
        channel="email",
        is_granted=False,
        at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    sms = ConsentFactory(brand=brand, channel="sms", is_confirmed=False).customer
    CustomerFactory(brand=brand)
    with brand_context(brand):
        email_ids = set(
            selectors.with_active_consent(selectors.customer_list(brand=brand), channel="email").values_list(
                "pk", flat=True
            )
        )
        sms_ids = set(
            selectors.with_active_consent(selectors.customer_list(brand=brand), channel="sms").values_list(
                "pk", flat=True
            )
        )
        for customer in (confirmed, unconfirmed, withdrawn, sms):
            assert (customer.pk in email_ids) == selectors.consent_is_active(
                brand=brand, customer=customer, channel="email"
            )
    assert email_ids == {confirmed.pk}
    assert sms_ids == {sms.pk}


# --- Money and orders --------------------------------------------------------------------------


def test_exchange_rate_is_the_latest_on_or_before_the_date(brand):
    ExchangeRate.objects.create(currency="CHF", date=date(2026, 1, 1), rate_to_eur=Decimal("1.05"))
    ExchangeRate.objects.create(currency="CHF", date=date(2026, 2, 1), rate_to_eur=Decimal("1.10"))
    assert selectors.exchange_rate_get(currency="chf", on_date=date(2026, 1, 31)) == Decimal("1.05")
    assert selectors.exchange_rate_get(currency="CHF", on_date=date(2026, 2, 1)) == Decimal("1.10")
    assert selectors.exchange_rate_get(currency="CHF", on_date=date(2025, 12, 31)) is None
    assert selectors.exchange_rate_get(currency="EUR", on_date=date(2000, 1, 1)) == Decimal("1")


def test_amount_convert_between_two_currencies_through_the_euro(brand):
    ExchangeRate.objects.create(currency="CHF", date=date(2026, 1, 1), rate_to_eur=Decimal("1.05"))
    ExchangeRate.objects.create(currency="USD", date=date(2026, 1, 1), rate_to_eur=Decimal("0.90"))
    on = date(2026, 3, 1)
    assert services.amount_convert(amount="100", currency="CHF", to_currency="EUR", on_date=on) == Decimal(
        "105.00"
    )
    assert services.amount_convert(amount="90", currency="USD", to_currency="CHF", on_date=on) == Decimal(
        "77.14"
    )
    assert services.amount_convert(amount="10", currency="JPY", to_currency="EUR", on_date=on) is None


def test_order_upsert_is_idempotent_and_converts_to_the_brand_currency(other_brand):
    brand = other_brand  # default currency CHF
    customer = CustomerFactory(brand=brand)
    ExchangeRate.objects.create(currency="CHF", date=date(2026, 1, 1), rate_to_eur=Decimal("1.25"))
    fields = {
        "customer": customer,
        "ordered_at": datetime(2026, 3, 1, 10, tzinfo=UTC),
        "status": "paid",
        "currency": "EUR",
        "total": Decimal("500"),
        "channel": "web",
    }
    lines = [
        {"sku": "BA-1", "name": "Ring", "quantity": 1, "unit_price": Decimal("500"), "total": Decimal("500")}
    ]
    with brand_context(brand):
        order, first = services.order_upsert(
            brand=brand, source="eshop", external_id="#1001", fields=fields, lines=lines
        )
        _same, second = services.order_upsert(
            brand=brand, source="eshop", external_id="#1001", fields=fields, lines=lines
        )
        _refund, third = services.order_upsert(
            brand=brand,
            source="eshop",
            external_id="#1001",
            fields={**fields, "status": "refunded", "refunded_amount": Decimal("500")},
            lines=lines,
        )
        order.refresh_from_db()
        assert Order.objects.count() == 1
        assert order.lines.count() == 1
    assert (first, second, third) == ("created", "unchanged", "updated")
    assert order.total_brand_currency == Decimal("400.00")
    assert (order.status, order.refunded_amount) == ("refunded", Decimal("500.00"))


def test_purchase_summary_converts_missing_values_and_nets_refunds(brand):
    customer = CustomerFactory(brand=brand)
    ExchangeRate.objects.create(currency="CHF", date=date(2026, 1, 1), rate_to_eur=Decimal("1.10"))
    at = datetime(2026, 3, 1, 10, tzinfo=UTC)
    from customers.tests.factories import OrderFactory

    # A warranty sale written without the value in the brand's currency.
    OrderFactory(
        brand=brand,
        customer=customer,
        currency="CHF",
        total=Decimal("1000"),
        total_brand_currency=None,
        ordered_at=at,
        source="warranty",
    )
    OrderFactory(
        brand=brand,
        customer=customer,
        currency="EUR",
        total=Decimal("500"),
        refunded_amount=Decimal("100"),
        total_brand_currency=Decimal("500"),
        ordered_at=at,
        status="partially_refunded",
    )
    OrderFactory(
        brand=brand, customer=customer, status="cancelled", ordered_at=datetime(2026, 4, 1, tzinfo=UTC)
    )
    with brand_context(brand):
        summary = selectors.customer_purchase_summary(brand=brand, customer=customer)
    assert summary == {"count": 2, "value": Decimal("1500.00"), "last": at}
