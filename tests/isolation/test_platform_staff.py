"""ISO-13: every cross-brand read by platform staff writes exactly one audit row.

Platform staff read brand data in one place only, the platform's billing overview, which writes one
audit row per brand it reads (`jewelcrm/billing/tests/test_platform_and_tasks.py::
test_platform_overview_for_staff_only_with_mrr_trials_and_failed_payments`). These tests keep it so: the
Django admin holds no brand table, and a new platform page fails here until it is audited and listed."""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from jewelcrm.tenancy.models import BrandScopedModel

# Platform pages that read brand data, each with the test proving one audit row per brand read.
AUDITED_PLATFORM_PAGES = {
    "billing:platform": "jewelcrm/billing/tests/test_platform_and_tasks.py::"
    "test_platform_overview_for_staff_only_with_mrr_trials_and_failed_payments",
}


def _named_patterns(resolver: URLResolver, prefix: str = "", route: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _named_patterns(entry, namespace, route + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", route + str(entry.pattern)


def test_the_django_admin_holds_no_brand_table():
    brand_models = sorted(
        model._meta.label
        for model in admin.site._registry
        if issubclass(model, BrandScopedModel) or any(f.name == "brand" for f in model._meta.get_fields())
    )
    assert brand_models == [], (
        "A brand table in the Django admin lets platform staff read across brands without an audit row "
        f"(ISO-13): {brand_models}"
    )


def test_every_platform_page_is_an_audited_one():
    platform = sorted(
        name for name, route in _named_patterns(get_resolver()) if route.startswith("platform/")
    )
    assert platform == sorted(AUDITED_PLATFORM_PAGES), (
        "A platform page (staff across brands) must write one audit row per brand it reads, with a test; "
        "then list it in AUDITED_PLATFORM_PAGES"
    )
