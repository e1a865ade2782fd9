"""Benchmark: ad audiences. A segment of N consenting customers exported (hashing in Python, the diff with
the previous export set-based in PostgreSQL), exported again after a tenth left and a tenth joined, the
hashed CSV written, and the upload of the removals and additions to a fake Meta API on 127.0.0.1 (batches
of 10,000 claimed in the send log, each sent in its own transaction).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jewelcrm_bench_<you> ./bin/bench audiences

BENCH_AUDIENCE_MEMBERS (default 50,000). Target: an export of 100,000 members in ≤ 60 s on this machine.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jewelcrm.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

from bench.harness import cpu_calibration  # noqa: E402
from bench.report import write_section  # noqa: E402

MEMBERS = int(os.environ.get("BENCH_AUDIENCE_MEMBERS", 50_000))
TARGET_PER_100K_S = 60.0


def _seed(brand, segment, start: int, count: int) -> list[int]:  # noqa: ANN001
    from customers.models import Consent, Customer
    from segmentation.models import SegmentMember

    customers = Customer.objects.bulk_create(
        [
            Customer(
                brand=brand, first_name=f"Anne-{i}", last_name=f"Weber{i}", email=f"c{i}@example.test",
                phone=f"+336{10000000 + i:08d}", country="FR", postal_code=f"75{i % 1000:03d}",
            )
            for i in range(start, start + count)
        ],
        batch_size=5000,
    )  # fmt: skip
    Consent.objects.bulk_create(
        [
            Consent(brand=brand, customer=c, channel="email", purpose="advertising", is_granted=True,
                    is_confirmed=True, source="import")
            for c in customers
        ],
        batch_size=5000,
    )  # fmt: skip
    SegmentMember.objects.bulk_create(
        [SegmentMember(brand=brand, segment=segment, customer=c) for c in customers], batch_size=5000
    )
    return [c.pk for c in customers]


def main() -> None:
    from campaigns.audiences import selectors, services
    from campaigns.audiences.meta import MetaAudienceClient
    from campaigns.audiences.models import AudienceExport
    from campaigns.audiences.tests.fake_meta import FakeMeta
    from customers.models import Consent, Customer
    from jewelcrm.accounts.models import Brand
    from jewelcrm.csv_safe import csv_safe_writer
    from jewelcrm.tenancy.context import brand_context
    from segmentation.models import Segment, SegmentMember

    brand, _ = Brand.objects.get_or_create(
        slug="bench-audiences", defaults={"name": "Bench audiences", "code_prefix": "BAUD"}
    )
    with brand_context(brand):
        AudienceExport.objects.filter(brand=brand).delete()
        SegmentMember.objects.filter(brand=brand).delete()
        Segment.objects.filter(brand=brand).delete()
        Consent.objects.filter(brand=brand).delete()
        Customer.objects.filter(brand=brand).delete()
        segment = Segment.objects.create(brand=brand, name="Bench best clients")
        ids = _seed(brand, segment, 0, MEMBERS)
    calibration = cpu_calibration()
    load = os.getloadavg()[0]

    began = time.perf_counter()
    with brand_context(brand):
        first = services.audience_export_create(
            brand=brand, segment=segment, destination="meta", platform_audience_id="1"
        )
    first_s = time.perf_counter() - began

    tenth = max(1, MEMBERS // 10)
    with brand_context(brand):
        SegmentMember.objects.filter(brand=brand, customer_id__in=ids[:tenth]).delete()
        _seed(brand, segment, MEMBERS, tenth)
    began = time.perf_counter()
    with brand_context(brand):
        second = services.audience_export_create(brand=brand, segment=segment, destination="meta")
    second_s = time.perf_counter() - began

    began = time.perf_counter()
    buffer = io.StringIO()
    with brand_context(brand):
        writer = csv_safe_writer(buffer)
        rows = 0
        for row in selectors.audience_file_rows(brand=brand, export=second, part="members"):
            writer.writerow(row)
            rows += 1
    csv_s = time.perf_counter() - began

    fake = FakeMeta()
    try:
        with brand_context(brand):
            services.audience_upload_start(brand=brand, export=second)
        began = time.perf_counter()
        client = MetaAudienceClient(access_token="bench", base_url=fake.url)  # noqa: S106 - the fake's token
        status = services.audience_upload(brand_id=brand.pk, export_id=second.pk, client=client)
        upload_s = time.perf_counter() - began
        calls = len(fake.calls)
    finally:
        fake.close()

    kept = second.member_count - second.added_count
    diff_rows = f"{second.added_count:,} added, {second.removed_count:,} removed, {kept:,} kept"
    upload_step = f"upload to a fake Meta on 127.0.0.1 ({calls} calls of ≤ 10,000 rows, one transaction each)"
    per_100k = first_s * 100_000 / MEMBERS
    verdict = "met" if per_100k <= TARGET_PER_100K_S else "MISSED"
    body = f"""
`bench/bench_audiences.py`, {MEMBERS:,} consenting members (BENCH_AUDIENCE_MEMBERS). The machine was shared
with other engineers' test runs (load average {load:.1f}; a fixed Python loop took {calibration:.0f} ms):
rerun at full size on a quiet machine before quoting these.

| step | time | rows |
|---|---:|---:|
| first export (hash six identifiers, write every member) | {first_s:.1f} s | {first.member_count:,} added |
| next export after a tenth left and a tenth joined (diff set-based) | {second_s:.1f} s | {diff_rows} |
| CSV of every member (csv_safe) | {csv_s:.1f} s | {rows:,} |
| {upload_step} | {upload_s:.1f} s | {status} |

Export time scaled to 100,000 members: {per_100k:.0f} s (target ≤ {TARGET_PER_100K_S:.0f} s: {verdict}).
"""
    write_section("audiences", "Ad audiences: export, diff, file and upload", body)
    print(body)


if __name__ == "__main__":
    main()
