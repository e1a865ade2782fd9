"""Issue 9 item 6: no module of the product's code over 500 lines (tests and migrations aside). A module
that grows past it is split into a package whose `__init__` keeps the public import path (as
`customers.services` and `warranties.services` do)."""

from pathlib import Path

LIMIT = 500
ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("jewelcrm", "customers", "warranties", "segmentation", "campaigns")


def test_no_module_of_the_product_is_over_500_lines():
    too_long = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            lines = len(path.read_text().splitlines())
            if lines > LIMIT:
                too_long[str(path.relative_to(ROOT))] = lines
    assert too_long == {}, f"split these modules (each at most {LIMIT} lines): {too_long}"


def test_the_split_services_keep_their_public_import_path():
    from customers import services
    from customers.services import consent_record, customer_find_or_create, order_upsert, relation_save

    assert services.consent_record is consent_record
    assert {customer_find_or_create.__module__, order_upsert.__module__, relation_save.__module__} == {
        "customers.services.profiles",
        "customers.services.orders",
        "customers.services.relations",
    }
