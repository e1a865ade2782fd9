from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import Customer
from jewelcrm.imports.models import ColumnMapping, ImportJob
from jewelcrm.imports.tests.factories import ImportJobFactory
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db

CSV = (
    "N° client;Nom;Prénom;Courriel du client;Opt-in e-mail\r\n"
    "C1;Martin;Ana;ana@example.com;Oui\r\nC2;Durand;Luc;luc at example.com;Non\r\n"
)


def url(brand, name, **kwargs):
    return reverse(f"imports:{name}", kwargs={"brand_slug": brand.slug, **kwargs})


def upload(client, brand, content=CSV, kind="customers", name="clients.csv"):
    file = SimpleUploadedFile(
        name, content.encode("utf-8-sig") if isinstance(content, str) else content, "text/csv"
    )
    return client.post(url(brand, "upload"), {"kind": kind, "file": file})


def jobs(brand):
    with brand_context(brand):
        return list(ImportJob.objects.all())


def test_full_journey_upload_map_preview_run_report(
    brand, marketer_client, django_capture_on_commit_callbacks
):
    response = upload(marketer_client, brand)
    job = jobs(brand)[0]
    assert response.status_code == 302 and response.url == url(brand, "mapping", pk=job.pk)
    # "Courriel du client" is not a known header: the user maps it by hand.
    assert job.mapping == {
        "external_id": "N° client",
        "last_name": "Nom",
        "first_name": "Prénom",
        "optin_email": "Opt-in e-mail",
    }
    page = marketer_client.get(response.url)
    assert page.status_code == 200
    assert 'value="Courriel du client"' in page.content.decode()
    data = {f"map_{k}": v for k, v in job.mapping.items()} | {"map_email": "Courriel du client"}
    response = marketer_client.post(url(brand, "mapping", pk=job.pk), data)
    assert response.status_code == 302 and response.url == url(brand, "preview", pk=job.pk)
    with brand_context(brand):
        saved = ColumnMapping.objects.get()
        assert saved.mapping["email"] == "Courriel du client"
    preview = marketer_client.get(response.url).content.decode()
    assert "ana@example.com" in preview and "is not a valid e-mail address" in preview
    with django_capture_on_commit_callbacks(execute=True):
        response = marketer_client.post(url(brand, "preview", pk=job.pk), {"mode": "valid_rows"})
    assert response.status_code == 302 and response.url == url(brand, "detail", pk=job.pk)
    job = jobs(brand)[0]
    assert (job.status, job.rows_total, job.rows_created, job.rows_rejected, job.progress) == (
        "done",
        2,
        1,
        1,
        100,
    )
    detail = marketer_client.get(response.url).content.decode()
    assert 'data-testid="count-created">1<' in detail
    assert "luc at example.com" in detail
    report = marketer_client.get(url(brand, "report", pk=job.pk))
    assert report["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        report.content.decode("utf-8-sig")
        .splitlines()[1]
        .startswith("3,Courriel du client,luc at example.com,")
    )
    with brand_context(brand):
        assert list(Customer.objects.values_list("external_id", flat=True)) == ["C1"]
    # The next file with the same columns gets the saved mapping.
    upload(marketer_client, brand, name="clients-2.csv")
    assert jobs(brand)[0].mapping["email"] == "Courriel du client"


def test_all_or_nothing_job_writes_nothing(brand, owner_client, django_capture_on_commit_callbacks):
    upload(owner_client, brand)
    job = jobs(brand)[0]
    owner_client.post(
        url(brand, "mapping", pk=job.pk),
        {f"map_{k}": v for k, v in job.mapping.items()} | {"map_email": "Courriel du client"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url(brand, "preview", pk=job.pk), {"mode": "all_or_nothing"})
    job = jobs(brand)[0]
    assert (job.status, job.rows_created, job.rows_rejected) == ("aborted", 0, 1)
    with brand_context(brand):
        assert Customer.objects.count() == 0
    assert "nothing was written" in owner_client.get(url(brand, "detail", pk=job.pk)).content.decode()


def test_upload_errors_are_shown_next_to_the_field(brand, marketer_client):
    response = upload(marketer_client, brand, content=b"")
    assert response.status_code == 400
    assert "The submitted file is empty." in response.content.decode()
    response = upload(marketer_client, brand, content="a;b".encode("utf-16"))
    assert response.status_code == 400 and "encoding is not supported" in response.content.decode()
    response = upload(marketer_client, brand, content="x|y|z\n1|2|3\n")
    assert response.status_code == 400 and "single column" in response.content.decode()
    assert jobs(brand) == []


def test_missing_required_mapping_is_refused(brand, admin_client_brand):
    upload(admin_client_brand, brand, content="code,name\nPAR,Paris\n", kind="stores")
    job = jobs(brand)[0]
    response = admin_client_brand.post(
        url(brand, "mapping", pk=job.pk), {"map_code": "code", "map_name": "name"}
    )
    assert response.status_code == 400
    assert "Required column missing: Retailer." in response.content.decode()
    assert jobs(brand)[0].status == "draft"


def test_marketer_may_not_import_master_data(brand, marketer_client):
    response = upload(marketer_client, brand, content="code,name\nPAR,Paris\n", kind="stores")
    assert response.status_code == 400
    assert jobs(brand) == []


@pytest.mark.parametrize("role", ["analyst", "retail_manager", "sales_associate"])
def test_other_roles_are_refused(brand, client_for, role):
    client = client_for(brand, role)
    assert client.get(url(brand, "list")).status_code == 403
    assert upload(client, brand).status_code == 403
    assert jobs(brand) == []


def test_jobs_of_another_brand_answer_404(brand, other_brand, marketer_client):
    foreign = ImportJobFactory(brand=other_brand)
    for name in ("detail", "mapping", "preview", "status", "report"):
        assert marketer_client.get(url(brand, name, pk=foreign.pk)).status_code == 404
    assert (
        marketer_client.post(url(brand, "preview", pk=foreign.pk), {"mode": "valid_rows"}).status_code == 404
    )
    assert marketer_client.get(url(other_brand, "list")).status_code == 404
    assert jobs(other_brand)[0].status == "draft"
    listing = marketer_client.get(url(brand, "list")).content.decode()
    assert foreign.original_name not in listing


def test_list_query_count_is_fixed(brand, marketer_client, django_assert_max_num_queries):
    for index in range(3):
        ImportJobFactory(brand=brand, original_name=f"file-{index}.csv")
    marketer_client.get(url(brand, "list"))
    with django_assert_max_num_queries(20) as first:
        marketer_client.get(url(brand, "list"))
    for index in range(10):
        ImportJobFactory(brand=brand, original_name=f"more-{index}.csv")
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = marketer_client.get(url(brand, "list"))
    assert response.content.decode().count("more-") == 10


def test_list_search_and_empty_state(brand, marketer_client):
    ImportJobFactory(brand=brand, original_name="clients-mars.csv")
    assert "clients-mars.csv" in marketer_client.get(url(brand, "list"), {"q": "mars"}).content.decode()
    assert (
        "No import matches this search."
        in marketer_client.get(url(brand, "list"), {"q": "zzz"}).content.decode()
    )


def test_status_partial_polls_until_finished(brand, marketer_client):
    job = ImportJobFactory(brand=brand, status="queued")
    partial = marketer_client.get(url(brand, "status", pk=job.pk)).content.decode()
    assert 'hx-trigger="every 1s"' in partial and "<progress" in partial
    with brand_context(brand):
        ImportJob.objects.filter(pk=job.pk).update(status="done", progress=100)
    assert "hx-trigger" not in marketer_client.get(url(brand, "status", pk=job.pk)).content.decode()


def test_a_job_that_cannot_run_is_marked_failed_with_the_reason(brand, marketer_client):
    from jewelcrm.imports import services

    job = ImportJobFactory(brand=brand, status="queued", mapping={"email": "Courriel"})
    with brand_context(brand):
        services.import_job_execute(brand=brand, job_id=job.pk)
        job.refresh_from_db()
        assert Customer.objects.count() == 0
    assert (job.status, job.error) == ("failed", "The column “Courriel” is not in the file.")
    page = marketer_client.get(url(brand, "detail", pk=job.pk)).content.decode()
    assert "The column “Courriel” is not in the file." in page


def test_pages_render_in_french(brand, marketer_client):
    from django.conf import settings

    marketer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = marketer_client.get(url(brand, "upload")).content.decode()
    assert "Que contient le fichier ?" in page and "Importer un fichier" in page


# Who imports what (forms.MARKETER_KINDS): owners and admins everything; marketers customer data only.
WHO_IMPORTS_WHAT = {
    "owner": {"customers", "orders", "products", "serials", "stores"},
    "admin": {"customers", "orders", "products", "serials", "stores"},
    "marketer": {"customers", "orders"},
}


@pytest.mark.parametrize("role", sorted(WHO_IMPORTS_WHAT))
def test_each_role_sees_uploads_and_opens_only_the_imports_it_may_run(brand, client_for, role):
    client = client_for(brand, role)
    made = {
        kind: ImportJobFactory(brand=brand, kind=kind, original_name=f"{kind}.csv")
        for kind in WHO_IMPORTS_WHAT["owner"]
    }
    form = client.get(url(brand, "upload")).context["form"]
    assert {value for value, _label in form.fields["kind"].choices} == WHO_IMPORTS_WHAT[role]
    listed = {job.kind for job in client.get(url(brand, "list")).context["page"].object_list}
    assert listed == WHO_IMPORTS_WHAT[role]
    for kind, job in made.items():
        expected = 200 if kind in WHO_IMPORTS_WHAT[role] else 404
        for name in ("detail", "mapping", "preview", "status"):
            assert client.get(url(brand, name, pk=job.pk)).status_code == expected, (kind, name)
        if kind not in WHO_IMPORTS_WHAT[role]:
            assert client.post(url(brand, "preview", pk=job.pk), {"mode": "valid_rows"}).status_code == 404
            assert client.get(url(brand, "report", pk=job.pk)).status_code == 404
    assert {j.status for j in jobs(brand)} == {"draft"}
