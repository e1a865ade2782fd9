"""python manage.py import_data KIND FILE --brand SLUG [--all-or-nothing]

Streams the file from disk (no upload size limit), runs the same importer as the pages and prints
the same report. Exit status: 0 done, 1 nothing written (all or nothing with rejected rows),
2 fatal error (unreadable file, missing column, unknown brand).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jewelcrm.imports.framework import IMPORTERS


class Command(BaseCommand):
    help = "Import customers, orders, products, serials or stores from a CSV or XLSX file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file")
        parser.add_argument("--brand", required=True, help="Brand slug")
        parser.add_argument(
            "--all-or-nothing", action="store_true", help="Write nothing if any row is rejected"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("IMPORTS_CLEAN_WORKERS", os.cpu_count() or 1)),
            help="Processes validating a big file (customers, orders); 1 validates in this process",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from jewelcrm.accounts import selectors
        from jewelcrm.imports import services
        from jewelcrm.imports.reading import ImportFileError

        brand = selectors.brand_get_by_slug(slug=options["brand"])
        if brand is None:
            self.stderr.write(f"Unknown brand: {options['brand']}")
            raise SystemExit(2)
        try:
            result = services.import_file_run(
                brand=brand,
                kind=options["kind"],
                path=options["file"],
                all_or_nothing=options["all_or_nothing"],
                clean_workers=options["workers"],
            )
        except (ImportFileError, OSError) as error:
            self.stderr.write(f"Import refused: {error}")
            raise SystemExit(2) from None
        for line in result.lines():
            self.stdout.write(line)
        if result.aborted:
            raise SystemExit(1)


__all__ = ["Command", "CommandError"]
