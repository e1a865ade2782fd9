"""The Django admin for platform staff: people and brands only."""

from __future__ import annotations

import pytest
from django.test import Client

from jewelcrm.accounts.models import Brand, User
from tests.factories import BrandFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    user = UserFactory(email="platform@example.test", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/accounts/user/", "/admin/accounts/brand/", "/admin/accounts/user/add/"]
)
def test_platform_staff_reach_the_admin(staff_client, brand, url):
    assert staff_client.get(url).status_code == 200


def test_brand_staff_are_kept_out_of_the_admin(owner_client):
    response = owner_client.get("/admin/accounts/brand/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_create_a_brand_and_a_user(staff_client):
    response = staff_client.post(
        "/admin/accounts/brand/add/",
        {
            "name": "Orfèvre Lyon",
            "slug": "orfevre-lyon",
            "code_prefix": "orl",
            "default_currency": "EUR",
            "languages": '["fr", "en"]',
            "time_zone": "Europe/Paris",
            "country": "FR",
            "primary_colour": "#1F3A5F",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Brand.objects.get(slug="orfevre-lyon").code_prefix == "ORL"
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.test",
            "full_name": "New",
            "usable_password": "true",
            "password1": "a-long-enough-secret-9",
            "password2": "a-long-enough-secret-9",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="new@example.test").check_password("a-long-enough-secret-9")


def test_the_code_prefix_of_an_existing_brand_cannot_change(staff_client):
    brand = BrandFactory(slug="fixed", code_prefix="FIX")
    response = staff_client.post(
        f"/admin/accounts/brand/{brand.pk}/change/",
        {
            "name": brand.name,
            "slug": "fixed",
            "code_prefix": "NEW",
            "default_currency": "EUR",
            "languages": '["fr"]',
            "time_zone": "Europe/Paris",
            "country": "FR",
            "primary_colour": "#1F3A5F",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "cannot change" in str(response.context["adminform"].form.errors["code_prefix"])
    brand.refresh_from_db()
    assert brand.code_prefix == "FIX"
