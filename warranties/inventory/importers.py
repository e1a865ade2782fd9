"""Serialised item import (serials.csv: items shipped to stores): upsert by serial.

A new serial becomes an Item with a fresh public code (warranties.inventory.codes, contract C6),
shipped to its store and received there (stock already in the shops), like
`warranties.inventory.services.item_create(store=..., is_received=True)` but in bulk. A known serial
is left where the network moved it; only its product and original shipment are corrected.
Repeated or missing serials and unknown references or stores are rejected with a reason."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jewelcrm.imports.framework import BaseImporter, Field, Problem, RowRejected
from jewelcrm.imports.values import parse_date
from warranties.inventory.models import Item, ItemStatus, MovementKind, StockMovement


def _serial_clean(serial: str) -> str:
    return "".join((serial or "").split()).upper()


class SerialImporter(BaseImporter):
    kind = "serials"
    fields = (
        Field(
            "serial",
            gettext_lazy("Serial"),
            required=True,
            aliases=("Serial number", "N° de série", "Numéro de série", "Série", "SN"),
        ),
        Field(
            "reference",
            gettext_lazy("Reference"),
            required=True,
            aliases=("Référence", "Réf", "SKU", "Product"),
        ),
        Field(
            "store_code", gettext_lazy("Store code"), aliases=("Store", "Magasin", "Code magasin", "Boutique")
        ),
        Field(
            "shipped_on",
            gettext_lazy("Shipped on"),
            aliases=("Date d'expédition", "Expédié le", "Shipment date", "Date expédition"),
        ),
    )

    def prepare(self) -> None:
        from jewelcrm.catalog.models import Product
        from jewelcrm.retail.models import Store

        self.products = dict(Product.objects.filter(brand=self.brand).values_list("reference", "pk"))
        self.stores = {
            code.upper(): pk for code, pk in Store.objects.filter(brand=self.brand).values_list("code", "pk")
        }
        self.serials: dict[str, int] = {}
        self.rows: list[dict[str, Any]] = []
        self.labels = {f.name: self.mapping.get(f.name) or str(f.label) for f in self.fields}

    def clean(self, raw: dict[str, str], row: int) -> dict[str, Any]:
        problems: list[Problem] = []
        col = self.labels
        serial = _serial_clean(raw.get("serial", ""))
        if not serial:
            problems.append(Problem(row, col["serial"], "", _("The serial is missing.")))
        elif len(serial) > 64:
            problems.append(
                Problem(
                    row, col["serial"], raw["serial"], _("Too long (at most %(n)s characters).") % {"n": 64}
                )
            )
        elif serial in self.serials:
            problems.append(
                Problem(
                    row,
                    col["serial"],
                    raw["serial"],
                    _("Same serial as row %(row)s.") % {"row": self.serials[serial]},
                )
            )
        reference = raw.get("reference", "").strip().upper()
        product_id = self.products.get(reference)
        if product_id is None:
            problems.append(
                Problem(
                    row,
                    col["reference"],
                    raw.get("reference", ""),
                    _("Unknown product reference.") if reference else _("The reference is missing."),
                )
            )
        store_code = raw.get("store_code", "").upper()
        store_id = None
        if store_code:
            store_id = self.stores.get(store_code)
            if store_id is None:
                problems.append(Problem(row, col["store_code"], raw["store_code"], _("Unknown store code.")))
        shipped_on = self.check(problems, row, col["shipped_on"], raw.get("shipped_on", ""), parse_date)
        if problems:
            raise RowRejected(problems)
        self.serials[serial] = row
        return {"serial": serial, "product_id": product_id, "store_id": store_id, "shipped_on": shipped_on}

    def stage(self, rows: list[dict[str, Any]]) -> None:
        self.rows.extend(rows)

    def merge(self) -> tuple[int, int, int]:
        from warranties.inventory.codes import public_code_new  # contract C6

        brand = self.brand
        existing = {i.serial.upper(): i for i in Item.objects.filter(brand=brand)}
        taken = set(Item.objects.filter(brand=brand).values_list("public_code", flat=True))
        actor = self.user if getattr(self.user, "is_authenticated", False) else None
        now = timezone.now()
        created = updated = unchanged = 0
        new_items: list[Item] = []
        for row in self.rows:
            item = existing.get(row["serial"])
            if item is None:
                code = public_code_new(brand=brand)
                while code in taken:
                    code = public_code_new(brand=brand)
                taken.add(code)
                sent_at = (
                    datetime.combine(row["shipped_on"], time(9), tzinfo=ZoneInfo("UTC"))
                    if row["shipped_on"]
                    else now
                )
                new_items.append(
                    Item(
                        brand=brand,
                        serial=row["serial"],
                        product_id=row["product_id"],
                        public_code=code,
                        status=ItemStatus.IN_STOCK,
                        current_store_id=row["store_id"],
                        shipped_to_store_id=row["store_id"],
                        shipped_on=row["shipped_on"] if row["store_id"] else None,
                        created_at=min(sent_at, now),
                    )
                )
                created += 1
                continue
            changes: dict[str, Any] = {}
            if item.product_id != row["product_id"]:
                changes["product_id"] = row["product_id"]
            if (
                row["store_id"]
                and item.shipped_to_store_id != row["store_id"]
                and not item.movements.exists()
            ):
                changes["shipped_to_store_id"] = row["store_id"]
            if row["store_id"] and row["shipped_on"] and item.shipped_on != row["shipped_on"]:
                changes["shipped_on"] = row["shipped_on"]
            if changes:
                for name, value in changes.items():
                    setattr(item, name, value)
                item.save(update_fields=[*(n.removesuffix("_id") for n in changes), "updated_at"])
                updated += 1
            else:
                unchanged += 1
        Item.objects.bulk_create(new_items, batch_size=2000)
        movements = [
            StockMovement(
                brand=brand,
                item=item,
                kind=MovementKind.SHIPMENT,
                from_store=None,
                to_store_id=item.current_store_id,
                sent_at=item.created_at,
                received_at=item.created_at,
                created_by=actor,
                note=_("Imported"),
            )
            for item in new_items
            if item.current_store_id
        ]
        StockMovement.objects.bulk_create(movements, batch_size=2000)
        self.summary = {"shipments_recorded": len(movements)}
        return created, updated, unchanged
