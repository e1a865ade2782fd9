"""Product import (ERP exports such as erp_products.csv): upsert by reference.

French or English headers; prices such as '3 220,00 €' (decimal comma, spaces of any width, euro
sign); French category names; placeholder rows ('XXXX' references, 'ne pas importer') and repeated
references are rejected with a reason. Small files: ORM writes."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jewelcrm.catalog.models import Category, Product
from jewelcrm.catalog.photos import photo_source_is_valid
from jewelcrm.imports.framework import BaseImporter, Field, Problem, RowRejected
from jewelcrm.imports.values import fold, parse_currency, parse_decimal, parse_int

_CATEGORIES = {
    "bague": Category.RING,
    "alliance": Category.RING,
    "solitaire": Category.RING,
    "ring": Category.RING,
    "collier": Category.NECKLACE,
    "sautoir": Category.NECKLACE,
    "necklace": Category.NECKLACE,
    "pendentif": Category.PENDANT,
    "pendant": Category.PENDANT,
    "bracelet": Category.BRACELET,
    "jonc": Category.BRACELET,
    "boucles": Category.EARRINGS,
    "boucles d oreilles": Category.EARRINGS,
    "earrings": Category.EARRINGS,
    "breloque": Category.CHARM,
    "charm": Category.CHARM,
    "charms": Category.CHARM,
    "montre": Category.WATCH,
    "watch": Category.WATCH,
}
_PLACEHOLDER = re.compile(r"(X{3,}|0{4,}$|^TEST|^DUMMY)", re.I)
_PLACEHOLDER_WORDS = ("ne pas importer", "do not import", "echantillon", "sample", "placeholder")
PRODUCT_FIELDS = (
    "name_en",
    "name_fr",
    "collection",
    "category",
    "metal",
    "stones",
    "price",
    "currency",
    "warranty_months",
    "service_interval_months",
)


class ProductImporter(BaseImporter):
    kind = "products"
    fields = (
        Field(
            "reference",
            gettext_lazy("Reference"),
            required=True,
            aliases=("Référence", "Réf", "Ref", "SKU", "Code article"),
        ),
        Field(
            "name_fr",
            gettext_lazy("Name (French)"),
            aliases=("Désignation", "Libellé", "Nom", "Nom FR", "Désignation FR"),
        ),
        Field(
            "name_en",
            gettext_lazy("Name (English)"),
            aliases=("Name", "Designation EN", "Nom EN", "Product name", "Title"),
        ),
        Field("collection", gettext_lazy("Collection"), aliases=("Ligne",)),
        Field("category", gettext_lazy("Category"), aliases=("Famille", "Catégorie", "Type", "Product type")),
        Field("metal", gettext_lazy("Metal"), aliases=("Métal", "Matière")),
        Field("stones", gettext_lazy("Stones"), aliases=("Pierre", "Pierres", "Stone", "Gemmes")),
        Field(
            "price",
            gettext_lazy("Public price"),
            aliases=("Prix public TTC", "Prix public", "Prix", "Price", "Retail price", "Prix TTC"),
        ),
        Field("currency", gettext_lazy("Currency"), aliases=("Devise", "Monnaie")),
        Field(
            "warranty_months",
            gettext_lazy("Warranty (months)"),
            aliases=("Garantie (mois)", "Garantie", "Warranty"),
        ),
        Field(
            "service_interval_months",
            gettext_lazy("Service interval (months)"),
            aliases=("Révision (mois)", "Révision", "Entretien (mois)", "Service interval"),
        ),
        # An https address, or the name of a file in PRODUCT_PHOTO_IMPORT_DIR/<brand slug>/ (catalog.photos).
        Field(
            "photo",
            gettext_lazy("Photo"),
            aliases=("Image", "Visuel", "Photo URL", "Image URL", "Fichier photo"),
        ),
    )

    def prepare(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.references: dict[str, int] = {}
        self.labels = {f.name: self.mapping.get(f.name) or str(f.label) for f in self.fields}

    def clean(self, raw: dict[str, str], row: int) -> dict[str, Any]:
        problems: list[Problem] = []
        col = self.labels
        reference = raw.get("reference", "").strip().upper()
        name_fr, name_en = raw.get("name_fr", ""), raw.get("name_en", "")
        if not reference:
            problems.append(Problem(row, col["reference"], "", _("The reference is missing.")))
        elif _PLACEHOLDER.search(reference) or any(
            w in fold(f"{name_fr} {name_en}") for w in _PLACEHOLDER_WORDS
        ):
            problems.append(
                Problem(
                    row,
                    col["reference"],
                    raw.get("reference", ""),
                    _("Placeholder row (sample or 'do not import'), not a product."),
                )
            )
        elif reference in self.references:
            problems.append(
                Problem(
                    row,
                    col["reference"],
                    raw.get("reference", ""),
                    _("Same reference as row %(row)s.") % {"row": self.references[reference]},
                )
            )
        if not (name_fr or name_en):
            problems.append(Problem(row, col["name_fr"], "", _("The name is missing.")))
        price = self.check(problems, row, col["price"], raw.get("price", ""), parse_decimal)
        currency = self.check(problems, row, col["currency"], raw.get("currency", ""), parse_currency)
        warranty = self.check(
            problems,
            row,
            col["warranty_months"],
            raw.get("warranty_months", ""),
            lambda v: parse_int(v, minimum=0, maximum=600),
        )
        service = self.check(
            problems,
            row,
            col["service_interval_months"],
            raw.get("service_interval_months", ""),
            lambda v: parse_int(v, minimum=0, maximum=600),
        )
        photo = raw.get("photo", "").strip()
        if photo and not photo_source_is_valid(photo):
            problems.append(
                Problem(
                    row,
                    col["photo"],
                    photo,
                    _("A photo is an https address or the name of a JPEG, PNG or WebP file."),
                )
            )
        if problems:
            raise RowRejected(problems)
        self.references[reference] = row
        return {
            "reference": reference[:64],
            "name_fr": name_fr[:200],
            "name_en": (name_en or name_fr)[:200],
            "collection": raw.get("collection", "")[:100],
            "category": _CATEGORIES.get(fold(raw.get("category", "")), Category.OTHER),
            "metal": raw.get("metal", "")[:100],
            "stones": raw.get("stones", "")[:200],
            "price": price,
            "currency": currency or self.brand.default_currency,
            "warranty_months": 24 if warranty is None else warranty,
            "service_interval_months": service,
            "photo": photo,
        }

    def stage(self, rows: list[dict[str, Any]]) -> None:
        self.rows.extend(rows)

    def merge(self) -> tuple[int, int, int]:
        existing = {p.reference: p for p in Product.objects.filter(brand=self.brand)}
        mapped = {name for name in PRODUCT_FIELDS if self.mapping.get(name)} | {
            "name_en",
            "currency",
            "category",
            "warranty_months",
        }
        created = updated = unchanged = 0
        new: list[Product] = []
        for row in self.rows:
            product = existing.get(row["reference"])
            if product is None:
                new.append(
                    Product(
                        brand=self.brand, reference=row["reference"], **{f: row[f] for f in PRODUCT_FIELDS}
                    )
                )
                created += 1
                continue
            changes = {f: row[f] for f in PRODUCT_FIELDS if f in mapped and getattr(product, f) != row[f]}
            if changes:
                for name, value in changes.items():
                    setattr(product, name, value)
                product.save(update_fields=[*changes, "updated_at"])
                updated += 1
            else:
                unchanged += 1
        Product.objects.bulk_create(new)
        self._photos_set()
        return created, updated, unchanged

    def _photos_set(self) -> None:
        """Fetch and store the photos the file names (a photo that cannot be had is reported, the product
        stays imported)."""
        from django.core.exceptions import ValidationError

        from jewelcrm.catalog.photos import photo_fetch
        from jewelcrm.catalog.services import product_photo_set

        wanted = {row["reference"]: row["photo"] for row in self.rows if row.get("photo")}
        if not wanted:
            return
        saved, refused = 0, []
        for product in Product.objects.filter(brand=self.brand, reference__in=list(wanted)):
            try:
                data = photo_fetch(brand=self.brand, source=wanted[product.reference])
                product_photo_set(brand=self.brand, product=product, data=data)
                saved += 1
            except ValidationError as error:
                refused.append(f"{product.reference}: {' '.join(error.messages)}")
        self.summary = {**(getattr(self, "summary", None) or {}), "photos_saved": saved}
        if refused:
            self.summary["photos_refused"] = refused
