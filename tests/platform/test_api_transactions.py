"""An API call that answers 4xx or 5xx leaves nothing written, whether the view raised or returned the
error; what must be kept about a refused call is recorded after the rollback (BrandAPIView)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from jewelcrm.accounts.models import AuditLog
from jewelcrm.accounts.services import api_key_create
from jewelcrm.retail.models import Retailer
from jewelcrm.tenancy.context import brand_context
from jewelcrm.tenancy.views import BrandAPIView

pytestmark = pytest.mark.django_db


class WritesThenFails(BrandAPIView):
    """Writes a retailer, then fails the way the query string asks."""

    def post(self, request, brand_slug):
        Retailer.objects.create(brand=self.brand, name="Written before the error")
        how = request.query_params["fail"]
        if how == "raise":
            raise ValidationError({"name": ["Refused after the write."]})
        if how == "return":
            self.after_rollback(
                lambda: AuditLog.objects.create(brand=self.brand, action="test.refused_call_traced")
            )
            return Response({"detail": "refused", "code": "refused"}, status=409)
        if how == "crash":
            raise RuntimeError("a bug after the write")
        return Response({"detail": "ok"}, status=201)


@pytest.fixture
def call(brand):
    with brand_context(brand):
        _key, raw = api_key_create(brand=brand, name="POS")
    factory, view = APIRequestFactory(), WritesThenFails.as_view()

    def call(fail):
        request = factory.post(f"/x/?fail={fail}", {}, format="json", HTTP_AUTHORIZATION=f"Api-Key {raw}")
        return view(request, brand_slug=brand.slug)

    return call


def _retailers(brand):
    with brand_context(brand):
        return list(Retailer.objects.values_list("name", flat=True))


def test_a_validation_error_after_a_write_leaves_nothing_written(brand, call):
    response = call("raise")
    assert (response.status_code, response.data["code"]) == (400, "invalid")
    assert _retailers(brand) == []


def test_an_error_answered_without_raising_is_rolled_back_and_keeps_only_its_trace(brand, call):
    assert call("return").status_code == 409
    assert _retailers(brand) == []
    with brand_context(brand):
        assert list(AuditLog.objects.filter(action__startswith="test.").values_list("action", flat=True)) == [
            "test.refused_call_traced"
        ]


def test_a_crash_after_a_write_leaves_nothing_written(brand, call):
    with pytest.raises(RuntimeError):
        call("crash")
    assert _retailers(brand) == []


def test_a_successful_call_keeps_its_write(brand, call):
    assert call("ok").status_code == 201
    assert _retailers(brand) == ["Written before the error"]
