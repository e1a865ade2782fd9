"""Demo staff: one user per role and brand, plus a dealer who works for both brands."""

from jewelcrm.accounts.models import Membership, User
from jewelcrm.accounts.roles import Role
from jewelcrm.demo import DEMO_PASSWORD, DemoContext

STAFF = [
    (Role.OWNER, "owner", "Claire Dubois", None),
    (Role.ADMIN, "admin", "Hugo Lefèvre", None),
    (Role.MARKETER, "marketing", "Inès Martin", None),
    (Role.ANALYST, "analyst", "Paul Bernard", None),
    (Role.RETAIL_MANAGER, "manager", "Sofia Rossi", 0),
    (Role.SALES_ASSOCIATE, "associate", "Léa Petit", 0),
]
MULTI_BRAND_DEALER = "dealer@geneva-dealer.demo"
PLATFORM_STAFF = "platform@jewelcrm.demo"


def _user(email: str, name: str, language: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": name, "language": language}
    )
    if created or not user.has_usable_password():
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def seed(ctx: DemoContext) -> None:
    stores = list(ctx.shared["stores"].values())
    domain = ctx.profile["mail_domain"]
    for role, local, name, store_index in STAFF:
        user = _user(f"{local}@{domain}", name, "fr" if role in (Role.SALES_ASSOCIATE,) else "en")
        store = stores[store_index] if store_index is not None else None
        Membership.objects.update_or_create(
            brand=ctx.brand, user=user, defaults={"role": role, "store": store}
        )
    # An independent dealer in Geneva sells both brands and switches between them.
    geneva = next(s for s in stores if s.city == "Genève")
    dealer = _user(MULTI_BRAND_DEALER, "Marc Keller", "fr")
    Membership.objects.update_or_create(
        brand=ctx.brand, user=dealer, defaults={"role": Role.SALES_ASSOCIATE, "store": geneva}
    )
    if not User.objects.filter(email=PLATFORM_STAFF).exists():
        User.objects.create_superuser(PLATFORM_STAFF, DEMO_PASSWORD, full_name="Platform Staff")
    ctx.logins.extend(logins(ctx))


def logins(ctx: DemoContext) -> list[tuple[str, str, str]]:
    domain = ctx.profile["mail_domain"]
    rows = [(str(role.label), f"{local}@{domain}", DEMO_PASSWORD) for role, local, _name, _store in STAFF]
    if ctx.brand.slug == "maison-aurore":
        rows.append(("Multi-brand dealer (both brands)", MULTI_BRAND_DEALER, DEMO_PASSWORD))
        rows.append(("Platform staff (Django admin)", PLATFORM_STAFF, DEMO_PASSWORD))
    return rows
