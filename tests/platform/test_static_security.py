"""WEB-10: a static security scan with 0 unreviewed findings.

The scan is bandit's rule set as ruff implements it (the `S` rules, with the project's reviewed ignores in
pyproject.toml), over the application's code; a finding fails the suite with its file, line and rule."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGES = ["jewelcrm", "customers", "warranties", "segmentation", "campaigns"]


def _reviewed_ignores() -> str:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return ",".join(config["tool"]["ruff"]["lint"]["ignore"])


def _ruff() -> str:
    local = Path(sys.executable).with_name("ruff")
    return str(local) if local.exists() else shutil.which("ruff") or "ruff"


def test_the_security_rules_find_nothing_unreviewed():
    result = subprocess.run(  # noqa: S603 - a fixed command on the repository's own files
        [
            _ruff(),
            "check",
            "--select",
            "S",
            "--ignore",
            _reviewed_ignores(),
            "--output-format",
            "concise",
            "--no-cache",
            *PACKAGES,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_scan_catches_a_finding(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import subprocess\nsubprocess.call('ls ' + input(), shell=True)\n")
    result = subprocess.run(  # noqa: S603
        [_ruff(), "check", "--select", "S", "--output-format", "concise", "--no-cache", str(probe)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "S602" in result.stdout
