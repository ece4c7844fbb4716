"""trends.study.describe against the published totals and a direct refit."""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trends.errors import SpecificationError
from trends.study import analysis, describe

PROCESSED = Path(__file__).resolve().parents[1] / "data" / "processed"


@pytest.fixture(scope="module")
def inputs():
    return analysis.load_inputs(PROCESSED)


def _published(periods: pd.DataFrame, source: str, year: str) -> float:
    p = periods[(periods.source == source) & (periods.period.astype(str) == year)
                & (periods.region == "national") & (periods.group == "all")
                & (periods.measure == "attacks")]
    return float(p["value"].item())


def test_source_ratio_is_ratio_of_published_totals(inputs):
    r = describe.source_ratio(inputs.periods).set_index("year")
    for year in ("2019", "2023"):
        want = _published(inputs.periods, "PICSS", year) / _published(inputs.periods, "PIPS", year)
        assert r.loc[year, "ratio"] == pytest.approx(want)
    with pytest.raises(SpecificationError, match="no annual"):
        describe.source_ratio(inputs.periods, numerator="nobody")


def test_year_changes_direction(inputs):
    t = describe.year_changes(inputs.periods, 2019, 2020, sources=("PICSS", "PIPS", "nobody"))
    t = t.set_index("source")
    a, b = (_published(inputs.periods, "PICSS", y) for y in ("2019", "2020"))
    assert t.loc["PICSS", "direction"] == ("rise" if b > a else "fall")
    assert t.loc["PICSS", "change_pct"] == pytest.approx(100 * (b - a) / a)
    assert t.loc["nobody", "direction"] == "not published"
    assert np.isnan(t.loc["nobody", "change_pct"])


def test_annual_start_sensitivity_matches_direct_fit(inputs):
    t = describe.annual_start_sensitivity(inputs, starts=("2018",))
    base = [s for s in analysis.source_specs() if s.name == "attacks_pips_annual"][0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = analysis.fit(inputs, replace(base, start="2018"))
    rr = float(np.exp(res.params["level[takeover]"]))
    assert t["level_takeover_rr"].iloc[0] == pytest.approx(rr, rel=1e-9)
    assert t["nobs"].iloc[0] == 8
    with pytest.raises(SpecificationError, match="unknown annual model"):
        describe.annual_start_sensitivity(inputs, model="attacks_nobody_annual")


def test_monthly_ratio_matches_pandas(inputs):
    p = inputs.panel
    sel = p[(p.region == "national") & (p.group == "all") & (p.measure == "attacks")]
    a = sel[sel.source == "PICSS"].set_index("month")["value"].dropna()
    b = sel[sel.source == "PIPS"].set_index("month")["value"].dropna()
    both = a.index.intersection(b.index)
    r = describe.monthly_ratio(p).set_index("month")
    assert list(r.index) == sorted(both)
    np.testing.assert_allclose(r["ratio"], (a[both] / b[both]).sort_index().to_numpy())
    with pytest.raises(SpecificationError, match="no monthly"):
        describe.monthly_ratio(p, denominator="nobody")
