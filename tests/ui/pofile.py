"""A small reader of gettext .po files (no dependency), for the translation tests."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def is_translated(self) -> bool:
        return bool(self.msgstr) and all(value != "" for value in self.msgstr.values())


def _unquote(text: str) -> str:
    return ast.literal_eval(text.strip())


def parse(path: Path) -> list[Entry]:
    """The active entries of a .po file (obsolete `#~` entries are skipped)."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int | None] | None = None
    started = False

    def flush() -> None:
        nonlocal current, started
        if started:
            entries.append(current)
        current = Entry()
        started = False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            target = None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if started and current.msgstr:
                flush()
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#:"):
                current.references.extend(line[2:].split())
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if target is None:
                continue
            name, index = target
            value = _unquote(line)
            if name == "msgstr":
                current.msgstr[index or 0] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
            continue
        if keyword in ("msgctxt", "msgid") and current.msgstr:
            flush()
        if not started:
            current.line = number
            started = True
        if keyword.startswith("msgstr["):
            index = int(keyword[7:-1])
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        elif keyword == "msgstr":
            current.msgstr[0] = _unquote(rest)
            target = ("msgstr", 0)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            setattr(current, keyword, _unquote(rest))
            target = (keyword, None)
    flush()
    return entries


def po_files(root: Path) -> list[Path]:
    """Every django.po of the repository, outside the virtualenv and node_modules."""
    skip = {".venv", "node_modules", ".git", "var"}
    return sorted(
        path for path in root.rglob("django.po") if not skip.intersection(path.relative_to(root).parts)
    )
