import pytest

from jewelcrm import demo
from jewelcrm.tenancy.context import brand_context
from warranties.inventory.models import Item
from warranties.portal import demo as portal_demo
from warranties.portal.models import Post

pytestmark = pytest.mark.django_db


def test_demo_posts_and_owner_login():
    contexts = demo.run(size="small")
    for ctx in contexts:
        with brand_context(ctx.brand):
            kinds = set(Post.objects.filter(is_published=True).values_list("kind", flat=True))
            assert {"care_guide", "event"} <= kinds
            count = Post.objects.count()
            portal_demo.seed(ctx)  # idempotent
            assert Post.objects.count() == count
            rows = [row for row in ctx.logins if row[0] == "Owner (portal, passwordless)"]
            assert rows, "an owner who owns an item is advertised"
            assert Item.objects.filter(owner__email=rows[0][1], status="sold").exists()
