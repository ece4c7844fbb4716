"""trends.analysis.pooled_fits / pooled_table on the committed data/processed tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import trends
from trends.analysis import MAIN, load_inputs, model_frame, pooled_fits, pooled_table
from trends.panel import period_totals

PROCESSED = Path(__file__).parents[1] / "data" / "processed"


@pytest.fixture(scope="module")
def fits():
    if not (PROCESSED / "panel.csv").is_file():
        pytest.skip("data/processed is absent")
    inputs = load_inputs(PROCESSED)
    return inputs, pooled_fits(inputs, MAIN[0])


def test_pooled_fits_are_the_documented_models(fits):
    inputs, res = fits
    assert list(res) == ["monthly", "monthly, model-based", "+ totals", "sources",
                         "sources + totals"]
    spec = MAIN[0]
    totals = period_totals(inputs.periods, source="PICSS", start=spec.start, end=spec.end)
    direct = trends.ITS(model_frame(inputs, spec), outcome="y", date="period",
                        aggregates=totals, **{**spec.its_kwargs(), "cov": "nonrobust"}).fit()
    np.testing.assert_allclose(res["+ totals"].params, direct.params, rtol=1e-12)
    # the monthly fits agree in estimates, differ in covariance only
    np.testing.assert_allclose(res["monthly"].params, res["monthly, model-based"].params)
    assert res["sources"].design.sources == ("PICSS", "PIPS")
    rep = res["+ totals"].aggregates_report()
    assert (rep["status"] == "used").sum() == res["+ totals"].spec.aggregates.n_used >= 1
    assert all(r.converged for r in res.values())


def test_pooled_table(fits):
    _, res = fits
    tab = pooled_table(res)
    assert len(tab) == 3 * len(res)
    assert set(tab["term"]) == {"level[takeover]", "level[ceasefire_end]",
                                "slope[ceasefire_end]"}
    assert (tab["ratio_low"] < tab["ratio"]).all() and (tab["ratio"] < tab["ratio_high"]).all()
    assert set(tab.loc[tab["fit"].str.contains("totals"), "covariance"]) == {"nonrobust"}
