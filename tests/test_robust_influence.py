"""trends.robust.leave_one_out against direct statsmodels refits."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import trends
from trends.errors import SpecificationError
from trends.robust import leave_one_out


def _df() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    y = rng.negative_binomial(6, 6 / (6 + np.exp(2.5 + 0.02 * np.arange(30)))).astype(float)
    y[[4, 11]] = np.nan
    return pd.DataFrame({"month": pd.period_range("2019-01", periods=30, freq="M"), "y": y})


@pytest.mark.parametrize("family", ["gaussian", "poisson", "quasipoisson", "negbin"])
def test_leave_one_out_equals_direct_refits(family: str) -> None:
    df = _df()
    kw = dict(outcome="y", date="month", interruptions={"p": "2020-03"}, family=family)
    res = trends.ITS(df, **kw).fit()
    loo = leave_one_out(res)
    assert list(loo.columns) == ["period", "term", "estimate", "change"]
    assert len(loo) == res.nobs * 2
    for period in res.design.X.index[::5]:
        drop = df.copy()
        drop.loc[drop["month"] == period, "y"] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            direct = trends.ITS(drop, **kw).fit()
        got = loo[loo["period"] == period].set_index("term")
        for t in ("level[p]", "slope[p]"):
            assert got.loc[t, "estimate"] == pytest.approx(direct.params[t], abs=1e-6)
            assert got.loc[t, "change"] == pytest.approx(direct.params[t] - res.params[t],
                                                         abs=1e-6)


def test_leave_one_out_bad_terms() -> None:
    res = trends.ITS(_df(), outcome="y", date="month", interruptions={"p": "2020-03"}).fit()
    with pytest.raises(SpecificationError, match=r"terms=\['nope'\]"):
        leave_one_out(res, terms=["nope"])
