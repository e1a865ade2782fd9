"""Every URL pattern of the URLconf, enumerated: (key, route, converters) for each leaf pattern."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or the route itself for an unnamed pattern
    route: str  # the whole route, e.g. "b/<slug:brand_slug>/customers/<int:pk>/"
    kwargs: tuple[str, ...]  # the URL's keyword arguments, in order

    @property
    def area(self) -> str:
        if self.route.startswith("b/<slug:brand_slug>/"):
            return "brand"
        if self.route.startswith("api/v1/<slug:brand_slug>/"):
            return "api"
        if self.route.startswith("portal/<slug:brand_slug>/"):
            return "portal"
        return "other"


def _route_text(pattern: URLPattern | URLResolver) -> str:
    text = str(pattern.pattern)
    # Regex patterns (the admin's, i18n's) are shown as their regex without anchors.
    return text.removeprefix("^").removesuffix("$").removesuffix("\\Z")


def url_patterns(urlconf: str | None = None) -> Iterator[Pattern]:
    def walk(patterns, prefix: str, namespace: str) -> Iterator[Pattern]:
        for pattern in patterns:
            route = prefix + _route_text(pattern)
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}{pattern.namespace}:"
                yield from walk(pattern.url_patterns, route, ns)
            else:
                key = f"{namespace}{pattern.name}" if pattern.name else route
                kwargs = tuple(m.group("name") for m in _CONVERTER.finditer(route))
                kwargs += tuple(pattern.pattern.regex.groupindex) if not kwargs else ()
                yield Pattern(key=key, route=route, kwargs=kwargs)

    yield from walk(get_resolver(urlconf).url_patterns, "", "")
