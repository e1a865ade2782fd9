"""What customers itself holds about a person, registered like every other app's (customers.holders):
relations, the consent ledger, orders and their lines, the profiles earlier merged into this one, and the
send log's copies of their addresses (jewelcrm.messaging lies below customers and cannot register itself).
"""

from __future__ import annotations

from customers.holders import Collected, CustomerDataHolder, Erasure, Merge, customer_data_holder
from customers.models import Consent, Customer, Order, OrderLine, Relation
from jewelcrm.accounts.models import Brand


def collect(brand: Brand, ids: list[int]) -> Collected:
    found = Collected()
    found.add(Customer.objects.filter(brand=brand, pk__in=ids[1:]).order_by("pk"))  # merged profiles
    found.add(Relation.objects.filter(brand=brand, customer_id__in=ids).order_by("pk"))
    found.add(Consent.objects.filter(brand=brand, customer_id__in=ids).order_by("pk"))
    orders = list(Order.objects.filter(brand=brand, customer_id__in=ids).order_by("pk"))
    found.add(orders)
    found.add(OrderLine.objects.filter(brand=brand, order__in=orders).order_by("pk"), level=2)
    return found


def erase(erasure: Erasure) -> None:
    brand, ids = erasure.brand, erasure.profile_ids
    erasure.scrub_rows(
        Relation.objects.filter(brand=brand, customer_id__in=ids).order_by("pk"),
        blank=Relation.personal_fields,
    )
    # The ledger stays as anonymous facts (the brand's proof of a lawful basis): no IP address, no text.
    Consent.objects.filter(brand=brand, customer_id__in=ids).exclude(ip=None).update(ip=None)
    erasure.scrub_rows(Consent.objects.filter(brand=brand, customer_id__in=ids).order_by("pk"))
    orders = Order.objects.filter(brand=brand, customer_id__in=ids).order_by("pk")
    erasure.scrub_rows(orders, blank=Order.personal_fields)
    erasure.scrub_rows(OrderLine.objects.filter(brand=brand, order__customer_id__in=ids).order_by("pk"))
    # The send log keeps that e-mails were sent, not to whom; what still waits is not sent.
    from jewelcrm.messaging.services import message_erase_recipient

    for value in erasure.needles:
        if "@" in value:
            n = message_erase_recipient(brand=brand, email=value)
            if n:
                erasure.changed["messaging.Message"] = erasure.changed.get("messaging.Message", 0) + n


def merge(merge: Merge) -> None:
    merge.move(Consent, "customer")
    merge.move(Customer, "merged_into")
    merge.move(Order, "customer")
    merge.move(Relation, "customer")


HOLDER = customer_data_holder(
    CustomerDataHolder(
        app_label="customers",
        foreign_keys=(
            "customers.Customer.merged_into",
            "customers.Relation.customer",
            "customers.Consent.customer",
            "customers.Order.customer",
            # An index of the profile, not a record of the person: erasure and merge rewrite it from the
            # profiles afterwards (search_terms_refresh in gdpr.customer_erase and dedupe), never move it.
            "customers.SearchTerm.customer",
            # Likewise the client books' ranks: book_ranks_refresh in customer_erase and the merge.
            "customers.BookRank.customer",
        ),
        collect=collect,
        erase=erase,
        merge=merge,
    )
)
