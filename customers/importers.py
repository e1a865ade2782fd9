"""Customer import (ERP exports and the like): profiles and their opt-ins as consent ledger rows.

Set-based: clean rows are COPied into a temporary staging table, then merged with a few
statements. Matching order: the external id (customer number), else the e-mail, else the
normalised phone; an e-mail or phone match never takes over a profile that already carries another
external id (two ERP numbers are two profiles until a person merges them in the dedupe review).
A cell left empty never erases a known value. An opt-in column appends a ledger entry only when it
differs from the customer's current status for that channel, so re-importing changes nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.book_ranks import book_ranks_refresh, brand_today
from customers.models import Consent, Customer
from customers.normalise import email_normalise, phone_normalise
from customers.search_terms import search_terms_refresh
from jewelcrm.imports import staging
from jewelcrm.imports.framework import BaseImporter, Field, Problem, RowRejected
from jewelcrm.imports.values import fold, parse_bool, parse_country, parse_date, parse_language

# A subset of what django.core.validators.validate_email accepts: plain ASCII local part and host names.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
)

_TITLES = {
    "mme": "Mme",
    "madame": "Mme",
    "mrs": "Mme",
    "ms": "Mme",
    "mlle": "Mme",
    "mademoiselle": "Mme",
    "miss": "Mme",
    "m": "M.",
    "monsieur": "M.",
    "mr": "M.",
    "mister": "M.",
}

# Text columns of the profile written by the import (name in the staging table = model column).
TEXT_COLUMNS = (
    "external_id",
    "title",
    "first_name",
    "last_name",
    "email",
    "phone",
    "family_situation",
    "address",
    "city",
    "postal_code",
    "country",
    "language",
    "notes",
)
OTHER_COLUMNS = ("birth_date", "wedding_anniversary", "home_store_id", "customer_since")
STAGING_COLUMNS = (
    ("rowno", "integer"),
    *((c, "text") for c in TEXT_COLUMNS),
    ("birth_date", "date"),
    ("wedding_anniversary", "date"),
    ("home_store_id", "bigint"),
    ("customer_since", "date"),
    ("optin_email", "boolean"),
    ("optin_sms", "boolean"),
    ("sources", "jsonb"),
    ("target_id", "bigint"),
    ("new_id", "bigint"),
)
FIELD_OF_COLUMN = {"home_store_id": "home_store"}
COPY_COLUMNS = [c for c, _t in STAGING_COLUMNS if c not in ("target_id", "new_id")]


def _max_lengths() -> dict[str, int]:
    return {f.name: f.max_length for f in Customer._meta.concrete_fields if getattr(f, "max_length", None)}


class CustomerImporter(BaseImporter):
    kind = "customers"
    parallel_clean = True
    required_one_of = ("external_id", "email", "phone")
    fields = (
        Field(
            "external_id",
            gettext_lazy("Customer number"),
            aliases=(
                "N° client",
                "No client",
                "Numéro client",
                "Code client",
                "ID client",
                "Client ID",
                "Customer ID",
                "Customer number",
                "External ID",
                "Id",
            ),
        ),
        Field("title", gettext_lazy("Title"), aliases=("Civilité", "Salutation", "Titre")),
        Field(
            "last_name",
            gettext_lazy("Last name"),
            aliases=("Nom", "Nom de famille", "Surname", "Family name", "Last Name"),
        ),
        Field("first_name", gettext_lazy("First name"), aliases=("Prénom", "Given name", "Firstname")),
        Field(
            "email",
            gettext_lazy("E-mail"),
            aliases=("Email", "Adresse e-mail", "Courriel", "Mail", "Email address"),
        ),
        Field(
            "phone",
            gettext_lazy("Phone"),
            aliases=("Téléphone", "Tél", "Tel", "Mobile", "Portable", "Phone number", "Telephone"),
        ),
        Field(
            "birth_date",
            gettext_lazy("Birth date"),
            aliases=("Date de naissance", "Date of birth", "Birthday", "DOB", "Naissance"),
        ),
        Field(
            "family_situation",
            gettext_lazy("Family situation"),
            aliases=("Situation familiale", "Marital status"),
        ),
        Field(
            "wedding_anniversary",
            gettext_lazy("Wedding anniversary"),
            aliases=(
                "Date anniversaire de mariage",
                "Anniversaire de mariage",
                "Date de mariage",
                "Wedding date",
            ),
        ),
        Field("address", gettext_lazy("Address"), aliases=("Adresse", "Address 1", "Street")),
        Field(
            "postal_code",
            gettext_lazy("Postal code"),
            aliases=("Code postal", "CP", "Zip", "Postcode", "Zip code"),
        ),
        Field("city", gettext_lazy("City"), aliases=("Ville", "Town")),
        Field("country", gettext_lazy("Country"), aliases=("Pays", "Country code")),
        Field("language", gettext_lazy("Language"), aliases=("Langue", "Locale")),
        Field(
            "optin_email",
            gettext_lazy("E-mail opt-in"),
            aliases=("Opt-in e-mail", "Optin email", "Email opt-in", "Opt-in email", "Newsletter"),
        ),
        Field("optin_sms", gettext_lazy("SMS opt-in"), aliases=("Opt-in SMS", "Optin SMS", "SMS opt in")),
        Field(
            "customer_since",
            gettext_lazy("Customer since"),
            aliases=("Date de création", "Client depuis", "Created at", "Creation date", "Date création"),
        ),
        Field(
            "home_store",
            gettext_lazy("Home store"),
            aliases=("Magasin", "Boutique", "Store", "Store code", "Code magasin"),
        ),
        Field(
            "notes",
            gettext_lazy("Notes"),
            aliases=("Commentaire vendeur", "Commentaire", "Comment", "Comments", "Remarques"),
        ),
    )

    def prepare(self) -> None:
        from jewelcrm.retail.models import Store

        self.stores = {
            code.upper(): pk for pk, code in Store.objects.filter(brand=self.brand).values_list("pk", "code")
        }
        self.max_lengths = _max_lengths()
        self.keys: dict[str, int] = {}
        self.region = (getattr(self.brand, "country", "") or "").upper() or None
        self.staging_table = ""
        self.labels = {f.name: str(f.label) for f in self.fields}
        self.headers = dict(getattr(self, "mapping", {}) or {})
        self.today = timezone.localdate()

    def column(self, name: str) -> str:
        """The file's header for a field, for the report (falls back to the field label)."""
        return self.headers.get(name) or self.labels.get(name, name)

    def clean(self, raw: dict[str, str], row: int) -> dict[str, Any]:
        return self.accept(self.clean_values(raw, row), row)

    def accept(self, clean: dict[str, Any], row: int) -> dict[str, Any]:
        """The one stateful check, run in order in the main process: the same customer twice in a file."""
        key, field, raw_value = clean.pop("_key")
        first = self.keys.get(key)
        if first is not None:
            message = _("Same customer as row %(row)s of this file.") % {"row": first}
            raise RowRejected([Problem(row, self.column(field), raw_value, message)])
        self.keys[key] = row
        return clean

    def clean_values(self, raw: dict[str, str], row: int) -> dict[str, Any]:
        """Parse and validate one row; pure (no state, no database), so it may run in a worker process."""
        problems: list[Problem] = []
        col = self.column
        check = self.check
        country = check(problems, row, col("country"), raw.get("country", ""), parse_country) or ""
        region = country or self.region
        raw_email = raw.get("email", "")
        if len(raw_email) <= 200 and _PLAIN_EMAIL.fullmatch(raw_email):
            email = (
                raw_email.lower()
            )  # the common case, valid for email_normalise too; skips its slower checks
        else:
            email = check(problems, row, col("email"), raw_email, email_normalise) or ""
        phone = (
            check(
                problems,
                row,
                col("phone"),
                raw.get("phone", ""),
                lambda v: phone_normalise(v, default_region=region),
            )
            or ""
        )
        clean: dict[str, Any] = {
            "external_id": raw.get("external_id", ""),
            "title": _TITLES.get(fold(raw.get("title", "")), raw.get("title", "")),
            "first_name": raw.get("first_name", ""),
            "last_name": raw.get("last_name", ""),
            "email": email,
            "phone": phone,
            "family_situation": raw.get("family_situation", ""),
            "address": raw.get("address", ""),
            "city": raw.get("city", ""),
            "postal_code": raw.get("postal_code", ""),
            "country": country,
            "language": check(problems, row, col("language"), raw.get("language", ""), parse_language) or "",
            "notes": raw.get("notes", ""),
            "birth_date": check(
                problems,
                row,
                col("birth_date"),
                raw.get("birth_date", ""),
                lambda v: parse_date(v, allow_future=False),
            ),
            "wedding_anniversary": check(
                problems, row, col("wedding_anniversary"), raw.get("wedding_anniversary", ""), parse_date
            ),
            "customer_since": check(
                problems, row, col("customer_since"), raw.get("customer_since", ""), parse_date
            ),
            "optin_email": check(problems, row, col("optin_email"), raw.get("optin_email", ""), parse_bool),
            "optin_sms": check(problems, row, col("optin_sms"), raw.get("optin_sms", ""), parse_bool),
            "home_store_id": None,
        }
        store_code = raw.get("home_store", "")
        if store_code:
            clean["home_store_id"] = self.stores.get(store_code.upper())
            if clean["home_store_id"] is None:
                problems.append(Problem(row, col("home_store"), store_code, _("Unknown store code.")))
        for name in TEXT_COLUMNS:
            limit = self.max_lengths.get(name)
            if limit and len(clean[name]) > limit:
                problems.append(
                    Problem(
                        row,
                        col(name),
                        raw.get(name, ""),
                        _("Too long (at most %(n)s characters).") % {"n": limit},
                    )
                )
        if not problems:
            if clean["external_id"]:
                clean["_key"] = ("x:" + clean["external_id"], "external_id", raw.get("external_id", ""))
            elif email:
                clean["_key"] = ("e:" + email, "email", raw.get("email", ""))
            elif phone:
                clean["_key"] = ("p:" + phone, "phone", raw.get("phone", ""))
            else:
                message = _("No customer number, e-mail or phone identifies this customer.")
                raise RowRejected([Problem(row, col("external_id"), "", message)])
        if problems:
            raise RowRejected(problems)
        clean["rowno"] = row
        clean["sources"] = json.dumps(
            {
                FIELD_OF_COLUMN.get(name, name): "import"
                for name in (*TEXT_COLUMNS, *OTHER_COLUMNS)
                if name != "external_id" and clean.get(name) not in (None, "")
            }
        )
        # Only what accept() and stage() need travels back from a worker process.
        return {"_key": clean["_key"], "_csv": staging.csv_line([clean.get(n) for n in COPY_COLUMNS])}

    # ---- set-based writes ----
    def stage(self, rows: list[dict[str, Any]]) -> None:
        if not self.staging_table:
            self.staging_table = staging.staging_name("customers")
            staging.staging_create(self.staging_table, STAGING_COLUMNS)
        staging.staging_copy_text(self.staging_table, COPY_COLUMNS, "".join(r["_csv"] for r in rows))

    def merge(self) -> tuple[int, int, int]:
        if not self.staging_table:
            return 0, 0, 0
        s, b = self.staging_table, self.brand.pk
        table = Customer._meta.db_table
        staging.sql(f"CREATE INDEX ON {s} (external_id)")
        staging.sql(f"ANALYZE {s}")
        # 1. Resolve the profile each row updates: external id, else e-mail, else phone.
        staging.sql(
            f"UPDATE {s} SET target_id = c.id FROM {table} c "
            f"WHERE c.brand_id = %s AND {s}.external_id <> '' AND c.external_id = {s}.external_id",
            [b],
        )
        for key in ("email", "phone"):
            staging.sql(
                f"UPDATE {s} SET target_id = m.id FROM ("
                f"  SELECT DISTINCT ON ({key}) {key}, id, external_id FROM {table}"
                f"  WHERE brand_id = %s AND {key} <> '' AND merged_into_id IS NULL AND NOT is_pseudonymised"
                f"  ORDER BY {key}, id) m "
                f"WHERE {s}.target_id IS NULL AND {s}.{key} <> '' AND m.{key} = {s}.{key} "
                f"AND (m.external_id = '' OR {s}.external_id = '')",
                [b],
            )
            # Two rows of the file matching one profile: the first row takes it, the others are new.
            staging.sql(
                f"UPDATE {s} SET target_id = NULL WHERE target_id IS NOT NULL AND rowno NOT IN "
                f"(SELECT min(rowno) FROM {s} WHERE target_id IS NOT NULL GROUP BY target_id)"
            )

        # 2. Update the profiles whose values differ (an empty cell keeps the known value).
        def merged(c: str) -> str:
            if c in TEXT_COLUMNS:
                return f"CASE WHEN s.{c} <> '' THEN s.{c} ELSE c.{c} END"
            return f"COALESCE(s.{c}, c.{c})"

        columns = [c for c in (*TEXT_COLUMNS, *OTHER_COLUMNS) if self._mapped(c)]
        updated = 0
        if columns:
            sets = ", ".join(f"{c} = {merged(c)}" for c in columns)
            old = ", ".join(f"c.{c}" for c in columns)
            new = ", ".join(merged(c) for c in columns)
            updated = staging.sql(
                f"UPDATE {table} c SET {sets}, field_sources = c.field_sources || s.sources, updated_at = "
                "now() "
                f"FROM {s} s WHERE c.id = s.target_id AND c.brand_id = %s AND ({old}) IS DISTINCT FROM "
                f"({new})",
                [b],
            )
        # 3. Insert the new profiles with ids taken from the sequence first (the consents need them).
        staging.sql(
            f"UPDATE {s} SET new_id = nextval(pg_get_serial_sequence('{table}', 'id')) WHERE target_id IS "
            "NULL"
        )
        provided = [
            "id",
            "brand_id",
            *TEXT_COLUMNS,
            *OTHER_COLUMNS,
            "field_sources",
            "created_at",
            "updated_at",
        ]
        extra_cols, extra_params = staging.model_defaults(Customer, provided)
        insert_cols = ", ".join([*provided, *extra_cols])
        select_cols = ", ".join(
            [
                "s.new_id",
                "%s",
                *(f"s.{c}" for c in TEXT_COLUMNS),
                "s.birth_date",
                "s.wedding_anniversary",
                "s.home_store_id",
                "COALESCE(s.customer_since, CURRENT_DATE)",
                "s.sources",
                "now()",
                "now()",
                *(["%s"] * len(extra_cols)),
            ]
        )
        created = staging.sql(
            f"INSERT INTO {table} ({insert_cols}) SELECT {select_cols} FROM {s} s WHERE s.target_id IS NULL "
            f"ORDER BY s.rowno",
            [b, *extra_params],
        )
        # 4. The search terms of every profile the file touched, in one set-based rewrite.
        search_terms_refresh(
            brand_id=b,
            ids_sql=f"SELECT COALESCE(target_id, new_id) FROM {s}",  # noqa: S608 - our table name
        )
        book_ranks_refresh(
            brand_id=b,
            today=brand_today(self.brand),
            ids_sql=f"SELECT COALESCE(target_id, new_id) FROM {s}",  # noqa: S608 - our table name
        )
        self._consents_append()
        total = staging.sql_rows(f"SELECT count(*) FROM {s}")[0][0]
        self.summary = {"consent_entries_recorded": self.consents_appended}
        return created, updated, total - created - updated if total >= created + updated else 0

    def _mapped(self, column: str) -> bool:
        name = FIELD_OF_COLUMN.get(column, column)
        return not self.headers or bool(self.headers.get(name))

    def _consents_append(self) -> None:
        """One ledger entry per opt-in cell that differs from the current status of that channel."""
        s, b = self.staging_table, self.brand.pk
        table = Consent._meta.db_table
        provided = [
            "brand_id",
            "customer_id",
            "channel",
            "purpose",
            "is_granted",
            "is_confirmed",
            "at",
            "source",
            "wording_version",
            "staff_id",
        ]
        extra_cols, extra_params = staging.model_defaults(Consent, provided)
        staff_id = (
            self.user.pk if self.user is not None and getattr(self.user, "is_authenticated", False) else None
        )
        appended = 0
        for channel, column in (("email", "optin_email"), ("sms", "optin_sms")):
            select_extra = "".join(", %s" for _c in extra_cols)
            appended += staging.sql(
                f"INSERT INTO {table} ({', '.join([*provided, *extra_cols])}) "
                f"SELECT %s, COALESCE(s.target_id, s.new_id), %s, 'marketing', s.{column}, false, now(), "
                "'import', "
                f"%s, %s{select_extra} FROM {s} s "
                f"LEFT JOIN (SELECT DISTINCT ON (customer_id) customer_id, is_granted FROM {table} "
                f"  WHERE brand_id = %s AND channel = %s AND purpose = 'marketing' "
                f"  ORDER BY customer_id, at DESC, id DESC) cur ON cur.customer_id = s.target_id "
                f"WHERE s.{column} IS NOT NULL AND (cur.customer_id IS NULL OR cur.is_granted <> s.{column}) "
                f"ORDER BY s.rowno",
                [
                    b,
                    channel,
                    f"import:{self.job.pk}" if self.job else "import",
                    staff_id,
                    *extra_params,
                    b,
                    channel,
                ],
            )
        self.consents_appended = appended
