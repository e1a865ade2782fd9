from __future__ import annotations

import factory
from django.core.files.base import ContentFile

from jewelcrm.imports.models import ImportJob
from tests.factories import BrandFactory, BrandScopedFactory


class ImportJobFactory(BrandScopedFactory):
    class Meta:
        model = ImportJob

    brand = factory.SubFactory(BrandFactory)
    kind = "customers"
    original_name = "customers.csv"
    file = factory.LazyFunction(
        lambda: ContentFile(
            b"N\xc2\xb0 client;Nom;E-mail\r\nC1;Martin;a@example.com\r\n", name="customers.csv"
        )
    )
    headers = factory.LazyFunction(lambda: ["N° client", "Nom", "E-mail"])
    mapping = factory.LazyFunction(
        lambda: {"external_id": "N° client", "last_name": "Nom", "email": "E-mail"}
    )
    status = "draft"
