"""The best-customer profile: the top lifetime-value decile against the rest, by category, price band,
channel and occasion among the other dimensions; shown in words in English and French."""

from __future__ import annotations

import pandas as pd
import pytest
from django.urls import reverse

from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from segmentation import clusters, pipeline, services
from segmentation.models import PipelineRun
from segmentation.tests.test_owned import OBS, _order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _frame():
    """Ten customers: the top decile (value band 10) is one watch buyer online; the rest own rings,
    bought in store, one of them without any known piece."""
    rows = []
    for i in range(10):
        top = i == 0
        rows.append(
            {
                "value_band": 10 if top else 1 + i % 9,
                "birth_date": None,
                "gender": "male" if top else "female",
                "family_situation": "",
                "country": "FR",
                "city": "Paris",
                "gift_share": 1.0 if top else 0.0,
                "registrations": 1 if top else 0,
                "average_order_value": 12000.0 if top else 300.0,
                "top_band": 5 if top else (-1 if i == 9 else 0),
                "main_category": "watch" if top else ("" if i == 9 else "ring"),
                "main_channel": "web" if top else ("" if i == 9 else "store"),
            }
        )
    return pd.DataFrame(rows)


def test_top_decile_against_the_rest_by_category_price_band_channel_and_occasion():
    profile = clusters.best_customer_profile(_frame())
    assert (profile["top_customers"], profile["rest_customers"]) == (1, 9)
    dims = profile["dimensions"]
    assert dims["category"] == {"top": {"watch": 1.0}, "rest": {"ring": 0.889, "unknown": 0.111}}
    assert dims["price_band"] == {"top": {"band_5": 1.0}, "rest": {"band_0": 0.889, "unknown": 0.111}}
    assert dims["channel"] == {"top": {"web": 1.0}, "rest": {"store": 0.889, "unknown": 0.111}}
    assert dims["occasion"] == {"top": {"gift": 1.0}, "rest": {"unknown": 1.0}}
    assert dims["average_order"] == {"top": {"10000+": 1.0}, "rest": {"<500": 1.0}}


def test_the_overview_shows_the_profile_in_words(brand, marketer_client):
    watch = ProductFactory(brand=brand, category="watch", price=12000)
    ring = ProductFactory(brand=brand, category="ring", price=300)
    big = CustomerFactory(brand=brand)
    _order(brand, big, "2025-06-01", watch, channel="web")
    _order(brand, big, "2026-01-10", watch, channel="web")
    for n in range(9):
        small = CustomerFactory(brand=brand)
        _order(brand, small, f"2025-0{1 + n % 9}-05", ring)
    with brand_context(brand):
        run = services.run_request(brand=brand)
        PipelineRun.objects.filter(pk=run.pk).update(observation_date=OBS)
    run = pipeline.run_execute(brand=brand, run_id=run.pk)
    dims = run.summary["profile"]["dimensions"]
    assert dims["category"]["top"] == {"watch": 1.0}
    assert dims["price_band"]["top"] == {"band_5": 1.0}  # 12,000: above the last limit (10,000)
    assert dims["channel"]["top"] == {"web": 1.0}
    assert run.summary["price_band_limits"] == [500, 1000, 2500, 5000, 10000]
    url = reverse("segmentation:overview", kwargs={"brand_slug": brand.slug})
    body = marketer_client.get(url).content.decode()
    for words in ("Main category owned", "Highest price band bought", "Main channel", "Occasion",
                  "Watch", "Ring", "10,000 EUR and more", "Under 500 EUR", "Online", "In store"):  # fmt: skip
        assert words in body, words
    assert "band_5" not in body and ">web<" not in body
    marketer_client.cookies.load({"django_language": "fr"})
    body = marketer_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for words in ("Catégorie principale", "Gamme de prix la plus haute achetée", "Canal principal",
                  "Montre", "Bague", "En boutique", "Moins de 500"):  # fmt: skip
        assert words in body, words
