"""Notices to a brand's owners: 80%/100% of a limit this period, a failed payment. Each is a unique row
claimed once; the first claim enqueues its e-mail after commit; the e-mail marks the row (under a row
lock) before it leaves. `notice_email_send` is the one place a platform send log plugs in."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.roles import Role
from jewelcrm.billing import selectors
from jewelcrm.billing.models import LimitKind, Notice, NoticeKind
from jewelcrm.billing.usage import usage_count

NOTICE_EMAIL_TASK = "jewelcrm.billing.tasks.send_notice_email_task"


def _notice_email_enqueue(brand_id: int, notice_id: int) -> None:
    # By name: the task module calls this one, so it cannot be imported from here.
    from celery import current_app

    if NOTICE_EMAIL_TASK not in current_app.tasks:
        current_app.loader.import_default_modules()  # the apps' task modules, as a worker loads them
    current_app.tasks[NOTICE_EMAIL_TASK].delay(brand_id, notice_id)


def limit_notices_update(
    *, brand: Brand, state: Any = None, counts: dict[str, int] | None = None
) -> list[Notice]:
    """Claim the 80% and 100% notices the brand's usage has reached this period (each once)."""
    state = state or selectors.billing_state_get(brand=brand)
    if not state.enforced or state.plan is None:
        return []
    claimed = []
    kinds = [LimitKind(k) for k in counts] if counts else list(LimitKind)
    for kind in kinds:
        allowed = state.limit(kind.value)
        if not allowed:
            continue
        used = (counts or {}).get(kind.value)
        if used is None:
            used = usage_count(brand=brand, limit=kind.value, start=state.period_start, end=state.period_end)
        for threshold, notice_kind in ((80, NoticeKind.LIMIT_80), (100, NoticeKind.LIMIT_100)):
            if used * 100 >= allowed * threshold:
                notice = notice_claim(
                    brand=brand,
                    kind=notice_kind,
                    key=f"{kind.value}:{state.period_start.isoformat()}",
                    limit=kind.value,
                    period_start=state.period_start,
                )
                if notice is not None:
                    claimed.append(notice)
    return claimed


def notice_claim(
    *, brand: Brand, kind: str, key: str, limit: str = "", period_start: datetime | None = None
) -> Notice | None:
    """Claim a notice by its unique key; the first claim enqueues its e-mail after commit, later ones
    do nothing (returns None)."""
    notice, created = Notice.objects.get_or_create(
        brand=brand, kind=kind, key=key, defaults={"limit": limit, "period_start": period_start}
    )
    if not created:
        return None
    transaction.on_commit(functools.partial(_notice_email_enqueue, brand.pk, notice.pk))
    return notice


def notice_email_send(*, brand: Brand, notice_id: int) -> bool:
    """E-mail a notice to the brand's owners, exactly once: the row is claimed (`emailed_at`, under a
    row lock) before the e-mail leaves; a failure to send releases the claim with the rollback."""
    from jewelcrm.accounts.models import Membership

    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id, emailed_at__isnull=True).first()
        if notice is None:
            return False
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
        owners = Membership.objects.filter(brand=brand, role=Role.OWNER, is_active=True).select_related(
            "user"
        )
        for membership in owners:
            user = membership.user
            with translation.override(user.language):
                context = {"brand": brand, "notice": notice, "user": user, "site_url": settings.SITE_URL}
                if notice.limit:
                    context["limit_label"] = LimitKind(notice.limit).label
                subject = render_to_string("billing/emails/notice_subject.txt", context).strip()
                body = render_to_string("billing/emails/notice.txt", context)
            send_mail(subject, body, None, [user.email])
    return True
