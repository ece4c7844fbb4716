"""Placebo-in-time: placements, reference fits, rank/p-value arithmetic, determinism, errors."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import trends
from trends.errors import SpecificationError
from trends.robust.placebo import placebo_in_time, plot_placebo


def _df(n=84, seed=0, effect=0.0, gaps=(7, 20)):
    rng = np.random.default_rng(seed)
    months = pd.period_range("2015-01", periods=n, freq="M")
    t = np.arange(n)
    mu = np.exp(2.0 + 0.003 * t + effect * (t >= 72))
    df = pd.DataFrame({"m": months.astype(str), "y": rng.poisson(mu).astype(float)})
    return df.drop(index=list(gaps)).reset_index(drop=True)


def _model(df, family="poisson", **kw):
    return trends.ITS(df, outcome="y", date="m",
                      interruptions={"a": "2021-01", "b": "2021-04"}, family=family, **kw)


@pytest.fixture(scope="module")
def result():
    return placebo_in_time(_model(_df(effect=1.0)))


def test_observed_effects_are_the_model_fit(result):
    fit = _model(_df(effect=1.0)).fit()
    for term, value in result.observed.items():
        assert value == pytest.approx(fit.params[term], abs=1e-7)


def test_placebos_keep_spacing_and_stay_in_the_pre_period(result):
    eff = result.effects
    b1 = pd.PeriodIndex(eff["break_1"], freq="M")
    b2 = pd.PeriodIndex(eff["break_2"], freq="M")
    assert ((b2 - b1).map(lambda d: d.n) == 3).all()
    assert (b2 < pd.Period("2021-01", "M")).all()
    # every admissible start in the pre-period is used: 3+ used points before, between, after
    pre = _df(effect=1.0)
    pre = pre[pre["m"] < "2021-01"]
    months = pd.PeriodIndex(pre["m"], freq="M")
    expected = 0
    for start in pd.period_range("2015-01", "2020-12", freq="M"):
        stop = start + 3
        seg = [(months < start).sum(), ((months >= start) & (months < stop)).sum(),
               (months >= stop).sum()]
        expected += int(min(seg) >= 3 and stop < pd.Period("2021-01", "M"))
    assert len(eff) == expected


def test_one_placebo_fit_equals_statsmodels_on_the_pre_period(result):
    df = _df(effect=1.0)
    row = result.effects.iloc[10]
    pre = df[df["m"] < "2021-01"].copy()
    periods = pd.PeriodIndex(pre["m"], freq="M")
    t = np.array([(p - pd.Period("2015-01", "M")).n for p in periods], dtype=float)
    cols = {"const": np.ones(len(t)), "trend": t + 1}
    for name, col in (("a", "break_1"), ("b", "break_2")):
        tb = (pd.Period(row[col], "M") - pd.Period("2015-01", "M")).n
        cols[f"level[{name}]"] = (t >= tb).astype(float)
        cols[f"slope[{name}]"] = np.maximum(t - tb, 0.0)
    X = pd.DataFrame(cols)
    glm = sm.GLM(pre["y"].to_numpy(), X, family=sm.families.Poisson()).fit()
    for term in ("level[a]", "slope[a]", "level[b]", "slope[b]"):
        assert row[term] == pytest.approx(glm.params[term], abs=1e-7)
    assert row["llf"] == pytest.approx(glm.llf, abs=1e-7)


def test_rank_and_p_value_arithmetic(result):
    for term, s in result.summary.iterrows():
        pl = result.effects[term].dropna().to_numpy()
        exceed = int(np.sum(np.abs(pl) >= abs(s["observed"])))
        assert s["rank"] == 1 + exceed
        assert s["p_value"] == pytest.approx((1 + exceed) / (1 + len(pl)))
        assert s["n_placebos"] == len(pl)
    # a large real level change is extreme among placebos
    assert result.summary.loc["level[a]", "rank"] <= 3


def test_deterministic_and_gaussian_family():
    df = _df(seed=4)
    a = placebo_in_time(_model(df, "gaussian"))
    b = placebo_in_time(_model(df, "gaussian"))
    pd.testing.assert_frame_equal(a.effects, b.effects)
    pd.testing.assert_frame_equal(a.summary, b.summary)


@pytest.mark.filterwarnings("ignore:no overdispersion")
@pytest.mark.parametrize("family", ["quasipoisson", "negbin"])
def test_other_count_families(family):
    df = _df(seed=6, effect=0.5)
    res = placebo_in_time(_model(df, family))
    fit = _model(df, family).fit()
    assert res.observed["level[a]"] == pytest.approx(fit.params["level[a]"], abs=1e-6)
    assert res.summary["n_placebos"].min() > 20


def test_plot_placebo():
    res = placebo_in_time(_model(_df(seed=2)))
    fig, ax = plot_placebo(res, "slope[b]")
    assert "slope[b]" in ax.get_title() and len(ax.lines) == 1
    plt.close(fig)
    with pytest.raises(SpecificationError, match="unknown term"):
        plot_placebo(res, "level[zzz]")


def test_pre_period_too_short():
    df = _df()
    model = trends.ITS(df, outcome="y", date="m", interruptions={"a": "2015-05"},
                       family="poisson")
    with pytest.raises(SpecificationError, match="too short for a placebo"):
        placebo_in_time(model)
    with pytest.raises(SpecificationError, match="at least 2"):
        placebo_in_time(_model(df), min_segment=1)
