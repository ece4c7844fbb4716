"""ITS specification, results API, known-truth simulations and error paths."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.stattools import durbin_watson

import trends
from trends.design import Design
from trends.errors import SpecificationError
from trends.its import default_hac_lags, parse_cov, parse_errors
from trends.results import Diagnostics, ITSResults, format_markdown_table

INTS = {"takeover": "2021-08", "ceasefire_end": "2021-11"}


def simulate(family: str = "gaussian", seed: int = 7, n_missing: int = 0) -> pd.DataFrame:
    """Monthly 2016-01..2024-12 with known level/slope changes at both default interruptions."""
    rng = np.random.default_rng(seed)
    months = pd.period_range("2016-01", "2024-12", freq="M")
    t = np.arange(1, len(months) + 1, dtype=float)
    t1 = t[months == pd.Period("2021-08", "M")][0]
    t2 = t[months == pd.Period("2021-11", "M")][0]
    season = np.sin(2 * np.pi * months.month / 12)
    if family == "gaussian":
        mu = 50 + 0.2 * t - 8 * (t >= t1) + 0.5 * np.maximum(t - t1, 0) + 5 * (t >= t2) \
            - 0.8 * np.maximum(t - t2, 0) + 3 * season
        y = mu + rng.normal(0, 1.0, len(t))
    else:
        eta = np.log(40) + 0.005 * t + np.log(1.5) * (t >= t1) + 0.02 * np.maximum(t - t1, 0) \
            + np.log(0.7) * (t >= t2) - 0.03 * np.maximum(t - t2, 0) + 0.2 * season
        mu = np.exp(eta)
        y = (rng.poisson(mu) if family == "poisson"
             else rng.negative_binomial(20, 20 / (20 + mu))).astype(float)
    df = pd.DataFrame({"month": months.to_timestamp(), "y": y})
    if n_missing:
        drop = rng.choice(np.arange(5, 60), size=n_missing, replace=False)
        df = df.drop(index=drop).reset_index(drop=True)
    return df


# ----------------------------------------------------------------------------- truth recovery
def test_gaussian_recovers_known_changes():
    res = trends.ITS(simulate("gaussian"), outcome="y", date="month", interruptions=INTS,
                     seasonality=("fourier", 1)).fit()
    truth = {"trend": 0.2, "level[takeover]": -8, "slope[takeover]": 0.5,
             "level[ceasefire_end]": 5, "slope[ceasefire_end]": -0.8}
    tab = res.table()
    for term, value in truth.items():
        assert abs(tab.loc[term, "estimate"] - value) < 4 * tab.loc[term, "std_error"], term
        assert tab.loc[term, "ci_low"] < value < tab.loc[term, "ci_high"], term
    assert abs(res.params["level[takeover]"] + 8) < 1.5


@pytest.mark.parametrize("family", ["poisson", "negbin", "quasipoisson"])
def test_count_families_recover_rate_ratios(family):
    data = simulate("negbin" if family == "negbin" else "poisson", n_missing=4)
    res = trends.ITS(data, outcome="y", date="month", interruptions=INTS, family=family,
                     seasonality=("fourier", 1)).fit()
    tab = res.table()
    assert res.nobs == len(data) == 108 - 4
    truth = {"trend": 0.005, "level[takeover]": math.log(1.5), "slope[takeover]": 0.02,
             "level[ceasefire_end]": math.log(0.7), "slope[ceasefire_end]": -0.03}
    for term, value in truth.items():  # the 3-month segment makes single terms imprecise
        assert abs(tab.loc[term, "estimate"] - value) < 3.5 * tab.loc[term, "std_error"], term
    # the final slope (sum of slope terms) is well identified: truth 0.005 + 0.02 - 0.03
    w = np.zeros(len(res.terms))
    for term in ("trend", "slope[takeover]", "slope[ceasefire_end]"):
        w[res.terms.index(term)] = 1.0
    final = float(w @ res.params.to_numpy())
    assert abs(final - (-0.005)) < 3.5 * math.sqrt(w @ res.cov.to_numpy() @ w) < 0.02
    if family == "negbin":
        assert 0.01 < res.dispersion < 0.15  # truth 1/20 = 0.05
    hac = res.spec.replace(cov="hac")
    assert hac.cov_spec == ("hac", default_hac_lags(104), False) == ("hac", 4, False)


# ----------------------------------------------------------------------------- contract
@pytest.fixture(scope="module")
def pois():
    return trends.ITS(simulate("poisson", n_missing=2), outcome="y", date="month",
                      interruptions=INTS, family="poisson", seasonality="month").fit()


def test_design_and_replace_contract():
    spec = trends.ITS(simulate("poisson"), outcome="y", date="month", interruptions=INTS,
                      family="poisson")
    d = spec.design()
    assert isinstance(d, Design) and dataclasses.is_dataclass(d)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.family = "x"  # type: ignore[misc]
    assert isinstance(d.X, pd.DataFrame) and list(d.X.columns) == d.terms
    assert d.y.shape == (d.X.shape[0],) and d.offset is None and d.family == "poisson"
    assert isinstance(d.periods, pd.PeriodIndex) and d.used.dtype == bool
    assert len(d.periods) == len(d.used) == 108
    other = spec.replace(interruptions={"x": "2020-03"}, family="negbin")
    assert other.design().terms == ["intercept", "trend", "level[x]", "slope[x]"]
    assert other.family == "negbin" and spec.family == "poisson"
    assert spec.replace(data=simulate("poisson", seed=9)).design().nobs == 108
    with pytest.raises(SpecificationError, match=r"unknown argument\(s\) \['famly'\]"):
        spec.replace(famly="x")
    assert spec.get("outcome") == "y" and "family='poisson'" in repr(spec)
    with pytest.raises(KeyError):
        spec.get("nope")


def test_results_attributes(pois):
    res = pois
    assert isinstance(res, ITSResults)
    terms = res.terms
    assert terms[:6] == ["intercept", "trend", "level[takeover]", "slope[takeover]",
                         "level[ceasefire_end]", "slope[ceasefire_end]"]
    assert list(res.params.index) == terms == list(res.std_errors.index) == list(res.pvalues.index)
    assert res.cov.shape == (len(terms), len(terms))
    tab = res.table()
    assert list(tab.columns) == ["estimate", "std_error", "ci_low", "ci_high", "p_value", "ratio",
                                 "ratio_low", "ratio_high"]
    assert tab.index.name == "term"
    np.testing.assert_allclose(tab["ratio"], np.exp(tab["estimate"]))
    np.testing.assert_allclose(res.tvalues, res.params / res.std_errors)
    ci = res.conf_int(0.1)
    assert list(ci.columns) == ["ci_low", "ci_high"] and (ci["ci_low"] < res.params).all()
    assert (res.conf_int(0.01)["ci_low"] < ci["ci_low"]).all()
    assert res.nobs == 106 and res.nperiods == 108 and res.df_resid == 106 - len(terms)
    assert res.scale == 1.0 and math.isnan(res.dispersion) and res.error_params.empty
    assert np.isfinite([res.llf, res.aic, res.bic]).all()
    assert res.bic == pytest.approx(-2 * res.llf + math.log(106) * len(terms))
    assert res.family == "poisson" and res.spec.family == "poisson" and res.converged
    assert res.model_result is not None and not res.use_t
    assert "Observations used  106 of 108" in str(res) and str(res) == res.summary()
    assert "<table>" in res._repr_html_() and "ITSResults" in repr(res)


def test_gaussian_table_has_no_ratio_columns():
    res = trends.ITS(simulate(), outcome="y", date="month", interruptions=INTS).fit()
    assert list(res.table().columns) == ["estimate", "std_error", "ci_low", "ci_high", "p_value"]
    assert res.use_t and res.scale > 0


def test_results_are_immutable(pois):
    with pytest.raises(AttributeError, match="immutable"):
        pois.params = None  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del pois._b
    p = pois.params
    p.iloc[0] = 99.0
    assert pois.params.iloc[0] != 99.0
    with pytest.raises(ValueError, match="read-only"):
        pois._b[0] = 1.0


def test_plot_data_fitted_counterfactual(pois):
    pdat = pois.plot_data()
    assert list(pdat.columns) == ["observed", "fitted", "fitted_low", "fitted_high",
                                  "counterfactual", "counterfactual_low", "counterfactual_high",
                                  "segment", "used"]
    assert isinstance(pdat.index, pd.PeriodIndex) and len(pdat) == 108
    assert pdat["observed"].isna().sum() == 2 and (~pdat["used"]).sum() == 2
    assert (pdat["fitted_low"] < pdat["fitted"]).all() and (pdat["fitted"] < pdat["fitted_high"]).all()
    pre = pdat.index < pd.Period("2021-08", "M")
    np.testing.assert_allclose(pdat.loc[pre, "fitted"], pdat.loc[pre, "counterfactual"])
    assert list(pdat["segment"].unique()) == ["pre", "takeover", "ceasefire_end"]
    assert pdat.loc["2021-10", "segment"] == "takeover"
    pd.testing.assert_series_equal(pois.fitted(), pdat["fitted"])
    cf = pois.counterfactual()
    # counterfactual = fitted with every interruption term at zero
    b = pois.params.copy()
    X = pois.design.X_full
    eta0 = X.drop(columns=[c for c in X if c.startswith(("level[", "slope["))]) @ b.drop(
        [c for c in b.index if c.startswith(("level[", "slope["))])
    np.testing.assert_allclose(cf["counterfactual"], np.exp(eta0.to_numpy()))


def test_effects_gaussian_closed_form():
    res = trends.ITS(simulate(), outcome="y", date="month", interruptions=INTS).fit()
    eff = res.effects(horizons=[0, 2, 10])
    b, V = res.params, res.cov
    row = eff[(eff["interruption"] == "ceasefire_end") & (eff["horizon"] == 10)].iloc[0]
    lev, slo = "level[ceasefire_end]", "slope[ceasefire_end]"
    assert row["abs_effect"] == pytest.approx(b[lev] + 10 * b[slo])
    se = math.sqrt(V.loc[lev, lev] + 100 * V.loc[slo, slo] + 20 * V.loc[lev, slo])
    crit = float(__import__("scipy").stats.t.ppf(0.975, res.df_resid))
    assert row["abs_high"] - row["abs_effect"] == pytest.approx(crit * se)
    assert row["period"] == pd.Period("2022-09", "M")
    assert row["rel_effect"] == pytest.approx(row["abs_effect"] / row["counterfactual"])
    assert row["rel_low"] < row["rel_effect"] < row["rel_high"]
    assert len(eff) == 6 and list(eff["interruption"].unique()) == ["takeover", "ceasefire_end"]


def test_effects_log_link_delta_method_against_numerical_gradient(pois):
    eff = pois.effects(horizons=[3]).set_index("interruption")
    row = eff.loc["takeover"]
    b0 = pois.params.to_numpy()
    V = pois.cov.to_numpy()
    X = pois.design.X_full
    i = list(X.index).index(pd.Period("2021-11", "M"))
    x1 = X.to_numpy()[i]
    x0 = x1.copy()
    for j, n in enumerate(pois.terms):
        if n in ("level[takeover]", "slope[takeover]"):
            x0[j] = 0.0

    def f(b):
        return math.exp(x1 @ b) - math.exp(x0 @ b)

    grad = np.array([(f(b0 + h) - f(b0 - h)) / 2e-7 for h in np.eye(len(b0)) * 1e-7])
    se = math.sqrt(grad @ V @ grad)
    assert row["abs_effect"] == pytest.approx(f(b0), rel=1e-12)
    assert (row["abs_high"] - row["abs_low"]) / (2 * 1.959963984540054) == pytest.approx(se, rel=1e-5)
    d = x1 - x0
    assert row["rel_effect"] == pytest.approx(math.exp(d @ b0) - 1)
    assert row["rel_low"] == pytest.approx(math.exp(d @ b0 - 1.959963984540054 * math.sqrt(d @ V @ d)) - 1)


def test_effects_errors(pois):
    with pytest.raises(SpecificationError, match=r"horizon 60 after 'takeover' \(2026-08\) is beyond"):
        pois.effects(horizons=[60])
    with pytest.raises(SpecificationError, match="non-negative integers"):
        pois.effects(horizons=[-1])
    with pytest.raises(SpecificationError, match="alpha must be in"):
        pois.conf_int(1.5)
    assert len(pois.effects(horizons=4)) == 2


def test_diagnostics(pois):
    diag = pois.diagnostics(lags=6)
    assert isinstance(diag, Diagnostics) and diag.lags == 6
    assert list(diag.tests.index) == ["durbin_watson", "ljung_box", "breusch_godfrey", "overdispersion"]
    r = diag.residuals.dropna().to_numpy()
    np.testing.assert_allclose(r, pois.model_result.resid_pearson)
    assert diag.tests.loc["durbin_watson", "statistic"] == pytest.approx(durbin_watson(r))
    od = diag.tests.loc["overdispersion"]
    assert od["statistic"] == pytest.approx(pois.model_result.pearson_chi2 / pois.df_resid)
    assert 0 <= od["p_value"] <= 1 and list(diag.acf.index) == list(range(1, 7))
    assert "Residual ACF" in str(diag)
    assert pois.diagnostics().lags == 12
    with pytest.raises(SpecificationError, match="lags must be an integer"):
        pois.diagnostics(lags=0)
    g = trends.ITS(simulate(), outcome="y", date="month", interruptions=INTS).fit().diagnostics()
    ref = sm.stats.diagnostic.acorr_breusch_godfrey(
        sm.OLS(simulate()["y"].to_numpy(), trends.ITS(simulate(), outcome="y", date="month",
                                                      interruptions=INTS).design().X).fit(),
        nlags=12, result_object=False)
    assert g.tests.loc["breusch_godfrey", "statistic"] == pytest.approx(ref[0])
    assert math.isnan(g.tests.loc["overdispersion", "statistic"])


def test_markdown_latex_and_determinism(pois):
    md = pois.to_markdown()
    assert "| term" in md and "| level[takeover]" in md and md == pois.to_markdown()
    assert md.count("\n| ") == len(pois.terms) + 2
    tex = pois.to_latex(caption="Fit 100%")
    assert "\\begin{tabular}" in tex and "level[takeover]" in tex and "100\\%" in tex
    assert "std\\_error" in tex
    again = trends.ITS(simulate("poisson", n_missing=2), outcome="y", date="month",
                       interruptions=INTS, family="poisson", seasonality="month").fit()
    assert again.to_markdown() == md
    table = format_markdown_table(pd.DataFrame({"a": ["x|y"], "b": [1.5]}))
    assert table.splitlines()[2] == "| x\\|y | 1.5 |"


def test_other_frequencies_fit():
    q = pd.DataFrame({"q": pd.period_range("2010Q1", periods=40, freq="Q"),
                      "y": np.random.default_rng(3).poisson(30, 40)})
    rq = trends.ITS(q, outcome="y", date="q", interruptions={"a": "2016Q1"}, family="poisson",
                    seasonality="quarter").fit()
    assert rq.design.freq == "Q" and "quarter[2]" in rq.terms
    w = pd.DataFrame({"week": pd.date_range("2020-01-06", periods=120, freq="W-MON"),
                      "y": np.random.default_rng(4).poisson(10, 120)})
    rw = trends.ITS(w, outcome="y", date="week", interruptions={"a": "2021-03-01"},
                    family="poisson", seasonality=("fourier", 2)).fit()
    assert rw.plot_data().index[0] == pd.Period("2020-01-06", "W-SUN")
    assert rw.diagnostics().lags == 30  # 52 capped at nobs // 4


def test_controlled_its_plot_data_and_effects():
    a = simulate(seed=1).assign(unit="treated")
    b = simulate(seed=2).assign(unit="comparison")
    b["y"] = b["y"] + 10
    res = trends.ITS(pd.concat([a, b]), outcome="y", date="month", interruptions=INTS,
                     group="unit", treated="treated", cov=("hac", 2)).fit()
    pdat = res.plot_data()
    assert len(pdat) == 108 and pdat["observed"].equals(pd.Series(a["y"].to_numpy(),
                                                                   index=pdat.index, name="observed"))
    b_ = res.params
    last = pdat.index[-1]
    t = 108
    # counterfactual: the treated series changed like the comparison series
    expected = (b_["intercept"] + b_["group"] + (b_["trend"] + b_["group:trend"]) * t
                + sum(b_[f"{k}[{n}]"] * v for n, ti in (("takeover", 68), ("ceasefire_end", 71))
                      for k, v in (("level", 1.0), ("slope", t - ti))))
    assert pdat.loc[last, "counterfactual"] == pytest.approx(expected)
    eff = res.effects(horizons=[0]).set_index("interruption")
    assert eff.loc["takeover", "abs_effect"] == pytest.approx(b_["group:level[takeover]"])
    assert "Controlled ITS" in res.summary()
    with pytest.raises(SpecificationError, match="not supported for a controlled ITS"):
        trends.ITS(pd.concat([a, b]), outcome="y", date="month", interruptions=INTS,
                   group="unit", treated="treated", errors=("ar", 1))


# ----------------------------------------------------------------------------- spec errors
@pytest.mark.parametrize(("kwargs", "match"), [
    ({"cov": "robust"}, r"cov 'robust' is not valid"),
    ({"cov": ("hac", -1)}, r"HAC lags must be a non-negative integer"),
    ({"cov": "hac:x"}, r"HAC lags must be a non-negative integer \(saw 'x'\)"),
    ({"cov": ("hac", 2, "big")}, r"is not valid"),
    ({"cov": "hac2"}, r"is not valid"),
    ({"cov": 3}, r"cov 3 is not valid"),
    ({"cov": ("hac", 500)}, r"HAC lags \(500\) must be smaller than"),
    ({"cov": "HC2", "family": "poisson"}, r"cov='HC2' is only available for the gaussian family"),
    ({"errors": "ma:1"}, r"errors 'ma:1' is not valid"),
    ({"errors": ("ar", 0)}, r"is not valid"),
    ({"errors": ("ar", 1), "family": "poisson"}, r"needs family='gaussian'"),
    ({"errors": ("ar", 1), "cov": "HC0"}, r"combine them with cov='nonrobust'"),
    ({"alpha": 1.2}, r"alpha must be in \(0, 1\)"),
])
def test_its_specification_errors(kwargs, match):
    with pytest.raises(SpecificationError, match=match):
        trends.ITS(simulate("poisson"), outcome="y", date="month", interruptions=INTS, **kwargs)


def test_errors_need_complete_covariates():
    df = simulate()
    df["x"] = np.random.default_rng(1).normal(size=len(df))
    df.loc[4, "x"] = np.nan
    with pytest.raises(SpecificationError, match="covariates observed in every period"):
        trends.ITS(df, outcome="y", date="month", interruptions=INTS, covariates=["x"],
                   errors=("ar", 1))
    # without ARMA errors the row is simply not used
    assert trends.ITS(df, outcome="y", date="month", interruptions=INTS,
                      covariates=["x"]).design().nobs == 107


def test_parsers():
    assert parse_cov(None) == ("nonrobust", None, False)
    assert parse_cov("hc1") == ("HC1", None, False)
    assert parse_cov("hac") == ("hac", None, False)
    assert parse_cov("hac:3") == ("hac", 3, False)
    assert parse_cov("hac:3:small") == ("hac", 3, True)
    assert parse_cov(("hac", None, "stata")) == ("hac", None, True)
    assert parse_errors("ar:2") == (2, 0) and parse_errors(("arma", 1, 1)) == (1, 1)
    assert parse_errors("none") is None
    assert default_hac_lags(59) == 3 and default_hac_lags(100) == 4 and default_hac_lags(1209) == 6


def test_arma_errors_fit_and_residuals():
    res = trends.ITS(simulate(n_missing=3), outcome="y", date="month", interruptions=INTS,
                     errors=("arma", 1, 1), seasonality=("fourier", 1)).fit()
    assert list(res.error_params.index) == ["ar.L1", "ma.L1", "sigma2"]
    assert res.scale == res.error_params["sigma2"] and res.nobs == 105
    assert res.df_resid == 105 - len(res.terms) - 3  # ar, ma, sigma2
    diag = res.diagnostics()
    assert diag.residuals.isna().sum() == 3
    assert "ARMA(1,1)" in res.summary()
