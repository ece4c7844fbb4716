"""Structural (state-space) ITS: references, gaps, fit_on, windows, errors, determinism.

References and tolerances:

* Seat-belt law (Durbin & Koopman 2012, section 8.2; Harvey & Durbin 1986): log(drivers),
  local level, stochastic seasonal, log(PetrolPrice), law level change at 1983-02:
  -0.2377 with RMSE (smoothed standard error) 0.0463. Tolerance 5e-5 on both: half a unit in
  the last published digit.
* R ``arima`` (stored with its script in tests/results/structural/): the Nile local level with
  a 1899 level shift is a regression with ARIMA(0,1,1) errors.
* Direct statsmodels: :class:`UnobservedComponents` on a hand-built design (level column by
  hand from the calendar, not from trends.design), same variances, regression states, smoothed
  signal and log-likelihood to 1e-6 relative.
* Gaps: removing months must give exactly the direct UnobservedComponents fit with NaN there.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import trends
from trends.errors import SpecificationError
from trends.structural_results import EFFECT_COLUMNS, WINDOW_COLUMNS

DRAWS = 200


def _uc(endog, exog, **kw):
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    return UnobservedComponents(endog, exog=exog, mle_regression=False, use_exact_diffuse=True,
                                **kw)


def _direct_fit(model, start):
    """The best of trends' starts is checked against statsmodels from that optimum: the direct
    fit re-optimises from the same point with statsmodels' defaults."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(start_params=start, disp=False, method="bfgs", maxiter=2000, gtol=1e-8)


@pytest.fixture(scope="module")
def seatbelts(validation_dir):
    df = pd.read_csv(validation_dir / "seatbelts.csv")
    df["month"] = [f"{y}-{m:02d}" for y, m in zip(df["year"], df["month"], strict=True)]
    df["log_petrol"] = np.log(df["PetrolPrice"])
    return df


@pytest.fixture(scope="module")
def seatbelt_fit(seatbelts):
    spec = trends.StructuralITS(seatbelts, outcome="drivers", date="month",
                                interruptions={"law": "1983-02"}, seasonality="month",
                                covariates=["log_petrol"], transform="log")
    return spec.fit(draws=DRAWS)


# ---------------------------------------------------------------------- published reference
def test_seatbelt_law_durbin_koopman(seatbelt_fit):
    tab = seatbelt_fit.table()
    assert seatbelt_fit.converged
    assert tab.loc["level[law]", "estimate"] == pytest.approx(-0.2377, abs=5e-5)
    assert tab.loc["level[law]", "std_error"] == pytest.approx(0.0463, abs=5e-5)
    assert list(tab.columns) == ["estimate", "std_error", "ci_low", "ci_high", "p_value",
                                 "ratio", "ratio_low", "ratio_high"]
    assert list(tab.index) == ["level[law]", "log_petrol", "sigma2.irregular", "sigma2.level",
                               "sigma2.freq_seasonal_12.0(6)"]
    assert tab.loc["level[law]", "ratio"] == pytest.approx(np.exp(-0.2377), abs=1e-4)
    # variance intervals respect the boundary
    assert (tab.loc[seatbelt_fit.variance_names, "ci_low"] >= 0).all()


def test_seatbelt_dummy_seasonal_same_law_effect(seatbelts):
    res = trends.StructuralITS(seatbelts, outcome="drivers", date="month",
                               interruptions={"law": "1983-02"}, seasonality="dummy",
                               covariates=["log_petrol"], transform="log").fit(draws=DRAWS)
    assert res.params["level[law]"] == pytest.approx(-0.2377, abs=5e-4)  # fixed seasonal: same


# ---------------------------------------------------------------------- direct statsmodels
def test_matches_direct_unobserved_components(seatbelts, seatbelt_fit):
    y = np.log(seatbelts["drivers"].to_numpy(float))
    months = pd.PeriodIndex(seatbelts["month"], freq="M")
    law = (months >= pd.Period("1983-02", "M")).astype(float)  # built by hand
    X = np.column_stack([law, seatbelts["log_petrol"].to_numpy(float)])
    model = _uc(y, X, level="llevel", freq_seasonal=[{"period": 12, "harmonics": 6}])
    direct = _direct_fit(model, seatbelt_fit.variances.to_numpy())
    np.testing.assert_allclose(seatbelt_fit.variances.to_numpy(), direct.params, rtol=1e-4)
    assert seatbelt_fit.llf == pytest.approx(direct.llf, rel=1e-8)
    same = model.smooth(seatbelt_fit.variances.to_numpy())
    np.testing.assert_allclose(seatbelt_fit.params[["level[law]", "log_petrol"]].to_numpy(),
                               same.smoothed_state[-2:, -1], rtol=1e-10)
    np.testing.assert_allclose(seatbelt_fit.fitted().to_numpy(),
                               np.exp(same.smoothed_signal if hasattr(same, "smoothed_signal")
                                      else np.einsum("kt,kt->t", model.ssm["design"][0],
                                                     same.smoothed_state)), rtol=1e-10)


def test_nile_level_shift(validation_dir):
    nile = pd.read_csv(validation_dir / "nile.csv")
    res = trends.StructuralITS(nile, outcome="flow", date="year",
                               interruptions={"dam": 1899}).fit(draws=DRAWS)
    assert res.converged
    step = (nile["year"].to_numpy() >= 1899).astype(float)[:, None]
    model = _uc(nile["flow"].to_numpy(float), step, level="llevel")
    direct = _direct_fit(model, res.variances.to_numpy())
    assert res.llf == pytest.approx(direct.llf, rel=1e-8)
    np.testing.assert_allclose(res.variances.to_numpy(), direct.params, rtol=1e-3)
    smooth = model.smooth(res.variances.to_numpy())
    b = float(smooth.smoothed_state[-1, -1])
    assert res.params["level[dam]"] == pytest.approx(b, rel=1e-10)
    # the shift is a drop of about a quarter of the pre-1899 mean flow and clearly non-zero
    pre_mean = nile.loc[nile["year"] < 1899, "flow"].mean()
    assert -0.4 * pre_mean < b < -0.15 * pre_mean
    assert res.table().loc["level[dam]", "p_value"] < 1e-4
    assert "ratio" not in res.table().columns  # identity transform: no ratios


def test_nile_against_r_arima(validation_dir, root):
    """R arima(0,1,1) + step (script and output in tests/results/structural/)."""
    ref = pd.read_csv(root / "tests/results/structural/nile_arima.csv").set_index("quantity")
    ref = ref["value"]
    nile = pd.read_csv(validation_dir / "nile.csv")
    res = trends.StructuralITS(nile, outcome="flow", date="year",
                               interruptions={"dam": 1899}).fit(draws=DRAWS)
    # same variances -> the smoother's GLS coefficient is R's ML coefficient
    model = res.spec.model()
    sm = model.smooth(np.array([ref["sigma2_irregular"], ref["sigma2_level"]]))
    assert float(sm.smoothed_state[-1, -1]) == pytest.approx(ref["beta"], rel=1e-5)
    assert float(np.sqrt(sm.smoothed_state_cov[-1, -1, -1])) == pytest.approx(ref["beta_se"],
                                                                              rel=1e-3)
    # both fits sit on the boundary sigma2_level = 0 (theta = -1): the same step estimate
    assert res.params["level[dam]"] == pytest.approx(ref["beta"], rel=1e-5)
    assert res.variances["sigma2.level"] < 1e-6 * res.variances["sigma2.irregular"]
    # the diffuse likelihood marginalises beta (REML-like): variance = ML * m / (m - 1), with
    # m = 99 differenced observations and one regression coefficient
    assert res.variances["sigma2.irregular"] == pytest.approx(ref["sigma2_a"] * 99 / 98,
                                                              rel=1e-4)


# ---------------------------------------------------------------------- gaps
def test_gaps_are_missing_observations(seatbelts, seatbelt_fit):
    gappy = seatbelts.copy()
    drop = [10, 11, 12, 60, 100, 150, 151, 185]
    gappy.loc[drop, "drivers"] = np.nan
    res = trends.StructuralITS(gappy, outcome="drivers", date="month",
                               interruptions={"law": "1983-02"}, seasonality="month",
                               covariates=["log_petrol"], transform="log").fit(draws=DRAWS)
    assert res.nobs == 192 - len(drop) and res.nperiods == 192
    y = np.log(gappy["drivers"].to_numpy(float))
    months = pd.PeriodIndex(seatbelts["month"], freq="M")
    X = np.column_stack([(months >= pd.Period("1983-02", "M")).astype(float),
                         seatbelts["log_petrol"].to_numpy(float)])
    model = _uc(y, X, level="llevel", freq_seasonal=[{"period": 12, "harmonics": 6}])
    direct = _direct_fit(model, res.variances.to_numpy())
    assert res.llf == pytest.approx(direct.llf, rel=1e-8)
    same = model.smooth(res.variances.to_numpy())
    assert res.params["level[law]"] == pytest.approx(float(same.smoothed_state[-2, -1]),
                                                     rel=1e-10)
    # the fit changed (the filter saw fewer observations) but the calendar did not
    assert res.params["level[law]"] != pytest.approx(seatbelt_fit.params["level[law]"],
                                                     rel=1e-6)
    fitted = res.fitted()
    assert len(fitted) == 192 and np.isfinite(fitted.to_numpy()).all()


def test_missing_rows_equal_missing_values():
    """A month absent from the frame is the same missing observation as a NaN outcome."""
    df = _synthetic(48)
    gaps = df.copy()
    gaps.loc[[5, 6, 30], "y"] = np.nan
    kw = dict(outcome="y", date="month", interruptions={"policy": "2019-07"}, transform="log")
    a = trends.StructuralITS(gaps, **kw).fit(draws=100)
    b = trends.StructuralITS(gaps.dropna().reset_index(drop=True), **kw).fit(draws=100)
    assert a.llf == b.llf
    pd.testing.assert_frame_equal(a.table(), b.table(), check_exact=True)


# ---------------------------------------------------------------------- synthetic
def _synthetic(n: int = 60, shift: float = -0.4, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    level = 3.0 + np.cumsum(rng.normal(0, 0.04, n))
    step = np.r_[np.zeros(n // 2), np.full(n - n // 2, shift)]
    y = np.round(np.exp(level + step + rng.normal(0, 0.1, n)))
    return pd.DataFrame({"month": pd.period_range("2018-01", periods=n, freq="M"), "y": y})


@pytest.fixture(scope="module")
def synth_fit():
    df = _synthetic()
    return trends.StructuralITS(df, outcome="y", date="month",
                                interruptions={"policy": "2020-07"}, transform="log1p",
                                ).fit(draws=DRAWS)


def test_window_effects_sum_fitted_and_counterfactual(synth_fit):
    w = synth_fit.window_effects({"post": ("2020-07", "2022-12"), "early": ("2020-07",
                                                                              "2020-12")})
    assert list(w.columns) == WINDOW_COLUMNS
    fitted, cf = synth_fit.fitted(), synth_fit.counterfactual()["counterfactual"]
    sl = slice(pd.Period("2020-07", "M"), pd.Period("2022-12", "M"))
    assert w.loc[0, "fitted"] == pytest.approx(fitted.loc[sl].sum(), rel=1e-12)
    assert w.loc[0, "counterfactual"] == pytest.approx(cf.loc[sl].sum(), rel=1e-12)
    assert w.loc[0, "n_periods"] == 30
    assert w.loc[0, "ratio_low"] < w.loc[0, "ratio"] < w.loc[0, "ratio_high"]
    assert w.loc[0, "excess_low"] < w.loc[0, "excess"] < w.loc[0, "excess_high"]
    # the back-transform is of medians: with log1p, cf = expm1(smoothed signal)
    assert w.loc[0, "ratio"] < 1  # true shift -0.4


def test_effects_columns_and_log_ratio(synth_fit):
    e = synth_fit.effects([0, 3])
    assert list(e.columns) == EFFECT_COLUMNS
    assert (e["abs_low"] < e["abs_effect"]).all() and (e["abs_effect"] < e["abs_high"]).all()


def test_counterfactual_band_contains_point(synth_fit):
    cf = synth_fit.counterfactual()
    assert list(cf.columns) == ["counterfactual", "counterfactual_low", "counterfactual_high"]
    assert (cf["counterfactual_low"] <= cf["counterfactual"]).all()
    assert (cf["counterfactual"] <= cf["counterfactual_high"]).all()


def test_deterministic_to_the_last_digit():
    df = _synthetic()
    kw = dict(outcome="y", date="month", interruptions={"policy": "2020-07"}, transform="log")
    a = trends.StructuralITS(df, **kw).fit(draws=DRAWS, seed=5)
    b = trends.StructuralITS(df, **kw).fit(draws=DRAWS, seed=5)
    pd.testing.assert_frame_equal(a.table(), b.table(), check_exact=True)
    win = {"post": ("2020-07", "2022-12")}
    pd.testing.assert_frame_equal(a.window_effects(win), b.window_effects(win), check_exact=True)
    assert a.summary() == b.summary()


def test_fit_on_pre_forecasts_from_the_pre_period():
    df = _synthetic()
    res = trends.StructuralITS(df, outcome="y", date="month", interruptions={"policy": "2020-07"},
                               transform="log", fit_on="pre").fit(draws=DRAWS)
    y = np.log(df["y"].to_numpy(float))
    y_pre = y.copy()
    y_pre[30:] = np.nan
    model = _uc(y_pre, None, level="llevel")
    direct = _direct_fit(model, res.variances.to_numpy())
    assert res.llf == pytest.approx(direct.llf, rel=1e-8)
    assert res.nobs == 30
    sm = model.smooth(res.variances.to_numpy())
    cf = res.counterfactual()["counterfactual"].to_numpy()
    # local level forecast: flat at the last filtered level after the pre-period
    np.testing.assert_allclose(cf, np.exp(sm.smoothed_state[0]), rtol=1e-10)
    assert np.ptp(cf[30:]) < 1e-9
    # bands widen with the forecast horizon
    band = res.counterfactual()
    width = np.log(band["counterfactual_high"] / band["counterfactual_low"]).to_numpy()
    assert width[-1] > width[30]
    assert "pre: variances estimated before the first interruption" in res.summary()


def test_fit_on_pre_with_trend_and_seasonal_matches_direct_forecast():
    df = _synthetic(60)
    res = trends.StructuralITS(df, outcome="y", date="month", interruptions={"policy": "2020-07"},
                               trend="local linear trend", seasonality=("fourier", 1),
                               transform="log", fit_on="pre").fit(draws=100)
    y = np.log(df["y"].to_numpy(float))
    y[30:] = np.nan
    model = _uc(y, None, level="lltrend", freq_seasonal=[{"period": 12, "harmonics": 1}])
    sm = model.smooth(res.variances.to_numpy())
    signal = np.einsum("k,kt->t", np.asarray(model.ssm["design"])[0], sm.smoothed_state)
    np.testing.assert_allclose(res.counterfactual()["counterfactual"].to_numpy(),
                               np.exp(signal), rtol=1e-10)
    w = res.window_effects({"post": ("2020-07", "2022-12")})
    assert w.loc[0, "ratio_low"] < w.loc[0, "ratio"] < w.loc[0, "ratio_high"]


@pytest.mark.parametrize("trend", ["local level", "local linear trend", "random walk with drift",
                                   "smooth trend", "deterministic"])
def test_every_trend_fits(trend):
    df = _synthetic(48)
    res = trends.StructuralITS(df, outcome="y", date="month", interruptions={"policy": "2020-01"},
                               trend=trend, transform="log", changes="level+slope").fit(draws=100)
    assert {"level[policy]", "slope[policy]"} <= set(res.table().index)
    assert np.isfinite(res.aic) and np.isfinite(res.bic)
    assert trend in res.summary()


def test_deterministic_trend_is_the_segmented_regression():
    """trend='deterministic' is OLS on intercept, trend, level and slope: same coefficients."""
    df = _synthetic(48)
    kw = dict(outcome="y", date="month", interruptions={"policy": "2020-01"},
              changes="level+slope")
    s = trends.StructuralITS(df, trend="deterministic", transform="log", **kw).fit(draws=100)
    df2 = df.assign(ly=np.log(df["y"]))
    o = trends.ITS(df2, **{**kw, "outcome": "ly"}).fit()
    np.testing.assert_allclose(s.params[["level[policy]", "slope[policy]"]].to_numpy(),
                               o.params[["level[policy]", "slope[policy]"]].to_numpy(), rtol=1e-6)


# ---------------------------------------------------------------------- diagnostics, output
def test_diagnostics_and_presentation(synth_fit, tmp_path):
    diag = synth_fit.diagnostics()
    assert list(diag.tests.index) == ["ljung_box", "normality", "heteroskedasticity"]
    assert diag.tests["p_value"].between(0, 1).all()
    md = synth_fit.to_markdown()
    assert "Convergence" in md and "level[policy]" in md
    assert "\\begin{tabular}" in synth_fit.to_latex()
    assert "medians exp(m) - 1" in synth_fit.summary()
    fig, ax = synth_fit.plot()
    assert ax.get_ylabel() and fig is ax.figure
    with pytest.raises(AttributeError):
        synth_fit.foo = 1  # type: ignore[attr-defined]


def test_non_convergence_is_carried_not_warned(monkeypatch):
    import trends.structural as st

    monkeypatch.setattr(st, "GRADIENT_TOL", 0.0)
    df = _synthetic(36)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = trends.StructuralITS(df, outcome="y", date="month",
                                   interruptions={"policy": "2019-07"}).fit(draws=100)
    assert not res.converged
    assert "NOT CONVERGED" in res.summary() and "NOT CONVERGED" in res.to_markdown()
    assert "NOT CONVERGED" in res.to_latex()
    assert len(res.starts) == 2 + len(st.START_SCALES)  # starts, then the polish


# ---------------------------------------------------------------------- bad input
def test_same_errors_as_its():
    df = _synthetic(36)
    for kw in [dict(outcome="yy"), dict(interruptions={"policy": "2030-01"}),
               dict(interruptions={"policy": "2018-02"}), dict(changes="jump")]:
        full = {**dict(outcome="y", date="month", interruptions={"policy": "2019-07"}), **kw}
        with pytest.raises(SpecificationError) as its_err:
            trends.ITS(df, **full)
        with pytest.raises(SpecificationError) as st_err:
            trends.StructuralITS(df, **full)
        assert str(st_err.value) == str(its_err.value)


@pytest.mark.parametrize(("kw", "match"), [
    (dict(trend="wiggly"), "trend 'wiggly' is not valid"),
    (dict(transform="sqrt"), "transform 'sqrt' is not valid"),
    (dict(fit_on="post"), "fit_on 'post' is not valid"),
    (dict(seasonality="quarter"), "seasonality 'quarter' is not valid"),
    (dict(seasonality=("fourier", 6)), "Fourier K=6 is too large"),
    (dict(alpha=1.5), "alpha must be in"),
])
def test_bad_specification(kw, match):
    df = _synthetic(36)
    with pytest.raises(SpecificationError, match=match):
        trends.StructuralITS(df, outcome="y", date="month", interruptions={"policy": "2019-07"},
                             **kw)


def test_log_needs_positive_and_covariates_every_period():
    df = _synthetic(36)
    df.loc[4, "y"] = 0
    with pytest.raises(SpecificationError, match="transform='log' needs a positive outcome.*"
                       "2018-05"):
        trends.StructuralITS(df, outcome="y", date="month", interruptions={"policy": "2019-07"},
                             transform="log")
    trends.StructuralITS(df, outcome="y", date="month", interruptions={"policy": "2019-07"},
                         transform="log1p")
    df["x"] = 1.0 + np.arange(36.0) ** 0.5
    df.loc[7, "x"] = np.nan
    with pytest.raises(SpecificationError, match="covariate 'x' is missing at 2018-08"):
        trends.StructuralITS(df, outcome="y", date="month", interruptions={"policy": "2019-07"},
                             covariates=["x"])


def test_bad_windows_and_draws(synth_fit):
    with pytest.raises(SpecificationError, match="is reversed"):
        synth_fit.window_effects({"w": ("2021-01", "2020-01")})
    with pytest.raises(SpecificationError, match="outside the data"):
        synth_fit.window_effects({"w": ("2017-01", "2020-01")})
    with pytest.raises(SpecificationError, match="non-empty dict"):
        synth_fit.window_effects({})
    with pytest.raises(SpecificationError, match="beyond the data"):
        synth_fit.effects([100])
    spec = synth_fit.spec
    with pytest.raises(SpecificationError, match="draws must be an integer >= 100"):
        spec.fit(draws=10)


def test_docstring_examples_run():
    import doctest

    import trends.structural as st

    failed, attempted = doctest.testmod(st, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failed == 0


def test_simulated_coefficient_draws_match_the_smoother(seatbelt_fit):
    """The simulation behind bands and windows draws the law coefficient with the smoother's
    spread (plus a little from the variance parameters): Monte Carlo sd within 20% above or
    10% below the smoothing sd, mean within 3 Monte Carlo standard errors."""
    draws = seatbelt_fit._simulate()["beta"][:, 0]
    se = seatbelt_fit.std_errors["level[law]"]
    assert 0.9 * se < draws.std() < 1.2 * se
    mc_se = draws.std() / np.sqrt(len(draws))
    assert abs(draws.mean() - seatbelt_fit.params["level[law]"]) < 3 * mc_se
    # the window ratio's interval is the exponentiated level shift's, up to simulation error
    w = seatbelt_fit.window_effects({"post": ("1983-02", "1984-12")})
    lo, hi = seatbelt_fit.table().loc["level[law]", ["ratio_low", "ratio_high"]]
    assert w.loc[0, "ratio"] == pytest.approx(seatbelt_fit.table().loc["level[law]", "ratio"],
                                              rel=1e-10)
    assert w.loc[0, "ratio_low"] == pytest.approx(lo, abs=0.02)
    assert w.loc[0, "ratio_high"] == pytest.approx(hi, abs=0.02)


def test_diagnostics_drop_the_diffuse_observations(seatbelt_fit):
    """Durbin & Koopman (2012, section 2.12): residual tests use the n - w standardised
    one-step-ahead errors after the w observations that resolve the diffuse states (here the
    level, 11 seasonal states, log petrol price and the law, resolved at 1983-02)."""
    resid = seatbelt_fit.residuals()
    assert seatbelt_fit.n_diffuse == 14
    assert int(np.isfinite(resid).sum()) == 192 - 14
    assert np.isnan(resid.loc[pd.Period("1983-02", "M")])
    diag = seatbelt_fit.diagnostics(lags=12)
    assert diag.tests.loc["heteroskedasticity", "df"] == round(178 / 3)
