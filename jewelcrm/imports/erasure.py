"""Stored import files and the right to erasure (WEB-08).

An import keeps its uploaded file and its report (the rejected rows with their values). When a person is
erased, `import_files_erase` reads the stored files of the brand's finished imports and removes those
holding one of the person's values (the upload and the report of the job): the job's row, its figures and
its mapping stay, the file is gone (such a job can no longer be run again). An import not yet finished
keeps its file: it is still to be read, and would bring the person back as a new profile anyway.

The search streams each file (an Excel file's parts decompressed one by one), matching the values as UTF-8
and Windows-1252 bytes in their own, lower and upper case, so a file of any size is read in one pass.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from jewelcrm.imports.models import ImportJob, ImportStatus

CHUNK = 1 << 20
FINISHED = (ImportStatus.DONE, ImportStatus.ABORTED, ImportStatus.FAILED, ImportStatus.CANCELLED)


def _pattern(values: list[str]) -> re.Pattern[bytes] | None:
    forms: set[bytes] = set()
    for value in values:
        for text in {value, value.lower(), value.upper()}:
            for encoding in ("utf-8", "cp1252"):
                try:
                    forms.add(text.encode(encoding))
                except UnicodeEncodeError:
                    continue
    forms = {form for form in forms if len(form) >= 4}
    if not forms:
        return None
    return re.compile(b"|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True)))


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk


def _holds(handle: IO[bytes], pattern: re.Pattern[bytes], overlap: int) -> bool:
    tail = b""
    for chunk in _chunks(handle):
        window = tail + chunk
        if pattern.search(window):
            return True
        tail = window[-overlap:]
    return False


def _file_holds(field: Any, pattern: re.Pattern[bytes], overlap: int) -> bool:
    with field.open("rb") as handle:
        head = handle.read(4)
        handle.seek(0)
        if head == b"PK\x03\x04":  # an Excel file: search each part, decompressed
            try:
                with zipfile.ZipFile(handle) as archive:
                    for member in archive.infolist():
                        with archive.open(member) as part:
                            if _holds(part, pattern, overlap):
                                return True
                    return False
            except zipfile.BadZipFile:
                handle.seek(0)
        return _holds(handle, pattern, overlap)


def import_files_erase(*, brand: Any, values: list[str]) -> int:
    """Remove the stored upload and report of each finished import of the brand holding one of `values`.
    Returns how many imports lost their files. Call inside the brand's context."""
    pattern = _pattern(values)
    if pattern is None:
        return 0
    overlap = max(len(v.encode("utf-8")) for v in values)
    removed = 0
    for job in ImportJob.objects.filter(brand=brand, status__in=FINISHED).exclude(file="").order_by("pk"):
        fields = [f for f in (job.file, job.report) if f]
        if not any(_file_holds(f, pattern, overlap) for f in fields):
            continue
        for field in fields:
            field.delete(save=False)
        job.file, job.report = "", ""
        job.save(update_fields=["file", "report"])
        removed += 1
    return removed
