"""Tracked links and the open pixel: signed, never an open redirect; events and their counts."""

from __future__ import annotations

import re

import pytest
from django.core import signing

from campaigns.content import selectors, tracking
from campaigns.content.models import TrackingEvent
from campaigns.content.rendering import Recipient, render_batch
from campaigns.content.tests.factories import EmailTemplateFactory
from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _events(brand):
    with brand_context(brand):
        return list(TrackingEvent.objects.order_by("id").values_list("message_key", "kind", "url"))


def test_rendered_marketing_email_has_tracked_links_and_a_pixel(brand, client):
    customer = CustomerFactory(brand=brand)
    template = EmailTemplateFactory(
        brand=brand,
        body_en="See [the collection](https://maison.example/aurore?x=1&y=2) or https://maison.example/",
    )
    with brand_context(brand):
        (email,) = render_batch(
            brand=brand, template=template, recipients=[Recipient(customer.pk, "en", "camp:7:1")]
        )
    links = re.findall(r'href="([^"]+)"', email.html)
    assert len(links) == 2 and all("/t/c/" in link for link in links)
    assert ">the collection</a>" in email.html and ">https://maison.example/</a>" in email.html
    assert "maison.example" not in "".join(links)  # the address is inside the signature only
    assert email.text.count("/t/c/") == 2
    (pixel,) = re.findall(r'<img src="([^"]+/t/o/[^"]+)"', email.html)

    first = client.get(_path(links[0].replace("&amp;", "&")))
    assert first.status_code == 302
    assert first["Location"] == "https://maison.example/aurore?x=1&y=2"
    assert client.get(_path(links[1])).status_code == 302
    opened = client.get(_path(pixel))
    assert opened.status_code == 200 and opened["Content-Type"] == "image/gif"
    client.get(_path(pixel))
    assert _events(brand) == [
        ("camp:7:1", "clicked", "https://maison.example/aurore?x=1&y=2"),
        ("camp:7:1", "clicked", "https://maison.example/"),
        ("camp:7:1", "opened", ""),
        ("camp:7:1", "opened", ""),
    ]


def _tampered(token: str) -> str:
    value, signature = token.rsplit(":", 1)
    return value + ":" + ("A" if signature[0] != "A" else "B") + signature[1:]


def test_tampered_or_forged_links_are_404_and_record_nothing(brand, other_brand, client):
    recipient = tracking.recipient_token(brand=brand, message_key="camp:1:1")
    link = tracking.link_token(brand=brand, url="https://maison.example/")
    assert client.get(f"/t/c/{recipient}/{link}/").status_code == 302  # the genuine pair works
    value, signature = link.rsplit(":", 1)
    evil_payload = signing.b64_encode(b'[%d,"https://evil.example/"]' % brand.pk).decode()
    for bad_recipient, bad_link in (
        (_tampered(recipient), link),  # signature of the recipient changed
        (recipient, _tampered(link)),  # signature of the link changed
        (recipient, f"{evil_payload}:{signature}"),  # another address under the genuine signature
        (recipient, signing.dumps([brand.pk, "https://evil.example/"], salt="wrong")),  # another key
        (
            recipient,
            signing.Signer(salt="campaign_content.recipient").sign_object(
                [brand.pk, "https://evil.example/"]
            ),
        ),
        (recipient, tracking.link_token(brand=other_brand, url="https://other.example/")),  # two brands
        (recipient, tracking.link_token(brand=brand, url="javascript:alert(1)")),  # not http(s)
        (recipient, "nothing"),
        ("nothing", link),
    ):
        response = client.get(f"/t/c/{bad_recipient}/{bad_link}/")
        assert response.status_code == 404, (bad_recipient, bad_link)
        assert "Location" not in response
    assert client.get("/t/o/garbage/").status_code == 404
    assert client.get(f"/t/o/{_tampered(recipient)}/").status_code == 404
    assert client.get(f"/t/o/{link}/").status_code == 404  # a link token is not a recipient token
    assert _events(brand) == [("camp:1:1", "clicked", "https://maison.example/")]


def test_tracking_counts_by_prefix_and_keys(brand, other_brand):
    from campaigns.content import services

    with brand_context(brand):
        for key, kind in [
            ("camp:1:1", "opened"), ("camp:1:1", "opened"), ("camp:1:1", "clicked"),
            ("camp:1:2", "opened"), ("camp:1:20", "clicked"), ("camp:10:1", "opened"),
            ("journey:1:1", "clicked"),
        ]:  # fmt: skip
            services.tracking_record(brand_id=brand.pk, message_key=key, kind=kind, url="https://x.example/")
    with brand_context(other_brand):
        services.tracking_record(brand_id=other_brand.pk, message_key="camp:1:1", kind="opened")
    with brand_context(brand):
        assert selectors.tracking_counts(brand=brand, message_keys_prefix="camp:1:") == {
            "opened": 3, "clicked": 2, "unique_opened": 2, "unique_clicked": 2,
        }  # fmt: skip
        assert selectors.tracking_counts(brand=brand, keys=["camp:1:1", "journey:1:1"]) == {
            "opened": 2, "clicked": 2, "unique_opened": 1, "unique_clicked": 2,
        }  # fmt: skip
        assert selectors.tracking_counts(brand=brand, keys=[]) == {
            "opened": 0, "clicked": 0, "unique_opened": 0, "unique_clicked": 0,
        }  # fmt: skip
    with brand_context(other_brand):
        assert selectors.tracking_counts(brand=other_brand, message_keys_prefix="camp:")["opened"] == 1


def test_recording_an_event_is_one_insert(brand, django_assert_num_queries):
    from campaigns.content import services

    with brand_context(brand), django_assert_num_queries(1):
        services.tracking_record(
            brand_id=brand.pk, message_key="camp:1:1", kind="clicked", url="https://x.example/"
        )
