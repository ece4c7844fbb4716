"""Aggregate observations (published period totals) in trends.ITS.

References, each independent of trends.aggregates:

* Poisson and NB2: the likelihood written out here, window by window with scipy.stats pmfs,
  maximised with scipy.optimize (Nelder-Mead then BFGS on a standardised parametrisation);
  parameters agree to 1e-6.
* gaussian: statsmodels WLS on the stacked monthly and aggregate rows (weights 1/m).
* quasi-Poisson: the Poisson estimates, with the Pearson dispersion computed here.
* Without unobserved periods in any window the fit equals statsmodels' GLM/NB on the months.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize, special, stats

import trends
from trends.errors import SpecificationError

INTS = {"a": "2021-08", "b": "2021-11"}
CHG = {"a": "level", "b": "level+slope"}
HIDE = [2, 3, 9, 10, 15, 16, 17, 18, 19, 20, 24, 27, 40, 50, 59]


def _data(seed: int = 1, nb_alpha: float | None = None):
    rng = np.random.default_rng(seed)
    n = 60
    t = np.arange(1, n + 1)
    mu = np.exp(2.5 + 0.01 * t + 0.4 * (t >= 32) + 0.02 * np.maximum(t - 35, 0))
    if nb_alpha is None:
        y = rng.poisson(mu).astype(float)
    else:
        y = rng.poisson(rng.gamma(1 / nb_alpha, nb_alpha * mu)).astype(float)
    df = pd.DataFrame({"month": pd.period_range("2019-01", periods=n, freq="M").astype(str),
                       "y": y})
    full = y.copy()
    df.loc[HIDE, "y"] = np.nan
    agg = pd.DataFrame({"start": [f"{yr}-01" for yr in range(2019, 2024)],
                        "end": [f"{yr}-12" for yr in range(2019, 2024)],
                        "value": [int(full[i * 12:(i + 1) * 12].sum()) for i in range(5)]})
    return df, agg


def _its(df, agg, family, **kw):
    return trends.ITS(df, outcome="y", date="month", interruptions=INTS, changes=CHG,
                      family=family, aggregates=agg, **kw)


def _reference_mle(X, y, used, windows, family):
    """Direct MLE: monthly pmfs at the used months plus one pmf per window remainder."""
    _Xo, yo = X[used], y[used]
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    Z = X / sd  # standardised parametrisation, mapped back below

    def negll(theta):
        b = theta[: X.shape[1]]
        mu = np.exp(Z @ b)
        if family == "poisson":
            ll = stats.poisson.logpmf(yo, mu[used]).sum()
        else:
            a = math.exp(theta[-1])
            size = 1 / a
            ll = stats.nbinom.logpmf(yo, size, size / (size + mu[used])).sum()
        for rows, r in windows:
            M = mu[rows].sum()
            if family == "poisson":
                ll += stats.poisson.logpmf(r, M)
            else:
                size = M**2 / (a * np.sum(mu[rows] ** 2))  # mean M, var M + a sum(mu^2)
                ll += stats.nbinom.logpmf(r, size, size / (size + M))
        return -ll

    # start: statsmodels' Poisson GLM on the used months (standardised scale)
    glm = sm.GLM(yo, Z[used], family=sm.families.Poisson()).fit()
    start = np.asarray(glm.params, dtype=float)
    if family == "negbin":
        start = np.r_[start, math.log(0.05)]
    opt = optimize.minimize(negll, start, method="BFGS", jac="3-point",
                            options={"gtol": 1e-8, "maxiter": 5000})
    opt = optimize.minimize(negll, opt.x, method="Powell",
                            options={"xtol": 1e-10, "ftol": 1e-14, "maxiter": 50000})
    theta = opt.x.copy()
    theta[: X.shape[1]] /= sd
    return theta, -opt.fun


def _windows(design, agg):
    used = design.used
    per = design.periods
    out = []
    for _, r in agg.iterrows():
        rows = np.flatnonzero((per >= pd.Period(r["start"], "M"))
                              & (per <= pd.Period(r["end"], "M")))
        obs = rows[used[rows]]
        hid = rows[~used[rows]]
        if len(hid):
            out.append((hid, r["value"] - design.y_full[obs].sum()))
    return out


@pytest.mark.parametrize(("family", "alpha"), [("poisson", None), ("negbin", 0.05)])
def test_matches_direct_scipy_mle(family, alpha):
    df, agg = _data(3, alpha)
    spec = _its(df, agg, family)
    res = spec.fit()
    d = spec.design()
    X = d.X_full.to_numpy()
    theta, llf = _reference_mle(X, d.y_full, d.used, _windows(d, agg), family)
    k = X.shape[1]
    np.testing.assert_allclose(res.params.to_numpy(), theta[:k], rtol=0, atol=1e-6)
    if family == "negbin":
        assert res.dispersion == pytest.approx(math.exp(theta[-1]), rel=1e-5)
    assert res.llf == pytest.approx(llf, abs=1e-7)
    assert res.converged


def test_poisson_covariance_is_inverse_observed_information():
    df, agg = _data(4)
    spec = _its(df, agg, "poisson")
    res = spec.fit()
    d = spec.design()
    b = res.params.to_numpy()
    X = d.X_full.to_numpy()
    mu = np.exp(X @ b)
    info = (X[d.used] * mu[d.used, None]).T @ X[d.used]
    for rows, r in _windows(d, agg):  # analytic Hessian of r log M - M
        M = mu[rows].sum()
        g = X[rows].T @ mu[rows]
        info += r / M**2 * np.outer(g, g) - (r / M - 1) * (X[rows] * mu[rows, None]).T @ X[rows]
    np.testing.assert_allclose(res.cov.to_numpy(), np.linalg.inv(info), rtol=1e-6)


def test_gaussian_is_weighted_least_squares():
    df, agg = _data(5)
    spec = _its(df, agg, "gaussian")
    res = spec.fit()
    d = spec.design()
    X = d.X_full.to_numpy()
    rows, zs, ws = [X[d.used]], [d.y_full[d.used]], [np.ones(d.nobs)]
    for hid, r in _windows(d, agg):
        rows.append(X[hid].sum(axis=0)[None, :])
        zs.append(np.array([r]))
        ws.append(np.array([1 / len(hid)]))
    wls = sm.WLS(np.concatenate(zs), np.vstack(rows), weights=np.concatenate(ws)).fit()
    np.testing.assert_allclose(res.params.to_numpy(), wls.params, rtol=1e-10)
    np.testing.assert_allclose(res.cov.to_numpy(), wls.cov_params(), rtol=1e-8)
    assert res.use_t and res.df_resid == wls.df_resid


def test_quasipoisson_poisson_estimates_pearson_dispersion():
    df, agg = _data(6, 0.08)
    pois = _its(df, agg, "poisson").fit()
    spec = _its(df, agg, "quasipoisson")
    qp = spec.fit()
    np.testing.assert_allclose(qp.params.to_numpy(), pois.params.to_numpy(), atol=1e-9)
    d = spec.design()
    mu = np.exp(d.X_full.to_numpy() @ qp.params.to_numpy())
    win = _windows(d, agg)
    chi2 = np.sum((d.y_full[d.used] - mu[d.used]) ** 2 / mu[d.used]) + sum(
        (r - mu[h].sum()) ** 2 / mu[h].sum() for h, r in win)
    phi = chi2 / (d.nobs + len(win) - len(qp.terms))
    assert qp.scale == pytest.approx(phi, rel=1e-10)
    np.testing.assert_allclose(qp.cov.to_numpy(), phi * pois.cov.to_numpy(), rtol=1e-5)


@pytest.mark.parametrize("family", ["poisson", "negbin"])
def test_no_unobserved_period_equals_statsmodels(family):
    df, _ = _data(7, 0.05 if family == "negbin" else None)
    df["y"] = df["y"].fillna(20.0)
    yr = df["y"].to_numpy()
    agg = pd.DataFrame({"start": ["2019-01", "2020-01"], "end": ["2019-12", "2020-12"],
                        "value": [int(yr[:12].sum()), int(yr[12:24].sum()) + 3]})
    res = _its(df, agg, family).fit()
    plain = trends.ITS(df, outcome="y", date="month", interruptions=INTS, changes=CHG,
                       family=family).fit()
    np.testing.assert_allclose(res.params.to_numpy(), plain.params.to_numpy(), atol=1e-6)
    np.testing.assert_allclose(res.std_errors.to_numpy(), plain.std_errors.to_numpy(),
                               rtol=1e-4)
    rep = res.aggregates_report()
    assert rep["status"].tolist() == ["no unobserved period", "vintage inconsistency"]
    assert rep["remainder"].tolist() == [0.0, 3.0]


def test_report_predictions_and_summary():
    df, agg = _data(8)
    res = _its(df, agg, "poisson").fit()
    pred = res.predictions()
    assert set(pred["kind"]) == {"observed", "model-based"}
    assert pred["kind"].iloc[HIDE].eq("model-based").all()
    assert pred["in_total"].iloc[HIDE].all()
    assert pred["observed"].iloc[HIDE].isna().all()
    assert "Aggregates" in res.summary() and "5 published total(s) used" in res.summary()
    cf = res.counterfactual()
    assert np.all(cf["counterfactual_low"] < cf["counterfactual_high"])
    assert res.diagnostics().tests.shape[0] == 4


def test_likelihood_exposed_for_simulation():
    df, agg = _data(9, 0.05)
    spec = _its(df, agg, "negbin")
    res = spec.fit()
    prob = res.model_result.problem
    theta = res.model_result.theta
    assert prob.loglike(theta) == pytest.approx(res.llf)
    y, r = prob.simulate(theta, np.random.default_rng(0))
    assert y.shape == (spec.design().nobs,) and r.shape == (5,)
    refit = prob.fit(y, r)
    assert refit.converged and np.all(np.isfinite(refit.params))
    # the exact score against finite differences at a point off the optimum
    p = theta + 0.01
    g = prob.score(p)
    num = optimize.approx_fprime(p, prob.loglike, 1e-7)
    np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-4)


def test_nb_window_pmf_is_exact_for_equal_means():
    # sum of m NB2(mu, alpha) draws is NB with size m / alpha: the moment match is exact
    from trends.aggregates import _nb_logpmf

    mu, a, m, r = 4.0, 0.3, 5, 17.0
    M, S = m * mu, m * mu**2
    ll, _, _ = _nb_logpmf(np.array([r]), np.array([M]), np.array([M * M / (a * S)]))
    size = m / a
    assert ll[0] == pytest.approx(stats.nbinom.logpmf(r, size, size / (size + M)), rel=1e-12)
    assert special.gammaln(1.0) == 0.0


# --------------------------------------------------------------------------- bad input
def _err(df, agg, match, family="poisson", **kw):
    with pytest.raises(SpecificationError, match=match) as exc:
        _its(df, agg, family, **kw)
    assert "\n" not in str(exc.value)


def test_window_outside_the_data():
    df, agg = _data()
    agg.loc[0, ["start", "end"]] = ["2018-01", "2018-12"]
    _err(df, agg, r"aggregates row 0: window 2018-01..2018-12 lies outside the data")


def test_overlapping_windows():
    df, agg = _data()
    agg = pd.concat([agg, pd.DataFrame({"start": ["2022-01"], "end": ["2022-06"],
                                        "value": [10]})], ignore_index=True)
    _err(df, agg, r"aggregates rows 5 \(2022-01..2022-06\) and 3 \(2022-01..2022-12\) overlap")


@pytest.mark.parametrize(("value", "match"), [(12.5, "not a non-negative integer"),
                                         (-3, "not a non-negative integer"),
                                         ("many", "is not a number")])
def test_bad_totals(value, match):
    df, agg = _data()
    agg["value"] = agg["value"].astype(object)
    agg.loc[1, "value"] = value
    _err(df, agg, "aggregates row 1: value .*" + match)


def test_negative_remainder_is_refused_naming_the_row():
    df, agg = _data()
    agg.loc[1, "value"] = 5
    _err(df, agg, r"aggregates row 1: total 5 over 2020-01..2020-12 is less than the")


def test_missing_columns_reversed_window_and_hac():
    df, agg = _data()
    _err(df, agg.drop(columns="end"), r"aggregates lack column\(s\) \['end'\]")
    bad = agg.copy()
    bad.loc[0, ["start", "end"]] = ["2019-06", "2019-01"]
    _err(df, bad, "aggregates row 0: end 2019-01 is before start 2019-06")
    _err(df, agg, "not available with aggregates", cov="hac")
    _err(df, agg, "not available with aggregates", cov="HC0")
    _err(df, agg, "ARMA errors", family="gaussian", errors=("ar", 1))
    _err(df, agg.assign(start="2019-13"), "aggregates row 0: start")


def test_gaussian_accepts_non_integer_totals():
    df, agg = _data()
    agg["value"] = agg["value"] + 0.5
    assert _its(df, agg, "gaussian").fit().converged


@pytest.mark.slow
def test_known_truth_coverage_over_seeds():
    """Hidden months plus their annual totals: 95% intervals cover the truth at about the
    nominal rate (120 seeded replicates; Monte Carlo s.e. 0.02 per term). The full study with
    more seeds and the NB2 family is benchmarks/sim_aggregates_coverage.py."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "benchmarks" / "sim_aggregates_coverage.py"
    spec = importlib.util.spec_from_file_location("sim_aggregates_coverage", path)
    sim = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sim)
    seeds = 120
    covered = {t: 0 for t in sim.TRUTH}
    for seed in range(seeds):
        tab = sim.replicate(seed, "poisson", 0.05, fits=("aggregates",))["aggregates"]
        for t, truth in sim.TRUTH.items():
            covered[t] += tab.loc[t, "ci_low"] <= truth <= tab.loc[t, "ci_high"]
    rates = {t: c / seeds for t, c in covered.items()}
    se = math.sqrt(0.95 * 0.05 / seeds)
    assert all(0.95 - 3.5 * se <= r <= 1.0 for r in rates.values()), rates
    assert abs(np.mean(list(rates.values())) - 0.95) < 3 * se, rates


@pytest.mark.parametrize("family", ["poisson", "negbin"])
def test_matches_stored_r_reference(family):
    """Stored R reference (tests/results/aggregates/reference.R: R's dpois/dnbinom likelihood
    of the monthly and aggregate observations, optim BFGS + Newton on optimHess)."""
    from pathlib import Path

    here = Path(__file__).parent / "results" / "aggregates"
    df = pd.read_csv(here / f"{family}_monthly.csv", dtype={"month": str})
    agg = pd.read_csv(here / f"{family}_totals.csv", dtype={"start": str, "end": str})
    ref = pd.read_csv(here / f"{family}_reference.csv").set_index("term")["estimate"]
    res = _its(df, agg, family).fit()
    np.testing.assert_allclose(res.params.to_numpy(), ref[res.terms].to_numpy(), atol=1e-6)
    if family == "negbin":
        assert math.log(res.dispersion) == pytest.approx(ref["log_alpha"], abs=1e-5)
