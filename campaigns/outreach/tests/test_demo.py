import random
from datetime import date

import pytest

from campaigns.outreach import demo
from campaigns.outreach.models import OutreachTask
from customers.tests.factories import CustomerFactory
from jewelcrm.demo import DemoContext
from jewelcrm.tenancy.context import brand_context
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_demo_seeds_tasks_once_a_third_done(brand, store):
    associate = MembershipFactory(brand=brand, role="sales_associate", store=store)
    for _ in range(6):
        CustomerFactory(
            brand=brand,
            home_store=store,
            assigned_associate=associate.user,
            wedding_anniversary=date(2001, 2, 28),
        )
    CustomerFactory(brand=brand, home_store=store, wedding_anniversary=date(2001, 6, 12))  # no associate
    ctx = DemoContext(brand=brand, profile={}, size="small", rng=random.Random(1), today=date(2027, 1, 10))

    with brand_context(brand):
        demo.seed(ctx)
        demo.seed(ctx)  # idempotent
        tasks = list(OutreachTask.objects.order_by("pk"))

    assert len(tasks) == 6
    assert {t.assignee_id for t in tasks} == {associate.user_id}
    assert [t.status for t in tasks].count("done") == 2
    assert tasks[0].due_on == date(2027, 2, 21)
