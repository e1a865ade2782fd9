from typing import Any

from django import template
from django.utils import translation

register = template.Library()


@register.filter
def product_name(product: Any) -> str:
    """The product's name in the current language (French when available, else English)."""
    if translation.get_language() == "fr" and getattr(product, "name_fr", ""):
        return product.name_fr
    return product.name_en


@register.filter
def page_product_name(page: dict) -> str:
    return page["product_name_fr"] if translation.get_language() == "fr" else page["product_name_en"]


@register.simple_tag
def portal_extra_links() -> list:
    """The links other apps add to the portal's navigation (warranties.portal.links)."""
    from warranties.portal.links import portal_links

    return portal_links()
