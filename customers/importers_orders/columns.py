"""The order file's columns, its statuses, and the staging tables of the order import."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from customers.models import OrderStatus
from jewelcrm.imports.framework import Field

_STATUSES = {
    "paid": OrderStatus.PAID,
    "payee": OrderStatus.PAID,
    "paye": OrderStatus.PAID,
    "authorized": OrderStatus.PENDING,
    "pending": OrderStatus.PENDING,
    "en attente": OrderStatus.PENDING,
    "partially paid": OrderStatus.PENDING,
    "partially refunded": OrderStatus.PARTIALLY_REFUNDED,
    "partiellement remboursee": OrderStatus.PARTIALLY_REFUNDED,
    "refunded": OrderStatus.REFUNDED,
    "remboursee": OrderStatus.REFUNDED,
    "voided": OrderStatus.CANCELLED,
    "void": OrderStatus.CANCELLED,
    "cancelled": OrderStatus.CANCELLED,
    "canceled": OrderStatus.CANCELLED,
    "annulee": OrderStatus.CANCELLED,
}

ORDER_STAGING = (
    ("rowno", "integer"),
    ("external_id", "text"),
    ("email", "text"),
    ("status", "text"),
    ("ordered_at", "timestamptz"),
    ("paid_at", "timestamptz"),
    ("currency", "text"),
    ("total", "numeric(14,2)"),
    ("refunded_amount", "numeric(14,2)"),
    ("total_brand_currency", "numeric(14,2)"),
    ("store_id", "bigint"),
    ("first_name", "text"),
    ("last_name", "text"),
    ("city", "text"),
    ("postal_code", "text"),
    ("country", "text"),
    ("accepts_marketing", "boolean"),
    ("line_rows", "integer"),
    ("line_sig", "text"),
    ("customer_id", "bigint"),
    ("order_id", "bigint"),
    ("is_new", "boolean"),
    ("is_changed", "boolean"),
)
LINE_STAGING = (
    ("rowno", "integer"),
    ("order_external_id", "text"),
    ("product_id", "bigint"),
    ("sku", "text"),
    ("name", "text"),
    ("serial", "text"),
    ("quantity", "integer"),
    ("unit_price", "numeric(14,2)"),
    ("total", "numeric(14,2)"),
)
ORDER_COPY_COLUMNS = [c for c, _t in ORDER_STAGING][:19]  # up to line_sig; the rest is filled by the merge
LINE_COPY_COLUMNS = [c for c, _t in LINE_STAGING]
ORDER_COMPARED = (
    "customer_id",
    "status",
    "ordered_at",
    "paid_at",
    "currency",
    "total",
    "refunded_amount",
    "total_brand_currency",
    "email",
    "store_id",
)
ORDER_FIELDS = (
    Field(
        "order_number",
        gettext_lazy("Order number"),
        aliases=("Name", "Order", "Order number", "N° commande", "Numéro de commande", "Commande"),
    ),
    Field("external_id", gettext_lazy("Order id"), aliases=("Id", "Order ID", "ID commande")),
    Field("email", gettext_lazy("E-mail"), aliases=("Email", "Customer email", "Courriel")),
    Field(
        "financial_status",
        gettext_lazy("Payment status"),
        aliases=("Financial Status", "Statut de paiement", "Statut", "Status"),
    ),
    Field("paid_at", gettext_lazy("Paid at"), aliases=("Payé le", "Date de paiement", "Payment date")),
    Field("currency", gettext_lazy("Currency"), aliases=("Devise",)),
    Field("total", gettext_lazy("Total"), aliases=("Total TTC", "Montant", "Amount")),
    Field(
        "created_at",
        gettext_lazy("Order date"),
        required=True,
        aliases=("Created at", "Date", "Date de commande", "Ordered at"),
    ),
    Field("cancelled_at", gettext_lazy("Cancelled at"), aliases=("Annulée le", "Date d'annulation")),
    Field(
        "refunded_amount",
        gettext_lazy("Refunded amount"),
        aliases=("Refunded Amount", "Montant remboursé"),
    ),
    Field(
        "line_quantity",
        gettext_lazy("Line quantity"),
        aliases=("Lineitem quantity", "Quantité", "Qty", "Quantity"),
    ),
    Field(
        "line_name",
        gettext_lazy("Line name"),
        aliases=("Lineitem name", "Article", "Libellé", "Product name"),
    ),
    Field(
        "line_price",
        gettext_lazy("Line unit price"),
        aliases=("Lineitem price", "Prix unitaire", "Unit price"),
    ),
    Field(
        "line_sku",
        gettext_lazy("Line reference"),
        aliases=("Lineitem sku", "SKU", "Référence", "Reference"),
    ),
    Field("line_serial", gettext_lazy("Line serial"), aliases=("Serial", "N° de série", "Numéro de série")),
    Field(
        "billing_name",
        gettext_lazy("Billing name"),
        aliases=("Billing Name", "Nom de facturation", "Nom"),
    ),
    Field("billing_city", gettext_lazy("Billing city"), aliases=("Billing City", "Ville")),
    Field("billing_zip", gettext_lazy("Billing postal code"), aliases=("Billing Zip", "Code postal")),
    Field("billing_country", gettext_lazy("Billing country"), aliases=("Billing Country", "Pays")),
    Field(
        "accepts_marketing",
        gettext_lazy("Accepts marketing"),
        aliases=("Accepts Marketing", "Opt-in e-mail", "Accepte le marketing"),
    ),
    Field("store_code", gettext_lazy("Store code"), aliases=("Store", "Magasin", "Location")),
)


def _line_signature(lines: list[dict[str, Any]]) -> str:
    """The same text PostgreSQL builds from stored lines (see merge), to detect changed lines."""
    parts = sorted(
        (line["sku"], line["name"], line["serial"], line["quantity"], line["unit_price"], line["total"])
        for line in lines
    )
    return "§".join("|".join(str(v) for v in p) for p in parts)
