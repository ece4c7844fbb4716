"""Bootstrap of ITS effects: determinism, resampling schemes, agreement with theory, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trends
from trends.errors import SpecificationError
from trends.robust import resample as resample_mod
from trends.robust.resample import WEBB_POINTS, bootstrap


def _df(n=96, seed=0, family="poisson"):
    rng = np.random.default_rng(seed)
    months = pd.period_range("2014-01", periods=n, freq="M")
    t = np.arange(n)
    mu = np.exp(2.0 + 0.004 * t + 0.4 * (t >= 70))
    if family == "gaussian":
        y = 10 + 0.05 * t + 2.0 * (t >= 70) + rng.normal(0, 1.0, n)
    elif family == "negbin":
        y = rng.negative_binomial(5, 5 / (5 + mu)).astype(float)
    else:
        y = rng.poisson(mu).astype(float)
    return pd.DataFrame({"m": months.astype(str), "y": y}).drop(index=[3, 40])


def _model(df, family="poisson", **kw):
    return trends.ITS(df, outcome="y", date="m", interruptions={"x": "2019-11"},
                      family=family, **kw)


@pytest.mark.parametrize("method", ["block", "wild", "parametric"])
@pytest.mark.parametrize("family", ["gaussian", "poisson", "negbin"])
def test_same_seed_same_result_other_seed_differs(method, family):
    model = _model(_df(family=family), family)
    a = bootstrap(model, n_boot=60, method=method, seed=123)
    b = bootstrap(model, n_boot=60, method=method, seed=123)
    c = bootstrap(model, n_boot=60, method=method, seed=124)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    assert not a.draws.equals(c.draws)
    assert a.n_failed == 0 and len(a.draws) == 60


def test_result_does_not_depend_on_batch_size(monkeypatch):
    model = _model(_df())
    a = bootstrap(model, n_boot=40, seed=9)
    monkeypatch.setattr(resample_mod, "_CHUNK_FLOATS", 3000)  # many small batches
    b = bootstrap(model, n_boot=40, seed=9)
    np.testing.assert_allclose(a.draws.to_numpy(), b.draws.to_numpy(), rtol=0, atol=1e-9)


def test_estimates_are_the_model_fit_and_table_layout():
    df = _df()
    model = _model(df)
    res = bootstrap(model, n_boot=50, seed=1, terms=["trend", "level[x]"])
    fit = model.fit()
    assert list(res.table.index) == ["trend", "level[x]"]
    assert res.table.loc["level[x]", "estimate"] == pytest.approx(fit.params["level[x]"],
                                                                  abs=1e-7)
    assert list(res.table.columns) == ["estimate", "std_error", "ci_low", "ci_high", "p_value",
                                       "ratio", "ratio_low", "ratio_high"]
    assert (res.table["ci_low"] <= res.table["ci_high"]).all()
    assert res.block_length == int(np.ceil(len(df) ** (1 / 3)))


def test_parametric_bootstrap_se_matches_model_se():
    """With independent Poisson data the parametric bootstrap SE estimates the model SE."""
    model = _model(_df(seed=3))
    res = bootstrap(model, n_boot=400, method="parametric", seed=5)
    se = model.fit().table()["std_error"]
    for term in ("level[x]", "slope[x]"):
        assert res.table.loc[term, "std_error"] == pytest.approx(se[term], rel=0.15)


def test_block_resampling_keeps_blocks(monkeypatch):
    """Replicates are fitted + runs of `block_length` consecutive modified residuals
    (OLS residuals / sqrt(1 - leverage), centred; leverage from statsmodels)."""
    import statsmodels.api as sm

    from trends.robust.problem import problem_from_model

    seen = {}
    real = resample_mod.fit_batch

    def spy(Y, X, extra=None, **kw):
        if np.ndim(Y) == 2:
            seen.setdefault("Y", np.array(Y))
        return real(Y, X, extra, **kw)

    monkeypatch.setattr(resample_mod, "fit_batch", spy)
    model = _model(_df(family="gaussian"), "gaussian")
    bootstrap(model, n_boot=5, method="block", block_length=6, seed=2)
    problem = problem_from_model(model)
    X = problem.design(problem.hypothesised)
    ols = sm.OLS(problem.y, X).fit()
    r = ols.resid.to_numpy() / np.sqrt(1 - ols.get_influence().hat_matrix_diag)
    r -= r.mean()
    D = seen["Y"] - ols.fittedvalues.to_numpy()
    n = len(r)
    for d in D:
        for j in range(0, n, 6):
            block = d[j: j + 6]
            starts = [i for i in range(n - 6 + 1) if np.allclose(r[i: i + len(block)], block,
                                                               atol=1e-9)]
            assert starts, "a block is not a run of consecutive residuals"


def test_wild_weights_values():
    assert np.mean(WEBB_POINTS) == pytest.approx(0.0)
    assert np.mean(WEBB_POINTS**2) == pytest.approx(1.0)
    model = _model(_df(family="gaussian"), "gaussian")
    r1 = bootstrap(model, n_boot=30, method="wild", weights="webb", block_length=1, seed=0)
    assert r1.weights == "webb" and r1.block_length == 1


def test_errors():
    model = _model(_df())
    with pytest.raises(SpecificationError, match="method"):
        bootstrap(model, method="jackknife")
    with pytest.raises(SpecificationError, match="weights"):
        bootstrap(model, method="wild", weights="mammen")
    with pytest.raises(SpecificationError, match="n_boot"):
        bootstrap(model, n_boot=1)
    with pytest.raises(SpecificationError, match="level"):
        bootstrap(model, level=1.2)
    with pytest.raises(SpecificationError, match="unknown terms"):
        bootstrap(model, terms=["level[y]"])
    with pytest.raises(SpecificationError, match="block_length"):
        bootstrap(model, block_length=0)
    with pytest.raises(SpecificationError, match="unfitted trends.ITS"):
        bootstrap(object())
