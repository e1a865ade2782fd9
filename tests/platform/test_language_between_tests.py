"""A test that answers a request in French leaves the next test in the language it started with (the
suite-wide `_language_restored` fixture). The two tests run in this file's order."""

from __future__ import annotations

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db

_SEEN: dict[str, str | None] = {}


def test_a_request_in_french_activates_french_for_the_thread(client):
    _SEEN["before"] = translation.get_language()
    client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert translation.get_language() == "fr"


def test_the_next_test_starts_in_the_language_the_first_started_with():
    assert "before" in _SEEN, "runs after the test above"
    assert translation.get_language() == _SEEN["before"]
    assert translation.get_language() != "fr"
