"""Every family x covariance x seasonality combination against statsmodels fitted directly on
a design built by hand here (numpy only, not :mod:`trends.design`).

Tolerances: estimates, standard errors, p-values and intervals rtol 1e-8 (same statsmodels
estimator on the same numbers: differences are rounding only); NB2 against an independent
profile-likelihood fit (scipy over alpha, statsmodels GLM at fixed alpha): 1e-6 relative for
the coefficients and alpha, because two optimisers stop at slightly different points.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize
from statsmodels.tsa.statespace.sarimax import SARIMAX

import trends

RTOL = 1e-8
INTERRUPTIONS = {"takeover": "2021-08", "ceasefire_end": "2021-11"}


def _series() -> pd.DataFrame:
    """Monthly counts 2015-01..2023-06 with seasonality, two interruptions, one absent row
    (2019-03) and one missing outcome (2017-06)."""
    rng = np.random.default_rng(20240601)
    months = pd.period_range("2015-01", "2023-06", freq="M")
    t = np.arange(1, len(months) + 1)
    mu = np.exp(3.0 + 0.004 * t + 0.25 * np.sin(2 * np.pi * months.month / 12)
                + 0.3 * (months >= pd.Period("2021-08", "M"))
                + 0.02 * np.maximum(t - 80, 0))
    y = rng.negative_binomial(10, 10 / (10 + mu)).astype(float)
    df = pd.DataFrame({"month": months.strftime("%Y-%m"), "y": y,
                       "pop": rng.uniform(9e5, 1.1e6, len(t)),
                       "temp": rng.normal(size=len(t))})
    df.loc[df["month"] == "2017-06", "y"] = np.nan
    return df[df["month"] != "2019-03"].reset_index(drop=True)


DATA = _series()


def hand_design(df: pd.DataFrame, seasonality) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Segmented-regression design written out independently: returns y, X, names, log pop."""
    year = df["month"].str[:4].astype(int).to_numpy()
    month = df["month"].str[5:7].astype(int).to_numpy()
    t = (year - 2015) * 12 + month  # calendar index, 1 = 2015-01, gaps keep counting
    cols = {"intercept": np.ones(len(t)), "trend": t.astype(float)}
    for name, date in INTERRUPTIONS.items():
        ti = (int(date[:4]) - 2015) * 12 + int(date[5:7])
        cols[f"level[{name}]"] = (t >= ti).astype(float)
        cols[f"slope[{name}]"] = np.where(t >= ti, t - ti, 0).astype(float)
    if seasonality == "month":
        for m in range(2, 13):
            cols[f"month[{m}]"] = (month == m).astype(float)
    elif seasonality is not None:
        for k in range(1, seasonality[1] + 1):
            cols[f"sin[{k}]"] = np.sin(2 * np.pi * k * month / 12)
            cols[f"cos[{k}]"] = np.cos(2 * np.pi * k * month / 12)
    cols["temp"] = df["temp"].to_numpy()
    ok = df["y"].notna().to_numpy()
    X = np.column_stack(list(cols.values()))[ok]
    return df["y"].to_numpy()[ok], X, list(cols), np.log(df["pop"].to_numpy())[ok]


FAMILIES = ["gaussian", "poisson", "quasipoisson", "negbin"]
COVS = ["nonrobust", "HC0", "HC1", "HC3", ("hac", 3), ("hac", 2, "small")]
SEASONS = [None, "month", ("fourier", 2)]
CASES = [c for c in itertools.product(FAMILIES, COVS, SEASONS)
         if c[0] == "gaussian" or c[1] not in ("HC1", "HC3")]


def direct(family: str, cov, seasonality):
    y, X, names, off = hand_design(DATA, seasonality)
    kw: dict = {"cov_type": "nonrobust"}
    if isinstance(cov, str) and cov.startswith("HC"):
        kw = {"cov_type": cov}
    elif isinstance(cov, tuple):
        kw = {"cov_type": "HAC", "cov_kwds": {"maxlags": cov[1], "use_correction": len(cov) == 3}}
    if family == "gaussian":
        return sm.OLS(y, X).fit(**kw), names
    if family in ("poisson", "quasipoisson"):
        if family == "quasipoisson":
            kw["scale"] = "X2"
        return sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit(**kw), names
    m = sm.NegativeBinomial(y, X, loglike_method="nb2", offset=off)
    start = m.fit(method="bfgs", maxiter=2000, disp=False)
    return m.fit(start_params=start.params, method="newton", maxiter=100, disp=False, **kw), names


def ours(family: str, cov, seasonality):
    return trends.ITS(DATA, outcome="y", date="month", interruptions=INTERRUPTIONS,
                      family=family, offset=None if family == "gaussian" else "pop",
                      seasonality=seasonality, covariates=["temp"], cov=cov).fit()


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def pair(request):
    fam, cov, season = request.param
    ref, names = direct(fam, cov, season)
    return ours(fam, cov, season), ref, names


def test_terms(pair):
    res, _, names = pair
    assert res.terms == names


def test_params(pair):
    res, ref, names = pair
    np.testing.assert_allclose(res.params.to_numpy(), ref.params[: len(names)], rtol=RTOL, atol=1e-12)


def test_std_errors(pair):
    res, ref, names = pair
    np.testing.assert_allclose(res.std_errors.to_numpy(), ref.bse[: len(names)], rtol=RTOL)


def test_cov(pair):
    res, ref, names = pair
    k = len(names)
    np.testing.assert_allclose(res.cov.to_numpy(), np.asarray(ref.cov_params())[:k, :k],
                               rtol=RTOL, atol=1e-16)


def test_pvalues_and_intervals(pair):
    res, ref, names = pair
    k = len(names)
    np.testing.assert_allclose(res.pvalues.to_numpy(), ref.pvalues[:k], rtol=1e-6, atol=1e-300)
    tab = res.table(alpha=0.1)
    ci = np.asarray(ref.conf_int(alpha=0.1))[:k]
    np.testing.assert_allclose(tab[["ci_low", "ci_high"]].to_numpy(), ci, rtol=RTOL)
    if res.family != "gaussian":
        np.testing.assert_allclose(tab["ratio_low"], np.exp(ci[:, 0]), rtol=RTOL)


def test_fit_statistics(pair):
    res, ref, _ = pair
    assert res.nobs == ref.nobs == len(DATA) - 1
    if res.family == "quasipoisson":
        assert np.isnan(res.llf) and np.isnan(res.aic)
        np.testing.assert_allclose(res.scale, ref.pearson_chi2 / ref.df_resid, rtol=RTOL)
    else:
        np.testing.assert_allclose(res.llf, ref.llf, rtol=RTOL)
        np.testing.assert_allclose(res.aic, ref.aic, rtol=RTOL)
    np.testing.assert_allclose(res.df_resid, ref.df_resid, rtol=RTOL)


def test_negbin_against_independent_profile_likelihood():
    """NB2: maximise the GLM NB log-likelihood over alpha with scipy (betas by IRLS at each
    alpha) and compare with the jointly estimated discrete NB2 model."""
    y, X, _, off = hand_design(DATA, ("fourier", 2))

    def negll(log_alpha: float) -> float:
        fam = sm.families.NegativeBinomial(alpha=float(np.exp(log_alpha)))
        return -sm.GLM(y, X, family=fam, offset=off).fit(tol=1e-12).llf

    best = optimize.minimize_scalar(negll, bounds=(-12, 3), method="bounded",
                                    options={"xatol": 1e-10})
    alpha = float(np.exp(best.x))
    glm = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha), offset=off).fit(tol=1e-12)
    res = ours("negbin", "nonrobust", ("fourier", 2))
    np.testing.assert_allclose(res.dispersion, alpha, rtol=1e-5)
    np.testing.assert_allclose(res.params.to_numpy(), glm.params, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(res.llf, glm.llf, rtol=1e-9)
    assert res.converged


def test_ar_errors_against_sarimax_and_exact_gls():
    """ARMA errors: exact ML (SARIMAX) over the full calendar, missing months as NaN.

    The likelihood is flat along some directions, so different optimisers agree on the
    log-likelihood to ~1e-9 but on coefficients only to ~1e-4: checked against a direct
    SARIMAX fit (llf rtol 1e-8, coefficients rtol 1e-4) and, independently, against the exact
    GLS estimate given the fitted AR coefficient, with the AR(1) correlation phi^|t_i - t_j|
    over the calendar times of the used rows (rtol 1e-4)."""
    months = pd.period_range("2015-01", "2023-06", freq="M").strftime("%Y-%m")
    full = pd.DataFrame({"month": months}).merge(DATA, on="month", how="left")
    y_full = full["y"].to_numpy()
    t = np.arange(1, len(full) + 1)
    cols = [np.ones(len(t)), t]
    for date in INTERRUPTIONS.values():
        ti = (int(date[:4]) - 2015) * 12 + int(date[5:7])
        cols += [(t >= ti).astype(float), np.where(t >= ti, t - ti, 0.0)]
    X = np.column_stack(cols)
    model = SARIMAX(y_full, exog=X, order=(1, 0, 0), trend="n")
    ref = model.fit(disp=False, maxiter=5000, pgtol=1e-12, factr=1.0)
    ref = model.fit(start_params=ref.params, method="bfgs", disp=False, maxiter=5000, gtol=1e-9)
    res = trends.ITS(DATA, outcome="y", date="month", interruptions=INTERRUPTIONS,
                     errors=("ar", 1)).fit()
    np.testing.assert_allclose(res.llf, ref.llf, rtol=1e-8)
    np.testing.assert_allclose(res.params.to_numpy(), ref.params[:6], rtol=1e-4)
    np.testing.assert_allclose(res.std_errors.to_numpy(), ref.bse[:6], rtol=1e-2)
    assert res.nobs == len(DATA) - 1 and list(res.error_params.index) == ["ar.L1", "sigma2"]
    phi = res.error_params["ar.L1"]
    ok = np.isfinite(y_full)
    tu = t[ok]
    S_inv = np.linalg.inv(phi ** np.abs(tu[:, None] - tu[None, :]))
    Xu, yu = X[ok], y_full[ok]
    gls = np.linalg.solve(Xu.T @ S_inv @ Xu, Xu.T @ S_inv @ yu)
    np.testing.assert_allclose(res.params.to_numpy(), gls, rtol=1e-4)


def test_predictions_against_statsmodels_get_prediction():
    """Fitted and counterfactual bands = statsmodels' mean intervals on the same rows."""
    for family in ("gaussian", "poisson"):
        y, X, names, off = hand_design(DATA, None)
        ok = DATA["y"].notna().to_numpy()
        res = ours(family, "nonrobust", None)
        if family == "gaussian":
            ref = sm.OLS(y, X).fit()
            pred = ref.get_prediction(X).summary_frame(alpha=0.05)
        else:
            ref = sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit()
            pred = ref.get_prediction(X, offset=off).summary_frame(alpha=0.05)
        pd_ = res.plot_data()
        used = pd_[pd_["used"]]
        np.testing.assert_allclose(used["fitted"], pred["mean"], rtol=1e-9)
        np.testing.assert_allclose(used["fitted_low"], pred["mean_ci_lower"], rtol=1e-9)
        np.testing.assert_allclose(used["fitted_high"], pred["mean_ci_upper"], rtol=1e-9)
        X0 = X.copy()
        for j, n in enumerate(names):
            if n.startswith(("level[", "slope[")):
                X0[:, j] = 0.0
        if family == "gaussian":
            cf = ref.get_prediction(X0).summary_frame(alpha=0.05)
        else:
            cf = ref.get_prediction(X0, offset=off).summary_frame(alpha=0.05)
        np.testing.assert_allclose(used["counterfactual"], cf["mean"], rtol=1e-9)
        np.testing.assert_allclose(used["counterfactual_low"], cf["mean_ci_lower"], rtol=1e-9)
        assert ok.sum() == len(used)


def test_controlled_its_against_statsmodels_hac_panel():
    """Controlled ITS (Linden 2015 multiple-group terms) with Newey-West lags within each
    series: statsmodels OLS with cov_type='hac-panel' on a hand-built stacked design."""
    rng = np.random.default_rng(5)
    months = pd.period_range("2019-01", "2023-12", freq="M").strftime("%Y-%m")
    frames = []
    for unit in ("a", "b", "c"):
        frames.append(pd.DataFrame({"month": months, "unit": unit,
                                    "y": rng.normal(20, 2, len(months)).round(3)}))
    df = pd.concat(frames, ignore_index=True)
    res = trends.ITS(df, outcome="y", date="month", interruptions={"x": "2021-08"},
                     group="unit", treated="b", cov=("hac", 2)).fit()
    # stack treated series first, then comparison series in sorted order, as documented
    order = ["b", "a", "c"]
    t = np.tile(np.arange(1, 61), 3).astype(float)
    z = np.repeat([1.0, 0.0, 0.0], 60)
    lev = (t >= 32).astype(float)
    slo = np.where(t >= 32, t - 32, 0.0)
    X = np.column_stack([np.ones(180), t, lev, slo, z, z * t, z * lev, z * slo])
    y = np.concatenate([df.loc[df["unit"] == u, "y"].to_numpy() for u in order])
    ref = sm.OLS(y, X).fit(cov_type="hac-panel", cov_kwds={
        "groups": np.repeat([0, 1, 2], 60), "maxlags": 2, "use_correction": False})
    np.testing.assert_allclose(res.params.to_numpy(), ref.params, rtol=RTOL)
    np.testing.assert_allclose(res.std_errors.to_numpy(), ref.bse, rtol=RTOL)
    assert res.terms[4:] == ["group", "group:trend", "group:level[x]", "group:slope[x]"]
