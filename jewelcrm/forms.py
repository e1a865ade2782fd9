"""Form helpers every app's pages use."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


def form_add_service_errors(form: Any, error: ValidationError, default_field: str | None = None) -> None:
    """Show a service's ValidationError next to the fields it names; the rest goes to `default_field`
    (None: the top of the form)."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(default_field, error.messages)
