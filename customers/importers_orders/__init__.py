"""Order import (hosted-shop exports such as eshop_orders.csv): one row per line item, the order's
fields on its first row only.

Rows are grouped by order number (consecutive rows); a problem on any row rejects the whole order.
Financial statuses: paid, pending (no payment date), partially_refunded, refunded, voided -> cancelled.
Each order's customer is found by e-mail or created (name, city and country from the billing
fields; "Accepts Marketing = yes" on a new profile records an e-mail consent from the import).
Amounts are converted to the brand's currency with customers.models.ExchangeRate (the rate of the
order date, else the closest earlier one), loaded by `exchange_rates_ensure()` from the reference
table shipped in jewelcrm/imports/data/exchange_rates.csv.

Set-based: orders and lines are COPied into two staging tables; existing orders are resolved by
(brand, source, external id), changed ones updated, new ones inserted with ON CONFLICT on the partial
unique index; the lines of an order are rewritten only when they differ.

Modules: `columns` (the file's columns and the staging tables), `rates` (exchange rates), `importer`
(cleaning, one order at a time), `merge` (the set-based writes).
"""

from customers.importers_orders.columns import (
    LINE_COPY_COLUMNS,
    LINE_STAGING,
    ORDER_COMPARED,
    ORDER_COPY_COLUMNS,
    ORDER_FIELDS,
    ORDER_STAGING,
)
from customers.importers_orders.importer import OrderImporter
from customers.importers_orders.merge import OrderMerge
from customers.importers_orders.rates import RATES_CSV, RateTable, exchange_rates_ensure

__all__ = [
    "LINE_COPY_COLUMNS",
    "LINE_STAGING",
    "ORDER_COMPARED",
    "ORDER_COPY_COLUMNS",
    "ORDER_FIELDS",
    "ORDER_STAGING",
    "OrderImporter",
    "OrderMerge",
    "RATES_CSV",
    "RateTable",
    "exchange_rates_ensure",
]
