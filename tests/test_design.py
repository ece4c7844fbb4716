"""Design conventions (Linden 2015 parametrisation), frequencies and input validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trends.design import (
    MIN_SEGMENT_POINTS,
    build_design,
    infer_freq,
    normalise_freq,
    parse_changes,
    parse_seasonality,
    to_period,
    to_periods,
)
from trends.errors import SpecificationError


def monthly(n: int = 36, start: str = "2020-01", seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    months = pd.period_range(start, periods=n, freq="M")
    return pd.DataFrame({
        "month": months.strftime("%Y-%m"),
        "y": rng.poisson(20, n).astype(float),
        "pop": np.linspace(1000, 1100, n),
        "x": rng.normal(size=n),
    })


def build(df: pd.DataFrame, **kw):
    args = dict(outcome="y", date="month", interruptions={"a": "2021-01"})
    args.update(kw)
    return build_design(df, **args)


# ----------------------------------------------------------------------------- conventions
def test_level_and_slope_follow_itsa_convention():
    d = build(monthly())
    X = d.X
    t = X["trend"].to_numpy()
    assert t[0] == 1 and np.all(np.diff(t) == 1)
    i = list(X.index.astype(str)).index("2021-01")
    lev, slo = X["level[a]"].to_numpy(), X["slope[a]"].to_numpy()
    assert lev[i - 1] == 0 and lev[i] == 1 and lev[-1] == 1  # >= convention
    assert slo[i - 1] == 0 and slo[i] == 0 and slo[i + 1] == 1 and slo[-1] == len(t) - 1 - i
    assert d.terms == ["intercept", "trend", "level[a]", "slope[a]"]


def test_missing_month_keeps_calendar_time_index():
    df = monthly().drop(index=[5, 6]).reset_index(drop=True)  # 2020-06 and 2020-07 absent
    df.loc[10, "y"] = np.nan  # an explicit missing outcome
    d = build(df)
    assert len(d.periods) == 36 and d.nobs == 33
    assert not d.used[5] and not d.used[6] and not d.used[12]
    assert np.isnan(d.y_full[5]) and np.isnan(d.y_full[12])
    # the months after the gap keep their calendar index
    assert d.X.loc[pd.Period("2020-08", "M"), "trend"] == 8


def test_changes_per_interruption_and_order_of_terms():
    d = build(monthly(48), interruptions={"a": "2021-01", "b": "2021-06"},
              changes={"a": "level", "b": "slope"})
    assert d.terms == ["intercept", "trend", "level[a]", "slope[b]"]
    assert d.changes == {"a": ("level",), "b": ("slope",)}


def test_month_dummies_and_fourier_phase():
    d = build(monthly(), seasonality="month")
    assert [c for c in d.terms if c.startswith("month")] == [f"month[{m}]" for m in range(2, 13)]
    assert d.X.loc[pd.Period("2020-03", "M"), "month[3]"] == 1
    assert d.X.loc[pd.Period("2020-01", "M"), d.terms[4:]].sum() == 0  # January is the reference
    f = build(monthly(), seasonality=("fourier", 2))
    month = np.asarray(f.X.index.month)
    # calendar-anchored like tsModel::harmonic(month, 2, 12)
    np.testing.assert_allclose(f.X["sin[1]"], np.sin(2 * np.pi * month / 12), atol=1e-12)
    np.testing.assert_allclose(f.X["cos[2]"], np.cos(2 * np.pi * 2 * month / 12), atol=1e-12)


def test_weekly_quarterly_annual_frequencies():
    weeks = pd.date_range("2021-01-04", periods=60, freq="W-MON")  # Mondays
    dfw = pd.DataFrame({"d": weeks, "y": np.arange(60.0)})
    dw = build_design(dfw, outcome="y", date="d", interruptions={"a": "2021-06-07"},
                      seasonality=("fourier", 1))
    assert dw.freq == "W" and dw.periods[0].start_time == pd.Timestamp("2021-01-04")
    np.testing.assert_allclose(dw.X["sin[1]"].iloc[:2].to_numpy(),
                               np.sin(2 * np.pi * (dw.periods.asi8[:2] % (365.2425 / 7) + 1)
                                      / (365.2425 / 7)))
    dfq = pd.DataFrame({"q": [f"{y}Q{q}" for y in range(2015, 2021) for q in range(1, 5)],
                        "y": np.arange(24.0)})
    dq = build_design(dfq, outcome="y", date="q", interruptions={"a": "2018Q1"},
                      seasonality="quarter")
    assert dq.freq == "Q" and "quarter[4]" in dq.terms
    dfa = pd.DataFrame({"year": np.arange(1970, 2001), "y": np.arange(31.0)})
    da = build_design(dfa, outcome="y", date="year", interruptions={"a": 1989})
    assert da.freq == "Y" and da.X.loc[pd.Period("1989", "Y"), "level[a]"] == 1


@pytest.mark.parametrize(("values", "code"), [
    (pd.Series(pd.period_range("2020-01", periods=3, freq="M")), "M"),
    (pd.Series([1990, 1991]), "Y"),
    (pd.Series([1990.0, 1991.0]), "Y"),
    (pd.Series(["2020-01", "2020-02"]), "M"),
    (pd.Series(["2020Q1", "2020Q2"]), "Q"),
    (pd.Series(["2020-W01", "2020-W02"]), "W"),
    (pd.Series(["1999", "2000"]), "Y"),
    (pd.Series(pd.date_range("2020-01-01", periods=4, freq="MS")), "M"),
    (pd.Series(pd.date_range("2020-01-06", periods=4, freq="7D")), "W"),
    (pd.Series(pd.date_range("2020-01-01", periods=4, freq="QS")), "Q"),
    (pd.Series(pd.date_range("2020-01-01", periods=3, freq="YS")), "Y"),
    (pd.Series(pd.to_datetime(["2020-01-01"])), "M"),
])
def test_infer_freq(values, code):
    assert infer_freq(values) == code


def test_date_forms_agree():
    forms = [pd.Period("2021-08", "M"), pd.Timestamp("2021-08-15"), "2021-08", "2021-08-31",
             np.datetime64("2021-08-02")]
    assert {to_period(v, "M") for v in forms} == {pd.Period("2021-08", "M")}
    assert to_period("2021-W31", "W") == to_period("2021-08-02", "W")
    assert to_period(2021, "Y") == pd.Period("2021", "Y")
    assert normalise_freq("W-MON") == "W" and normalise_freq("monthly") == "M"


def test_input_not_modified():
    df = monthly()
    before = df.copy()
    build(df, offset="pop", family="poisson", covariates=["x"])
    pd.testing.assert_frame_equal(df, before)


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(("kwargs", "match"), [
    ({"outcome": "yy"}, r"outcome column 'yy' is not in the data.*did you mean 'y'"),
    ({"date": "mnth"}, r"date column 'mnth'.*did you mean 'month'"),
    ({"offset": "popp", "family": "poisson"}, r"offset column 'popp'"),
    ({"covariates": ["z"]}, r"covariate column 'z'"),
    ({"covariates": "x"}, None),
    ({"covariates": ["x", "x"]}, r"listed more than once"),
    ({"offset": "pop"}, r"offset needs a log-link count family"),
    ({"family": "binomial"}, r"family 'binomial' is not valid"),
    ({"interruptions": ["2021-01"]}, r"interruptions must be a dict"),
    ({"interruptions": {"a b": "2021-01"}}, r"interruption name 'a b' is not valid"),
    ({"interruptions": {"a": "2019-12"}}, r"'a' \(2019-12\) is outside the data \(2020-01 to 2022-12\)"),
    ({"interruptions": {"a": "2020-01"}}, r"outside the data"),
    ({"interruptions": {"a": "2023-01"}}, r"outside the data"),
    ({"interruptions": {"a": "2021-01", "b": "2021-01-15"}}, r"both at 2021-01"),
    ({"interruptions": {"a": "Aug-21"}}, r"interruption 'a' 'Aug-21' is not a valid monthly.*two-digit year"),
    ({"interruptions": {"a": 2021}}, r"integer dates are only read as years"),
    ({"changes": "step"}, r"changes = 'step' is not valid"),
    ({"changes": {"zz": "level"}}, r"unknown interruption"),
    ({"changes": {"a": "trend"}}, r"changes\['a'\] = 'trend'"),
    ({"seasonality": "weekly"}, r"seasonality 'weekly' is not valid"),
    ({"seasonality": ("fourier", 0)}, r"positive integer"),
    ({"seasonality": ("fourier", 6)}, r"too large for period 12"),
    ({"seasonality": ("fourier", 1, 1)}, r"period must be > 1"),
    ({"seasonality": "fourier:x"}, r"expected 'fourier:K'"),
    ({"seasonality": 3}, r"seasonality 3 is not valid"),
    ({"freq": "D"}, r"unknown frequency 'D'"),
    ({"group": "x"}, r"needs treated="),
    ({"treated": 1}, r"need group="),
    ({"interruptions": {"a": "2020-03"}}, r"segment pre-interruption \(2020-01 to 2020-02\) has 2 used"),
    ({"interruptions": {"a": "2022-11"}}, r"segment after 'a' \(2022-11 to 2022-12\) has 2"),
    ({"covariates": ["trend"]}, r"same name as a model term"),
])
def test_specification_errors(kwargs, match):
    df = monthly()
    df["trend"] = 1.0
    if match is None:
        assert build(df, **kwargs).terms[-1] == "x"
        return
    with pytest.raises(SpecificationError, match=match):
        build(df, **kwargs)


def test_minimum_segment_constant_is_stated():
    assert MIN_SEGMENT_POINTS == 3
    df = monthly()
    df.loc[24:33, "y"] = np.nan  # leaves 2021-11 .. 2022-12 partly; segment after b: 3 used
    with pytest.raises(SpecificationError, match="at least 3 are needed per segment"):
        build(df, interruptions={"a": "2021-01", "b": "2022-01"}, changes="level")


def test_data_errors():
    df = monthly()
    with pytest.raises(SpecificationError, match="must be a pandas DataFrame"):
        build_design(df.to_dict(), outcome="y", date="month", interruptions={})
    bad = df.copy()
    bad["y"] = bad["y"].astype(object)
    bad.loc[3, "y"] = "n/a"
    with pytest.raises(SpecificationError, match=r"non-numeric value 'n/a' at row 3"):
        build(bad)
    neg = df.copy()
    neg.loc[4, "y"] = -1
    with pytest.raises(SpecificationError, match=r"non-negative integer counts.*-1 at 2020-05"):
        build(neg, family="poisson")
    frac = df.copy()
    frac.loc[4, "y"] = 2.5
    with pytest.raises(SpecificationError, match=r"'negbin' needs non-negative integer counts"):
        build(frac, family="negbin")
    assert build(frac).nobs == 36  # fine for gaussian
    off = df.copy()
    off.loc[2, "pop"] = 0
    with pytest.raises(SpecificationError, match=r"offset column 'pop' must be positive"):
        build(off, family="poisson", offset="pop")
    empty = df.copy()
    empty["y"] = np.nan
    with pytest.raises(SpecificationError, match="no usable"):
        build(empty)
    with pytest.raises(SpecificationError, match="no rows"):
        build(df.iloc[:0])


def test_date_errors():
    df = monthly()
    dup = pd.concat([df.iloc[:5], df.iloc[4:]], ignore_index=True)
    with pytest.raises(SpecificationError, match=r"duplicate date 2020-05 .*rows 4 and 5"):
        build(dup)
    swapped = df.iloc[[0, 2, 1, *range(3, 36)]].reset_index(drop=True)
    with pytest.raises(SpecificationError, match=r"not in increasing order: 2020-02 at row 2"):
        build(swapped)
    miss = df.copy()
    miss.loc[7, "month"] = None
    with pytest.raises(SpecificationError, match=r"missing date at row 7"):
        build(miss)
    junk = df.copy()
    junk.loc[1, "month"] = "Febr 2020"
    with pytest.raises(SpecificationError, match=r"row 1: date 'Febr 2020' is not a valid monthly"):
        build(junk)
    with pytest.raises(SpecificationError, match="cannot infer the frequency"):
        infer_freq(pd.Series(pd.date_range("2020-01-01", periods=5, freq="D")))
    with pytest.raises(SpecificationError, match="non-integer numeric dates"):
        infer_freq(pd.Series([1990.5, 1990.6]))
    with pytest.raises(SpecificationError, match="spans several periods"):
        to_period(pd.Period("2021", "Y"), "M")
    with pytest.raises(SpecificationError, match="ISO week is not a monthly"):
        to_period("2021-W05", "M")
    with pytest.raises(SpecificationError, match="a month is not a week"):
        to_period("2021-05", "W")
    with pytest.raises(SpecificationError, match="boolean"):
        to_period(True, "Y")
    with pytest.raises(SpecificationError, match="not a valid monthly period"):
        to_period(object(), "M")
    with pytest.raises(SpecificationError, match="missing date at row 1"):
        to_periods(pd.Series(pd.PeriodIndex(["2020-01", None], freq="M")), "M")
    with pytest.raises(SpecificationError, match="Period frequency"):
        infer_freq(pd.Series(pd.period_range("2020-01-01", periods=3, freq="D")))


def test_rank_deficiency_and_too_few_observations():
    df = monthly()
    df["const"] = 5.0
    with pytest.raises(SpecificationError, match=r"rank deficient: term\(s\) \['const'\]"):
        build(df, covariates=["const"])
    short = monthly(9, start="2020-10")
    with pytest.raises(SpecificationError, match="9 used observations for 17 terms"):
        build(short, interruptions={"a": "2021-01", "b": "2021-04"}, changes="level+slope",
              seasonality="month")


def test_seasonality_frequency_checks():
    assert parse_seasonality("none", "M") is None
    assert parse_seasonality("fourier:2:6", "M") == ("fourier", 2, 6.0)
    with pytest.raises(SpecificationError, match="month dummies need monthly or weekly"):
        parse_seasonality("month", "Q")
    with pytest.raises(SpecificationError, match="quarter dummies need"):
        parse_seasonality("quarter", "Y")
    with pytest.raises(SpecificationError, match="annual data need an explicit"):
        parse_seasonality(("fourier", 1), "Y")
    assert parse_changes("both", ["a"]) == {"a": ("level", "slope")}


def test_controlled_design_terms_and_errors():
    a = monthly(seed=1).assign(unit="T")
    b = monthly(seed=2).assign(unit="C")
    df = pd.concat([b, a], ignore_index=True)  # comparison rows first: order must not matter
    d = build(df, group="unit", treated="T")
    assert d.terms == ["intercept", "trend", "level[a]", "slope[a]", "group", "group:trend",
                       "group:level[a]", "group:slope[a]"]
    assert d.treated[:36].all() and not d.treated[36:].any()
    np.testing.assert_array_equal(d.y_full[:36], a["y"].to_numpy())
    assert d.interruption_terms == ["group:level[a]", "group:slope[a]"]
    with pytest.raises(SpecificationError, match=r"treated='X' does not occur"):
        build(df, group="unit", treated="X")
    with pytest.raises(SpecificationError, match=r"control value\(s\) \['Z'\]"):
        build(df, group="unit", treated="T", control="Z")
    with pytest.raises(SpecificationError, match="also listed as a control"):
        build(df, group="unit", treated="T", control=["T", "C"])
    with pytest.raises(SpecificationError, match="no comparison series"):
        build(a, group="unit", treated="T")
    dup = pd.concat([df, b.iloc[[3]]], ignore_index=True)
    with pytest.raises(SpecificationError, match=r"for unit='C'"):
        build(dup, group="unit", treated="T")
