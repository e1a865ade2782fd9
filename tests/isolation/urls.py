"""Test-only URLs: the project's, plus a probe page that reads brand tables with the scoping bypassed."""

from __future__ import annotations

import random
import time

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views import View

from jewelcrm.retail.models import Store
from jewelcrm.tenancy.views import BrandViewMixin
from jewelcrm.urls import handler400, handler403, handler404, handler500  # noqa: F401
from jewelcrm.urls import urlpatterns as project_urlpatterns


class ProbeView(BrandViewMixin, View):
    """What one request scoped to a brand sees when it skips the application's scoping."""

    def get(self, request: HttpRequest, brand_slug: str) -> JsonResponse:
        codes = sorted(Store.unscoped.values_list("code", flat=True))
        time.sleep(random.random() / 500)  # let the other threads interleave
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT brand_id FROM retail_store "
                "UNION SELECT DISTINCT brand_id FROM accounts_apikey"
            )
            brand_ids = sorted(row[0] for row in cursor.fetchall())
            cursor.execute("SELECT current_setting('jewelcrm.brand_id', true)")
            setting = cursor.fetchone()[0]
        return JsonResponse(
            {"brand": self.brand.pk, "codes": codes, "brand_ids": brand_ids, "setting": setting}
        )


urlpatterns = [
    path("b/<slug:brand_slug>/isolation-probe/", ProbeView.as_view(), name="isolation-probe"),
    *project_urlpatterns,
]
