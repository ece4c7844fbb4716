"""Both fitting orders of a count grid (one batch from the fit without breaks, used for small
grids, and coarse to fine from interpolated neighbours, used for large ones) against the
statsmodels refit loop, and the grid's BLAS-thread limit restoring the caller's setting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trends
from trends.robust import grid as grid_mod
from trends.robust.grid import fit_placements, refit_loop
from trends.robust.problem import admissible_placements, problem_from_model


def _problem(family="poisson", n=66, seed=8):
    rng = np.random.default_rng(seed)
    months = pd.period_range("2010-01", periods=n, freq="M")
    t = np.arange(n)
    mu = np.exp(2.0 + 0.01 * t + 0.5 * (t >= 40) + 0.2 * np.cos(2 * np.pi * t / 12))
    df = pd.DataFrame({"month": months.astype(str), "y": rng.poisson(mu).astype(float)})
    model = trends.ITS(df, outcome="y", date="month", family=family, seasonality="month",
                       interruptions={"a": str(months[30]), "b": str(months[45])})
    return problem_from_model(model)


@pytest.mark.parametrize("family", ["poisson", "quasipoisson"])
@pytest.mark.parametrize("threshold", [0, 10**9])  # always coarse to fine / never
def test_fitting_orders_match_refit_loop(monkeypatch, family, threshold):
    monkeypatch.setattr(grid_mod, "_CONTINUATION_MIN", threshold)
    problem = _problem(family)
    placements = admissible_placements(problem, 3)
    fast = fit_placements(problem, placements)  # the whole grid, so neighbours exist
    idx = np.linspace(0, len(placements) - 1, 60).round().astype(int)
    ref = refit_loop(problem, placements[idx])
    assert fast[4].all()
    np.testing.assert_allclose(fast[1][idx], ref[1], rtol=0, atol=1e-7)
    np.testing.assert_allclose(fast[0][idx], ref[0], rtol=0, atol=1e-7)


def test_blas_threads_limited_inside_and_restored():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from trends.robust._threads import blas_threads_limited

    def blas_threads():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas"]

    before = blas_threads()
    with blas_threads_limited():
        assert all(n == 1 for n in blas_threads())
        with blas_threads_limited():  # nested: still one, and the outer restore still works
            assert all(n == 1 for n in blas_threads())
        assert all(n == 1 for n in blas_threads())
    assert blas_threads() == before


def test_no_progress_bar_imports_no_tqdm():
    import subprocess
    import sys

    code = ("import sys, numpy as np, pandas as pd, trends\n"
            "from trends.robust import break_date_grid\n"
            "m = pd.period_range('2010-01', periods=40, freq='M')\n"
            "df = pd.DataFrame({'month': m.astype(str), 'y': np.arange(40.) % 7 + 3})\n"
            "break_date_grid(trends.ITS(df, outcome='y', date='month', family='poisson',\n"
            "    interruptions={'a': '2011-06'}))\n"
            "print(sorted(k for k in sys.modules if k.split('.')[0] in "
            "('tqdm', 'asyncio')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("family", ["poisson", "quasipoisson"])
def test_grid_tolerance_against_tightly_converged_statsmodels(monkeypatch, family):
    """The grid's Newton tolerance (:data:`trends.robust.grid.GRID_TOL`) against statsmodels
    converged far tighter than its default (tol 1e-12): llf to 1e-8, coefficients to 1e-7,
    coarse to fine on a 120-month grid."""
    import statsmodels.api as sm

    monkeypatch.setattr(grid_mod, "_CONTINUATION_MIN", 0)
    problem = _problem(family, n=120, seed=3)
    placements = admissible_placements(problem, 3)
    fast = fit_placements(problem, placements)
    assert fast[4].all()
    base = problem.base.to_numpy(dtype=float)
    q = base.shape[1]
    scale = grid_mod.quasi_scale(problem) if family == "quasipoisson" else None
    idx = np.random.default_rng(5).choice(len(placements), 40, replace=False)
    for i in idx:
        X = np.column_stack([base, problem.break_columns(placements[i: i + 1])[0].T])
        ref = sm.GLM(problem.y, X, family=sm.families.Poisson()).fit(tol=1e-12, maxiter=200,
                                                                      scale=scale)
        np.testing.assert_allclose(fast[1][i], ref.llf, rtol=0, atol=1e-8)
        np.testing.assert_allclose(fast[0][i], ref.params[q:], rtol=0, atol=1e-7)
