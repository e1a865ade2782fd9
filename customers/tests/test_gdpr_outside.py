"""WEB-08 outside the database: after an erasure, the caches (Redis, every key and value) and the stored
import files hold none of the person's identifying values; other imports keep their files."""

from __future__ import annotations

import io
import pickle

import pytest
from django.core.cache import cache, caches
from django.core.files.base import ContentFile
from django.urls import reverse

from customers import gdpr, selectors
from customers.models import Customer
from customers.tests.test_gdpr import NEEDLES, PERSON, _person
from jewelcrm.cache import RedisCache
from jewelcrm.imports.models import ImportJob
from jewelcrm.imports.tests.factories import ImportJobFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def _cached_texts() -> list[str]:
    """Every key and value of the cache, as text (Redis: each key of its database, whatever its type)."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return [f"{key} {pickle.loads(raw)!r}" for key, raw in backend._cache.items()]  # noqa: S301
    client, texts = backend.redis(), []
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        if kind == b"string":
            raw = client.get(key)
            try:
                value = backend.loads(raw)
            except Exception:  # noqa: BLE001 - a counter or a value another writer left raw
                value = raw
            texts.append(f"{key!r} {value!r}")
        elif kind == b"list":
            texts.append(f"{key!r} {client.lrange(key, 0, -1)!r}")
        elif kind == b"hash":
            texts.append(f"{key!r} {client.hgetall(key)!r}")
        else:
            texts.append(repr(key))
    return texts


def _found(texts: list[str]) -> set[str]:
    def plain(text: str) -> str:  # values in reprs of bytes are escaped: compare the decoded forms too
        return text.encode().decode("unicode_escape", errors="ignore").lower()

    return {n for n in NEEDLES for t in texts if n.lower() in t.lower() or n.lower() in plain(t)}


def _job(brand, status: str, content: bytes, name: str = "customers.csv", report: bytes = b"") -> ImportJob:
    job = ImportJobFactory(
        brand=brand, status=status, file=ContentFile(content, name=name), original_name=name
    )
    if report:
        with brand_context(brand):
            job.report.save("report.csv", ContentFile(report))
    return job


def _xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_erasure_leaves_nothing_of_the_person_in_caches_or_stored_import_files(
    brand, client, django_capture_on_commit_callbacks
):
    cache.clear()
    store = StoreFactory(brand=brand)
    customer, _relation, _order, item = _person(brand, store)
    # The caches a visit fills: the customer list's filter choices (a tag names the family), the portal's
    # sign-in counters, the public page of the person's piece.
    with brand_context(brand):
        assert "Quaglieri family" in selectors.customer_tags(brand=brand)
        selectors.customer_countries(brand=brand)
    client.post(reverse("portal:sign_in", kwargs={"brand_slug": brand.slug}), {"email": PERSON["email"]})
    client.get(reverse("portal:public_item", kwargs={"code": item.public_code}))
    assert _found(_cached_texts()) == {"Quaglieri"}  # the scan sees what is there

    erp = "N° client;Nom;Prénom;E-mail\r\nC7;Quaglieri;Zéphyrine;x@example.test\r\n".encode("cp1252")
    with_person = _job(
        brand, "done", erp, report=b"row,column,value,reason\r\n2,E-mail,zephyrine.quaglieri@x,bad\r\n"
    )
    in_excel = _job(brand, "failed", _xlsx([["Phone"], ["079 438 26 83"]]), name="c.xlsx")
    without = _job(brand, "done", b"N\xc2\xb0 client;Nom\r\nC8;Martin\r\n")
    not_run = _job(brand, "draft", erp)
    stored = {job.pk: job.file.name for job in (with_person, in_excel)}

    with brand_context(brand), django_capture_on_commit_callbacks(execute=True):
        gdpr.customer_erase(brand=brand, customer=Customer.objects.get(pk=customer.pk))

    assert _found(_cached_texts()) == set()
    with brand_context(brand):
        jobs = {job.pk: job for job in ImportJob.objects.all()}
    assert (jobs[with_person.pk].file.name, jobs[with_person.pk].report.name) == ("", "")
    assert jobs[in_excel.pk].file.name == "" and jobs[in_excel.pk].may_retry is False
    assert not any(ImportJob.file.field.storage.exists(name) for name in stored.values())
    assert jobs[without.pk].file.name == without.file.name  # no one erased in it: kept
    assert jobs[not_run.pk].file.name == not_run.file.name  # still to be imported: kept
    for job in jobs.values():
        for field in (job.file, job.report):
            if field and job.status != "draft":
                with field.open("rb") as handle:
                    text = handle.read().decode("cp1252", errors="ignore").lower()
                assert not [n for n in NEEDLES if n.lower() in text], job
