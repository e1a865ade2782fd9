import pytest

from campaigns.delivery import demo as delivery_demo
from campaigns.delivery.models import Suppression
from jewelcrm import demo
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db


def test_the_demo_suppresses_one_address_per_reason_never_a_demo_login_and_is_idempotent():
    for ctx in demo.run(size="small"):
        with brand_context(ctx.brand):
            rows = list(Suppression.objects.values_list("email", "reason"))
            assert sorted(reason for _email, reason in rows) == [
                "bounce",
                "complaint",
                "manual",
                "unsubscribe",
            ]
            logins = {email for _role, email, _password in ctx.logins}
            assert not logins & {email for email, _reason in rows}
            delivery_demo.seed(ctx)
            assert Suppression.objects.count() == 4
