from datetime import date

import pytest
from django.core.exceptions import ValidationError

from campaigns.outreach.models import OutreachTask
from campaigns.outreach.services import outreach_task_complete, outreach_task_create
from customers.tests.factories import CustomerFactory
from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context
from tests.factories import MembershipFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _create(brand, customer_id, key="journey:1:anniversary:2027"):
    with brand_context(brand):
        return outreach_task_create(
            brand=brand,
            customer_id=customer_id,
            key=key,
            due_on=date(2027, 6, 12),
            title="Mrs Weber's wedding anniversary is on 12 June",
            detail="She owns the Aurore ring; suggest the matching earrings.",
        )


def test_task_goes_to_the_customers_associate(brand, store):
    associate = MembershipFactory(brand=brand, role="sales_associate", store=store)
    MembershipFactory(brand=brand, role="retail_manager", store=store)
    customer = CustomerFactory(brand=brand, home_store=store, assigned_associate=associate.user)

    task = _create(brand, customer.pk)

    assert task.assignee_id == associate.user_id
    assert task.store_id == store.pk
    assert task.customer_id == customer.pk
    assert task.status == "open"
    assert task.due_on == date(2027, 6, 12)
    assert task.title == "Mrs Weber's wedding anniversary is on 12 June"
    assert task.detail == "She owns the Aurore ring; suggest the matching earrings."


def test_without_associate_the_home_stores_first_manager_gets_it(brand, store):
    other_store = StoreFactory(brand=brand)
    MembershipFactory(brand=brand, role="retail_manager", store=other_store)
    first = MembershipFactory(brand=brand, role="retail_manager", store=store)
    MembershipFactory(brand=brand, role="retail_manager", store=store)
    MembershipFactory(brand=brand, role="sales_associate", store=store)
    customer = CustomerFactory(brand=brand, home_store=store)

    task = _create(brand, customer.pk)

    assert task.assignee_id == first.user_id
    assert task.store_id == store.pk


def test_an_associate_who_left_the_brand_hands_over_to_the_manager(brand, store):
    gone = MembershipFactory(brand=brand, role="sales_associate", store=store, is_active=False)
    manager = MembershipFactory(brand=brand, role="retail_manager", store=store)
    customer = CustomerFactory(brand=brand, home_store=store, assigned_associate=gone.user)

    assert _create(brand, customer.pk).assignee_id == manager.user_id


def test_an_assigned_brand_staff_member_hands_over_to_the_manager(brand, store):
    marketer = MembershipFactory(brand=brand, role="marketer")
    manager = MembershipFactory(brand=brand, role="retail_manager", store=store)
    customer = CustomerFactory(brand=brand, home_store=store, assigned_associate=marketer.user)

    assert _create(brand, customer.pk).assignee_id == manager.user_id


def test_an_associate_of_another_brand_never_gets_the_task(brand, other_brand, store):
    foreign = MembershipFactory(
        brand=other_brand, role="sales_associate", store=StoreFactory(brand=other_brand)
    )
    customer = CustomerFactory(brand=brand, home_store=store, assigned_associate=foreign.user)

    task = _create(brand, customer.pk)

    assert task.assignee_id is None
    assert task.store_id == store.pk


def test_nobody_to_assign_leaves_it_unassigned(brand):
    customer = CustomerFactory(brand=brand)

    task = _create(brand, customer.pk)

    assert (task.assignee_id, task.store_id) == (None, None)


def test_same_key_twice_gives_the_first_task_unchanged(brand, store):
    associate = MembershipFactory(brand=brand, role="sales_associate", store=store)
    customer = CustomerFactory(brand=brand, home_store=store, assigned_associate=associate.user)
    first = _create(brand, customer.pk)
    with brand_context(brand):
        outreach_task_complete(brand=brand, task=first, outcome="called", actor=associate.user)
        again = outreach_task_create(
            brand=brand,
            customer_id=customer.pk,
            key="journey:1:anniversary:2027",
            due_on=date(2028, 1, 1),
            title="Other",
            detail="Other",
        )
        count = OutreachTask.objects.count()

    assert again.pk == first.pk
    assert (again.title, again.due_on, again.status) == (first.title, first.due_on, "done")
    assert count == 1


def test_same_key_in_another_brand_is_another_task(brand, other_brand):
    a = _create(brand, CustomerFactory(brand=brand).pk, key="k")
    b = _create(other_brand, CustomerFactory(brand=other_brand).pk, key="k")
    assert a.pk != b.pk
    assert (a.brand_id, b.brand_id) == (brand.pk, other_brand.pk)


def test_another_brands_customer_is_refused(brand, other_brand):
    foreign = CustomerFactory(brand=other_brand)
    with pytest.raises(ValueError):
        _create(brand, foreign.pk)
    with brand_context(brand):
        assert OutreachTask.objects.count() == 0


def test_merged_profile_task_goes_to_the_survivor(brand):
    survivor = CustomerFactory(brand=brand)
    merged = CustomerFactory(brand=brand, merged_into=survivor)
    assert _create(brand, merged.pk).customer_id == survivor.pk


def test_complete_records_outcome_note_and_audit(brand, store):
    associate = MembershipFactory(brand=brand, role="sales_associate", store=store)
    task = _create(brand, CustomerFactory(brand=brand, assigned_associate=associate.user).pk)
    with brand_context(brand):
        done = outreach_task_complete(
            brand=brand, task=task, outcome="visit_booked", note="  Comes on Saturday ", actor=associate.user
        )
        audit = AuditLog.objects.get(action="outreach.task_done")

    assert (done.status, done.outcome, done.note, done.done_by_id) == (
        "done",
        "visit_booked",
        "Comes on Saturday",
        associate.user_id,
    )
    assert done.done_at is not None
    assert audit.object_id == str(task.pk)
    assert audit.data == {"customer_id": task.customer_id, "outcome": "visit_booked"}


def test_complete_refuses_an_unknown_outcome_and_a_second_completion(brand):
    task = _create(brand, CustomerFactory(brand=brand).pk)
    with brand_context(brand):
        with pytest.raises(ValidationError):
            outreach_task_complete(brand=brand, task=task, outcome="emailed")
        task.refresh_from_db()
        assert task.status == "open"
        outreach_task_complete(brand=brand, task=task, outcome="no_answer")
        with pytest.raises(ValidationError):
            outreach_task_complete(brand=brand, task=task, outcome="called")
        task.refresh_from_db()
    assert task.outcome == "no_answer"


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_with_one_key_make_one_task():
    import threading

    from django.db import connection

    from tests.factories import BrandFactory

    brand = BrandFactory()
    customer = CustomerFactory(brand=brand)
    start = threading.Barrier(4)
    ids, errors = [], []

    def call() -> None:
        try:
            start.wait()
            ids.append(_create(brand, customer.pk, key="journey:9:birthday:2027").pk)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(ids) == 4
    assert len(set(ids)) == 1
    with brand_context(brand):
        assert OutreachTask.objects.filter(key="journey:9:birthday:2027").count() == 1
