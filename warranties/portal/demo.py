"""Demo content of the owner portal: a few posts per brand (news, care guide, event invitation) and the
owner whose passwordless sign-in the demo advertises."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from jewelcrm.demo import DemoContext
from warranties.portal.models import Post

POSTS = {
    "maison-aurore": [
        (
            "care_guide",
            "Caring for your gold jewellery",
            "Clean your pieces with lukewarm water and a soft brush, "
            "dry them with a lint-free cloth and keep each one in its own pouch. "
            "Bring them to a boutique once a "
            "year for a complimentary check of claws and clasps.",
            "all",
            "",
        ),
        (
            "event",
            "Private viewing of the Aurore collection",
            "Discover the new Aurore pieces in our salons of the "
            "Place Vendôme, with the workshop's jewellers. Champagne will be served.",
            "collection",
            "Aurore",
        ),
        ("news", "A new boutique in Tokyo", "Our house now welcomes you in Ginza.", "all", ""),
    ],
    "horlogerie-leman": [
        (
            "care_guide",
            "How often should a mechanical watch be serviced?",
            "Every four to six years: the oils "
            "dry out and the movement wears. Water resistance should be checked every year.",
            "all",
            "",
        ),
        ("event", "Manufacture open day", "Visit the Geneva workshops and meet our watchmakers.", "all", ""),
    ],
}


def seed(ctx: DemoContext) -> None:
    brand = ctx.brand
    existing = set(Post.objects.filter(brand=brand).values_list("title", flat=True))
    now = timezone.now()
    event_day = datetime.combine(
        ctx.today + timedelta(days=30), time(18, 30), tzinfo=timezone.get_current_timezone()
    )
    Post.objects.bulk_create(
        [
            Post(
                brand=brand,
                kind=kind,
                title=title,
                body=body,
                audience=audience,
                audience_value=value,
                is_published=True,
                published_at=now - timedelta(days=index),
                event_starts_at=event_day if kind == "event" else None,
                event_place=(ctx.profile.get("name", "") + " — flagship boutique") if kind == "event" else "",
                capacity=40 if kind == "event" else None,
            )
            for index, (kind, title, body, audience, value) in enumerate(POSTS.get(brand.slug, []))
            if title not in existing
        ]
    )
    ctx.logins.extend(logins(ctx))


def logins(ctx: DemoContext) -> list[tuple[str, str, str]]:
    from warranties.inventory.models import Item

    owner_email = (
        Item.objects.filter(
            brand=ctx.brand, status="sold", owner__isnull=False, owner__is_pseudonymised=False
        )
        .exclude(owner__email="")
        .order_by("pk")
        .values_list("owner__email", flat=True)
        .first()
    )
    if not owner_email:
        return []
    return [("Owner (portal, passwordless)", owner_email, "sign-in link printed in the console")]
