"""Exclusive content: the brand's posts and the owners' answers to invitations."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from warranties.portal.models import Post, PostKind, Rsvp, RsvpAnswer


@transaction.atomic
def post_save(*, brand: Brand, actor: Any, post: Post | None = None, **fields: Any) -> Post:
    post = post or Post(brand=brand, created_by=actor if getattr(actor, "pk", None) else None)
    for name, value in fields.items():
        setattr(post, name, value)
    if post.kind != PostKind.EVENT:
        post.event_starts_at, post.event_place, post.capacity = None, "", None
    post.save()
    audit_log_record(
        brand=brand, action="portal_post.save", actor=actor, obj=post, data={"title": post.title}
    )
    return post


@transaction.atomic
def post_publish(*, brand: Brand, post: Post, actor: Any, is_published: bool = True) -> Post:
    post.is_published = is_published
    if is_published and post.published_at is None:
        post.published_at = timezone.now()
    post.save(update_fields=["is_published", "published_at", "updated_at"])
    audit_log_record(
        brand=brand,
        action="portal_post.publish" if is_published else "portal_post.unpublish",
        actor=actor,
        obj=post,
    )
    return post


@transaction.atomic
def rsvp_answer(*, brand: Brand, post: Post, customer: Customer, answer: str) -> Rsvp:
    """Answer an invitation. Idempotent; a "yes" is refused once the event is full."""
    if post.kind != PostKind.EVENT or not post.is_published:
        raise ValidationError(_("This post is not an invitation."), code="not_event")
    if answer not in RsvpAnswer.values:
        raise ValidationError(_("Choose yes or no."), code="invalid")
    locked = Post.objects.select_for_update().get(pk=post.pk)
    existing = Rsvp.objects.filter(post=locked, customer=customer).first()
    if existing is not None and existing.answer == answer:
        return existing
    if answer == RsvpAnswer.YES and locked.capacity is not None:
        taken = Rsvp.objects.filter(post=locked, answer=RsvpAnswer.YES).count()
        if taken >= locked.capacity:
            raise ValidationError(_("Sorry, this event is full."), code="full")
    if existing is None:
        return Rsvp.objects.create(brand=brand, post=locked, customer=customer, answer=answer)
    existing.answer = answer
    existing.answered_at = timezone.now()
    existing.save(update_fields=["answer", "answered_at"])
    return existing
