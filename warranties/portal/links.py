"""Links that apps above the portal add to its navigation (a registry: the portal never imports them).

    portal_link_register(PortalLink(label=_("E-mail preferences"), url_name="campaign_delivery:preferences"))

`url_name` is reversed with the brand's slug only. Registered from the app's `ready()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PortalLink:
    label: Any
    url_name: str
    order: int = 100


_LINKS: dict[str, PortalLink] = {}


def portal_link_register(link: PortalLink) -> None:
    _LINKS[link.url_name] = link


def portal_links() -> list[PortalLink]:
    return sorted(_LINKS.values(), key=lambda link: (link.order, link.url_name))
