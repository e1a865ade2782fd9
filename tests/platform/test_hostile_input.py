"""Hostile input refused once for the whole site (NUL, deep JSON, oversized bodies), and the API's errors
always in its JSON shape, never the HTML error page."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from jewelcrm.accounts.services import api_key_create
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def _api_client(brand) -> Client:
    with brand_context(brand):
        _key, raw = api_key_create(brand=brand, name="POS")
    return Client(HTTP_AUTHORIZATION=f"Api-Key {raw}", raise_request_exception=False)


def _is_api_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code and isinstance(body["detail"], str) and body["detail"]
    assert b"<html" not in response.content.lower()


# --- NUL in an address: 400, once, for every page and endpoint (item 13) ----------------------


@pytest.mark.parametrize(
    "path",
    [
        "/b/{slug}/customers/?q=%00",
        "/b/{slug}/items/?q=a%00b",
        "/b/{slug}/catalogue/?collection=%00",
        "/b/{slug}/network/?q=x&country=%00",
        "/b/{slug}/intranet/lookup/?q=%00",
        "/b/{slug}/items/%00/",
        "/i/%00",
        "/portal/{slug}/confirm/%00/",
        "/accounts/login/?next=%00",
        "/b/{slug}/customers/?%00=1",
    ],
)
def test_a_nul_in_a_page_address_answers_the_400_page(client_for, brand, store, path):
    client = client_for(brand, "owner")
    client.raise_request_exception = False
    response = client.get(path.format(slug=brand.slug))
    assert response.status_code == 400
    assert "400.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/{slug}/items/%00/", "/api/v1/{slug}/stores/?search=%00", "/api/v1/{slug}/registrations/?x=%00"],
)
def test_a_nul_in_an_api_address_answers_400_in_the_api_shape(brand, path):
    response = _api_client(brand).get(path.format(slug=brand.slug))
    _is_api_error(response, 400, "bad_request")


def test_a_nul_in_a_form_post_to_the_api_address_is_refused_before_any_write(brand, store):
    client = _api_client(brand)
    response = client.post(
        f"/api/v1/{brand.slug}/stores/?code=%00", data=json.dumps({}), content_type="application/json"
    )
    _is_api_error(response, 400, "bad_request")


# --- deeply nested JSON: 400, never a RecursionError (item 13) --------------------------------


@pytest.mark.parametrize("depth", [33, 5_000, 200_000])
def test_deeply_nested_json_answers_400(brand, depth):
    nested = "[" * depth + "]" * depth
    body = '{"customers": ' + nested + "}"
    response = _api_client(brand).post(
        f"/api/v1/{brand.slug}/customers/batch/", data=body, content_type="application/json"
    )
    _is_api_error(response, 400, "parse_error")
    assert "nested deeper than 32" in response.json()["detail"]


def test_json_nested_within_the_limit_is_read_as_before(brand):
    StoreFactory(brand=brand)
    response = _api_client(brand).post(
        f"/api/v1/{brand.slug}/customers/batch/",
        data=json.dumps({"customers": [[[]]]}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"  # the serializer's answer, not the parser's


# --- API errors in the API's shape (item 14) --------------------------------------------------


def test_an_unknown_api_address_answers_json_404(brand):
    _is_api_error(_api_client(brand).get("/api/v1/no-such-thing/"), 404, "not_found")
    _is_api_error(Client().get(f"/api/v1/{brand.slug}/no-such-endpoint/"), 404, "not_found")


def test_a_missing_object_answers_json_404(brand):
    _is_api_error(_api_client(brand).get(f"/api/v1/{brand.slug}/stores/999999/"), 404, "not_found")


@pytest.mark.parametrize(
    ("status", "code"), [(400, "bad_request"), (404, "not_found"), (500, "server_error")]
)
def test_api_errors_raised_outside_drf_answer_json(settings, status, code):
    settings.ROOT_URLCONF = "tests.platform.urls"
    response = Client(raise_request_exception=False).get(f"/api/test-errors/{status}/")
    _is_api_error(response, status, code)
    assert b"secret detail" not in response.content


def test_a_crash_inside_an_api_view_answers_json_500(brand, monkeypatch):
    from jewelcrm.retail.api import views

    def crash(*args, **kwargs):
        raise RuntimeError("secret detail of a crash")

    monkeypatch.setattr(views.StoreListAPI, "get", crash)
    response = _api_client(brand).get(f"/api/v1/{brand.slug}/stores/")
    _is_api_error(response, 500, "server_error")
    assert b"secret detail" not in response.content


def test_an_oversized_api_body_answers_json_413_and_writes_nothing(brand, settings):
    from customers.models import Customer

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    payload = json.dumps({"customers": [{"email": f"c{i}@example.test"} for i in range(100)]})
    assert len(payload) > 1024
    response = _api_client(brand).post(
        f"/api/v1/{brand.slug}/customers/batch/", data=payload, content_type="application/json"
    )
    _is_api_error(response, 413, "too_large")
    with brand_context(brand):
        assert Customer.objects.count() == 0


def test_pages_keep_their_html_error_pages(owner_client, brand):
    response = owner_client.get(
        reverse("customer360:detail", kwargs={"brand_slug": brand.slug, "pk": 999999})
    )
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
