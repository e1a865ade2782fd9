"""The safe template language of campaign e-mails: Jinja2's immutable sandbox (ADR 0033).

A template is plain text with `{{ variable }}`, `{{ variable|default("…") }}`, `{% if %}` and
`{% for %}`. It sees only the variables listed in VARIABLES, all of them plain strings, numbers, dates,
lists and dicts built for it (never a model instance), so there is nothing to reach through. The sandbox
refuses attribute access to `_`-prefixed and internal attributes (`__class__`, `mro`, `func_globals`...)
and calling unsafe callables; the immutable sandbox also refuses mutating lists and dicts; the
environment has no globals (no `range`, `lipsum`, `cycler`...).

Two modes:
- `validate(source)` (at save time): syntax, unknown variables, unknown filters, internal attributes,
  then a render against a full sample context with StrictUndefined; every error carries its line.
- `render(compiled, context)` (at send time): a missing value renders its per-variable fallback
  (FALLBACKS, in the recipient's language) or nothing; `{{ x|default("…") }}` applies to it.
"""

from __future__ import annotations

import datetime
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from jinja2 import ChainableUndefined, StrictUndefined, TemplateSyntaxError, Undefined, nodes
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

# name -> what it holds (shown in the editor's help, both languages).
VARIABLES: dict[str, Any] = {
    "first_name": _("The customer's first name"),
    "last_name": _("The customer's last name"),
    "salutation": _("A greeting with the title and name, e.g. “Dear Mrs Weber” (always filled)"),
    "full_name": _("First and last name"),
    "pieces": _("Pieces owned: a list, each with .name and .collection"),
    "piece_names": _("Pieces owned, as “Aurore ring, Lune earrings”"),
    "last_piece": _("The name of the piece bought last"),
    "collections": _("Collections of the pieces owned, as a list"),
    "store_name": _("The customer's home store"),
    "store_city": _("The city of the home store"),
    "birthday": _("The customer's birthday (a date: use |date)"),
    "anniversary": _("The wedding anniversary (a date: use |date)"),
    "customer_since": _("First purchase or registration date (a date)"),
    "occasion_date": _("The date of the occasion of this e-mail (a date)"),
    "recipient_name": _("For a gift occasion: the name of the person it is for"),
    "recipient_relation": _("For a gift occasion: who they are to the customer (spouse, child…)"),
    "birthstone": _("The birthstone of the occasion's month (for a gift recipient's birthday: theirs)"),
    "value_band": _("Lifetime value band, 1 (lowest) to 10 (top 10 %)"),
    "value_band_label": _("Lifetime value band in words (Top 10 %, High, Medium, Low)"),
    "recommendations": _("Suggested products: a list, each with .name and .collection"),
    "brand_name": _("The brand's name"),
}

# Shown when a value is missing and the template gives no |default.
FALLBACKS: dict[str, Any] = {
    "last_piece": _("your piece"),
    "piece_names": _("your pieces"),
    "store_name": _("our boutiques"),
    "recipient_name": _("your loved one"),
}

# The traditional birthstone of each month, January first (the month of a birthday, shown by name).
BIRTHSTONES = (
    _("garnet"),
    _("amethyst"),
    _("aquamarine"),
    _("diamond"),
    _("emerald"),
    _("pearl"),
    _("ruby"),
    _("peridot"),
    _("sapphire"),
    _("opal"),
    _("topaz"),
    _("turquoise"),
)


def _format_date(value: Any, pattern: str = "long") -> str:
    if isinstance(value, Undefined) or not value:
        return str(value) if isinstance(value, Undefined) else ""
    if not isinstance(value, datetime.date):
        return str(value)
    if pattern not in ("short", "medium", "long", "full") and len(pattern) > 40:
        pattern = "long"
    return format_date(value, format=pattern, locale=_locale(translation.get_language() or "en"))


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    return Locale.parse(code.replace("-", "_"))


class FallbackUndefined(ChainableUndefined):
    """A missing value at send time: its fallback in the active language, or nothing. Never an error: a
    comparison with it is false (`{% if value_band > 8 %}`), arithmetic, calls, items and attributes of it
    are missing values too (`{{ pieces[0].name }}`), so one customer's missing data never stops a batch."""

    __slots__ = ()

    def __str__(self) -> str:
        fallback = FALLBACKS.get(self._undefined_name or "")
        return str(fallback) if fallback is not None else ""

    def _missing(self, *args: Any, **kwargs: Any) -> FallbackUndefined:
        return self

    def _false(self, *args: Any, **kwargs: Any) -> bool:
        return False

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __div__ = __rdiv__ = _missing  # type: ignore[assignment]
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _missing  # type: ignore[assignment]
    __pos__ = __neg__ = __pow__ = __rpow__ = __call__ = _missing  # type: ignore[assignment]
    __lt__ = __le__ = __gt__ = __ge__ = _false  # type: ignore[assignment]

    def __int__(self) -> int:  # type: ignore[override]
        return 0

    def __float__(self) -> float:  # type: ignore[override]
        return 0.0


class _Environment(ImmutableSandboxedEnvironment):
    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Plain data only: never a method or internal attribute, whatever the object.
        if attr.startswith("_"):
            return False
        if isinstance(value, Undefined):  # a part of a missing value is missing too
            return True
        if callable(value):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        # Refuse loudly, in both modes (the lenient render would otherwise print nothing).
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} is not allowed")


def _environment(undefined: type[Undefined]) -> _Environment:
    env = _Environment(
        autoescape=False,  # the text is escaped when laid out as HTML (rendering.py)
        undefined=undefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.clear()
    env.filters["date"] = _format_date
    return env


RENDER_ENV = _environment(FallbackUndefined)
STRICT_ENV = _environment(StrictUndefined)


@dataclass(frozen=True)
class TemplateProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


def _sample_context() -> dict[str, Any]:
    piece = {"name": "Aurore ring", "collection": "Aurore"}
    return {
        "first_name": "Anna",
        "last_name": "Weber",
        "salutation": "Dear Mrs Weber",
        "full_name": "Anna Weber",
        "pieces": [piece],
        "piece_names": "Aurore ring",
        "last_piece": "Aurore ring",
        "collections": ["Aurore"],
        "store_name": "Paris Rue de la Paix",
        "store_city": "Paris",
        "birthday": datetime.date(1980, 6, 12),
        "anniversary": datetime.date(2005, 6, 12),
        "customer_since": datetime.date(2019, 3, 1),
        "occasion_date": datetime.date(2026, 6, 12),
        "recipient_name": "Léa",
        "recipient_relation": "Daughter",
        "birthstone": "pearl",
        "value_band": 9,
        "value_band_label": "Top 10 %",
        "recommendations": [{"name": "Aurore earrings", "collection": "Aurore"}],
        "brand_name": "Maison",
    }


def _runtime_line(error: BaseException) -> int:
    """The template line of an error raised while rendering (Jinja rewrites the traceback to it)."""
    line = 1
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == "<template>" and frame.lineno:
            line = frame.lineno
    return line


def validate(source: str) -> list[TemplateProblem]:
    """Every problem of a template source, with its line; [] when it is safe to save."""
    try:
        tree = STRICT_ENV.parse(source)
    except TemplateSyntaxError as error:
        return [TemplateProblem(error.lineno or 1, str(error.message or error))]
    problems: list[TemplateProblem] = []
    local_names: set[str] = set()
    for node in tree.find_all((nodes.For, nodes.Assign, nodes.Macro)):
        for target in node.find_all(nodes.Name):
            if target.ctx in ("store", "param"):
                local_names.add(target.name)
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in VARIABLES and name.name not in local_names:
            problems.append(
                TemplateProblem(name.lineno, str(_("Unknown variable “%(name)s”.") % {"name": name.name}))
            )
    for access in tree.find_all((nodes.Getattr, nodes.Getitem)):
        attr = (
            access.attr
            if isinstance(access, nodes.Getattr)
            else getattr(getattr(access, "arg", None), "value", "")
        )
        if isinstance(attr, str) and attr.startswith("_"):
            problems.append(
                TemplateProblem(access.lineno, str(_("“%(name)s” is not allowed.") % {"name": attr}))
            )
    for node in tree.find_all(
        (nodes.Macro, nodes.CallBlock, nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)
    ):
        problems.append(TemplateProblem(node.lineno, str(_("Only if and for blocks are allowed here."))))
    if problems:
        return sorted(set(problems), key=lambda p: p.line)
    try:
        template = STRICT_ENV.from_string(tree)
    except TemplateSyntaxError as error:  # unknown filter or test
        return [TemplateProblem(error.lineno or 1, str(error.message or error))]
    try:
        template.render(_sample_context())
    except SecurityError as error:
        return [TemplateProblem(_runtime_line(error), str(_("Not allowed: %(detail)s") % {"detail": error}))]
    except UndefinedError as error:
        return [TemplateProblem(_runtime_line(error), str(error))]
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as error:
        return [TemplateProblem(_runtime_line(error), str(error))]
    return []


@lru_cache(maxsize=512)
def compile_source(source: str) -> Any:
    """The compiled template of a (validated) source, cached by its text."""
    return RENDER_ENV.from_string(source)


def render(source: str, context: Mapping[str, Any]) -> str:
    """Render a validated source; a value missing from `context` falls back. A template saved before a
    rule tightened that now fails renders nothing rather than sending half an e-mail (raises)."""
    return compile_source(source).render(context)
