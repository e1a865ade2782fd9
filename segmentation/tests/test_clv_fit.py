"""`clv_fit` on the CDNOW sample shipped with lifetimes reproduces the published parameters within 1 %."""

from __future__ import annotations

import io
import json
from importlib import resources

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee (2005)
PUBLISHED_GAMMAGAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}  # Fader & Hardie (2013)


@pytest.fixture
def cdnow_csv(tmp_path):
    source = resources.files("lifetimes") / "datasets" / "CDNOW_sample.txt"
    with source.open() as handle:
        raw = pd.read_csv(
            handle, sep=r"\s+", header=None, names=["customer_id", "id2", "date", "qty", "amount"]
        )
    raw["date"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d").dt.date
    path = tmp_path / "cdnow.csv"
    raw[["customer_id", "date", "amount"]].to_csv(path, index=False)
    return path


def _run(*args):
    out = io.StringIO()
    call_command("clv_fit", *args, stdout=out)
    return json.loads(out.getvalue())


def test_cdnow_reproduces_published_parameters(cdnow_csv):
    result = _run("--transactions", str(cdnow_csv), "--calibration-end", "1997-09-30", "--unit", "weeks")
    assert result["customers"] == 2357
    for name, value in PUBLISHED_BGNBD.items():
        assert result["bgnbd"]["params"][name] == pytest.approx(value, rel=0.01), name
    for name, value in PUBLISHED_GAMMAGAMMA.items():
        assert result["gammagamma"]["params"][name] == pytest.approx(value, rel=0.01), name
    assert result["bgnbd"]["log_likelihood"] == pytest.approx(-9582.4, abs=1.0)
    assert set(result["mbgnbd"]["params"]) == {"r", "alpha", "a", "b"}
    assert result["mbgnbd"]["log_likelihood"] < 0


def test_bad_input_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("customer,when,value\n1,2020-01-01,3\n")
    with pytest.raises(CommandError, match="missing columns amount, customer_id, date"):
        _run("--transactions", str(bad), "--calibration-end", "2020-12-31")
    with pytest.raises(CommandError, match="not a date"):
        _run("--transactions", str(bad), "--calibration-end", "someday")
