"""Thin access to the public code helpers of the inventory (contract C6)."""

from __future__ import annotations

from warranties.inventory.codes import public_code_normalise, public_code_prefix


def normalise(raw: str) -> str | None:
    return public_code_normalise(raw or "")


def prefix(code: str) -> str:
    return public_code_prefix(code)
