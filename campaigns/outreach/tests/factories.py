from datetime import date

import factory

from campaigns.outreach.models import OutreachTask
from customers.tests.factories import CustomerFactory
from tests.factories import BrandFactory, BrandScopedFactory


class OutreachTaskFactory(BrandScopedFactory):
    class Meta:
        model = OutreachTask

    brand = factory.SubFactory(BrandFactory)
    key = factory.Sequence(lambda n: f"test:{n}")
    customer = factory.LazyAttribute(lambda o: CustomerFactory(brand=o.brand))
    due_on = date(2027, 6, 12)
    title = factory.Sequence(lambda n: f"Get in touch {n}")
    detail = ""
