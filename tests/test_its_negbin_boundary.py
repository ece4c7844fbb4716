"""Negative binomial at the alpha = 0 boundary (no overdispersion).

Reference: when sum((y - mu)^2 - y) <= 0 at the Poisson fit, the NB2 likelihood decreases in
alpha from 0 (Cameron & Trivedi 2013, sec. 3.4), so the MLE is the Poisson fit. The reference is
statsmodels' Poisson GLM fitted directly on the same design.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import trends


def _underdispersed(n: int = 30) -> pd.DataFrame:
    # binomial counts are underdispersed (variance n p (1 - p) < mean n p)
    rng = np.random.default_rng(11)
    y = rng.binomial(40, 0.5, size=n)
    return pd.DataFrame({"month": pd.period_range("2019-01", periods=n, freq="M"), "y": y})


def test_boundary_reports_poisson_fit_with_alpha_zero():
    df = _underdispersed()
    spec = trends.ITS(df, outcome="y", date="month", interruptions={"x": "2020-03"},
                      family="negbin")
    with pytest.warns(RuntimeWarning, match="boundary"):
        res = spec.fit()
    d = spec.design()
    ref = sm.GLM(d.y, d.X, family=sm.families.Poisson()).fit()
    np.testing.assert_allclose(res.params.to_numpy(), ref.params, rtol=1e-10)
    np.testing.assert_allclose(res.std_errors.to_numpy(), ref.bse, rtol=1e-10)
    assert res.dispersion == 0.0
    assert res.alpha_at_boundary
    # alpha still counts as an estimated parameter
    assert res.aic == pytest.approx(ref.aic + 2.0, rel=1e-12)
    assert np.isfinite(res.table()["ratio"]).all()


def test_overdispersed_data_still_estimate_alpha():
    rng = np.random.default_rng(5)
    n = 60
    y = rng.negative_binomial(2, 2 / (2 + 20.0), size=n)  # mean 20, alpha 0.5
    df = pd.DataFrame({"month": pd.period_range("2018-01", periods=n, freq="M"), "y": y})
    res = trends.ITS(df, outcome="y", date="month", interruptions={"x": "2020-06"},
                     family="negbin").fit()
    assert not res.alpha_at_boundary
    assert res.dispersion > 0.1
