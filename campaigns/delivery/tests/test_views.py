"""The owner's e-mail preferences (owner portal) and the suppression list (dashboard): roles, brands
apart, ledger entries, audit, EN/FR, fixed query counts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from campaigns.delivery.models import Suppression
from campaigns.delivery.tests.factories import SuppressionFactory
from customers.models import Consent
from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context
from warranties.portal.session import SESSION_KEY

pytestmark = pytest.mark.django_db


def _portal(brand, customer, language="en") -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = {str(brand.pk): customer.pk}
    session.save()
    client.cookies["django_language"] = language
    return client


def _prefs(brand) -> str:
    return reverse("campaign_delivery:preferences", kwargs={"brand_slug": brand.slug})


def _ledger(brand, customer):
    with brand_context(brand):
        return list(
            Consent.objects.filter(customer=customer)
            .order_by("at", "id")
            .values_list("channel", "purpose", "is_granted", "source")
        )


# --- Preferences ------------------------------------------------------------------------------------


def test_preferences_need_the_portal_sign_in(brand):
    response = Client().get(_prefs(brand))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:sign_in", kwargs={"brand_slug": brand.slug})


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            ["What you receive from us", "Marketing messages", "Service messages", "E-mail", "SMS", "Post"],
        ),
        ("fr", ["Ce que vous recevez de notre part", "Messages marketing", "Courrier", "Enregistrer"]),
    ],
)
def test_preferences_show_each_channel_and_purpose_with_labels(brand, customer, language, words):
    response = _portal(brand, customer, language).get(_prefs(brand))
    assert response.status_code == 200
    html = response.content.decode()
    for word in words:
        assert word in html, word
    assert 'name="consent-email-marketing" checked' in html
    assert 'name="consent-sms-marketing" checked' not in html
    # Linked from the portal's navigation, on every owner page.
    link = f'href="{_prefs(brand)}"'
    assert link in html
    pieces = _portal(brand, customer, language).get(
        reverse("portal:pieces", kwargs={"brand_slug": brand.slug})
    )
    assert link in pieces.content.decode()


def test_saving_preferences_writes_ledger_entries_for_the_changes_only(brand, customer):
    client = _portal(brand, customer)
    response = client.post(_prefs(brand), {"consent-email-marketing": "on", "consent-sms-service": "on"})
    assert response.status_code == 302 and response["Location"] == _prefs(brand)
    assert _ledger(brand, customer) == [
        ("email", "marketing", True, "store"),
        ("sms", "service", True, "portal"),
    ]
    client.post(_prefs(brand), {"consent-sms-service": "on"})  # e-mail marketing unticked
    assert _ledger(brand, customer)[-1] == ("email", "marketing", False, "portal")
    assert len(_ledger(brand, customer)) == 3
    client.post(_prefs(brand), {"consent-sms-service": "on"})  # nothing changed: nothing written
    assert len(_ledger(brand, customer)) == 3
    page = client.get(_prefs(brand)).content.decode()
    assert "Your preferences are saved." in page
    assert (
        'name="consent-sms-service" checked' in page and 'name="consent-email-marketing" checked' not in page
    )


def test_consenting_again_lifts_the_owners_own_unsubscribe_but_not_a_bounce(brand, customer, other_brand):
    SuppressionFactory(brand=brand, email=customer.email, reason="unsubscribe")
    client = _portal(brand, customer)
    client.post(_prefs(brand), {})
    client.post(_prefs(brand), {"consent-email-marketing": "on"})
    with brand_context(brand):
        assert not Suppression.objects.filter(email=customer.email).exists()
        Suppression.objects.all().delete()
    SuppressionFactory(brand=brand, email=customer.email, reason="bounce")
    client.post(_prefs(brand), {})
    client.post(_prefs(brand), {"consent-email-marketing": "on"})
    with brand_context(brand):
        assert list(Suppression.objects.values_list("reason", flat=True)) == ["bounce"]


def test_another_brands_portal_session_gives_nothing(brand, other_brand, customer):
    """Signed in to brand A's portal: brand B's preference page is B's sign-in, B's ledger unchanged."""
    client = _portal(brand, customer)
    response = client.post(_prefs(other_brand), {"consent-email-marketing": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:sign_in", kwargs={"brand_slug": other_brand.slug})
    with brand_context(other_brand):
        assert Consent.objects.count() == 0


# --- The suppression list ---------------------------------------------------------------------------


def _list(brand) -> str:
    return reverse("campaign_delivery:suppressions", kwargs={"brand_slug": brand.slug})


def _remove(brand, pk) -> str:
    return reverse("campaign_delivery:suppression_remove", kwargs={"brand_slug": brand.slug, "pk": pk})


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("admin", 200),
        ("marketer", 403),
        ("analyst", 403),
        ("retail_manager", 403),
        ("sales_associate", 403),
    ],
)
def test_the_list_is_for_owners_and_admins(brand, client_for, role, status):
    SuppressionFactory(brand=brand, email="anna@example.test")
    client = client_for(brand, role)
    assert client.get(_list(brand)).status_code == status
    assert client.post(_list(brand), {"email": "new@example.test"}).status_code in (
        {200: 302}.get(status, status),
    )
    with brand_context(brand):
        expected = 2 if status == 200 else 1
        assert Suppression.objects.count() == expected


@pytest.mark.parametrize(("language", "label"), [("en", "Hard bounce"), ("fr", "Rejet définitif")])
def test_the_list_shows_reasons_in_words_searches_and_paginates(brand, owner_client, language, label):
    SuppressionFactory(brand=brand, email="bounced@example.test", reason="bounce")
    for n in range(60):
        SuppressionFactory(brand=brand, email=f"person{n:02d}@example.test", reason="unsubscribe")
    owner_client.cookies["django_language"] = language
    html = owner_client.get(_list(brand) + "?q=bounced").content.decode()
    assert "bounced@example.test" in html and label in html and "person01@" not in html
    first = owner_client.get(_list(brand)).content.decode()
    assert first.count('data-testid="suppression-remove"') == 50
    second = owner_client.get(_list(brand) + "?page=2").content.decode()
    assert second.count('data-testid="suppression-remove"') == 11
    only = owner_client.get(_list(brand) + "?reason=bounce").content.decode()
    assert only.count('data-testid="suppression-remove"') == 1
    assert ">bounce<" not in only and ">unsubscribe<" not in first


def test_the_list_has_a_fixed_number_of_queries(brand, owner_client, django_assert_max_num_queries):
    for _n in range(5):
        SuppressionFactory(brand=brand)
    owner_client.get(_list(brand))
    with django_assert_max_num_queries(25) as few:
        owner_client.get(_list(brand))
    for _n in range(40):
        SuppressionFactory(brand=brand)
    with django_assert_max_num_queries(len(few.captured_queries)):
        owner_client.get(_list(brand))


def test_adding_and_removing_by_hand_is_audited(brand, owner_client):
    response = owner_client.post(_list(brand), {"email": " Carla@Example.TEST "})
    assert response.status_code == 302
    with brand_context(brand):
        row = Suppression.objects.get()
        assert (row.email, row.reason, row.source) == (
            "carla@example.test",
            "manual",
            owner_client.user.email,
        )
    again = owner_client.post(_list(brand), {"email": "carla@example.test"})
    assert again.status_code == 400 and "already on the suppression list" in again.content.decode()
    assert owner_client.post(_list(brand), {"email": "not an address"}).status_code == 400
    assert owner_client.post(_remove(brand, row.pk)).status_code == 302
    with brand_context(brand):
        assert not Suppression.objects.exists()
        actions = list(
            AuditLog.objects.order_by("id").values_list("action", "object_type", "actor_id", "data")
        )
    assert actions == [
        ("suppression.add", "Suppression", owner_client.user.pk, {"email": "carla@example.test"}),
        (
            "suppression.remove",
            "Suppression",
            owner_client.user.pk,
            {"email": "carla@example.test", "reason": "manual"},
        ),
    ]
    html = owner_client.get(reverse("accounts:audit_log", kwargs={"brand_slug": brand.slug})).content.decode()
    assert "Address added to the suppression list" in html and ">suppression.add<" not in html


def test_another_brands_rows_are_invisible_and_cannot_be_removed(brand, other_brand, owner_client):
    foreign = SuppressionFactory(brand=other_brand, email="foreign@example.test")
    assert "foreign@example.test" not in owner_client.get(_list(brand)).content.decode()
    assert owner_client.post(_remove(brand, foreign.pk)).status_code == 404
    assert owner_client.get(_list(other_brand)).status_code == 404
    assert owner_client.post(_list(other_brand), {"email": "x@example.test"}).status_code == 404
    with brand_context(other_brand):
        assert list(Suppression.objects.values_list("email", flat=True)) == ["foreign@example.test"]
    with brand_context(brand):
        assert not Suppression.objects.exists()


def test_the_dashboard_menu_links_the_list_for_admins_only(brand, owner_client, marketer_client):
    url = _list(brand)
    home = reverse("accounts:dashboard", kwargs={"brand_slug": brand.slug})
    assert f'href="{url}"' in owner_client.get(home).content.decode()
    assert f'href="{url}"' not in marketer_client.get(home).content.decode()
