import factory

from customers.tests.factories import ConsentFactory, CustomerFactory
from segmentation.models import Segment, SegmentMember
from tests.factories import BrandFactory, BrandScopedFactory


class SegmentFactory(BrandScopedFactory):
    class Meta:
        model = Segment

    brand = factory.SubFactory(BrandFactory)
    name = factory.Sequence(lambda n: f"Best clients {n}")


class SegmentMemberFactory(BrandScopedFactory):
    class Meta:
        model = SegmentMember

    brand = factory.SubFactory(BrandFactory)
    segment = factory.LazyAttribute(lambda o: SegmentFactory(brand=o.brand))
    customer = factory.LazyAttribute(lambda o: CustomerFactory(brand=o.brand))


def advertising_consent(customer, *, granted=True, at=None):
    extra = {"at": at} if at is not None else {}
    return ConsentFactory(
        brand=customer.brand,
        customer=customer,
        channel="email",
        purpose="advertising",
        is_granted=granted,
        is_confirmed=True,
        **extra,
    )


def member(segment, *, consent=True, **customer_fields):
    customer = CustomerFactory(brand=segment.brand, **customer_fields)
    SegmentMemberFactory(brand=segment.brand, segment=segment, customer=customer)
    if consent:
        advertising_consent(customer)
    return customer
