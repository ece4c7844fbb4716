"""The fast paths of the batched engine: break columns described by dates (never formed),
starting values, and the coarse-to-fine order of a grid, against statsmodels fitted directly."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm

from trends.errors import SpecificationError
from trends.robust.engine import BreakColumns, fit_batch
from trends.robust.grid import _continuation

N = 84


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(7)
    # calendar positions with two gaps: the break columns count calendar time
    t = np.delete(np.arange(N + 3, dtype=float), [10, 40, 41])
    season = np.eye(12)[t.astype(int) % 12][:, 1:]
    base = np.column_stack([np.ones(N), t + 1.0, season])
    at = np.array([[12, 30], [20, 24], [25, 60], [5, 80], [44, 49], [50, 70], [41, 55]])
    changes = (("level", "slope"), ("slope", "level"))
    mu = np.exp(1.7 + 0.005 * t + 0.4 * (t >= 50) + 0.2 * np.cos(2 * np.pi * t / 12))
    offset = np.log(rng.uniform(0.5, 2.0, N))
    data = {
        "poisson": rng.poisson(mu * np.exp(offset)).astype(float),
        "negbin": rng.negative_binomial(3, 3 / (3 + mu * np.exp(offset))).astype(float),
    }
    return t, base, at, changes, offset, data


def _columns(t, at, changes):
    out = []
    for row in at:
        cols = []
        for j, ch in enumerate(changes):
            for c in ch:
                cols.append((t >= row[j]).astype(float) if c == "level"
                            else np.maximum(t - row[j], 0.0))
        out.append(cols)
    return np.asarray(out)


def test_break_columns_toarray(setup):
    t, base, at, changes, _, _ = setup
    br = BreakColumns(t, at, changes)
    assert br.shape == (len(at), 4, N)
    np.testing.assert_array_equal(br.toarray(), _columns(t, at, changes))
    np.testing.assert_array_equal(br[np.array([2, 0])].toarray(),
                                  _columns(t, at[[2, 0]], changes))
    with pytest.raises(SpecificationError):
        BreakColumns(t, at, (("level",),))
    with pytest.raises(SpecificationError):
        BreakColumns(t, at, (("level",), ("jump",)))


@pytest.mark.parametrize("family", ["poisson", "quasipoisson", "negbin", "gaussian"])
def test_break_columns_match_statsmodels(setup, family):
    t, base, at, changes, offset, data = setup
    y = data["negbin" if family == "negbin" else "poisson"]
    off = None if family == "gaussian" else offset
    extra = _columns(t, at, changes)
    res = fit_batch(y, base, BreakColumns(t, at, changes), family=family, offset=off)
    dense = fit_batch(y, base, extra, family=family, offset=off)
    assert res.converged.all()
    np.testing.assert_allclose(res.params, dense.params, rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.llf, dense.llf, rtol=0, atol=1e-8)
    for i in range(len(at)):
        X = np.column_stack([base, extra[i].T])
        if family == "gaussian":
            ref = sm.OLS(y, X).fit()
            params = ref.params
        elif family == "negbin":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # Newton from statsmodels' own start can fail here: start it at our optimum
                ref = sm.NegativeBinomial(y, X, offset=off, loglike_method="nb2").fit(
                    start_params=np.append(res.params[i], res.alpha[i]), method="newton",
                    maxiter=200, tol=1e-12, disp=0)
            params = ref.params[:-1]
        else:
            ref = sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit(
                scale="X2" if family == "quasipoisson" else None, tol=1e-12)
            params = ref.params
        atol = 1e-6 if family == "negbin" else 1e-8
        np.testing.assert_allclose(res.params[i], params, rtol=0, atol=atol)
        np.testing.assert_allclose([res.llf[i], res.aic[i], res.bic[i]],
                                   [ref.llf, ref.aic, ref.bic], rtol=0, atol=1e-7)


@pytest.mark.parametrize("family", ["poisson", "negbin"])
def test_starting_values_change_nothing_but_iterations(setup, family):
    t, base, at, changes, offset, data = setup
    y = data[family]
    br = BreakColumns(t, at, changes)
    plain = fit_batch(y, base, br, family=family, offset=offset)
    rng = np.random.default_rng(1)
    start = plain.params + rng.normal(0, 0.05, plain.params.shape)
    start[1] = np.nan  # a row without a usable start falls back to the default
    started = fit_batch(y, base, br, family=family, offset=offset, start=start)
    assert started.converged.all()
    atol = 1e-6 if family == "negbin" else 1e-8  # as for negbin against statsmodels
    np.testing.assert_allclose(started.params, plain.params, rtol=0, atol=atol)
    np.testing.assert_allclose(started.llf, plain.llf, rtol=0, atol=1e-9)
    with pytest.raises(SpecificationError):
        fit_batch(y, base, br, family=family, start=start[:, :3])


def test_continuation_covers_every_design_once_after_its_neighbours():
    reps = np.array([[a, b] for a in range(3, 20) for b in range(a + 3, 40)])
    stages = _continuation(reps)
    seen = np.zeros(len(reps), dtype=bool)
    for rows, lo, hi, frac in stages:
        assert not seen[rows].any()
        if lo is not None:
            assert seen[lo].all() and seen[hi].all()
            # neighbours along the last break (same earlier breaks) or, for the coarse level,
            # along the previous break
            for c in (-1, -2):
                same = np.all(np.delete(reps[lo] == reps[rows], c, axis=1), axis=1)
                between = (reps[lo, c] < reps[rows, c]) & (reps[rows, c] < reps[hi, c])
                assert np.all(between[same])
            assert np.all((frac > 0) & (frac < 1))
        seen[rows] = True
    assert seen.all()
    single = _continuation(np.arange(5, 30)[:, None])
    assert sum(len(s[0]) for s in single) == 25


@pytest.mark.parametrize("family", ["poisson", "negbin"])
def test_break_columns_flag_unidentifiable_designs(setup, family):
    t, base, _, changes, offset, data = setup
    y = data[family]
    # two breaks on the same date (duplicate columns), one past the last observation (a zero
    # column), and a slope over a single observation (level and slope columns proportional)
    at = np.array([[30, 30], [20, 500], [12, 30], [30, 86]])
    res = fit_batch(y, base, BreakColumns(t, at, changes), family=family, offset=offset)
    dense = fit_batch(y, base, _columns(t, at, changes), family=family, offset=offset)
    np.testing.assert_array_equal(np.isnan(res.params).all(axis=1),
                                  np.isnan(dense.params).all(axis=1))
    assert np.isnan(res.params[[0, 1, 3]]).all() and not np.isnan(res.llf[2])
