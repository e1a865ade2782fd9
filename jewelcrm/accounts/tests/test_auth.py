"""Sign-in, throttling, password reset, session expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jewelcrm.messaging.delivery import message_id_header
from jewelcrm.messaging.models import Message
from jewelcrm.tenancy.context import brand_context
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct-horse-battery"  # noqa: S105 - the factories' test password


def _post_login(client: Client, email: str, password: str, ip: str = "10.0.0.1", **extra):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip, **extra)


def _normalise(body: bytes) -> bytes:
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"CSRF", body)
    body = re.sub(rb'"X-CSRFToken": "[^"]+"', b"CSRF", body)
    return re.sub(rb'value="[^"]*@[^"]*"', b'value="EMAIL"', body)


def test_login_with_the_right_password_lands_on_the_home_page(brand):
    membership = MembershipFactory(brand=brand, role="owner")
    response = _post_login(Client(), membership.user.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")


def test_unknown_email_and_wrong_password_get_the_same_answer(brand):
    membership = MembershipFactory(brand=brand, role="owner")
    wrong_password = _post_login(Client(), membership.user.email, "not-the-password")
    unknown_email = _post_login(Client(), "nobody@example.test", "not-the-password")
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert (
        list(wrong_password.context["form"].non_field_errors())
        == list(unknown_email.context["form"].non_field_errors())
        == ["That e-mail and password do not match an account. Check them and try again."]
    )
    assert _normalise(wrong_password.content) == _normalise(unknown_email.content)


def test_an_inactive_account_gets_the_same_answer_as_a_wrong_password(brand):
    membership = MembershipFactory(brand=brand, role="owner")
    membership.user.is_active = False
    membership.user.save()
    response = _post_login(Client(), membership.user.email, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in response.client.session


def test_throttling_locks_username_and_ip_then_lets_in_after_the_cool_off(brand):
    email = MembershipFactory(brand=brand, role="owner").user.email
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _post_login(client, email, "wrong").status_code == 200
    assert _post_login(client, email, "wrong").status_code == 429
    # Even the right password is refused during the cool-off, with the lock-out page, in the
    # visitor's language.
    locked = _post_login(client, email, PASSWORD, HTTP_ACCEPT_LANGUAGE="fr")
    assert locked.status_code == 429
    assert "Trop de tentatives" in locked.content.decode()
    assert "Traceback" not in locked.content.decode()
    # Another IP is not locked: an attacker cannot lock the real person out from elsewhere.
    assert _post_login(Client(), email, PASSWORD, ip="10.0.0.2").status_code == 302
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    with time_machine.travel(timezone.now() + cool_off - timedelta(minutes=1)):
        assert _post_login(client, email, PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + cool_off + timedelta(seconds=5)):
        response = _post_login(client, email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")


def test_failures_during_the_lock_out_do_not_extend_it(brand):
    email = MembershipFactory(brand=brand, role="owner").user.email
    client = Client()
    start = timezone.now()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, email, "wrong")
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    with time_machine.travel(start + cool_off / 2):
        assert _post_login(client, email, "wrong again").status_code == 429
    with time_machine.travel(start + cool_off + timedelta(seconds=5)):
        assert _post_login(client, email, PASSWORD).status_code == 302


def test_password_reset_by_email_end_to_end(brand, django_capture_on_commit_callbacks):
    user = MembershipFactory(brand=brand, role="owner").user
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": user.email.upper()})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "JewelCRM: choose a new password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    # Through the send log, filed under the person's brand, once; the log keeps no link.
    with brand_context(brand):
        logged = Message.objects.get()
    assert (logged.kind, logged.to, logged.status) == ("accounts.password_reset", user.email, "sent")
    assert logged.context == {} and link.split("/")[-2] not in str(logged.__dict__)
    assert message.extra_headers["Message-ID"] == message_id_header(logged)
    # Django moves the token into the session and redirects to a token-free URL.
    form_url = client.get(link)["Location"]
    page = client.get(form_url)
    assert page.status_code == 200 and page.context["validlink"] is True
    done = client.post(
        form_url, {"new_password1": "a-brand-new-secret-42", "new_password2": "a-brand-new-secret-42"}
    )
    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert _post_login(Client(), user.email, "a-brand-new-secret-42").status_code == 302
    assert _post_login(Client(), user.email, PASSWORD).status_code == 200
    # The link works once.
    assert Client().get(link, follow=True).context["validlink"] is False


def test_password_reset_for_an_unknown_email_answers_the_same_and_sends_nothing():
    response = Client().post(reverse("accounts:password_reset"), {"email": "nobody@example.test"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_reset_pages_are_translated():
    response = Client().get(reverse("accounts:password_reset"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Réinitialiser votre mot de passe" in response.content.decode()


def test_an_expired_session_sends_back_to_sign_in_with_a_message(owner_client, brand):
    dashboard = reverse("accounts:dashboard", kwargs={"brand_slug": brand.slug})
    assert owner_client.get(dashboard).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        response = owner_client.get(dashboard)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={dashboard}"
        page = owner_client.get(response["Location"])
    assert "Your session has expired. Please sign in again." in page.content.decode()


def test_signing_out_shows_no_expiry_message(owner_client, brand):
    owner_client.get(reverse("accounts:dashboard", kwargs={"brand_slug": brand.slug}))
    response = owner_client.post(reverse("accounts:logout"), follow=True)
    assert "session has expired" not in response.content.decode()
    assert response.status_code == 200


def test_housekeeping_clears_attempts_past_their_cool_off(brand):
    from jewelcrm.accounts.tasks import housekeeping_task

    email = UserFactory().email
    _post_login(Client(), email, "wrong")
    assert AccessAttempt.objects.count() == 1
    assert housekeeping_task.delay().get()["attempts"] == 0
    with time_machine.travel(timezone.now() + timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)):
        result = housekeeping_task.delay().get()
    assert result["attempts"] == 1
    assert AccessAttempt.objects.count() == 0


def test_housekeeping_deletes_expired_sessions_only(owner_client, brand):
    from django.contrib.sessions.models import Session

    from jewelcrm.accounts.tasks import housekeeping_task

    Client().force_login(UserFactory())
    assert Session.objects.count() == 2
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        owner_client.force_login(owner_client.user)  # a fresh session, still valid
        assert housekeeping_task.delay().get()["sessions"] == 2
    assert Session.objects.count() == 1


def test_password_reset_requests_are_throttled_per_ip(brand, django_capture_on_commit_callbacks):
    from jewelcrm.accounts.views import PasswordResetView

    user = MembershipFactory(brand=brand, role="owner").user
    limit = int(PasswordResetView.rate.split("/")[0])
    client = Client()
    for _ in range(limit):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("accounts:password_reset"), {"email": user.email}, REMOTE_ADDR="10.5.5.5"
            )
        assert response.status_code == 302
    refused = client.post(reverse("accounts:password_reset"), {"email": user.email}, REMOTE_ADDR="10.5.5.5")
    assert refused.status_code == 429
    assert len(mail.outbox) == limit
    # Another address is not affected.
    other = Client().post(reverse("accounts:password_reset"), {"email": user.email}, REMOTE_ADDR="10.5.5.6")
    assert other.status_code == 302


def test_a_signed_in_person_changes_their_password(owner_client):
    url = reverse("accounts:password_change")
    wrong = owner_client.post(
        url,
        {"old_password": "nope", "new_password1": "fresh-secret-2027", "new_password2": "fresh-secret-2027"},
    )
    assert wrong.status_code == 200 and "old_password" in wrong.context["form"].errors
    response = owner_client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "fresh-secret-2027",
            "new_password2": "fresh-secret-2027",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:home")
    owner_client.user.refresh_from_db()
    assert owner_client.user.check_password("fresh-secret-2027")
    assert Client().get(url).status_code == 302  # signed-out people are sent to sign in


def test_password_reset_of_someone_without_a_brand_is_still_sent():
    """Platform staff belong to no brand, so no brand's send log can hold their e-mail: Django sends it."""
    user = UserFactory()
    response = Client().post(reverse("accounts:password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[user.email]]
