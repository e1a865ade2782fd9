"""Store import (the retail network, e.g. stores.csv): stores upserted by code, retailers created
by name. A retailer written "Name (own)" is the brand's own retail arm. Small files: ORM writes."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import available_timezones

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jewelcrm.imports.framework import BaseImporter, Field, Problem, RowRejected
from jewelcrm.imports.values import fold, parse_country, parse_currency
from jewelcrm.retail.models import Retailer, Store, StoreType

_TYPES = {
    "boutique": StoreType.BOUTIQUE,
    "own boutique": StoreType.BOUTIQUE,
    "flagship": StoreType.BOUTIQUE,
    "corner": StoreType.CORNER,
    "shop in shop": StoreType.CORNER,
    "authorised dealer": StoreType.AUTHORISED_DEALER,
    "authorized dealer": StoreType.AUTHORISED_DEALER,
    "dealer": StoreType.AUTHORISED_DEALER,
    "revendeur agree": StoreType.AUTHORISED_DEALER,
    "detaillant agree": StoreType.AUTHORISED_DEALER,
    "concessionnaire": StoreType.AUTHORISED_DEALER,
    "ecommerce": StoreType.ESHOP,
    "e commerce": StoreType.ESHOP,
    "eshop": StoreType.ESHOP,
    "e shop": StoreType.ESHOP,
    "online": StoreType.ESHOP,
    "web": StoreType.ESHOP,
    "site web": StoreType.ESHOP,
}
_OWN = re.compile(r"\s*\((own|propre|interne)\)\s*$", re.I)
STORE_FIELDS = (
    "name",
    "type",
    "address",
    "city",
    "postal_code",
    "country",
    "currency",
    "time_zone",
    "market",
)


class StoreImporter(BaseImporter):
    kind = "stores"
    fields = (
        Field(
            "code",
            gettext_lazy("Store code"),
            required=True,
            aliases=("Code", "Code magasin", "Store code", "Store ID"),
        ),
        Field(
            "name",
            gettext_lazy("Name"),
            required=True,
            aliases=("Nom", "Store name", "Nom du magasin", "Enseigne"),
        ),
        Field("type", gettext_lazy("Type"), aliases=("Store type", "Type de point de vente", "Canal")),
        Field(
            "retailer",
            gettext_lazy("Retailer"),
            required=True,
            aliases=("Détaillant", "Revendeur", "Société", "Company"),
        ),
        Field("address", gettext_lazy("Address"), aliases=("Adresse",)),
        Field("city", gettext_lazy("City"), aliases=("Ville",)),
        Field("postal_code", gettext_lazy("Postal code"), aliases=("Code postal", "Zip", "Postcode")),
        Field("country", gettext_lazy("Country"), required=True, aliases=("Pays",)),
        Field("currency", gettext_lazy("Currency"), required=True, aliases=("Devise", "Monnaie")),
        Field("time_zone", gettext_lazy("Time zone"), aliases=("timezone", "Fuseau horaire", "TZ")),
        Field("market", gettext_lazy("Allocated market"), aliases=("Marché", "Market")),
    )

    def prepare(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.codes: dict[str, int] = {}
        self.zones = available_timezones()
        self.labels = {f.name: self.mapping.get(f.name) or str(f.label) for f in self.fields}

    def clean(self, raw: dict[str, str], row: int) -> dict[str, Any]:
        problems: list[Problem] = []
        col = self.labels
        code = raw.get("code", "").upper()
        if not code:
            problems.append(Problem(row, col["code"], "", _("The store code is missing.")))
        elif code in self.codes:
            problems.append(
                Problem(
                    row, col["code"], code, _("Same store code as row %(row)s.") % {"row": self.codes[code]}
                )
            )
        if not raw.get("name"):
            problems.append(Problem(row, col["name"], "", _("The name is missing.")))
        store_type = StoreType.BOUTIQUE
        if raw.get("type"):
            store_type = _TYPES.get(fold(raw["type"]))
            if store_type is None:
                problems.append(Problem(row, col["type"], raw["type"], _("Unknown store type.")))
        retailer = raw.get("retailer", "")
        is_own = bool(_OWN.search(retailer))
        retailer = _OWN.sub("", retailer).strip()
        if not retailer:
            problems.append(
                Problem(row, col["retailer"], raw.get("retailer", ""), _("The retailer is missing."))
            )
        country = self.check(problems, row, col["country"], raw.get("country", ""), parse_country)
        if not raw.get("country"):
            problems.append(Problem(row, col["country"], "", _("The country is missing.")))
        currency = self.check(problems, row, col["currency"], raw.get("currency", ""), parse_currency)
        if not raw.get("currency"):
            problems.append(Problem(row, col["currency"], "", _("The currency is missing.")))
        time_zone = raw.get("time_zone", "") or "UTC"
        if time_zone not in self.zones:
            problems.append(Problem(row, col["time_zone"], time_zone, _("Unknown time zone.")))
        if problems:
            raise RowRejected(problems)
        self.codes[code] = row
        return {
            "code": code,
            "name": raw["name"][:150],
            "type": store_type,
            "retailer": retailer[:150],
            "is_own": is_own,
            "address": raw.get("address", "")[:255],
            "city": raw.get("city", "")[:100],
            "postal_code": raw.get("postal_code", "")[:20],
            "country": country,
            "currency": currency,
            "time_zone": time_zone,
            "market": raw.get("market", "")[:32].upper(),
        }

    def stage(self, rows: list[dict[str, Any]]) -> None:
        self.rows.extend(rows)

    def merge(self) -> tuple[int, int, int]:
        brand = self.brand
        retailers = {r.name: r for r in Retailer.objects.filter(brand=brand)}
        retailers_created = 0
        for row in self.rows:
            if row["retailer"] not in retailers:
                retailers[row["retailer"]] = Retailer.objects.create(
                    brand=brand, name=row["retailer"], is_own=row["is_own"]
                )
                retailers_created += 1
        existing = {s.code: s for s in Store.objects.filter(brand=brand)}
        created = updated = unchanged = 0
        new: list[Store] = []
        for row in self.rows:
            retailer = retailers[row["retailer"]]
            store = existing.get(row["code"])
            if store is None:
                new.append(
                    Store(
                        brand=brand, retailer=retailer, code=row["code"], **{f: row[f] for f in STORE_FIELDS}
                    )
                )
                created += 1
                continue
            changes = {f: row[f] for f in STORE_FIELDS if getattr(store, f) != row[f]}
            if store.retailer_id != retailer.pk:
                changes["retailer"] = retailer
            if changes:
                for name, value in changes.items():
                    setattr(store, name, value)
                store.save(update_fields=list(changes))
                updated += 1
            else:
                unchanged += 1
        Store.objects.bulk_create(new)
        self.summary = {"retailers_created": retailers_created}
        return created, updated, unchanged
