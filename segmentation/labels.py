"""Every word the segmentation pages show for a code (English, French in locale/)."""

from __future__ import annotations

from typing import Any

from django.utils import formats
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

SEGMENT_LABELS = {
    "champions": _("Champions"),
    "loyal": _("Loyal"),
    "potential_loyalists": _("Potential loyalists"),
    "new": _("New"),
    "promising": _("Promising"),
    "need_attention": _("Need attention"),
    "about_to_sleep": _("About to sleep"),
    "at_risk": _("At risk"),
    "cant_lose": _("Can't lose them"),
    "hibernating": _("Hibernating"),
    "lost": _("Lost"),
    "none": _("Not scored before"),
}

SEGMENT_HINTS = {
    "champions": _("Bought recently and often"),
    "loyal": _("Buy again and again"),
    "potential_loyalists": _("Recent, second purchase made"),
    "new": _("First purchase, very recent"),
    "promising": _("First purchase, recent"),
    "need_attention": _("Two purchases, less recent"),
    "about_to_sleep": _("One purchase, less recent"),
    "at_risk": _("Bought often, but long ago"),
    "cant_lose": _("Among the best, gone quiet"),
    "hibernating": _("Long ago, seldom"),
    "lost": _("Longest ago, once or twice"),
}

NOTE_LABELS = {
    "no_purchases": _("This brand has no purchase yet: nothing to score."),
    "all_one_time": _(
        "Every customer has bought once only: repeat-purchase models have little to learn from."
    ),
    "recency_fallback": _(
        "Too few repeat purchases to learn this brand's buying rhythm: recency cut-offs use 90, 180, 365 and "
        "730 days until there are more."
    ),
    "orders_without_rate": _("%(count)s orders in %(currencies)s had no exchange rate and were left out."),
    "btyd_not_fitted": _(
        "The lifetime value model could not be fitted (%(reason)s): predicted value is not shown, historic "
        "value is."
    ),
    "gamma_gamma_not_fitted": _(
        "The spend model could not be fitted: predicted values use average order values."
    ),
    "churn_not_enough_history": _("Not enough history (two years of purchases) to train the churn model."),
    "churn_not_better": _(
        "The churn model (AUC %(auc)s) did not beat recency alone (AUC %(baseline)s): churn risk is not "
        "shown."
    ),
    "clusters_too_few": _("Too few customers to form clusters."),
}

PROFILE_LABELS = {
    "age_band": _("Age band"),
    "gender": _("Gender"),
    "family": _("Family situation"),
    "country": _("Country"),
    "city": _("City"),
    "occasion": _("Occasion"),
    "category": _("Main category owned"),
    "price_band": _("Highest price band bought"),
    "channel": _("Main channel"),
    "average_order": _("Average order"),
}

PROFILE_VALUES = {
    "unknown": _("not known"),
    "gift": _("mostly gifts"),
    "self": _("mostly for themselves"),
}

MODEL_LABELS = {
    "mbgnbd": _("MBG/NBD (buyers may leave after their first purchase) with Gamma-Gamma"),
    "bgnbd": _("BG/NBD with Gamma-Gamma"),
}

REASON_LABELS = {
    "no_repeat_purchases": _("no repeat purchase"),
    "no_convergence": _("the fit did not converge"),
    "": _("unknown reason"),
}

RUN_ERRORS = {
    "interrupted": _("The run was interrupted before it finished."),
}

STAGE_LABELS = {
    "rollup": _("Adding up purchases"),
    "features": _("Preparing features"),
    "scores": _("RFM scores"),
    "models": _("Lifetime value, churn and clusters"),
    "write_back": _("Saving the results"),
    "models: lifetime value": _("of which lifetime value"),
    "models: churn": _("of which churn"),
    "models: clusters and profile": _("of which clusters and profile"),
    "rollup: pieces owned": _("of which pieces owned"),
    "write_back: migration matrix": _("of which movements between segments"),
    "write_back: scores": _("of which scores"),
    "write_back: publish and segments": _("of which publication and saved segments"),
    "after publishing: table statistics": _("Table statistics, after publishing"),
    "beside the models: previous segments and older scores": _(
        "Beside the models: the last run's segments read, older scores removed"
    ),
}

FIELD_LABELS = {
    "rfm_segment": _("RFM segment"),
    "value_band_min": _("Lifetime value: top deciles"),
    "clv_12m_min": _("Predicted 12-month value at least"),
    "clv_12m_max": _("Predicted 12-month value at most"),
    "churn_risk_min": _("Churn risk at least (%)"),
    "churn_risk_max": _("Churn risk at most (%)"),
    "cluster": _("Cluster"),
    "gender": _("Gender"),
    "family_situation": _("Family situation"),
    "country": _("Country"),
    "language": _("Language"),
    "home_store": _("Home store"),
    "age_min": _("Age at least"),
    "age_max": _("Age at most"),
    "consent": _("Active consent on"),
    "category": _("Owns a piece of category"),
    "collection": _("Owns a piece of collection"),
    "upcoming_date_days": _("Birthday or anniversary within (days)"),
    "gift_recipient_date_days": _("A gift recipient's date within (days)"),
}

RULE_ERRORS = {
    "not_a_list": _("The rules could not be read."),
    "unknown_field": _("Unknown field."),
    "empty": _("Choose at least one value."),
    "unknown_choice": _("Unknown value."),
    "out_of_range": _("Value out of range."),
    "not_a_number": _("Enter a number."),
}

RULES_PROBLEMS = {
    "recency_cutoffs:count": _("Give four recency cut-offs."),
    "recency_cutoffs:negative": _("Recency cut-offs must be positive numbers."),
    "recency_cutoffs:order": _("Recency cut-offs must increase."),
    "frequency_cutoffs:count": _("Give four frequency cut-offs."),
    "frequency_cutoffs:negative": _("Frequency cut-offs must be positive numbers."),
    "frequency_cutoffs:order": _("Frequency cut-offs must increase."),
    "monetary_cutoffs:count": _("Give four monetary cut-offs."),
    "monetary_cutoffs:negative": _("Monetary cut-offs must be positive numbers."),
    "monetary_cutoffs:order": _("Monetary cut-offs must increase."),
    "segments:code": _("Unknown segment."),
    "segments:r_range": _("R ranges go from 1 to 5, low to high."),
    "segments:f_range": _("F ranges go from 1 to 5, low to high."),
    "segments:uncovered": _("Some (R, F) pairs match no segment: every pair must have one."),
}


def driver_text(code: str, params: dict[str, Any]) -> str:
    if code == "recency":
        months = int(params.get("months", 0))
        return ngettext("no purchase for %(n)s month", "no purchase for %(n)s months", months) % {"n": months}
    if code == "frequency":
        n = int(params.get("purchases", 0))
        return ngettext("only %(n)s purchase", "only %(n)s purchases", n) % {"n": n}
    if code == "one_category":
        return str(ONLY_CATEGORY_LABELS.get(params.get("category", ""), DRIVER_LABELS["one_category"]))
    return str(DRIVER_LABELS.get(code, code))


ONLY_CATEGORY_LABELS = {
    "ring": _("owns only rings"),
    "necklace": _("owns only necklaces"),
    "pendant": _("owns only pendants"),
    "bracelet": _("owns only bracelets"),
    "earrings": _("owns only earrings"),
    "charm": _("owns only charms"),
    "watch": _("owns only watches"),
    "other": _("owns pieces of one kind only"),
}


DRIVER_LABELS = {
    "gifts_only": _("only ever bought gifts"),
    "no_consent": _("cannot be reached by e-mail"),
    "no_service": _("never had a piece serviced"),
    "low_spend": _("small spend so far"),
    "one_category": _("owns pieces of one kind only"),
}


def note_text(code: str, params: dict[str, Any]) -> str:
    label = NOTE_LABELS.get(code)
    if label is None:
        return code
    params = dict(params)
    if "reason" in params:
        params["reason"] = REASON_LABELS.get(params["reason"], params["reason"])
    try:
        return str(label) % params if params else str(label)
    except (KeyError, TypeError, ValueError):
        return str(label)


def price_band_labels(limits: list[int], currency: str) -> list[str]:
    """["Under 500 EUR", "500 to 1,000 EUR", …, "10,000 EUR and more"] in the page's language."""

    def money(value: int) -> str:
        return f"{formats.number_format(value, decimal_pos=0, force_grouping=True)} {currency}"

    labels = [gettext("Under %(amount)s") % {"amount": money(limits[0])}]
    for low, high in zip(limits, limits[1:], strict=False):
        labels.append(gettext("%(low)s to %(high)s") % {"low": money(low), "high": money(high)})
    labels.append(gettext("%(amount)s and more") % {"amount": money(limits[-1])})
    return labels
