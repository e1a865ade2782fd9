"""Personalised campaign e-mails, rendered by the batch: what the campaign engine calls.

`render_batch` reads everything a batch needs in a fixed number of queries (the customers with their home
store, the pieces they own and bought, their lifetime value band, the products and their complements, and
the brand's cached co-purchase counts), then renders each recipient in memory: the subject and body in the
safe template language (language.py), the recommendations block, and the platform's one branded layout
(templates/email/layout.html, ADR 0029) rendered once per language and batch, with the links rewritten to
signed tracking links and an open pixel when the recipient has a message key (tracking.py).

Call inside the brand's scope (`brand_context(brand)`), like every read of brand data.
"""

from __future__ import annotations

import datetime
import html as html_lib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines
from django.utils.translation import gettext as _

from campaigns.content import language as template_language
from campaigns.content import recommendations, tracking
from customers import selectors as customer_selectors
from jewelcrm import mail
from jewelcrm.catalog import selectors as catalog_selectors
from segmentation import selectors as segmentation_selectors
from warranties import selectors as warranty_selectors

LANGUAGES = ("en", "fr")
CUSTOMER_FIELDS = (
    "id", "title", "first_name", "last_name", "birth_date", "wedding_anniversary", "customer_since",
)  # fmt: skip
RECOMMENDATIONS_SHOWN = 3


@dataclass(frozen=True)
class Recipient:
    """One person to render for. `occasion` may hold `date` (a date or ISO string), `recipient_name` and
    `recipient_relation` (a relation kind code or words) for gift occasions."""

    customer_id: int
    language: str = ""
    message_key: str = ""
    occasion: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedEmail:
    customer_id: int
    language: str
    subject: str
    html: str
    text: str
    message_key: str = ""


# --- language --------------------------------------------------------------------------------------


def template_languages(template: Any) -> list[str]:
    """The languages the template is written in (a body is required; the subject may be empty)."""
    return [code for code in LANGUAGES if (getattr(template, f"body_{code}", "") or "").strip()]


def choose_language(*, brand: Any, template: Any, wanted: str) -> str:
    """The recipient's language if the template has it, else the brand's default, else what it has."""
    available = template_languages(template)
    wanted = (wanted or "").lower()[:2]
    if wanted in available:
        return wanted
    default = (brand.default_language or "en").lower()[:2]
    if default in available or not available:
        return default if default in LANGUAGES else "en"
    return available[0]


# --- the context of one recipient ------------------------------------------------------------------


class Words:
    """The words of one language that e-mails need, translated once per batch (not per recipient)."""

    def __init__(self, language: str) -> None:
        from customers.models import RelationKind

        with translation.override(language):
            self.dear_title = _("Dear %(title)s %(last_name)s")
            self.dear_first = _("Dear %(first_name)s")
            self.dear_customer = _("Dear customer")
            self.bands = {"top": _("Top 10 %"), "high": _("High"), "medium": _("Medium"), "low": _("Low")}
            self.relations = {value: str(label) for value, label in RelationKind.choices}
            self.birthstones = [str(stone) for stone in template_language.BIRTHSTONES]

    def salutation(self, title: str, first_name: str, last_name: str) -> str:
        if title and last_name:
            return self.dear_title % {"title": title, "last_name": last_name}
        if first_name or last_name:
            return self.dear_first % {"first_name": first_name or last_name}
        return self.dear_customer

    def band(self, band: int | None) -> str:
        if not band:
            return ""
        if band >= 10:
            return self.bands["top"]
        if band >= 8:
            return self.bands["high"]
        if band >= 4:
            return self.bands["medium"]
        return self.bands["low"]


def value_band_label(band: int | None) -> str:
    """The lifetime value band in words, in the active language."""
    return Words(translation.get_language() or "en").band(band)


def _as_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _product_view(product: Any, language: str) -> dict[str, str]:
    name = (product.name_fr if language == "fr" and product.name_fr else product.name_en) or product.name_fr
    return {"name": name, "collection": product.collection}


def _put(context: dict[str, Any], name: str, value: Any) -> None:
    """Only present values enter the context: a missing one stays undefined, so it falls back."""
    if value not in (None, "", [], {}):
        context[name] = value


@dataclass
class BatchData:
    """What a batch of recipients needs, read in a fixed number of queries."""

    brand: Any
    customers: dict[int, Any]
    pieces: dict[int, list[int]]
    bands: dict[int, int]
    products: dict[int, Any]
    recommended: dict[int, list[int]]
    _views: dict[str, dict[int, dict[str, str]]] = field(default_factory=dict)

    @classmethod
    def load(cls, *, brand: Any, customer_ids: list[int], with_recommendations: bool) -> BatchData:
        ids = sorted(set(customer_ids))
        customers = {
            row["id"]: row
            for row in customer_selectors.customer_list(brand=brand)
            .filter(pk__in=ids)
            .values(*CUSTOMER_FIELDS, store_name=F("home_store__name"), store_city=F("home_store__city"))
        }
        owned = warranty_selectors.products_owned_by(brand=brand, customer_ids=ids)
        bought = customer_selectors.products_bought_by(brand=brand, customer_ids=ids)
        pieces: dict[int, list[int]] = {}
        for customer_id in ids:
            merged = list(owned.get(customer_id, []))
            merged += [p for p in bought.get(customer_id, []) if p not in merged]
            if merged:
                pieces[customer_id] = merged
        scores = segmentation_selectors.scores_for(brand=brand, customer_ids=ids)
        bands = {customer_id: score.value_band for customer_id, score in scores.items() if score.value_band}
        piece_ids = sorted({p for products in pieces.values() for p in products})
        products = catalog_selectors.products_by_id(
            brand=brand, product_ids=piece_ids, with_complements=with_recommendations
        )
        recommended: dict[int, list[int]] = {}
        if with_recommendations:
            together = recommendations.bought_together(brand=brand)
            for customer_id, products_owned in pieces.items():
                recommended[customer_id] = recommendations.for_pieces(
                    owned=products_owned, products=products, together=together
                )
            missing = {p for ids_ in recommended.values() for p in ids_} - set(products)
            if missing:
                products.update(
                    catalog_selectors.products_by_id(
                        brand=brand, product_ids=sorted(missing), with_complements=False
                    )
                )
            recommended = {
                customer_id: [p for p in chosen if p in products and products[p].is_active]
                for customer_id, chosen in recommended.items()
            }
        return cls(brand, customers, pieces, bands, products, recommended)

    def product_views(self, language: str) -> dict[int, dict[str, str]]:
        views = self._views.get(language)
        if views is None:
            views = self._views[language] = {
                pk: _product_view(p, language) for pk, p in self.products.items()
            }
        return views

    def context(self, recipient: Recipient, language: str, words: Words) -> dict[str, Any]:
        """The template variables of one recipient, in `language` (its words in `words`)."""
        context: dict[str, Any] = {"brand_name": self.brand.name}
        customer = self.customers.get(recipient.customer_id)
        title = first_name = last_name = ""
        if customer is not None:
            views = self.product_views(language)
            title, first_name, last_name = customer["title"], customer["first_name"], customer["last_name"]
            _put(context, "first_name", first_name)
            _put(context, "last_name", last_name)
            _put(context, "full_name", " ".join(p for p in (first_name, last_name) if p))
            _put(context, "birthday", customer["birth_date"])
            _put(context, "anniversary", customer["wedding_anniversary"])
            _put(context, "customer_since", customer["customer_since"])
            _put(context, "store_name", customer["store_name"])
            _put(context, "store_city", customer["store_city"])
            pieces = [views[p] for p in self.pieces.get(recipient.customer_id, []) if p in views]
            if pieces:
                context["pieces"] = pieces
                context["piece_names"] = ", ".join(p["name"] for p in pieces)
                context["last_piece"] = pieces[0]["name"]
                _put(context, "collections", sorted({p["collection"] for p in pieces if p["collection"]}))
            band = self.bands.get(recipient.customer_id)
            if band:
                context["value_band"] = band
                context["value_band_label"] = words.band(band)
            recommended = self.recommended.get(recipient.customer_id, [])[:RECOMMENDATIONS_SHOWN]
            _put(context, "recommendations", [views[p] for p in recommended if p in views])
        context["salutation"] = words.salutation(title, first_name, last_name)
        occasion = recipient.occasion or {}
        if occasion:
            occasion_date = _as_date(occasion.get("date") or occasion.get("occasion_date"))
            _put(context, "occasion_date", occasion_date)
            month = occasion.get("month") or (occasion_date.month if occasion_date else None)
            if month and 1 <= int(month) <= 12:
                context["birthstone"] = words.birthstones[int(month) - 1]
            _put(context, "recipient_name", occasion.get("recipient_name", ""))
            relation = occasion.get("recipient_relation", "")
            _put(context, "recipient_relation", words.relations.get(relation, relation))
        return context


# --- HTML and text ---------------------------------------------------------------------------------

_LINK = re.compile(
    r"\[(?P<label>[^\]\n]+)\]\((?P<target>https?://[^\s)]+)\)|(?P<bare>https?://[^\s<>\"')\]]+)"
)


def _text_part(text: str, href: Callable[[str], str]) -> str:
    """The plain-text part: [label](url) becomes "label (url)", every url its tracked address."""

    def replace(match: re.Match[str]) -> str:
        if match.group("bare"):
            return href(match.group("bare"))
        return f"{match.group('label')} ({href(match.group('target'))})"

    return _LINK.sub(replace, text)


def _html_part(text: str, href: Callable[[str], str], colour: str) -> str:
    """Paragraphs of the text as HTML, escaped, with [label](url) and bare urls as tracked links."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    out: list[str] = []
    style = f"color:{html_lib.escape(colour)};"
    for paragraph in paragraphs:
        pieces: list[str] = []
        position = 0
        for match in _LINK.finditer(paragraph):
            pieces.append(html_lib.escape(paragraph[position : match.start()]))
            target = match.group("bare") or match.group("target")
            label = match.group("label") or target
            pieces.append(
                f'<a href="{html_lib.escape(href(target))}" style="{style}">{html_lib.escape(label)}</a>'
            )
            position = match.end()
        pieces.append(html_lib.escape(paragraph[position:]))
        out.append("<p>" + "".join(pieces).replace("\n", "<br>") + "</p>")
    return "".join(out)


def _recommendations_text(heading: str, items: list[dict[str, str]]) -> str:
    lines = [heading]
    lines += [f"- {i['name']}" + (f" ({i['collection']})" if i["collection"] else "") for i in items]
    return "\n".join(lines)


def _recommendations_html(heading: str, items: list[dict[str, str]]) -> str:
    cells = "".join(
        '<li style="margin:0 0 6px;">'
        f"<strong>{html_lib.escape(i['name'])}</strong>"
        + (
            f' <span style="color:#6b6f78;">· {html_lib.escape(i["collection"])}</span>'
            if i["collection"]
            else ""
        )
        + "</li>"
        for i in items
    )
    return (
        '<div data-testid="email-recommendations" style="margin:24px 0 0;padding:16px 20px;'
        'background:#f8f6f2;border-radius:6px;">'
        f'<p style="margin:0 0 8px;font-weight:600;">{html_lib.escape(heading)}</p>'
        f'<ul style="margin:0;padding-left:18px;">{cells}</ul></div>'
    )


_SUBJECT_SLOT = "JCSUBJECTSLOT7F3A"
_BODY_SLOT = "JCBODYSLOT7F3A"


def marketing_reason(brand: Any) -> str:
    """Why the person gets a journey's or campaign's e-mail: the layout's footer says it."""
    return _(
        "You receive this e-mail because you agreed to hear from %(brand)s by e-mail. "
        "You can change this at any time from the link in this e-mail or by replying to it."
    ) % {"brand": brand.name}


def _layout_shell(brand: Any) -> str:
    """The branded layout with slots for the subject and the body (call inside translation.override)."""
    context = mail.layout_context(brand=brand, reason=marketing_reason(brand), subject=_SUBJECT_SLOT)
    context["body_html"] = mark_safe(_BODY_SLOT)  # noqa: S308 - a constant slot, filled with escaped HTML
    return render_to_string("email/layout.html", context)


def _tracker(brand: Any, recipient_token: str, link_tokens: dict[str, str]) -> Callable[[str], str]:
    """The address a link of this e-mail points at: tracked when the e-mail has a message key."""
    if not recipient_token:
        return lambda url: url

    def href(url: str) -> str:
        link = link_tokens.get(url)
        if link is None:
            link = link_tokens[url] = tracking.link_token(brand=brand, url=url)
        return tracking.click_url_for(recipient=recipient_token, link=link)

    return href


# --- the interface ---------------------------------------------------------------------------------


def render_batch(*, brand: Any, template: Any, recipients: Sequence[Recipient]) -> list[RenderedEmail]:
    """One e-mail per recipient, in their order, in a fixed number of queries whatever the batch's size.

    Missing values fall back; the language falls back to the brand's default; links are tracked and an
    open pixel added for recipients with a message key."""
    if not recipients:
        return []
    with_recommendations = bool(getattr(template, "has_recommendations", False))
    data = BatchData.load(
        brand=brand,
        customer_ids=[r.customer_id for r in recipients],
        with_recommendations=with_recommendations,
    )
    colour = brand.primary_colour or "#1F3A5F"
    link_tokens: dict[str, str] = {}  # url -> its signed token, once per batch
    rendered: list[RenderedEmail | None] = [None] * len(recipients)
    by_language: dict[str, list[int]] = {}
    for index, recipient in enumerate(recipients):
        language = choose_language(brand=brand, template=template, wanted=recipient.language)
        by_language.setdefault(language, []).append(index)
    footer = "\n\n-- \n" + brand.name + ("\n" + brand.postal_address if brand.postal_address else "") + "\n"
    for language, indexes in by_language.items():
        with translation.override(language):
            shell = _layout_shell(brand)
            words = Words(language)
            heading = _("Chosen for you")
            blocks: dict[tuple[tuple[str, str], ...], tuple[str, str]] = {}
            subject_source = getattr(template, f"subject_{language}", "") or ""
            body_source = getattr(template, f"body_{language}", "") or ""
            for index in indexes:
                recipient = recipients[index]
                context = data.context(recipient, language, words)
                subject = " ".join(template_language.render(subject_source, context).split())
                body = normalize_newlines(template_language.render(body_source, context)).strip()
                recipient_token = (
                    tracking.recipient_token(brand=brand, message_key=recipient.message_key)
                    if recipient.message_key
                    else ""
                )
                href = _tracker(brand, recipient_token, link_tokens)
                text = _text_part(body, href)
                body_html = _html_part(body, href, colour)
                items = context.get("recommendations") if with_recommendations else None
                if items:
                    key = tuple((i["name"], i["collection"]) for i in items)
                    block = blocks.get(key)
                    if block is None:  # the same few products recur: laid out once per batch and language
                        block = blocks[key] = (
                            _recommendations_text(heading, items),
                            _recommendations_html(heading, items),
                        )
                    text += "\n\n" + block[0]
                    body_html += block[1]
                if recipient_token:
                    pixel = tracking.open_url_for(recipient=recipient_token)
                    body_html += (
                        f'<img src="{html_lib.escape(pixel)}" width="1" height="1" alt=""'
                        ' style="display:block;border:0;width:1px;height:1px;">'
                    )
                page = shell.replace(_SUBJECT_SLOT, html_lib.escape(subject, quote=False)).replace(
                    _BODY_SLOT, body_html
                )
                rendered[index] = RenderedEmail(
                    customer_id=recipient.customer_id,
                    language=language,
                    subject=subject,
                    html=page,
                    text=text + footer,
                    message_key=recipient.message_key,
                )
    return [email for email in rendered if email is not None]


def render_preview(
    *, brand: Any, template: Any, customer_id: int, language: str, occasion: dict[str, Any] | None = None
) -> RenderedEmail:
    """The e-mail one customer would get, untracked (the editor's live preview, a test send)."""
    recipient = Recipient(customer_id=customer_id, language=language, occasion=occasion or {})
    return render_batch(brand=brand, template=template, recipients=[recipient])[0]
