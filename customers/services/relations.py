"""Relations of a customer (gift recipients and their dates)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.book_ranks import book_ranks_refresh_for
from customers.models import Customer
from jewelcrm.accounts.models import Brand

RELATION_FIELDS = ("name", "kind", "birth_date", "anniversary", "email")


@transaction.atomic
def relation_save(
    *,
    brand: Brand,
    customer: Customer,
    data: dict[str, Any],
    relation: Any = None,
    actor: Any = None,
) -> Any:
    """Create (relation=None) or change a gift recipient of `customer`."""
    from customers.models import Relation

    if relation is None:
        relation = Relation(brand=brand, customer=customer)
    elif relation.customer_id != customer.pk or relation.brand_id != brand.pk:
        raise ValidationError(_("Unknown relation."))
    for name, value in data.items():
        if name not in RELATION_FIELDS:
            raise ValidationError(_("Unknown field %(name)s."), params={"name": name})
        setattr(relation, name, "" if value is None and name in ("name", "kind", "email") else value)
    relation.full_clean(exclude=["brand", "customer"])
    relation.save()
    book_ranks_refresh_for(brand=brand, customer_ids=[customer.pk])
    from jewelcrm.accounts.services import audit_log_record

    audit_log_record(
        brand=brand,
        action="customer.relation_save",
        actor=actor,
        obj=customer,
        data={"relation_id": relation.pk},
    )
    return relation


@transaction.atomic
def relation_delete(*, brand: Brand, customer: Customer, relation: Any, actor: Any = None) -> None:
    if relation.customer_id != customer.pk or relation.brand_id != brand.pk:
        raise ValidationError(_("Unknown relation."))
    relation_id = relation.pk
    relation.delete()
    book_ranks_refresh_for(brand=brand, customer_ids=[customer.pk])
    from jewelcrm.accounts.services import audit_log_record

    audit_log_record(
        brand=brand,
        action="customer.relation_delete",
        actor=actor,
        obj=customer,
        data={"relation_id": relation_id},
    )


def relation_gift_recipient_add(
    *,
    brand: Brand,
    customer: Customer,
    name: str,
    kind: str = "other",
    birth_date: Any = None,
    email: str = "",
    has_email_consent: bool = False,
    at: Any = None,
) -> Any:
    """The recipient of a gift bought by `customer`; their e-mail is kept only with their own consent."""
    from customers.models import Relation

    kept = email if has_email_consent else ""
    relation = Relation.objects.create(
        brand=brand,
        customer=customer,
        name=name.strip(),
        kind=kind or "other",
        birth_date=birth_date,
        email=kept,
        email_consent_at=(at or timezone.now()) if kept else None,
    )
    book_ranks_refresh_for(brand=brand, customer_ids=[customer.pk])
    return relation
