"""The demo data of `manage.py seed_demo`: two brands, grown by each domain app's own `demo.py`.

Each seeder module exposes `seed(ctx: DemoContext) -> None`, runs inside brand_context(ctx.brand)
and must be idempotent (get-or-create by natural keys). They run in SEEDERS order, once per brand.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps
from django.utils import timezone

from jewelcrm.tenancy.context import brand_context

SEEDERS = [
    "jewelcrm.retail.demo",
    "jewelcrm.accounts.demo",
    "jewelcrm.catalog.demo",
    "warranties.inventory.demo",
    "customers.demo",
    "warranties.demo",
    "warranties.portal.demo",
    "segmentation.insights.demo",
    "segmentation.demo",
    "jewelcrm.billing.demo",
    "campaigns.delivery.demo",
    "campaigns.outreach.demo",
]

DEMO_PASSWORD = "jewelcrm-demo-2026"  # noqa: S105 - the published password of the demo accounts

BRANDS: list[dict[str, Any]] = [
    {
        "slug": "maison-aurore",
        "name": "Maison Aurore",
        "code_prefix": "AUR",
        "default_currency": "EUR",
        "languages": ["fr", "en"],
        "time_zone": "Europe/Paris",
        "country": "FR",
        "primary_colour": "#7A1F3D",
        "postal_address": "12 rue de la Paix, 75002 Paris, France",
        "kind": "jewellery",
        "mail_domain": "aurore.demo",
    },
    {
        "slug": "horlogerie-leman",
        "name": "Horlogerie Léman",
        "code_prefix": "LMN",
        "default_currency": "CHF",
        "languages": ["fr", "en"],
        "time_zone": "Europe/Zurich",
        "country": "CH",
        "primary_colour": "#0F4C5C",
        "postal_address": "Quai du Mont-Blanc 7, 1201 Genève, Suisse",
        "kind": "watches",
        "mail_domain": "leman.demo",
    },
]


@dataclass
class DemoContext:
    brand: Any
    profile: dict[str, Any]
    size: str  # "full" (make run) or "small" (tests)
    rng: random.Random
    today: date
    shared: dict[str, Any] = field(default_factory=dict)  # what earlier seeders leave for later ones
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role label, e-mail, password or note)


def _brand_model() -> Any:
    # Every seeder imports this module for DemoContext: it names the apps (SEEDERS, the Brand model by
    # its label) instead of importing them, so the arrows stay one-way.
    return apps.get_model("accounts", "Brand")


def run(*, size: str = "full", today: date | None = None, stdout: Any = None) -> list[DemoContext]:
    Brand = _brand_model()  # noqa: N806 - a model class
    contexts = []
    for index, profile in enumerate(BRANDS):
        fields = {k: v for k, v in profile.items() if k not in ("slug", "kind", "mail_domain")}
        brand, _created = Brand.objects.update_or_create(slug=profile["slug"], defaults=fields)
        ctx = DemoContext(
            brand=brand,
            profile=profile,
            size=size,
            rng=random.Random(1000 + index),
            today=today or timezone.localdate(),
        )
        for module_name in SEEDERS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as error:
                if error.name == module_name:
                    continue
                raise
            with brand_context(brand):
                module.seed(ctx)
            if stdout is not None:
                stdout.write(f"  {brand.name}: {module_name} done")
        contexts.append(ctx)
    return contexts


def logins_of_existing() -> list[tuple[Any, list[tuple[str, str, str]]]]:
    """The logins of an already seeded demo, for `make run` to print on every start."""
    Brand = _brand_model()  # noqa: N806 - a model class

    groups = []
    for profile in BRANDS:
        brand = Brand.objects.filter(slug=profile["slug"]).first()
        if brand is None:
            continue
        ctx = DemoContext(
            brand=brand, profile=profile, size="full", rng=random.Random(0), today=timezone.localdate()
        )
        for module_name in SEEDERS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as error:
                if error.name == module_name:
                    continue
                raise
            if hasattr(module, "logins"):
                with brand_context(brand):
                    ctx.logins.extend(module.logins(ctx))
        groups.append((brand, ctx.logins))
    return groups
