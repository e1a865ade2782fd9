"""Customer search through the search-term table (ADR 0044): the SQL folds names as name_key does, every
write path keeps the terms in step, the results equal the substring search it replaces on a realistic
set of queries, and PostgreSQL answers through the btree under row-level security."""

from __future__ import annotations

import re
import unicodedata

import pytest
from django.db import connection

from customers import dedupe, gdpr
from customers.models import Customer
from customers.normalise import name_key
from customers.search_terms import (
    _RANGES,
    _sql_fold,
    matching_ids_sql,
    search_terms_of,
    search_terms_refresh,
    search_terms_stale,
)
from customers.selectors import customer_search
from customers.services import customer_create, customer_update
from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from jewelcrm.tenancy.roles import as_role

pytestmark = pytest.mark.django_db


def _sql_words(texts: list[str]) -> list[list[str]]:
    fold, params = _sql_fold("t")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT n, array(SELECT w FROM regexp_split_to_table({fold}, '[^a-z0-9]+') w WHERE w <> '') "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS x(t, n) ORDER BY n",
            [*params, texts],
        )
        return [list(words) for _n, words in cursor.fetchall()]


def test_sql_folds_every_latin_letter_as_name_key_does():
    samples = [
        f"a{chr(code)}b"
        for start, end in _RANGES
        for code in range(start, end)
        if not unicodedata.category(chr(code)).startswith("C")
    ]
    samples += [
        "Jean-Pierre O'NEILL 3rd",
        "Éloïse D'Arcy-Martin",
        "Søren Kierkegård",
        "Łukasz Żółć",
        "Bæk Œuvre Straße",
        "ÅSA Þór",
    ]
    expected = [name_key(s).split() for s in samples]
    got = _sql_words(samples)
    mismatches = [(s, e, g) for s, e, g in zip(samples, expected, got, strict=True) if e != g]
    assert mismatches == []
    assert got[-4:] == [
        ["soren", "kierkegard"],
        ["lukasz", "zolc"],
        ["baek", "oeuvre", "strasse"],
        ["asa", "thor"],
    ]


def test_terms_of_a_profile(brand):
    customer = CustomerFactory(
        brand=brand, first_name="Éloïse", last_name="D'Arcy-Martin", email="e.darcy+vip@mail.ch",
        phone="+41791234567",
    )  # fmt: skip
    with brand_context(brand):
        terms = search_terms_of(brand_id=brand.pk, customer_id=customer.pk)
    assert {t for k, t in terms if k == "n"} == {"eloise", "d", "arcy", "martin"}
    assert {t for k, t in terms if k == "e"} == {"e.darcy+vip@mail.ch", "mail.ch", "e", "darcy", "vip"}
    assert {t for k, t in terms if k == "p"} == {"41791234567"[i:] for i in range(0, 8)}


# --- Same answers as the substring search it replaces ---------------------------------------------


def _old_search(customers: list[Customer], query: str) -> list[int]:
    """The search before ADR 0044: e-mail contains the query, phone contains its digits (4 or more,
    leading zeros off), or every word of the query inside the accent-free name."""
    query = query.strip()
    digits = "".join(c for c in query if c.isdigit())
    words = name_key(query).split()
    found = []
    for c in customers:
        name = name_key(c.first_name, c.last_name)
        if (
            query.lower() in c.email
            or (len(digits) >= 4 and digits.lstrip("0") and digits.lstrip("0") in c.phone)
            or (words and all(w in name for w in words))
        ):
            found.append(c.pk)
    return sorted(found)


PEOPLE = [
    ("Ana", "Dàvid", "ana.david@outlook.com", "+41794382683"),
    ("Françoise", "Moreau", "francoise.moreau@outlook.com", "+442018843277"),
    ("Léa", "Dubois", "lea.dubois12@gmail.com", "+33612345678"),
    ("Lea", "Dubois-Martin", "ldm@wanadoo.fr", "+33687654321"),
    ("Martin", "Léger", "m.leger@bluewin.ch", "+41221234567"),
    ("Jean-Pierre", "Martineau", "jp@martineau.fr", ""),
    ("Søren", "Ødegaard", "soren@firma.dk", "+4520123456"),
    ("Zoë", "O'Neill", "", "+353871234567"),
    ("Éloïse", "D'Arcy", "eloise@darcy.co.uk", "+447911123456"),
    ("Hélène", "Marchand", "helene.marchand@gmail.com", "+33145678901"),
]
QUERIES = [
    # names: whole words, first letters, accents and case, two words, hyphenated
    "martin", "Mart", "lea", "LÉA DUBOIS", "dubois", "dub", "Léger", "jean-pierre", "jean pierre",
    "soren", "Ødegaard", "zoe o'neill", "eloise d'arcy", "d'arcy", "helene", "march", "ana dav",
    # e-mails: whole, first part, with the @, the domain
    "ana.david@outlook.com", "lea.dubois", "ldm@", "m.leger@bluewin", "jp@", "francoise.moreau@outlook",
    # phones as people type them: national, international, spaced, the last digits
    "0612345678", "06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678", "079 438 26 83",
    "+41 79 438 26 83", "5678", "345678", "020 1884 3277",
    # nothing
    "nobody", "zz",
]  # fmt: skip


def test_search_gives_the_same_answers_as_the_substring_search(brand, other_brand):
    people = [
        CustomerFactory(brand=brand, first_name=f, last_name=n, email=e, phone=p) for f, n, e, p in PEOPLE
    ]
    CustomerFactory(brand=other_brand, first_name="Martin", last_name="Dubois", email="lea.dubois@x.ch")
    CustomerFactory(brand=brand, first_name="Martin", last_name="Merged", merged_into=people[0])
    with brand_context(brand):
        for query in QUERIES:
            got = sorted(customer_search(brand=brand, query=query).values_list("pk", flat=True))
            assert got == _old_search(people, query), query
        assert sorted(customer_search(brand=brand, query="martin").values_list("pk", flat=True)) == sorted(
            [people[3].pk, people[4].pk, people[5].pk]
        )


def test_search_finds_word_beginnings_not_the_middle_of_words(brand):
    """The one answer that changed: "artin" no longer finds Martin (a prefix of no word)."""
    martin = CustomerFactory(brand=brand, first_name="Paul", last_name="Martin", email="p@x.ch", phone="")
    with brand_context(brand):
        assert list(customer_search(brand=brand, query="mart").values_list("pk", flat=True)) == [martin.pk]
        assert list(customer_search(brand=brand, query="artin")) == []


@pytest.mark.django_db(transaction=True)
def test_prefix_search_uses_the_btree_under_row_level_security(brand):
    for n in range(60):
        CustomerFactory(brand=brand, last_name=f"Name{n}")
    sql, params = matching_ids_sql(brand_id=brand.pk, query="mart 0612345678")
    with as_role("owner"), connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_search_term")  # statistics, as autovacuum keeps them
    with brand_context(brand), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        _user, bypass = cursor.fetchone()
        assert bypass is False  # the application role, subject to the policies
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    ranges = [line for line in plan.splitlines() if "Index Cond" in line and "~>=~" in line]
    assert len(ranges) == 4, plan  # e-mail, phone digits, each name word: each a range of the index
    assert "Seq Scan" not in plan and " ~~ " not in plan


# --- Every write path keeps the terms in step --------------------------------------------------


def _stale(brand) -> int:
    with brand_context(brand):
        return search_terms_stale(brand_id=brand.pk)


def _names(brand, customer) -> set[str]:
    with brand_context(brand):
        return {t for k, t in search_terms_of(brand_id=brand.pk, customer_id=customer.pk) if k == "n"}


def test_create_and_update_rewrite_the_terms(brand):
    with brand_context(brand):
        customer = customer_create(brand=brand, first_name="Anna", last_name="Keller", email="a@k.ch")
        assert _names(brand, customer) == {"anna", "keller"}
        customer_update(brand=brand, customer=customer, data={"last_name": "Kälin", "city": "Bern"})
        assert _names(brand, customer) == {"anna", "kalin"}
        assert [c.pk for c in customer_search(brand=brand, query="kal")] == [customer.pk]
        assert list(customer_search(brand=brand, query="keller")) == []
    assert _stale(brand) == 0


def test_batch_api_and_import_write_the_terms(brand):
    from customers.batch import customers_batch_upsert
    from jewelcrm.imports.services import import_file_run
    from tests.factories import StoreFactory

    for code in ("DXB-01", "PAR-GL"):
        StoreFactory(brand=brand, code=code)
    with brand_context(brand):
        customers_batch_upsert(
            brand=brand,
            records=[{"external_id": "B1", "first_name": "Noé", "last_name": "Rossi", "email": "noe@r.ch"}],
            source="api",
        )
        assert [c.external_id for c in customer_search(brand=brand, query="noe ross")] == ["B1"]
    import_file_run(brand=brand, kind="customers", path="jewelcrm/imports/tests/data/erp_customers.csv")
    with brand_context(brand):
        assert customer_search(brand=brand, query="francoise moreau").count() == 1
        assert customer_search(brand=brand, query="+41 79 438 26 83").count() == 1
    assert _stale(brand) == 0


def test_merge_and_erasure_rewrite_the_terms(brand):
    survivor = CustomerFactory(brand=brand, first_name="Iris", last_name="Vogel", email="iris@v.ch", phone="")
    other = CustomerFactory(
        brand=brand, first_name="Iris", last_name="Vogel-Frei", email="", phone="+41791110000"
    )
    with brand_context(brand):
        dedupe.customer_merge(brand=brand, survivor=survivor, other=Customer.objects.get(pk=other.pk))
        assert _names(brand, other) == set()  # a merged profile is found through its survivor only
        assert [c.pk for c in customer_search(brand=brand, query="0791110000")] == [survivor.pk]
        gdpr.customer_erase(brand=brand, customer=Customer.objects.get(pk=survivor.pk))
        assert list(customer_search(brand=brand, query="iris")) == []
        assert list(customer_search(brand=brand, query="iris@v")) == []
        assert _names(brand, survivor) == {"erased", "customer", str(survivor.pk)}
    assert _stale(brand) == 0


def test_refresh_of_a_whole_brand_touches_no_other_brand(brand, other_brand):
    mine = CustomerFactory(brand=brand, first_name="Ugo", last_name="Bianchi")
    theirs = CustomerFactory(brand=other_brand, first_name="Ugo", last_name="Bianchi")
    with brand_context(brand):
        Customer.objects.filter(pk=mine.pk).update(last_name="Verdi")  # a write outside the services
        assert search_terms_stale(brand_id=brand.pk) > 0
        search_terms_refresh(brand_id=brand.pk)
        assert search_terms_stale(brand_id=brand.pk) == 0
    assert _names(brand, mine) == {"ugo", "verdi"}
    assert _names(other_brand, theirs) == {"ugo", "bianchi"}


def test_export_does_not_list_the_search_terms(brand):
    customer = CustomerFactory(brand=brand)
    with brand_context(brand):
        export = gdpr.customer_export(brand=brand, customer=customer)
    assert not any(re.search("SearchTerm", label) for label in export["related"])


def test_command_checks_then_rebuilds(brand):
    from django.core.management import CommandError, call_command

    customer = CustomerFactory(brand=brand, first_name="Olga", last_name="Berg")
    with brand_context(brand):
        Customer.objects.filter(pk=customer.pk).update(first_name="Olivia")
    with pytest.raises(CommandError, match="out of step"):
        call_command("customers_search_terms", "--brand", brand.slug, "--check")
    call_command("customers_search_terms", "--brand", brand.slug)
    call_command("customers_search_terms", "--brand", brand.slug, "--check")
    assert _names(brand, customer) == {"olivia", "berg"}


def test_the_client_book_searches_through_the_terms(brand, client_for, store):
    """The book's customers are also a subquery of its dates and services: the search must not name the
    customers table."""
    from django.urls import reverse

    from customers.tests.factories import RelationFactory

    found = CustomerFactory(brand=brand, first_name="Nora", last_name="Keller", home_store=store)
    RelationFactory(brand=brand, customer=found)
    CustomerFactory(brand=brand, first_name="Otto", last_name="Brun", home_store=store)
    manager = client_for(brand, "retail_manager", store)
    response = manager.get(reverse("customers:client_book", kwargs={"brand_slug": brand.slug}), {"q": "kell"})
    assert response.status_code == 200
    assert [e.customer.pk for e in response.context["entries"]] == [found.pk]
