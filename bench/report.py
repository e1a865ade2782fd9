"""Write one benchmark's section of docs/benchmarks.md, replacing the previous run's."""

from __future__ import annotations

import os
import platform
import re
from datetime import datetime
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Measured by `make bench` on PostgreSQL (and Redis where a benchmark needs it), on the development
machine: {cpus} cores. Each section is rewritten by its benchmark; the date is the day of the run.
"""


def write_section(key: str, title: str, body: str) -> None:
    text = DOC.read_text() if DOC.exists() else HEADER.format(cpus=os.cpu_count())
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    day = datetime.now().astimezone().date().isoformat()
    section = (
        f"{start}\n## {title}\n\n_Run on {day}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores._\n\n{body.strip()}\n{end}"
    )
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)
