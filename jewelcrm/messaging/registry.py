"""The kinds of e-mail the platform sends, each with its renderer.

An app declares its kinds in its `emails.py` (imported at start by jewelcrm.messaging):

    @email_kind("warranties.registration", label=_("Sale registered: confirm your details"))
    def render_registration(message: Message) -> Email | None:
        ...  # read what message.context names, in the brand's context; None when there is nothing to send

The renderer runs in the delivery task, inside the brand's context and the language of the message.
`is_sensitive=True` marks kinds whose context carries a secret (a sign-in link): it is emptied once sent.
`marketing=True` marks marketing e-mails (campaigns, journeys): the delivery asks the marketing policy
registered below whether the address may receive it (suppression) and has it add the RFC 8058
List-Unsubscribe headers and the footer's unsubscribe link. Transactional kinds (double opt-in, sign-in
links, repair ready) never meet the policy.

The policy lives above this app (campaigns.delivery registers it at start), so the arrows stay one way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

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
    is_marketing: bool = False


_KINDS: dict[str, Kind] = {}


def email_kind(
    name: str, *, label: Any, is_sensitive: bool = False, marketing: bool = False
) -> Callable[[Renderer], Renderer]:
    def register(render: Renderer) -> Renderer:
        _KINDS[name] = Kind(
            name=name, label=label, render=render, is_sensitive=is_sensitive, is_marketing=marketing
        )
        return render

    return register


def kind_get(name: str) -> Kind | None:
    return _KINDS.get(name)


def kind_choices() -> list[tuple[str, Any]]:
    return sorted(((k.name, k.label) for k in _KINDS.values()), key=lambda pair: str(pair[1]))


def marketing_kinds() -> list[str]:
    return sorted(k.name for k in _KINDS.values() if k.is_marketing)


# --- The marketing policy (registered by campaigns.delivery) -------------------------------------------


class MarketingPolicy(Protocol):
    """What the delivery asks about a marketing e-mail, inside the brand's context and the message's
    language, with the message's row locked."""

    def skip_reason(self, message: Message) -> str:
        """Why this message must not leave (the address is suppressed, …), or "" to send it."""
        ...

    def decorate(self, message: Message, email: Email) -> Email:
        """The e-mail with its List-Unsubscribe headers and the footer's unsubscribe link."""
        ...


_POLICY: list[MarketingPolicy] = []


def marketing_policy_register(policy: MarketingPolicy) -> None:
    """Install the one marketing policy (a second registration replaces the first)."""
    _POLICY[:] = [policy]


def marketing_policy() -> MarketingPolicy | None:
    return _POLICY[0] if _POLICY else None
