"""The kinds of e-mail the platform sends, each with its renderer.

An app declares its kinds in its `emails.py` (imported at start by jewelcrm.messaging):

    @email_kind("warranties.registration", label=_("Sale registered: confirm your details"))
    def render_registration(message: Message) -> Email | None:
        ...  # read what message.context names, in the brand's context; None when there is nothing to send

The renderer runs in the delivery task, inside the brand's context and the language of the message.
`is_sensitive=True` marks kinds whose context carries a secret (a sign-in link): it is emptied once sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jewelcrm.messaging.models import Message


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class SendDeferred(Exception):  # noqa: N818 - a signal to the delivery, not an error
    """Raised by a renderer when the message must wait (quiet hours): the delivery leaves it pending,
    without counting an attempt, and the relay enqueues it again at `until`."""

    def __init__(self, until: Any, reason: str = "") -> None:
        super().__init__(reason)
        self.until = until
        self.reason = reason


Renderer = Callable[["Message"], "Email | None"]


@dataclass(frozen=True)
class Kind:
    name: str
    label: Any
    render: Renderer
    is_sensitive: bool = False


_KINDS: dict[str, Kind] = {}


def email_kind(name: str, *, label: Any, is_sensitive: bool = False) -> Callable[[Renderer], Renderer]:
    def register(render: Renderer) -> Renderer:
        _KINDS[name] = Kind(name=name, label=label, render=render, is_sensitive=is_sensitive)
        return render

    return register


def kind_get(name: str) -> Kind | None:
    return _KINDS.get(name)


def kind_choices() -> list[tuple[str, Any]]:
    return sorted(((k.name, k.label) for k in _KINDS.values()), key=lambda pair: str(pair[1]))
