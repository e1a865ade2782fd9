"""API keys: the management page, the command, and authentication with a key."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from jewelcrm.accounts import services
from jewelcrm.accounts.models import APIKey, AuditLog
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db


def keys_url(brand) -> str:
    return reverse("accounts:api_keys", kwargs={"brand_slug": brand.slug})


def revoke_url(brand, pk: int) -> str:
    return reverse("accounts:api_key_revoke", kwargs={"brand_slug": brand.slug, "pk": pk})


def whoami(brand) -> str:
    return reverse("accounts-api:whoami", kwargs={"brand_slug": brand.slug})


def make_key(brand, name: str = "E-shop") -> tuple[APIKey, str]:
    with brand_context(brand):
        return services.api_key_create(brand=brand, name=name)


def keys_of(brand) -> list[tuple[str, bool]]:
    with brand_context(brand):
        return sorted((k.name, k.revoked_at is None) for k in APIKey.objects.all())


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 200),
        ("admin", 200),
        ("marketer", 403),
        ("analyst", 403),
        ("retail_manager", 403),
        ("sales_associate", 403),
    ],
)
def test_api_keys_page_per_role(client_for, brand, role, expected):
    client = client_for(brand, role)
    assert client.get(keys_url(brand)).status_code == expected
    response = client.post(keys_url(brand), {"name": "Mine"})
    assert response.status_code == expected
    assert keys_of(brand) == ([("Mine", True)] if expected == 200 else [])


def test_a_new_key_is_shown_once_and_stored_hashed(owner_client, brand):
    response = owner_client.post(keys_url(brand), {"name": "E-shop sync"})
    raw = response.context["raw_key"]
    assert raw.startswith(f"jck.{brand.slug}.") and raw in response.content.decode()
    assert "no-store" in [part.strip() for part in response["Cache-Control"].split(",")]
    with brand_context(brand):
        key = APIKey.objects.get()
        audit = list(AuditLog.objects.values_list("action", "object_id", "actor_id"))
    assert key.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(f"jck.{brand.slug}.{key.prefix}") and len(key.prefix) == 8
    assert audit == [("api_key.create", str(key.pk), owner_client.user.pk)]
    listing = owner_client.get(keys_url(brand)).content.decode()
    assert raw not in listing
    assert "E-shop sync" in listing and key.prefix in listing


def test_revoke_a_key(owner_client, brand):
    key, raw = make_key(brand)
    assert owner_client.post(revoke_url(brand, key.pk)).status_code == 302
    assert keys_of(brand) == [("E-shop", False)]
    with brand_context(brand):
        assert list(AuditLog.objects.order_by("pk").values_list("action", flat=True)) == [
            "api_key.create",
            "api_key.revoke",
        ]
    assert Client().get(whoami(brand), HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code == 401


def test_revoking_another_brands_key_is_not_found(owner_client, brand, other_brand):
    foreign, raw = make_key(other_brand)
    assert owner_client.post(revoke_url(brand, foreign.pk)).status_code == 404
    assert owner_client.post(revoke_url(other_brand, foreign.pk)).status_code == 404
    assert keys_of(other_brand) == [("E-shop", True)]


@pytest.mark.parametrize("role", ["marketer", "analyst", "sales_associate"])
def test_other_roles_cannot_revoke(client_for, brand, role):
    key, _raw = make_key(brand)
    assert client_for(brand, role).post(revoke_url(brand, key.pk)).status_code == 403
    assert keys_of(brand) == [("E-shop", True)]


def test_create_api_key_command_prints_a_working_key(brand):
    out, err = StringIO(), StringIO()
    call_command("create_api_key", "--brand", brand.slug, "--name", "ERP", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert raw.startswith(f"jck.{brand.slug}.")
    assert raw not in err.getvalue()
    assert keys_of(brand) == [("ERP", True)]
    response = Client().get(whoami(brand), HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200


def test_create_api_key_command_refuses_an_unknown_brand(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_key", "--brand", "nope", "--name", "ERP", stdout=StringIO())


# --- authentication with a key -----------------------------------------------------------------


def test_a_valid_key_is_scoped_to_its_brand_and_records_its_use(brand):
    key, raw = make_key(brand)
    assert key.last_used_at is None
    response = Client().get(whoami(brand), HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    assert response.json() == {
        "brand": {"slug": brand.slug, "name": brand.name, "id": brand.pk},
        "caller": {"kind": "api_key", "name": "E-shop", "prefix": key.prefix},
    }
    with brand_context(brand):
        assert APIKey.objects.get().last_used_at is not None


def test_a_bearer_header_works_too(brand):
    _key, raw = make_key(brand)
    assert Client().get(whoami(brand), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_a_key_of_brand_a_on_brand_b_url_is_not_found(brand, other_brand):
    _key, raw = make_key(brand)
    response = Client().get(whoami(other_brand), HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key jck.maison-test.wrong-secret",
        "Api-Key jck.no-such-brand.abc",
        "Api-Key jck.onlytwo",
        "Api-Key jck.maison-test.a.b",
    ],
)
def test_invalid_keys_are_refused_with_401(brand, header):
    make_key(brand)
    response = Client().get(whoami(brand), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_key_forged_with_another_brands_secret_is_refused(brand, other_brand):
    _key, raw = make_key(other_brand)
    forged = raw.replace(f"jck.{other_brand.slug}.", f"jck.{brand.slug}.")
    assert Client().get(whoami(brand), HTTP_AUTHORIZATION=f"Api-Key {forged}").status_code == 401


def test_no_credentials_is_refused(brand):
    response = Client().get(whoami(brand))
    assert response.status_code in (401, 403)
    assert response.status_code != 200


def test_a_session_member_may_call_the_api_of_their_brand_only(owner_client, brand, other_brand):
    mine = owner_client.get(whoami(brand))
    assert mine.status_code == 200
    assert mine.json()["caller"] == {"kind": "user", "email": owner_client.user.email, "role": "owner"}
    assert owner_client.get(whoami(other_brand)).status_code == 404


def test_api_keys_are_rate_limited_per_key(brand, monkeypatch):
    from jewelcrm.accounts.api.throttling import APIKeyRateThrottle

    monkeypatch.setattr(APIKeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/min"})
    _key, raw = make_key(brand, "Busy")
    _other, other_raw = make_key(brand, "Quiet")
    client = Client()
    statuses = [client.get(whoami(brand), HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get(whoami(brand), HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60  # the rest of the key's one-minute window
    # Another key of the same brand has its own allowance.
    assert client.get(whoami(brand), HTTP_AUTHORIZATION=f"Api-Key {other_raw}").status_code == 200


def test_last_used_is_written_at_most_once_a_minute(brand):
    import time_machine

    key, raw = make_key(brand)
    with time_machine.travel("2026-11-23 10:00:00+00:00", tick=False):
        Client().get(whoami(brand), HTTP_AUTHORIZATION=f"Api-Key {raw}")
    with time_machine.travel("2026-11-23 10:00:40+00:00", tick=False):
        Client().get(whoami(brand), HTTP_AUTHORIZATION=f"Api-Key {raw}")
    with brand_context(brand):
        assert APIKey.objects.get(pk=key.pk).last_used_at.isoformat() == "2026-11-23T10:00:00+00:00"
    with time_machine.travel("2026-11-23 10:01:05+00:00", tick=False):
        Client().get(whoami(brand), HTTP_AUTHORIZATION=f"Api-Key {raw}")
    with brand_context(brand):
        assert APIKey.objects.get(pk=key.pk).last_used_at.isoformat() == "2026-11-23T10:01:05+00:00"
