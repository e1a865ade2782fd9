"""What a journey's or campaign's e-mail says: the template of campaigns.content when one is chosen
(rendered by its `render_batch`/`render_preview`), else the built-in wording of the journey's occasion in the
message's language (so a journey can be switched on before a marketer designs a template)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from jewelcrm import mail


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


def _default_wording(kind: str) -> tuple[str, str]:
    wording = {
        "birthday": (_("Happy birthday, %(name)s"), _("Everyone at %(brand)s wishes you a happy birthday.")),
        "gift_birthday": (
            _("A birthday is coming up, %(name)s"),
            _("Someone dear to you has a birthday soon: %(brand)s has ideas for a gift."),
        ),
        "gift_anniversary": (
            _("An anniversary is coming up, %(name)s"),
            _("An important date for someone dear to you is near: %(brand)s has ideas for a gift."),
        ),
        "wedding_anniversary": (
            _("Happy anniversary, %(name)s"),
            _("%(brand)s wishes you a happy wedding anniversary."),
        ),
        "purchase_anniversary": (
            _("A year with your piece, %(name)s"),
            _("Your piece from %(brand)s has an anniversary today. Thank you for wearing it."),
        ),
        "customer_since": (
            _("Thank you for your loyalty, %(name)s"),
            _("Today is your anniversary as a client of %(brand)s."),
        ),
        "service_due": (
            _("Time for your piece's service, %(name)s"),
            _(
                "Your piece is due for its service. "
                "Your nearest %(brand)s store will be glad to look after it."
            ),
        ),
        "warranty_ending": (
            _("Your warranty ends soon, %(name)s"),
            _("The warranty of your %(brand)s piece ends soon: have it checked in store before then."),
        ),
        "welcome": (_("Welcome to %(brand)s, %(name)s"), _("Thank you for registering your piece.")),
        "win_back": (_("We miss you, %(name)s"), _("%(brand)s has new pieces we would love to show you.")),
        "thank_you": (_("Thank you, %(name)s"), _("Thank you for your purchase at %(brand)s.")),
    }
    return wording.get(kind, (_("News from %(brand)s"), _("%(brand)s has news for you.")))


def _laid_out(*, brand: Any, subject: str, text: str) -> Rendered:
    """The message in the one branded layout (call inside translation.override: its `lang` and footer)."""
    from campaigns.content.rendering import marketing_reason

    html = mail.email_html(brand=brand, text=text, reason=marketing_reason(brand), subject=subject)
    return Rendered(subject=subject, text=text, html=html)


def render_default(*, kind: str, brand: Any, first_name: str, language: str) -> Rendered:
    with translation.override(language or brand.default_language):
        subject, body = _default_wording(kind)
        values = {"name": first_name or _("dear client"), "brand": brand.name}
        return _laid_out(brand=brand, subject=subject % values, text=body % values)


def render_plain(*, subject: str, body: str, first_name: str, brand: Any, language: str = "") -> Rendered:
    """A campaign's own subject and message (no template chosen): {first_name} and {brand} filled in, in
    the branded layout of `language` (default: the active language)."""
    values = {"first_name": first_name or "", "brand": brand.name}
    for name, value in values.items():
        subject = subject.replace("{" + name + "}", value)
        body = body.replace("{" + name + "}", value)
    with translation.override(language or translation.get_language() or brand.default_language):
        return _laid_out(brand=brand, subject=subject, text=body)


def render_template(
    *, brand: Any, template: Any, customer_id: int, language: str, message_key: str, occasion: dict
) -> Rendered:
    """One recipient through campaigns.content's batch renderer."""
    from campaigns.content.rendering import Recipient, render_batch

    [email] = render_batch(
        brand=brand,
        template=template,
        recipients=[
            Recipient(customer_id=customer_id, language=language, message_key=message_key, occasion=occasion)
        ],
    )
    return Rendered(subject=email.subject, html=email.html, text=email.text)
