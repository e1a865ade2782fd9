"""GDPR erasure (contract C4, WEB-08) reaches the suppression list through customers' erasure hook: the
address is kept only as its hash, still suppressed, and the provider's texts naming it are blanked."""

from __future__ import annotations

import pytest

from campaigns.delivery.models import DeliveryEvent, Suppression
from campaigns.delivery.selectors import email_hash, suppressed_emails
from campaigns.delivery.services import delivery_event_record, suppression_add
from customers import gdpr
from customers.models import Customer
from jewelcrm.messaging.services import message_deliver, message_send
from jewelcrm.tenancy.context import brand_context
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


def test_erasure_keeps_the_suppression_as_a_hash_and_blanks_the_providers_texts(
    brand, other_brand, customer, owner_client, newsletter_kind
):
    from django.urls import reverse

    message = MessageFactory(brand=brand, to=customer.email, status="sent")
    with brand_context(brand):
        suppression_add(brand=brand, email=customer.email, reason="bounce", source="Mailgun webhook")
        delivery_event_record(
            brand=brand,
            message_id=message.pk,
            event="bounced",
            provider_event_id="mailgun:1",
            detail=f"550 5.1.1 <{customer.email}>: Recipient address rejected",
        )
    with brand_context(other_brand):
        suppression_add(brand=other_brand, email=customer.email, reason="unsubscribe")

    with brand_context(brand):
        gdpr.customer_erase(brand=brand, customer=Customer.objects.get(pk=customer.pk))
        assert list(Suppression.objects.values_list("email", "reason")) == [
            (email_hash(customer.email), "bounce")
        ]
        assert DeliveryEvent.objects.get().detail == ""
        assert not Suppression.objects.filter(email__icontains="anna").exists()
        # Still suppressed if the address comes back (a re-import): the engine and the send log see it.
        assert suppressed_emails(brand=brand, emails=["ANNA@example.test"]) == {"anna@example.test"}
        again = message_send(brand=brand, key="news:after", kind=newsletter_kind, to="anna@example.test")
        assert message_deliver(brand_id=brand.pk, message_id=again.pk) == "skipped"
        # Suppressing it again adds nothing.
        _row, created = suppression_add(brand=brand, email="anna@example.test", reason="unsubscribe")
        assert created is False and Suppression.objects.count() == 1
        # Erasing twice changes nothing more.
        gdpr.customer_erase(brand=brand, customer=Customer.objects.get(pk=customer.pk))
        assert Suppression.objects.count() == 1
    page = owner_client.get(reverse("campaign_delivery:suppressions", kwargs={"brand_slug": brand.slug}))
    html = page.content.decode()
    assert "Erased person&#x27;s address" in html or "Erased person's address" in html
    assert "sha256:" not in html
    # Another brand's list is its own business.
    with brand_context(other_brand):
        assert list(Suppression.objects.values_list("email", flat=True)) == ["anna@example.test"]
