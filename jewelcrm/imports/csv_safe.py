"""Kept for imports written against this path: the one CSV writer is jewelcrm.csv_safe."""

from jewelcrm.csv_safe import FORMULA_PREFIXES, csv_safe_cell, csv_safe_row, csv_safe_writer

__all__ = ["FORMULA_PREFIXES", "csv_safe_cell", "csv_safe_row", "csv_safe_writer"]
