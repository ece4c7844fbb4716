"""Structural-break tests against R strucchange, published critical values and brute force.

``tests/results/robust/simulated_breaks.csv`` was generated once with::

    rng = np.random.default_rng(19970101); n = 120; t = np.arange(1, n + 1)
    y = np.where(t <= 70, 2.0 + 0.05 * t, 1.0 + 0.09 * t) + rng.normal(0, 0.8, n)
    x = rng.normal(0, 1, n)
    y2 = 1.0 + 0.5 * x + np.where(t > 40, 1.5, 0.0) + np.where(t > 85, -2.0, 0.0) \
        + rng.normal(0, 0.7, n)
    # rounded to 6 decimals

and the R reference numbers with ``tests/results/robust/strucchange_reference.R``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import trends
from trends.errors import SpecificationError
from trends.robust.breaks import (
    _segment_ssr,
    argmax_cdf,
    bai_perron,
    hansen_pvalue,
    sup_f_critical_value,
    sup_f_test,
)

RESULTS = Path(__file__).parent / "results" / "robust"


@pytest.fixture(scope="module")
def ref() -> dict[tuple[str, str], float]:
    df = pd.read_csv(RESULTS / "strucchange_reference.csv")
    return {(c, q): float(v) for c, q, v in df.itertuples(index=False)}


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return pd.read_csv(RESULTS / "simulated_breaks.csv")


@pytest.fixture(scope="module")
def nile(validation_dir) -> np.ndarray:
    return pd.read_csv(validation_dir / "nile.csv")["flow"].to_numpy(dtype=float)


# ------------------------------------------------------------------ Hansen p-values


def test_hansen_pvalue_matches_strucchange(ref):
    rows = {q: v for (c, q), v in ref.items() if c == "pvalue"}
    assert len(rows) == 27
    for key, expected in rows.items():
        k, x, lam = key.split("_")
        got = hansen_pvalue(float(x[1:]), int(k[1:]), lam=float(lam[3:]))
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-15), key


def test_hansen_pvalue_trim_form_equals_lambda_form():
    lam = ((1 - 0.15) / 0.15) ** 2
    assert hansen_pvalue(9.3, 2, trim=0.15) == pytest.approx(hansen_pvalue(9.3, 2, lam=lam))
    # no trimming asymmetry at all: the chi-square distribution (lambda = 1)
    assert hansen_pvalue(3.84, 1, lam=1.0) == pytest.approx(0.05, abs=1e-3)


def test_critical_values_against_andrews_2003_table():
    table = pd.read_csv(RESULTS / "andrews2003_qlr_critical_values.csv")
    for row in table.itertuples(index=False):
        for level, published in ((0.10, row.cv10), (0.05, row.cv05), (0.01, row.cv01)):
            ours = sup_f_critical_value(int(row.q), level, 0.15) / row.q  # F-form
            assert ours == pytest.approx(published, rel=0.025), (row.q, level)


def test_hansen_pvalue_errors():
    with pytest.raises(SpecificationError, match="positive integer"):
        hansen_pvalue(3.0, 0)
    with pytest.raises(SpecificationError, match="trim"):
        hansen_pvalue(3.0, 1, trim=0.6)
    with pytest.raises(SpecificationError, match="level"):
        sup_f_critical_value(1, level=1.5)


# ------------------------------------------------------------------ sup-F


@pytest.mark.shared_data
def test_sup_f_nile_matches_strucchange(nile, ref):
    res = sup_f_test(nile)
    assert res.statistic == pytest.approx(ref["nile_mean", "supF"], rel=1e-10)
    assert res.break_index == ref["nile_mean", "breakpoint"]  # R: last obs of regime 1 (1-based)
    assert res.lam == pytest.approx(ref["nile_mean", "lambda"], rel=1e-12)
    assert res.pvalue < 1e-12 and res.q == 1


def test_sup_f_trend_break_matches_strucchange(sim, ref):
    X = pd.DataFrame({"intercept": 1.0, "t": sim["t"].astype(float)})
    res = sup_f_test(sim["y"].to_numpy(), X)
    assert res.statistic == pytest.approx(ref["sim_trend", "supF"], rel=1e-10)
    assert res.break_index == ref["sim_trend", "breakpoint"]
    assert res.q == 2 and res.f_statistic == pytest.approx(res.statistic / 2)


def test_sup_f_statistic_against_statsmodels_chow(sim):
    """Every candidate's F equals the Chow comparison of two statsmodels OLS fits."""
    X = sm.add_constant(sim[["x"]].to_numpy())
    res = sup_f_test(sim["y2"].to_numpy(), X, breaking=[0])  # partial change: intercept only
    n = len(sim)
    ssr0 = sm.OLS(sim["y2"], X).fit().ssr
    for s in (18, 40, 41, 77, 102):
        Xa = np.column_stack([X, (np.arange(n) >= s).astype(float)])
        ssr1 = sm.OLS(sim["y2"], Xa).fit().ssr
        assert res.stats.loc[str(s)] == pytest.approx((ssr0 - ssr1) / (ssr1 / (n - 3)),
                                                      rel=1e-9)
    assert res.break_index in (85, 86)  # the larger shift of y2 starts at obs 86 (0-based 85)


def test_sup_f_on_its_model_and_bootstrap_pvalue():
    rng = np.random.default_rng(3)
    months = pd.period_range("2010-01", periods=100, freq="M")
    t = np.arange(100)
    y = 5 + 0.02 * t + 3.0 * (t >= 70) + rng.normal(0, 1, 100)
    df = pd.DataFrame({"m": months.astype(str), "y": y})
    model = trends.ITS(df, outcome="y", date="m", interruptions={"x": "2014-01"},
                       family="gaussian")
    res = sup_f_test(model)
    assert res.break_label == str(months[70]) and res.q == 2
    assert res.pvalue < 1e-6
    boot = sup_f_test(model, pvalue="bootstrap", n_boot=99, seed=1)
    assert boot.statistic == res.statistic and boot.pvalue == pytest.approx(0.01)
    assert sup_f_test(model, pvalue="bootstrap", n_boot=99, seed=1).pvalue == boot.pvalue
    # no break: large p-values by both methods
    flat = df.assign(y=5 + 0.02 * t + rng.normal(0, 1, 100))
    m0 = trends.ITS(flat, outcome="y", date="m", interruptions={"x": "2014-01"},
                    family="gaussian")
    assert sup_f_test(m0).pvalue > 0.05
    assert sup_f_test(m0, pvalue="bootstrap", n_boot=99).pvalue > 0.05


def test_sup_f_errors(sim):
    with pytest.raises(SpecificationError, match="pvalue"):
        sup_f_test(sim["y"].to_numpy(), pvalue="exact")
    with pytest.raises(SpecificationError, match="trim"):
        sup_f_test(sim["y"].to_numpy(), trim=0.5)
    with pytest.raises(SpecificationError, match="not in X"):
        sup_f_test(sim["y"].to_numpy(), pd.DataFrame({"a": np.ones(len(sim))}), breaking="b")
    with pytest.raises(SpecificationError, match="too few observations"):
        sup_f_test(np.array([1.0, 3.0, 2.0, 5.0, 4.0]),
                   np.column_stack([np.ones(5), np.arange(5.0)]))
    with pytest.raises(SpecificationError, match="finite"):
        sup_f_test(np.array([1.0, np.nan] * 20))
    pois = trends.ITS(pd.DataFrame({"m": pd.period_range("2010-01", periods=40, freq="M")
                                    .astype(str), "y": np.arange(40.0)}),
                      outcome="y", date="m", interruptions={"x": "2011-06"}, family="poisson")
    with pytest.raises(SpecificationError, match="gaussian"):
        sup_f_test(pois)
    with pytest.raises(SpecificationError, match="gaussian"):
        bai_perron(pois)


# ------------------------------------------------------------------ Bai-Perron


def test_segment_ssr_against_statsmodels(sim):
    X = np.column_stack([np.ones(len(sim)), sim["t"]])
    S = _segment_ssr(sim["y"].to_numpy(), X, h=5)
    for i, j in ((0, 4), (0, 119), (17, 60), (70, 119), (100, 104)):
        ols = sm.OLS(sim["y"].to_numpy()[i: j + 1], X[i: j + 1]).fit()
        assert S[i, j] == pytest.approx(ols.ssr, rel=1e-9)
    assert np.isnan(S[10, 12])  # shorter than h


def test_dynamic_programme_equals_brute_force():
    rng = np.random.default_rng(5)
    n, h = 30, 4
    y = np.r_[rng.normal(0, 1, 9), rng.normal(2, 1, 11), rng.normal(-1, 1, 10)]
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    S = _segment_ssr(y, X, h)
    for m in (1, 2, 3):
        best = np.inf
        for bps in itertools.combinations(range(h - 1, n - h), m):
            edges = [-1, *bps, n - 1]
            if any(b - a < h for a, b in zip(edges[:-1], edges[1:], strict=True)):
                continue
            best = min(best, sum(S[a + 1, b] for a, b in zip(edges[:-1], edges[1:],
                                                                 strict=True)))
        res = bai_perron(y, X, n_breaks=m, min_segment=h)
        assert res.ssr == pytest.approx(best, rel=1e-12)
        edges = [-1, *res.breaks, n - 1]
        assert sum(S[a + 1, b] for a, b in zip(edges[:-1], edges[1:], strict=True)) == \
            pytest.approx(best, rel=1e-12)


@pytest.mark.shared_data
def test_bai_perron_nile_matches_strucchange(nile, ref):
    res = bai_perron(nile)
    assert res.n_breaks == ref["nile_mean", "bp_n_breaks"]
    assert res.breaks[0] + 1 == ref["nile_mean", "bp_break_1"]  # R counts from 1
    assert res.ssr == pytest.approx(ref["nile_mean", "rss_1"], rel=1e-10)
    ci = res.confint.iloc[0]
    assert (ci["lower"] + 1, ci["upper"] + 1) == (ref["nile_mean", "ci_lower_1"],
                                                  ref["nile_mean", "ci_upper_1"])
    hom = bai_perron(nile, het_reg=False, het_err=False).confint.iloc[0]
    assert (hom["lower"] + 1, hom["upper"] + 1) == (ref["nile_mean", "ci_hom_lower_1"],
                                                    ref["nile_mean", "ci_hom_upper_1"])


def test_bai_perron_two_breaks_matches_strucchange(sim, ref):
    X = pd.DataFrame({"intercept": 1.0, "x": sim["x"]})
    res = bai_perron(sim["y2"].to_numpy(), X, n_breaks=2, min_segment=15)
    assert [b + 1 for b in res.breaks] == [ref["sim_two", "bp_break_1"],
                                           ref["sim_two", "bp_break_2"]]
    assert res.ssr == pytest.approx(ref["sim_two", "rss_2"], rel=1e-10)
    ci = res.confint
    assert list(ci["lower"] + 1) == [ref["sim_two", "ci_lower_1"], ref["sim_two", "ci_lower_2"]]
    assert list(ci["upper"] + 1) == [ref["sim_two", "ci_upper_1"], ref["sim_two", "ci_upper_2"]]
    assert list(res.coefficients.columns) == ["intercept", "x"] and len(res.coefficients) == 3
    chosen = bai_perron(sim["y2"].to_numpy(), X, max_breaks=6, min_segment=15)
    assert chosen.n_breaks == 2  # BIC, as strucchange
    bic = chosen.ssr_by_breaks.set_index("breaks")["bic"]
    for m in (0, 1, 2):
        assert bic[m] == pytest.approx(ref["sim_two", f"bic_{m}"], rel=1e-10)


def test_bai_perron_on_its_model_gives_calendar_labels():
    rng = np.random.default_rng(8)
    months = pd.period_range("2012-01", periods=90, freq="M")
    t = np.arange(90)
    y = 3 + 0.05 * t + np.where(t >= 50, 4.0 - 0.08 * (t - 50), 0) + rng.normal(0, 0.5, 90)
    df = pd.DataFrame({"m": months.astype(str), "y": y}).drop(index=[10, 11])
    model = trends.ITS(df, outcome="y", date="m", interruptions={"x": "2015-01"},
                       family="gaussian")
    res = bai_perron(model, n_breaks=1, min_segment=10)
    lo, mid, hi = (pd.Period(res.confint.iloc[0][c], "M")
                   for c in ("label_lower", "label", "label_upper"))
    assert lo <= pd.Period("2016-03", "M") <= hi  # true first month of the new regime
    assert lo <= mid <= hi and res.labels == (str(mid),)
    seasonal = trends.ITS(df, outcome="y", date="m", interruptions={"x": "2015-01"},
                          family="gaussian", seasonality="month")
    with pytest.raises(SpecificationError, match="partial structural change"):
        bai_perron(seasonal)


def test_bai_perron_errors(sim):
    y = sim["y"].to_numpy()
    with pytest.raises(SpecificationError, match="exceed the number of regressors"):
        bai_perron(y, min_segment=1)
    with pytest.raises(SpecificationError, match="at most half"):
        bai_perron(y, min_segment=61)
    with pytest.raises(SpecificationError, match="more than 120 observations allow"):
        bai_perron(y, n_breaks=8, min_segment=15)
    with pytest.raises(SpecificationError, match="non-negative integer"):
        bai_perron(y, n_breaks=-1)
    with pytest.raises(SpecificationError, match="level"):
        bai_perron(y, level=95)


# ------------------------------------------------------------------ Bai (1997) distribution


def test_argmax_distribution_matches_strucchange(ref):
    for x in (-20, -5, -0.5, 0.5, 5, 20):
        assert float(argmax_cdf(x)) == pytest.approx(ref["pargmaxV", f"x{x:g}_sym"], abs=1e-12)
        assert float(argmax_cdf(x, 1.7, 0.8, 1.3)) == pytest.approx(
            ref["pargmaxV", f"x{x:g}_het"], abs=1e-12)


def test_argmax_symmetric_quantiles_bai_1997():
    """Bai (1997): the 95% and 97.5% quantiles of the symmetric argmax are 7.69 and 11.03."""
    from scipy import optimize

    q975 = optimize.brentq(lambda x: float(argmax_cdf(x)) - 0.975, 0.1, 50)
    q95 = optimize.brentq(lambda x: float(argmax_cdf(x)) - 0.95, 0.1, 50)
    assert q975 == pytest.approx(11.03, abs=0.01)
    assert q95 == pytest.approx(7.69, abs=0.01)
    assert float(argmax_cdf(-q975)) == pytest.approx(0.025, abs=1e-9)  # symmetric


# ------------------------------------------------------------------ ambiguous raw input


def _stepped(n: int = 60) -> np.ndarray:
    """A mean shift after 30 observations with a small alternating wiggle (exact, no RNG)."""
    return np.r_[np.zeros(30), np.ones(n - 30)] + np.tile([0.1, -0.1], n // 2)


@pytest.mark.parametrize("func", [bai_perron, sup_f_test], ids=["bai_perron", "sup_f_test"])
def test_raw_input_ambiguity_is_refused(func):
    y = _stepped()
    months = pd.period_range("2015-01", periods=60, freq="M")
    df = pd.DataFrame({"y": y, "other": np.arange(60.0)}, index=months)
    with pytest.raises(SpecificationError, match=r"does not say which column is the outcome.*"
                       r"outcome='COLUMN'"):
        func(df)
    with pytest.raises(SpecificationError, match="outcome column 'z' is not in the data"):
        func(df, outcome="z")
    with pytest.raises(SpecificationError, match="default 0..n-1 index"):
        func(pd.Series(y))
    with pytest.raises(SpecificationError, match="not unique and increasing"):
        func(pd.Series(y, index=months[::-1]))
    with pytest.raises(SpecificationError, match="not a usable time index"):
        func(pd.Series(y, index=[f"obs{i}" for i in range(60)]))
    with pytest.raises(SpecificationError, match=r"shape \(60, 2\)"):
        func(df.to_numpy())
    with pytest.raises(SpecificationError, match="outcome= names a column of a DataFrame"):
        func(y, outcome="y")


@pytest.mark.parametrize("index", [
    pd.period_range("2015-01", periods=60, freq="M"),
    pd.date_range("2015-01-01", periods=60, freq="MS"),
    pd.Index(pd.period_range("2015-01", periods=60, freq="M").strftime("%b %Y")),
], ids=["period", "datetime", "text"])
def test_breaks_are_reported_as_period_labels(index):
    y = pd.Series(_stepped(), index=index)
    res = bai_perron(y, n_breaks=1)
    assert res.breaks == (29,) and res.labels == ("2017-07",)  # first month of the new regime
    assert res.confint["label"].tolist() == ["2017-07"]
    df = pd.DataFrame({"y": y.to_numpy(), "noise": 0.0}, index=index)
    assert bai_perron(df, outcome="y", n_breaks=1).labels == ("2017-07",)
    sup = sup_f_test(y)
    assert sup.break_label == "2017-07" and sup.break_index == 30
    assert sup.stats.index[0] == "2015-10"  # floor(0.15 * 60) = 9 observations trimmed
    # arrays keep 0-based positions
    assert bai_perron(y.to_numpy(), n_breaks=1).labels == ("29",)


def test_annual_series_labels_are_years():
    y = pd.Series(_stepped(), index=pd.Index(range(1901, 1961)))
    assert bai_perron(y, n_breaks=1).labels == ("1931",)
