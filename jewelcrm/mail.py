"""The one e-mail layout: every e-mail a brand sends is this branded, responsive HTML (logo or name in the
brand's colour, the message, a footer with the brand's postal address and the reason the person gets it),
with the plain-text part beside it.

An e-mail with its own HTML template extends `email/layout.html`; one written as text only is laid out
from its text (paragraphs, links made clickable). Call inside `translation.override(language)`: the
layout's `lang` is the active language.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import urlize
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines


def logo_url(brand: Any) -> str:
    logo = getattr(brand, "logo", None)
    if not logo:
        return ""
    url = logo.url
    return url if url.startswith("http") else settings.SITE_URL.rstrip("/") + url


def layout_context(*, brand: Any, reason: Any = "", subject: str = "") -> dict[str, Any]:
    return {"brand": brand, "logo_url": logo_url(brand), "reason": reason, "subject": subject}


def html_from_text(text: str) -> str:
    """Paragraphs of a plain-text e-mail as HTML, links clickable (the text is escaped first)."""
    paragraphs = [p.strip() for p in normalize_newlines(text).split("\n\n") if p.strip()]
    return mark_safe(  # noqa: S308 - urlize escapes the text (autoescape=True)
        "".join("<p>" + urlize(p, autoescape=True).replace("\n", "<br>") + "</p>" for p in paragraphs)
    )


def email_html(*, brand: Any, text: str, reason: Any = "", subject: str = "") -> str:
    """The layout around an e-mail written as plain text."""
    context = layout_context(brand=brand, reason=reason, subject=subject)
    context["body_html"] = html_from_text(text)
    return render_to_string("email/layout.html", context)
