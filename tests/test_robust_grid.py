"""Break-date grid: the vectorised fits against a statsmodels refit loop, known breaks, errors."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import trends
from trends.errors import SpecificationError
from trends.robust import grid as grid_mod
from trends.robust.grid import break_date_grid, fit_placements, plot_grid, profile, refit_loop
from trends.robust.problem import admissible_placements, count_placements, problem_from_model


def _series(n=72, seed=0, start="2015-01", gaps=(5, 30, 31), family="poisson",
            break_at=None, jump=0.6):
    rng = np.random.default_rng(seed)
    months = pd.period_range(start, periods=n, freq="M")
    t = np.arange(n)
    level = 0.0 if break_at is None else jump * (t >= break_at)
    mu = np.exp(2.2 + 0.004 * t + level + 0.15 * np.sin(2 * np.pi * t / 12))
    if family == "gaussian":
        y = rng.normal(10 * mu / mu.mean(), 0.7)
    elif family == "negbin":
        y = rng.negative_binomial(4, 4 / (4 + mu)).astype(float)
    else:
        y = rng.poisson(mu).astype(float)
    df = pd.DataFrame({"month": months.astype(str), "y": y, "pop": rng.uniform(1, 2, n)})
    return df.drop(index=list(gaps)).reset_index(drop=True)


def _model(df, family="poisson", interruptions=None, **kw):
    interruptions = interruptions or {"a": "2018-09", "b": "2018-12"}
    return trends.ITS(df, outcome="y", date="month", interruptions=interruptions,
                      family=family, **kw)


CASES = [
    ("gaussian", {"seasonality": "month"}),
    ("poisson", {"seasonality": "month"}),
    ("poisson", {"seasonality": ("fourier", 2), "offset": "pop"}),
    ("quasipoisson", {}),
    ("negbin", {"seasonality": "month"}),
]


@pytest.mark.parametrize(("family", "kw"), CASES)
def test_grid_matches_statsmodels_refit_loop(family, kw):
    df = _series(family=family, seed=3)
    model = _model(df, family, **kw)
    problem = problem_from_model(model)
    placements = admissible_placements(problem, 3)
    sub = placements[:: max(1, len(placements) // 40)]  # every fit of a sample, to keep it fast
    params, llf, aic, bic, conv, _ = fit_placements(problem, sub)
    ref = refit_loop(problem, sub)
    assert conv.all()
    tol = 1e-6 if family == "negbin" else 1e-7
    np.testing.assert_allclose(params, ref[0], rtol=0, atol=tol)
    np.testing.assert_allclose(llf, ref[1], rtol=0, atol=1e-7)
    np.testing.assert_allclose(aic, ref[2], rtol=0, atol=1e-7)
    np.testing.assert_allclose(bic, ref[3], rtol=0, atol=1e-7)


@pytest.mark.parametrize("changes", ["level+slope", "level", "slope"])
def test_breaks_inside_a_gap_match_the_refit_loop(changes):
    """Placements inside a run of missing months are fitted once per class and mapped back."""
    df = _series(seed=15, gaps=tuple(range(20, 27)) + (40, 41))
    model = _model(df, "poisson", seasonality="month", changes=changes)
    problem = problem_from_model(model)
    gap = [p for p in range(18, 30) if p not in problem.positions] + [27, 28]
    pl = np.array([[a, b] for a in gap for b in (40, 41, 42, 50)])
    fast = fit_placements(problem, pl)
    ref = refit_loop(problem, pl)
    np.testing.assert_allclose(fast[0], ref[0], rtol=0, atol=1e-7)
    np.testing.assert_allclose(fast[1], ref[1], rtol=0, atol=1e-7)


def test_grid_at_hypothesised_dates_equals_the_model_fit():
    df = _series(seed=5)
    model = _model(df, "poisson", seasonality="month")
    res = model.fit()
    grid = break_date_grid(model)
    row = grid[(grid.break_1 == "2018-09") & (grid.break_2 == "2018-12")].iloc[0]
    assert row["llf"] == pytest.approx(res.llf, abs=1e-7)
    for term in ("level[a]", "slope[a]", "level[b]", "slope[b]"):
        assert row[term] == pytest.approx(res.params[term], abs=1e-7)


def test_fitted_results_are_accepted_as_the_model():
    model = _model(_series(seed=14))
    pd.testing.assert_frame_equal(break_date_grid(model.fit()), break_date_grid(model))


def test_grid_table_layout_sorted_and_complete():
    df = _series(seed=1)
    model = _model(df)
    grid = break_date_grid(model)
    problem = problem_from_model(model)
    assert list(grid.columns) == ["break_1", "break_2", "llf", "aic", "bic", "level[a]",
                                  "slope[a]", "level[b]", "slope[b]"]
    assert len(grid) == count_placements(problem, 3) == len(admissible_placements(problem, 3))
    assert grid["aic"].is_monotonic_increasing
    assert (grid["break_1"] < grid["break_2"]).all()
    assert not grid.duplicated(["break_1", "break_2"]).any()
    pd.testing.assert_frame_equal(grid, break_date_grid(model))  # deterministic


def test_segments_respect_min_segment_in_used_observations():
    df = _series(seed=2, gaps=(40, 41, 42, 43))
    model = _model(df, interruptions={"a": "2018-01"})
    for h in (3, 6):
        problem = problem_from_model(model)
        pl = admissible_placements(problem, h)
        counts = problem.segment_counts(pl)
        assert (counts >= h).all()
        # every rejected calendar position leaves a short segment
        rejected = np.setdiff1d(np.arange(len(problem.periods)), pl[:, 0])
        assert (problem.segment_counts(rejected[:, None]).min(axis=1) < h).all()


def test_known_break_is_recovered():
    df = _series(n=96, seed=11, gaps=(), break_at=60, jump=1.2)
    model = _model(df, interruptions={"x": "2016-06"}, changes="level", seasonality="month")
    grid = break_date_grid(model)
    best = pd.Period(grid["break_1"].iloc[0], "M")
    assert abs((best - pd.Period("2020-01", "M")).n) <= 1  # true break: 2020-01
    assert grid["level[x]"].iloc[0] == pytest.approx(1.2, abs=0.25)
    # far from the truth the fit is clearly worse
    far = grid[grid["break_1"] == "2017-01"]["aic"].iloc[0]
    assert far - grid["aic"].iloc[0] > 20


def test_n_breaks_other_than_interruptions():
    df = _series(seed=4)
    model = _model(df, interruptions={"a": "2018-09"}, changes="level")
    grid = break_date_grid(model, n_breaks=2, min_segment=4)
    assert list(grid.columns[:2]) == ["break_1", "break_2"]
    assert "level[break_2]" in grid.columns and "slope[break_1]" not in grid.columns


def test_profile_moves_one_interruption_at_a_time():
    df = _series(seed=6)
    model = _model(df, seasonality="month")
    prof = profile(model, width=4)
    assert set(prof["interruption"]) == {"a", "b"}
    zero = prof[prof["shift"] == 0]
    assert np.allclose(zero["delta_aic"], 0.0)
    assert zero["aic"].nunique() == 1  # both rows are the model itself
    # b may move at most to 2019-04 (segment after it keeps 3+ points), never onto a
    b = prof[prof["interruption"] == "b"]
    assert b["date"].min() > "2018-09"
    assert prof["aic"].to_numpy() == pytest.approx((prof["delta_aic"] + zero["aic"].iloc[0])
                                                   .to_numpy())


def test_plot_grid_one_and_two_breaks():
    df = _series(seed=7)
    g2 = break_date_grid(_model(df))
    fig, ax = plot_grid(g2)
    assert ax.get_xlabel() == "break 1" and len(ax.images) == 1
    plt.close(fig)
    g1 = break_date_grid(_model(df, interruptions={"a": "2018-09"}))
    fig, ax = plot_grid(g1, criterion="bic")
    assert len(ax.lines) == 2 and len(ax.lines[0].get_xdata()) == len(g1)  # curve, best
    plt.close(fig)
    with pytest.raises(SpecificationError, match="criterion"):
        plot_grid(g1, criterion="r2")
    with pytest.raises(SpecificationError, match="no break_1"):
        plot_grid(g1.drop(columns="break_1"))


# ------------------------------------------------------------------ errors


def test_too_few_points_for_min_segment():
    df = _series(n=20, seed=8, gaps=())
    model = _model(df, interruptions={"a": "2015-10"})
    with pytest.raises(SpecificationError, match="at least"):
        break_date_grid(model, n_breaks=4, min_segment=5)
    with pytest.raises(SpecificationError, match="at most 5 break"):
        break_date_grid(model, n_breaks=6, min_segment=3)


def test_min_segment_too_small_for_slopes():
    model = _model(_series(seed=9))
    with pytest.raises(SpecificationError, match="at least 2"):
        break_date_grid(model, min_segment=1)
    with pytest.raises(SpecificationError, match="integer"):
        break_date_grid(model, min_segment=2.5)


def test_bad_model_objects():
    with pytest.raises(SpecificationError, match="unfitted trends.ITS"):
        break_date_grid(pd.DataFrame({"y": [1, 2]}))
    df = _series(seed=10, family="gaussian", gaps=())
    ar = _model(df, "gaussian", errors=("ar", 1))
    with pytest.raises(SpecificationError, match="independent errors"):
        break_date_grid(ar)
    mixed = _model(_series(seed=10), changes={"a": "level", "b": "level+slope"})
    with pytest.raises(SpecificationError, match="different changes"):
        break_date_grid(mixed, n_breaks=1)
    with pytest.raises(SpecificationError, match="n_breaks must be at least 1"):
        break_date_grid(mixed, n_breaks=0)
    with pytest.raises(SpecificationError, match="width"):
        profile(mixed, width=0)


def test_too_many_placements_refused(monkeypatch):
    from trends.robust import problem as problem_mod

    monkeypatch.setattr(problem_mod, "MAX_PLACEMENTS", 100)
    with pytest.raises(SpecificationError, match="limit 100"):
        break_date_grid(_model(_series(seed=12)))


def test_keyboard_interrupt_propagates(monkeypatch):
    calls = {"n": 0}
    real = grid_mod.fit_batch

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(grid_mod, "fit_batch", flaky)
    monkeypatch.setattr(grid_mod, "_CHUNK_FLOATS", 2000)  # several chunks
    with pytest.raises(KeyboardInterrupt):
        break_date_grid(_model(_series(seed=13)))
    assert calls["n"] == 2
