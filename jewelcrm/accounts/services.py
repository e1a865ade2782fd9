"""Writes of brands, memberships, API keys and the audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jewelcrm.accounts.models import APIKey, AuditLog, Brand, Membership, User, hash_api_key
from jewelcrm.accounts.roles import RETAIL_ROLES, Role
from jewelcrm.messaging.services import message_send

__all__ = [
    "api_key_create",
    "api_key_revoke",
    "audit_log_record",
    "membership_deactivate",
    "membership_invite",
    "membership_may_deactivate",
    "role_may_grant",
    "sent_email_retry",
]


def audit_log_record(
    *,
    brand: Brand,
    action: str,
    actor: User | None = None,
    obj: Any = None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        brand=brand,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
        data=data or {},
        ip=ip,
    )


@transaction.atomic
def api_key_create(
    *, brand: Brand, name: str, created_by: User | None = None, ip: str | None = None
) -> tuple[APIKey, str]:
    """Create a key and return it with its raw value, which is never stored and shown only once."""
    raw = APIKey.generate(brand.slug)
    # The first characters of the secret tell keys apart in the list; they alone cannot authenticate.
    secret = raw.rsplit(".", 1)[1]
    key = APIKey.objects.create(
        brand=brand, name=name, prefix=secret[:8], hashed_key=hash_api_key(raw), created_by=created_by
    )
    audit_log_record(
        brand=brand, action="api_key.create", actor=created_by, obj=key, data={"name": name}, ip=ip
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, brand: Brand, key: APIKey, actor: User | None = None, ip: str | None = None) -> APIKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_log_record(
            brand=brand, action="api_key.revoke", actor=actor, obj=key, data={"name": key.name}, ip=ip
        )
    return key


# --- Team: invitations and memberships -----------------------------------------------------------


def role_may_grant(*, actor_role: str, role: str) -> bool:
    """Owners grant any role; admins any but owner; retailer managers only sales associate."""
    if actor_role == Role.OWNER:
        return True
    if actor_role == Role.ADMIN:
        return role != Role.OWNER
    if actor_role == Role.RETAIL_MANAGER:
        return role == Role.SALES_ASSOCIATE
    return False


def seat_check(*, brand: Brand) -> None:
    """The plan's seat limit (registered by jewelcrm.billing), checked before a membership becomes active."""
    from jewelcrm.tenancy.growth import growth_check

    growth_check(brand=brand, limit="seats")


def membership_invite(
    *,
    brand: Brand,
    actor: Membership,
    email: str,
    role: str,
    store: Any = None,
    full_name: str = "",
    ip: str | None = None,
) -> Membership:
    """Give a person a role in the brand. A new person gets an account and an e-mail with a link to set
    a password; a person who already has an account just gets the membership (and a short notice).

    A retailer manager may only invite sales associates to their own store.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if role not in Role.values or not role_may_grant(actor_role=actor.role, role=role):
        raise PermissionDenied
    if actor.role == Role.RETAIL_MANAGER:
        store = actor.store
    if role in RETAIL_ROLES:
        if store is None:
            raise ValidationError({"store": _("Choose the store this person works in.")})
        if store.brand_id != brand.pk:
            raise ValidationError({"store": _("Choose the store this person works in.")})
    else:
        store = None
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        # An account that already exists (maybe working for another brand) must accept the invitation;
        # a new account accepts it by choosing its password with the e-mailed link.
        is_existing_account = user is not None
        if user is None:
            language = brand.default_language
            if language not in dict(settings.LANGUAGES):
                language = settings.LANGUAGE_CODE
            user = User.objects.create_user(email, None, full_name=full_name.strip(), language=language)
        membership = Membership.objects.select_for_update().filter(brand=brand, user=user).first()
        if membership is not None and membership.is_active:
            raise ValidationError({"email": _("This person is already a member of the brand.")})
        if membership is not None and membership.is_pending:
            raise ValidationError({"email": _("An invitation is already waiting for this person's answer.")})
        seat_check(brand=brand)
        is_active, is_pending = not is_existing_account, is_existing_account
        if membership is None:
            membership = Membership.objects.create(
                brand=brand, user=user, role=role, store=store, is_active=is_active, is_pending=is_pending
            )
        else:
            membership.role, membership.store = role, store
            membership.is_active, membership.is_pending = is_active, is_pending
            membership.save(update_fields=["role", "store", "is_active", "is_pending"])
        invited = audit_log_record(
            brand=brand,
            action="membership.invite",
            actor=actor.user,
            obj=membership,
            ip=ip,
            data={
                "email": email,
                "role": role,
                "store": store.code if store else None,
                "pending": is_pending,
            },
        )
        with_password_link = not user.has_usable_password()
        # One e-mail per invitation (the audit row names the occasion), in the send log with the membership.
        message_send(
            brand=brand,
            key=f"invitation:{membership.pk}:{invited.pk}",
            kind="accounts.invitation",
            to=user.email,
            context={"membership_id": membership.pk, "with_password_link": with_password_link},
            language=user.language or brand.default_language,
        )
    return membership


def _invitation_for(*, user: User, membership_id: int) -> Membership:
    from jewelcrm.accounts.selectors import invitation_list_for_user

    found = next((m for m in invitation_list_for_user(user=user) if m.pk == membership_id), None)
    if found is None:
        raise ValidationError(
            _("This invitation is no longer waiting for an answer."), code="invitation_invalid"
        )
    return found


def invitation_answer(
    *, user: User, membership_id: int, is_accepted: bool, ip: str | None = None
) -> Membership:
    """The invited person accepts (the membership becomes active) or declines their invitation."""
    from jewelcrm.tenancy.context import brand_context

    found = _invitation_for(user=user, membership_id=membership_id)
    with brand_context(found.brand), transaction.atomic():
        membership = Membership.objects.select_for_update().filter(pk=found.pk, user=user).first()
        if membership is None or not membership.is_pending:
            raise ValidationError(
                _("This invitation is no longer waiting for an answer."), code="invitation_invalid"
            )
        membership.is_pending = False
        membership.is_active = is_accepted
        membership.save(update_fields=["is_pending", "is_active"])
        audit_log_record(
            brand=found.brand,
            action="membership.accept" if is_accepted else "membership.decline",
            actor=user,
            obj=membership,
            ip=ip,
            data={"email": user.email, "role": membership.role},
        )
    return membership


def membership_may_deactivate(*, actor: Membership, membership: Membership) -> bool:
    if membership.pk == actor.pk:
        return False  # nobody locks themselves out
    if actor.role == Role.RETAIL_MANAGER:
        return membership.role == Role.SALES_ASSOCIATE and membership.store_id == actor.store_id
    return role_may_grant(actor_role=actor.role, role=membership.role)


def membership_deactivate(
    *, brand: Brand, actor: Membership, membership: Membership, ip: str | None = None
) -> Membership:
    if not membership_may_deactivate(actor=actor, membership=membership):
        raise PermissionDenied
    with transaction.atomic():
        if membership.is_active or membership.is_pending:
            action = "membership.deactivate" if membership.is_active else "membership.invitation_withdraw"
            membership.is_active = membership.is_pending = False
            membership.save(update_fields=["is_active", "is_pending"])
            audit_log_record(
                brand=brand,
                action=action,
                actor=actor.user,
                obj=membership,
                ip=ip,
                data={"email": membership.user.email, "role": membership.role},
            )
    return membership


def sent_email_retry(
    *, brand: Brand, message_id: int, actor: User | None = None, ip: str | None = None
) -> Any:
    """Send a parked e-mail of the brand's send log again, audited. Another brand's id: Http404."""
    from django.http import Http404

    from jewelcrm.messaging.selectors import message_get
    from jewelcrm.messaging.services import message_retry

    with transaction.atomic():
        message = message_get(brand=brand, message_id=message_id)
        if message is None:
            raise Http404
        message = message_retry(brand=brand, message=message)
        audit_log_record(
            brand=brand, action="email.retry", actor=actor, obj=message, ip=ip, data={"kind": message.kind}
        )
    return message
