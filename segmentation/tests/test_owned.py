"""What customers own (categories, price bands, channels), SMS consent and gift recipients' dates: the
churn model's features and its drivers in words, with exact values on hand-built histories."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.utils import translation

from customers.tests.factories import (
    ConsentFactory,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    RelationFactory,
)
from jewelcrm.tenancy.context import brand_context
from segmentation import churn, labels, pipeline
from segmentation.models import PipelineRun
from tests.factories import ProductFactory
from warranties.inventory.tests.factories import ItemFactory

pytestmark = pytest.mark.django_db

OBS = date(2026, 3, 31)


def _order(brand, customer, day, *products, channel="store", status="paid"):
    order = OrderFactory(
        brand=brand,
        customer=customer,
        ordered_at=datetime.fromisoformat(f"{day}T11:00:00+00:00").astimezone(UTC),
        channel=channel,
        status=status,
        total=Decimal("100"),
        total_brand_currency=Decimal("100"),
    )
    for product in products:
        OrderLineFactory(brand=brand, order=order, product=product, total=Decimal("50"))
    return order


def _state(brand):
    with brand_context(brand):
        run = PipelineRun.objects.create(brand=brand, run_date=OBS, observation_date=OBS)
    state = pipeline.State(brand=brand, run=run, observation=OBS)
    pipeline._rollup(state)
    pipeline._features(state)
    state.join_owned()
    return state.data.set_index("customer_id")


def test_categories_price_bands_channels_consents_and_relation_dates(brand):
    # Price bands of the brand (insights defaults): <500, 500-1000, 1000-2500, 2500-5000, 5000-10000, 10000+
    ring = ProductFactory(brand=brand, category="ring", price=300)  # band 0
    ring_2 = ProductFactory(brand=brand, category="ring", price=1200)  # band 2
    watch = ProductFactory(brand=brand, category="watch", price=6000)  # band 4
    necklace = ProductFactory(brand=brand, category="necklace", price=None)  # no public price
    ana, bob, cy = (CustomerFactory(brand=brand, first_name=n) for n in ("Ana", "Bob", "Cy"))
    # Ana: rings only, in store in 2023, online in 2025 (two of them) → one category, bands 0 and 2.
    _order(brand, ana, "2023-06-01", ring)
    _order(brand, ana, "2025-06-01", ring_2, ring_2, channel="web")
    # Bob: a watch in 2025, a necklace without price registered to him, a refunded ring (left out).
    _order(brand, bob, "2025-02-01", watch)
    ItemFactory(brand=brand, product=necklace, owner=bob)
    _order(brand, bob, "2025-03-01", ring, status="refunded")
    # Cy: bought a piece without a product (a line the catalogue does not know): owns nothing known.
    _order(brand, cy, "2024-01-10")
    ConsentFactory(brand=brand, customer=ana, channel="sms", is_granted=True, is_confirmed=False)
    ConsentFactory(brand=brand, customer=bob, channel="email", is_granted=True, is_confirmed=True)
    ConsentFactory(brand=brand, customer=bob, channel="sms", is_granted=False)
    RelationFactory(brand=brand, customer=ana, birth_date=date(1990, 4, 20), anniversary=date(2015, 12, 1))
    RelationFactory(brand=brand, customer=cy, birth_date=None, anniversary=None)

    d = _state(brand)
    a, b, c = d.loc[ana.pk], d.loc[bob.pk], d.loc[cy.pk]
    assert (a["pieces"], a["cat_ring"], a["channel_store"], a["channel_web"]) == (3, 3, 1, 2)
    assert (a["categories"], a["main_category"], a["only_category"]) == (1, "ring", "ring")
    assert a["main_channel"] == "web"
    assert (a["cat_mask"], a["band_mask"], a["top_band"]) == (1, 0b101, 2)
    # As of the cut-offs (2025-03-31 and 2024-03-31): the 2023 ring only, band 0.
    assert (a["cat_mask_c1"], a["band_mask_c1"], a["top_band_c1"]) == (1, 0b1, 0)
    assert (a["cat_mask_c2"], a["band_mask_c2"], a["top_band_c2"]) == (1, 0b1, 0)
    # Bob: the watch (bought) and the necklace (registered, no public price); refunded ring left out.
    assert (b["pieces"], b["cat_watch"], b["cat_necklace"], b["cat_ring"]) == (2, 1, 1, 0)
    assert (b["categories"], b["main_category"], b["only_category"]) == (2, "necklace", "")
    # The masks of the model count bought pieces only: the watch (bit 6), band 4.
    assert (b["cat_mask"], b["band_mask"], b["top_band"]) == (1 << 6, 1 << 4, 4)
    assert (b["cat_mask_c2"], b["top_band_c2"]) == (0, -1)
    assert (c["pieces"], c["categories"], c["main_category"], c["top_band"]) == (0, 0, "", -1)
    assert (bool(a["sms_ok"]), bool(a["email_ok"]), bool(b["sms_ok"]), bool(b["email_ok"])) == (
        True,
        False,
        False,
        True,
    )
    assert (a["relations"], sorted(a["relation_days"].split())) == (1, ["110", "335"])
    assert (c["relations"], c["relation_days"]) == (1, "")

    # The churn model's features, today and at a cut-off.
    now = churn.features_at(d.reset_index(), at=pd.Timestamp(OBS), suffix="").set_index(d.index)
    owned = ["categories", "single_category", "top_band", "price_bands"]
    assert now.loc[ana.pk, owned].tolist() == [1, 0, 2, 2]
    assert now.loc[bob.pk, owned].tolist() == [1, 6, 4, 1]
    assert now.loc[cy.pk, owned].tolist() == [0, -1, -1, 0]
    assert now.loc[ana.pk, ["sms_ok", "email_ok"]].tolist() == [1.0, 0.0]
    # 20 April (day 110) is 20 days after 31 March: a gift date is near; not for Bob or Cy.
    assert now["gift_date_soon"].tolist() == [1.0 if pk == ana.pk else 0.0 for pk in d.index]
    c2 = churn.features_at(d.reset_index(), at=pd.Timestamp("2024-03-31"), suffix="_c2").set_index(d.index)
    assert c2.loc[bob.pk, ["categories", "top_band"]].tolist() == [0, -1]


class _OneCategoryModel:
    """Buys with 0.2 when the customer owns one category, 0.6 with two or more: the driver is owning a
    single category, and nothing else matters."""

    def predict_proba(self, x):
        buy = np.where(x["categories"].to_numpy() == 1, 0.2, 0.6)
        return np.column_stack([1 - buy, buy])


def test_owning_one_category_is_named_with_the_category():
    d = pd.DataFrame({"days_since_last": [300, 300], "n_days": [1, 1]}, index=[7, 8])
    x_now = pd.DataFrame(
        {column: [0.0, 0.0] for column in churn.FEATURES}
        | {"categories": [1.0, 2.0], "single_category": [0.0, -1.0], "email_ok": [1.0, 1.0]},
    )
    model = _OneCategoryModel()
    risk = 1 - model.predict_proba(x_now)[:, 1]
    drivers = churn._drivers(model, x_now, risk, d)
    assert drivers.tolist() == ['[["one_category",{"category":"ring"}]]', "[]"]
    assert labels.driver_text("one_category", {"category": "ring"}) == "owns only rings"
    assert labels.driver_text("one_category", {"category": "watch"}) == "owns only watches"
    with translation.override("fr"):
        assert labels.driver_text("one_category", {"category": "ring"}) == "ne possède que des bagues"
        assert labels.driver_text("gifts_only", {}) == "n'a jamais acheté que des cadeaux"


def test_drivers_skip_features_no_tree_splits_on_with_the_same_words(monkeypatch):
    """A feature the model never splits on (all customers alike: no consent anywhere) cannot drive a
    prediction: its re-prediction is skipped, and every customer's drivers are those of the full
    re-prediction."""
    rng = np.random.default_rng(3)
    n = 3000
    x = pd.DataFrame({name: rng.normal(size=n) for name in churn.FEATURES})
    x["days_since_last"] = rng.integers(0, 2000, size=n).astype(float)
    x["log_purchases"] = np.log1p(rng.integers(1, 6, size=n)).astype(float)
    x["categories"] = rng.integers(1, 4, size=n).astype(float)
    x["single_category"] = np.where(x["categories"] == 1, 0.0, -1.0)
    x["email_ok"] = 0.0  # nobody has consented: no tree can split on it
    x["gift_share"] = 0.0
    x["services"] = 0.0
    bought = (rng.random(n) < 1 / (1 + x["days_since_last"] / 300)).astype(int)
    model = churn._model().fit(x, bought)
    split_on = churn._features_split_on(model, list(x.columns))
    assert "days_since_last" in split_on and "email_ok" not in split_on
    risk = 1.0 - model.predict_proba(x)[:, 1]
    d = pd.DataFrame({"days_since_last": x["days_since_last"], "n_days": np.expm1(x["log_purchases"])})
    predicted: list[int] = []
    original = model.predict_proba
    monkeypatch.setattr(model, "predict_proba", lambda frame: predicted.append(len(frame)) or original(frame))
    skipped = churn._drivers(model, x, risk, d)
    skipped_calls, predicted[:] = list(predicted), []
    monkeypatch.setattr(churn, "_features_split_on", lambda model, columns: set(columns))
    full = churn._drivers(model, x, risk, d)
    assert skipped.tolist() == full.tolist()
    # Everyone lacks the consent, so the full re-prediction of that driver is of every customer; it was
    # skipped.
    assert len(predicted) == len(skipped_calls) + 1 and predicted.count(n) == skipped_calls.count(n) + 1
    assert any("recency" in text for text in skipped)


@pytest.mark.parametrize("limits", [[500, 1000, 2500, 5000, 10000], [100 * k for k in range(1, 16)]])
def test_cut_offs_are_local_midnights_and_any_number_of_price_bands(brand, limits):
    """A piece bought at 23:30 in the brand's time zone on the cut-off day is owned as of the cut-off, one
    bought at 00:30 the next day is not; with up to 13 price bands the three windows share one packed
    aggregate, with more each has its own: the same figures."""
    from segmentation.insights.services.bands import insights_settings_update

    with brand_context(brand):
        insights_settings_update(brand=brand, price_band_limits=limits)
    ring = ProductFactory(brand=brand, category="ring", price=1250)
    watch = ProductFactory(brand=brand, category="watch", price=50)
    ana = CustomerFactory(brand=brand, first_name="Ana")
    # The churn cut-off c1 is 2025-03-31 (Europe/Paris, UTC+2 in summer time).
    for at, product in (("2025-03-31T21:30:00+00:00", ring), ("2025-03-31T22:30:00+00:00", watch)):
        order = OrderFactory(
            brand=brand, customer=ana, ordered_at=datetime.fromisoformat(at), channel="store",
            status="paid", total=Decimal("100"), total_brand_currency=Decimal("100"),
        )  # fmt: skip
        OrderLineFactory(brand=brand, order=order, product=product, total=Decimal("50"))
    a = _state(brand).loc[ana.pk]
    ring_band = sum(1 for limit in limits if limit <= 1250)
    assert (a["pieces"], a["cat_ring"], a["cat_watch"], a["channel_store"]) == (2, 1, 1, 2)
    assert (a["cat_mask"], a["band_mask"], a["top_band"]) == (1 | 1 << 6, 1 | 1 << ring_band, ring_band)
    assert (a["cat_mask_c1"], a["band_mask_c1"], a["top_band_c1"]) == (1, 1 << ring_band, ring_band)
    assert (a["cat_mask_c2"], a["band_mask_c2"], a["top_band_c2"]) == (0, 0, -1)


def test_lines_counted_chunk_by_chunk_give_the_same_figures(brand, monkeypatch):
    """The lines are counted a chunk at a time (segmentation.owned.CHUNK): with chunks of one line, a
    customer's pieces, categories, channels and masks add up across chunks as with one chunk."""
    from segmentation import owned

    ring = ProductFactory(brand=brand, category="ring", price=300)  # band 0
    watch = ProductFactory(brand=brand, category="watch", price=6000)  # band 4
    ana, bob = (CustomerFactory(brand=brand, first_name=n) for n in ("Ana", "Bob"))
    _order(brand, ana, "2023-06-01", ring, watch)
    _order(brand, bob, "2025-06-01", watch, channel="web")
    _order(brand, ana, "2025-06-01", ring, ring, channel="web")
    ItemFactory(brand=brand, product=watch, owner=bob)
    columns = ["pieces", "cat_ring", "cat_watch", "channel_store", "channel_web", "cat_mask", "band_mask",
               "top_band", "cat_mask_c1", "band_mask_c1", "cat_mask_c2", "top_band_c2"]  # fmt: skip
    whole = _state(brand).loc[[ana.pk, bob.pk], columns]
    with brand_context(brand):
        PipelineRun.objects.filter(brand=brand).delete()
    monkeypatch.setattr(owned, "CHUNK", 1)
    by_line = _state(brand).loc[[ana.pk, bob.pk], columns]
    assert by_line.to_numpy().tolist() == whole.to_numpy().tolist()
    assert whole.loc[ana.pk].tolist() == [4, 3, 1, 2, 2, 1 | 1 << 6, 1 | 1 << 4, 4, 1 | 1 << 6, 1 | 1 << 4,
                                          1 | 1 << 6, 4]  # fmt: skip
    assert whole.loc[bob.pk].tolist() == [2, 0, 2, 0, 1, 1 << 6, 1 << 4, 4, 0, 0, 0, -1]


def test_profile_words_are_the_same_numbers_for_a_sample_and_the_whole_base():
    """A country absent from the training sample does not shift the numbers of the others: the sample's
    features take the codes numbered over the whole base."""
    base = pd.DataFrame(
        {
            "gender": ["female", "male", "", "female"],
            "family_situation": ["married", "", "single", "married"],
            "language": ["fr", "en", "fr", "en"],
            "country": ["CH", "FR", "IT", "GB"],
        }
    )
    codes = churn.profile_codes(base)
    sample = np.array([1, 3])  # FR and GB: CH, ordered before them, is not in the sample
    taken = {name: values[sample] for name, values in codes.items()}
    assert taken["country_code"].tolist() == codes["country_code"][[1, 3]].tolist()
    assert taken["country_code"].tolist() != churn.profile_codes(base.iloc[sample])["country_code"].tolist()
    assert codes["country_code"].tolist() == [0, 1, 3, 2]  # numbered in alphabetical order: CH, FR, GB, IT


def _fitted_drivers_case(n=3000):
    rng = np.random.default_rng(5)
    x = pd.DataFrame({name: rng.normal(size=n) for name in churn.FEATURES})
    x["days_since_last"] = rng.integers(0, 2000, size=n).astype(float)
    x["log_purchases"] = np.log1p(rng.integers(1, 6, size=n)).astype(float)
    x["categories"] = rng.integers(1, 4, size=n).astype(float)
    x["single_category"] = np.where(x["categories"] == 1, 0.0, -1.0)
    bought = (rng.random(n) < 1 / (1 + x["days_since_last"] / 300)).astype(int)
    model = churn._model().fit(x, bought)
    d = pd.DataFrame({"days_since_last": x["days_since_last"], "n_days": np.expm1(x["log_purchases"])})
    return model, x, 1.0 - model.predict_proba(x)[:, 1], d


def test_drivers_predicted_block_by_block_give_the_same_words(monkeypatch):
    model, x, risk, d = _fitted_drivers_case()
    whole = churn._drivers(model, x, risk, d)
    sizes: list[int] = []
    original = model.predict_proba
    monkeypatch.setattr(model, "predict_proba", lambda frame: sizes.append(len(frame)) or original(frame))
    monkeypatch.setattr(churn, "DRIVER_CHUNK", 700)
    assert churn._drivers(model, x, risk, d).tolist() == whole.tolist()
    assert max(sizes) <= 700 and sum(sizes) > 3000


def test_scoring_runs_with_the_threads_asked_for():
    from threadpoolctl import threadpool_info, threadpool_limits

    def openmp() -> set[int]:
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "openmp"}

    with threadpool_limits(limits=1, user_api="openmp"):
        with churn._threads(lambda: 2):
            inside = openmp()
        with churn._threads(lambda: None):
            unchanged = openmp()
        after = openmp()
    assert (inside, unchanged, after) == ({2}, {1}, {1})
