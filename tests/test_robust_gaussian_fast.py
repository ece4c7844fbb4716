"""The gaussian break-date grid from cumulative sums (``engine._fit_gaussian_breaks``): against
statsmodels OLS refitted at every placement, and its optimal breaks against R's
``strucchange::breakpoints`` (stored output of benchmarks/reference/strucchange_breakpoints.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import trends
from trends.robust import break_date_grid
from trends.robust.engine import BreakColumns, fit_batch
from trends.robust.grid import _unique_rows, fit_placements, refit_loop
from trends.robust.problem import admissible_placements, problem_from_model

REF = Path(__file__).resolve().parents[1] / "benchmarks" / "reference"


def _model(n, *, gaps=False, seasonality=None, changes="level+slope", seed=0):
    rng = np.random.default_rng(seed)
    months = pd.period_range("2000-01", periods=n, freq="M")
    t = np.arange(n)
    y = rng.normal(10, 2, n) + 0.05 * t + 2.0 * (t >= n // 2) + 0.5 * np.sin(2 * np.pi * t / 12)
    keep = rng.random(n) > 0.15 if gaps else np.ones(n, dtype=bool)
    df = pd.DataFrame({"month": months.astype(str)[keep], "v": y[keep]})
    return trends.ITS(df, outcome="v", date="month", family="gaussian",
                      interruptions={"a": str(months[n // 3]), "b": str(months[2 * n // 3])},
                      seasonality=seasonality, changes=changes)


@pytest.mark.parametrize(("gaps", "seasonality", "changes"), [
    (False, "month", "level+slope"),
    (True, "month", "level+slope"),
    (True, None, "level"),
    (False, None, "slope"),
    (True, None, "level+slope"),
])
def test_gaussian_grid_matches_ols_refits(gaps, seasonality, changes):
    problem = problem_from_model(_model(70, gaps=gaps, seasonality=seasonality, changes=changes))
    placements = admissible_placements(problem, 3)
    fast = fit_placements(problem, placements)
    idx = np.linspace(0, len(placements) - 1, 150).round().astype(int)
    ref = refit_loop(problem, placements[idx])
    np.testing.assert_allclose(fast[1][idx], ref[1], rtol=0, atol=1e-7)  # llf
    np.testing.assert_allclose(fast[2][idx], ref[2], rtol=0, atol=1e-6)  # aic
    np.testing.assert_allclose(fast[3][idx], ref[3], rtol=0, atol=1e-6)  # bic
    np.testing.assert_allclose(fast[0][idx], ref[0], rtol=1e-7, atol=1e-7)  # break terms


def test_cumulative_sums_equal_formed_columns_with_all_coefficients():
    """All coefficients (shared ones too) against the formed-columns FWL path."""
    rng = np.random.default_rng(4)
    t = np.delete(np.arange(63, dtype=float), [5, 30, 31])
    base = np.column_stack([np.ones(len(t)), t, np.cos(t / 3)])
    y = rng.normal(size=len(t)) + 0.1 * t
    at = np.array([[8, 20], [25, 31], [31, 50], [3, 57]], dtype=float)
    br = BreakColumns(t, at, (("level", "slope"), ("slope",)))
    fast = fit_batch(y, base, br, family="gaussian")
    for b in range(len(at)):
        X = np.column_stack([base, br.toarray()[b].T])
        res = sm.OLS(y, X).fit()
        np.testing.assert_allclose(fast.params[b], res.params, rtol=1e-9, atol=1e-10)
        assert fast.llf[b] == pytest.approx(res.llf, abs=1e-9)
        assert fast.scale[b] == pytest.approx(res.scale, rel=1e-9)


def test_gaussian_unidentified_placement_is_nan():
    """A slope column equal to the trend on the used rows (break before the first
    observation) is collinear: NaN, as the formed-columns path reports it."""
    t = np.arange(30, dtype=float)
    base = np.column_stack([np.ones(30), t])
    y = np.random.default_rng(1).normal(size=30)
    br = BreakColumns(t, np.array([[0.0], [10.0]]), (("slope",),))
    res = fit_batch(y, base, br, family="gaussian")
    assert np.isnan(res.llf[0]) and not res.converged[0]
    assert np.isfinite(res.llf[1]) and res.converged[1]


def test_unique_rows_equals_numpy_unique():
    rng = np.random.default_rng(2)
    rows = rng.integers(0, 50, size=(500, 3))
    u, inv = _unique_rows(rows, 50)
    u0, inv0 = np.unique(rows, axis=0, return_inverse=True)
    np.testing.assert_array_equal(u, u0)
    np.testing.assert_array_equal(inv, np.asarray(inv0).reshape(-1))
    u, inv = _unique_rows(rows, 2**40)  # too wide to encode: numpy's own path
    np.testing.assert_array_equal(u, u0)


def _strucchange():
    # stored with its script (benchmarks/reference/strucchange_breakpoints.R); R is not needed
    return pd.read_csv(REF / "strucchange_breakpoints.csv", comment="#")


@pytest.mark.parametrize("n", [120, 240, 480])
def test_optimal_breaks_equal_strucchange(n):
    """Every coefficient breaks (y ~ t, level+slope at each break), two breaks, h = 3: the
    top row of the grid is strucchange's optimal partition, with its RSS."""
    ref = _strucchange().set_index("n").loc[n]
    series = pd.read_csv(REF / f"gaussian_series_n{n}.csv")
    months = pd.period_range("1900-01", periods=n, freq="M")
    df = pd.DataFrame({"month": months.astype(str), "y": series["y"].to_numpy(dtype=float)})
    model = trends.ITS(df, outcome="y", date="month", family="gaussian",
                       interruptions={"a": str(months[n // 3]), "b": str(months[2 * n // 3])})
    grid = break_date_grid(model, min_segment=int(ref["h"]))
    # strucchange's breakpoint is the (1-based) last observation of a regime: the new regime
    # starts at 0-based position bp
    assert grid.loc[0, "break_1"] == str(months[int(ref["bp1"])])
    assert grid.loc[0, "break_2"] == str(months[int(ref["bp2"])])
    rss = n * np.exp(-2.0 * grid.loc[0, "llf"] / n - np.log(2 * np.pi) - 1.0)
    assert rss == pytest.approx(float(ref["rss"]), rel=1e-8)
