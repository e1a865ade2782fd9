"""Team page: list, invite, deactivate, per role and across brands."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from jewelcrm.accounts.models import AuditLog, Membership, User
from jewelcrm.tenancy.context import brand_context
from tests.factories import MembershipFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def team_url(brand) -> str:
    return reverse("accounts:team", kwargs={"brand_slug": brand.slug})


def invite_url(brand) -> str:
    return reverse("accounts:team_invite", kwargs={"brand_slug": brand.slug})


def deactivate_url(brand, pk: int) -> str:
    return reverse("accounts:team_deactivate", kwargs={"brand_slug": brand.slug, "pk": pk})


def memberships(brand) -> list[tuple[str, str, str | None, bool]]:
    with brand_context(brand):
        return sorted(
            (m.user.email, m.role, m.store.code if m.store else None, m.is_active)
            for m in Membership.objects.select_related("user", "store")
        )


def audit_actions(brand) -> list[str]:
    with brand_context(brand):
        return list(AuditLog.objects.order_by("pk").values_list("action", flat=True))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 200),
        ("admin", 200),
        ("retail_manager", 200),
        ("marketer", 403),
        ("analyst", 403),
        ("sales_associate", 403),
    ],
)
def test_team_page_per_role(client_for, brand, role, expected):
    client = client_for(brand, role)
    assert client.get(team_url(brand)).status_code == expected
    assert client.get(invite_url(brand)).status_code == expected


def test_team_page_of_another_brand_is_not_found(owner_client, other_brand):
    assert owner_client.get(team_url(other_brand)).status_code == 404


def test_owner_sees_every_member_with_role_and_store(owner_client, brand, store, other_brand):
    MembershipFactory(
        brand=brand, role="sales_associate", store=store, user=UserFactory(email="lea@example.test")
    )
    MembershipFactory(brand=other_brand, role="owner", user=UserFactory(email="foreign@example.test"))
    response = owner_client.get(team_url(brand))
    body = response.content.decode()
    assert [m.user.email for m in response.context["members"]] == sorted(
        ["lea@example.test", owner_client.user.email]
    )
    assert store.code in body and "Sales associate" in body
    assert "foreign@example.test" not in body


def test_team_search(owner_client, brand, store):
    MembershipFactory(
        brand=brand, role="marketer", user=UserFactory(email="ines@example.test", full_name="Inès M")
    )
    response = owner_client.get(team_url(brand), {"q": "inès"})
    assert [m.user.email for m in response.context["members"]] == ["ines@example.test"]


def test_retail_manager_sees_only_their_store(manager_client, brand, store):
    other_store = StoreFactory(brand=brand)
    MembershipFactory(
        brand=brand, role="sales_associate", store=store, user=UserFactory(email="mine@example.test")
    )
    MembershipFactory(
        brand=brand, role="sales_associate", store=other_store, user=UserFactory(email="theirs@example.test")
    )
    MembershipFactory(brand=brand, role="marketer", user=UserFactory(email="hq@example.test"))
    response = manager_client.get(team_url(brand))
    assert [m.user.email for m in response.context["members"]] == sorted(
        ["mine@example.test", manager_client.user.email]
    )


def test_team_list_query_count_does_not_grow_with_members(
    owner_client, brand, store, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    MembershipFactory(brand=brand, role="marketer")
    with CaptureQueriesContext(connection) as first:
        owner_client.get(team_url(brand))
    # Session, user, brand, membership, count, page, the page shell (brand switcher), context savepoints.
    assert len(first) <= 16
    for _ in range(8):
        MembershipFactory(brand=brand, role="sales_associate", store=store)
    with django_assert_num_queries(len(first)):
        response = owner_client.get(team_url(brand))
    assert len(response.context["members"]) == 10


# --- invite ----------------------------------------------------------------------------------


def test_owner_invites_a_new_person_who_sets_a_password(
    owner_client, brand, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            invite_url(brand),
            {"email": "New.Person@Example.test", "full_name": "New Person", "role": "marketer"},
        )
    assert response.status_code == 302 and response["Location"] == team_url(brand)
    user = User.objects.get(email="new.person@example.test")
    assert (user.full_name, user.has_usable_password(), user.language) == ("New Person", False, "fr")
    assert ("new.person@example.test", "marketer", None, True) in memberships(brand)
    assert audit_actions(brand) == ["membership.invite"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.test"]
    assert "Maison Test" in message.subject  # in the person's language: French for this brand
    link = re.search(r"http://\S+(/accounts/invitation/\S+/)", message.body).group(1)
    client = Client()
    form_url = client.get(link)["Location"]
    assert client.get(form_url).context["validlink"] is True
    done = client.post(form_url, {"new_password1": "my-own-secret-77", "new_password2": "my-own-secret-77"})
    assert done["Location"] == reverse("accounts:login")
    login = Client().post(
        reverse("accounts:login"),
        {"username": "new.person@example.test", "password": "my-own-secret-77"},
        REMOTE_ADDR="10.1.1.1",
    )
    assert login.status_code == 302


def test_an_existing_account_of_another_brand_must_accept_the_invitation(
    manager_client, brand, other_brand, store, django_capture_on_commit_callbacks
):
    """A retailer manager cannot pull someone else's account into their store: it is an invitation."""
    existing = MembershipFactory(
        brand=other_brand, role="owner", user=UserFactory(email="dealer@example.test", language="en")
    ).user
    password_hash = existing.password
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(invite_url(brand), {"email": "dealer@example.test"})
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.password == password_hash
    # No access yet: the membership waits for the person's answer.
    assert ("dealer@example.test", "sales_associate", store.code, False) in memberships(brand)
    assert ("dealer@example.test", "owner", None, True) in memberships(other_brand)
    dealer = Client()
    dealer.force_login(existing)
    assert dealer.get(reverse("accounts:intranet", kwargs={"brand_slug": brand.slug})).status_code == 404
    # The e-mail asks them to accept; it grants nothing by itself.
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "/accounts/invitation/" not in body and "/accounts/invitations/" in body
    assert "invites you" in mail.outbox[0].subject
    page = dealer.get(reverse("accounts:invitations"))
    assert [m.brand_id for m in page.context["invitations"]] == [brand.pk]
    # Another person cannot answer it.
    stranger = Client()
    stranger.force_login(UserFactory())
    with brand_context(brand):
        pending = Membership.objects.get(user=existing)
    stranger.post(reverse("accounts:invitations"), {"membership": pending.pk, "answer": "accept"})
    assert ("dealer@example.test", "sales_associate", store.code, False) in memberships(brand)
    # The person accepts: access, audited with them as the actor.
    response = dealer.post(reverse("accounts:invitations"), {"membership": pending.pk, "answer": "accept"})
    assert response["Location"] == reverse("accounts:intranet", kwargs={"brand_slug": brand.slug})
    assert ("dealer@example.test", "sales_associate", store.code, True) in memberships(brand)
    assert dealer.get(reverse("accounts:intranet", kwargs={"brand_slug": brand.slug})).status_code == 200
    with brand_context(brand):
        accepted = AuditLog.objects.get(action="membership.accept")
    assert accepted.actor_id == existing.pk
    # Accepting twice changes nothing.
    again = dealer.post(reverse("accounts:invitations"), {"membership": pending.pk, "answer": "accept"})
    assert again.status_code == 302 and audit_actions(brand).count("membership.accept") == 1


def test_an_invitation_can_be_declined_or_withdrawn(owner_client, brand):
    person = UserFactory(email="maybe@example.test")
    owner_client.post(invite_url(brand), {"email": "maybe@example.test", "role": "analyst"})
    page = owner_client.get(team_url(brand)).content.decode()
    assert "Invitation waiting for an answer" in page
    again = owner_client.post(invite_url(brand), {"email": "maybe@example.test", "role": "marketer"})
    assert again.context["form"].errors["email"] == [
        "An invitation is already waiting for this person's answer."
    ]
    with brand_context(brand):
        pending = Membership.objects.get(user=person)
    client = Client()
    client.force_login(person)
    client.post(reverse("accounts:invitations"), {"membership": pending.pk, "answer": "decline"})
    assert ("maybe@example.test", "analyst", None, False) in memberships(brand)
    assert client.get(reverse("accounts:invitations")).context["invitations"] == []
    # Invited again, then withdrawn by the brand before the answer.
    owner_client.post(invite_url(brand), {"email": "maybe@example.test", "role": "analyst"})
    owner_client.post(deactivate_url(brand, pending.pk))
    assert client.get(reverse("accounts:invitations")).context["invitations"] == []
    assert audit_actions(brand) == [
        "membership.invite",
        "membership.decline",
        "membership.invite",
        "membership.invitation_withdraw",
    ]


def test_a_person_with_only_an_invitation_lands_on_it(owner_client, brand):
    person = UserFactory(email="landing@example.test")
    owner_client.post(invite_url(brand), {"email": "landing@example.test", "role": "analyst"})
    client = Client()
    client.force_login(person)
    assert client.get(reverse("accounts:home"))["Location"] == reverse("accounts:invitations")


def test_invite_a_retail_role_needs_a_store_of_the_brand(owner_client, brand, other_brand):
    foreign_store = StoreFactory(brand=other_brand)
    before = memberships(brand)
    missing = owner_client.post(invite_url(brand), {"email": "x@example.test", "role": "sales_associate"})
    foreign = owner_client.post(
        invite_url(brand), {"email": "x@example.test", "role": "sales_associate", "store": foreign_store.pk}
    )
    assert missing.status_code == foreign.status_code == 200
    assert missing.context["form"].errors["store"] == ["Choose the store this person works in."]
    assert "store" in foreign.context["form"].errors
    assert memberships(brand) == before
    assert not User.objects.filter(email="x@example.test").exists()


def test_invite_a_retail_role_with_a_store(owner_client, brand, store):
    owner_client.post(
        invite_url(brand), {"email": "shop@example.test", "role": "retail_manager", "store": store.pk}
    )
    assert ("shop@example.test", "retail_manager", store.code, True) in memberships(brand)


def test_inviting_a_current_member_again_is_refused(owner_client, brand):
    MembershipFactory(brand=brand, role="marketer", user=UserFactory(email="twice@example.test"))
    response = owner_client.post(invite_url(brand), {"email": "twice@example.test", "role": "analyst"})
    assert response.context["form"].errors["email"] == ["This person is already a member of the brand."]
    assert ("twice@example.test", "marketer", None, True) in memberships(brand)


def test_inviting_a_deactivated_member_asks_them_again(owner_client, brand):
    back = MembershipFactory(
        brand=brand, role="marketer", is_active=False, user=UserFactory(email="back@example.test")
    )
    owner_client.post(invite_url(brand), {"email": "back@example.test", "role": "analyst"})
    assert ("back@example.test", "analyst", None, False) in memberships(brand)
    client = Client()
    client.force_login(back.user)
    client.post(reverse("accounts:invitations"), {"membership": back.pk, "answer": "accept"})
    assert ("back@example.test", "analyst", None, True) in memberships(brand)


def test_an_admin_cannot_make_an_owner(admin_client_brand, brand):
    response = admin_client_brand.post(invite_url(brand), {"email": "boss@example.test", "role": "owner"})
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(email="boss@example.test").exists()


def test_retail_manager_invites_sales_associates_to_their_store_only(manager_client, brand, store):
    other_store = StoreFactory(brand=brand)
    response = manager_client.post(
        invite_url(brand), {"email": "seller@example.test", "role": "owner", "store": other_store.pk}
    )
    assert response.status_code == 302
    assert ("seller@example.test", "sales_associate", store.code, True) in memberships(brand)


@pytest.mark.parametrize("role", ["marketer", "analyst", "sales_associate"])
def test_other_roles_cannot_invite(client_for, brand, role):
    client = client_for(brand, role)
    before = memberships(brand)
    response = client.post(invite_url(brand), {"email": "sneaky@example.test", "role": "owner"})
    assert response.status_code == 403
    assert memberships(brand) == before
    assert not User.objects.filter(email="sneaky@example.test").exists()


def test_invite_into_another_brand_is_not_found(owner_client, other_brand):
    response = owner_client.post(invite_url(other_brand), {"email": "x@example.test", "role": "owner"})
    assert response.status_code == 404
    assert memberships(other_brand) == []


# --- deactivate ------------------------------------------------------------------------------


def test_owner_deactivates_a_member(owner_client, brand):
    member = MembershipFactory(brand=brand, role="marketer", user=UserFactory(email="gone@example.test"))
    response = owner_client.post(deactivate_url(brand, member.pk))
    assert response.status_code == 302
    assert ("gone@example.test", "marketer", None, False) in memberships(brand)
    assert audit_actions(brand) == ["membership.deactivate"]
    # The person no longer reaches the brand's pages.
    client = Client()
    client.force_login(member.user)
    assert client.get(reverse("accounts:dashboard", kwargs={"brand_slug": brand.slug})).status_code == 404


def test_deactivating_another_brands_membership_is_not_found(owner_client, brand, other_brand):
    foreign = MembershipFactory(brand=other_brand, role="marketer")
    assert owner_client.post(deactivate_url(brand, foreign.pk)).status_code == 404
    assert owner_client.post(deactivate_url(brand, 999_999)).status_code == 404
    with brand_context(other_brand):
        assert Membership.objects.get(pk=foreign.pk).is_active is True


def test_nobody_deactivates_themselves_and_admins_cannot_remove_owners(
    admin_client_brand, owner_client, brand
):
    assert owner_client.post(deactivate_url(brand, owner_client.membership.pk)).status_code == 403
    assert admin_client_brand.post(deactivate_url(brand, owner_client.membership.pk)).status_code == 403
    assert all(active for *_rest, active in memberships(brand))
    assert audit_actions(brand) == []


def test_retail_manager_deactivates_only_their_stores_associates(manager_client, brand, store):
    mine = MembershipFactory(brand=brand, role="sales_associate", store=store)
    theirs = MembershipFactory(brand=brand, role="sales_associate", store=StoreFactory(brand=brand))
    hq = MembershipFactory(brand=brand, role="marketer")
    assert manager_client.post(deactivate_url(brand, theirs.pk)).status_code == 404
    assert manager_client.post(deactivate_url(brand, hq.pk)).status_code == 404
    assert manager_client.post(deactivate_url(brand, mine.pk)).status_code == 302
    with brand_context(brand):
        states = dict(Membership.objects.values_list("pk", "is_active"))
    assert (states[mine.pk], states[theirs.pk], states[hq.pk]) == (False, True, True)


@pytest.mark.parametrize("role", ["marketer", "analyst", "sales_associate"])
def test_other_roles_cannot_deactivate(client_for, brand, role):
    member = MembershipFactory(brand=brand, role="marketer")
    client = client_for(brand, role)
    assert client.post(deactivate_url(brand, member.pk)).status_code == 403
    with brand_context(brand):
        assert Membership.objects.get(pk=member.pk).is_active is True
