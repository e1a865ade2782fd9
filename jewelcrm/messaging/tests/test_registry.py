"""Kinds of e-mail: marketing ones are marked as such; transactional ones are not."""

from __future__ import annotations

from jewelcrm.messaging import registry


def test_email_kind_accepts_marketing_and_defaults_to_transactional(monkeypatch):
    monkeypatch.setattr(registry, "_KINDS", {})

    @registry.email_kind("test.newsletter", label="Newsletter", marketing=True)
    def render_news(message):  # pragma: no cover - not rendered here
        return None

    @registry.email_kind("test.receipt", label="Receipt")
    def render_receipt(message):  # pragma: no cover
        return None

    assert registry.kind_get("test.newsletter").is_marketing is True
    assert registry.kind_get("test.receipt").is_marketing is False
    assert registry.marketing_kinds() == ["test.newsletter"]


def test_the_platforms_transactional_kinds_are_not_marketing():
    for name in (
        "warranties.registration",
        "warranties.intervention_ready",
        "portal.sign_in",
        "portal.claim",
    ):
        kind = registry.kind_get(name)
        assert kind is not None, name
        assert kind.is_marketing is False, name
