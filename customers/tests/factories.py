import factory

from customers.models import Customer
from tests.factories import BrandFactory, BrandScopedFactory


class CustomerFactory(BrandScopedFactory):
    class Meta:
        model = Customer

    brand = factory.SubFactory(BrandFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"customer{n}@example.test")
    phone = factory.Sequence(lambda n: f"+336{12000000 + n:08d}")
    language = "fr"
    country = "FR"
