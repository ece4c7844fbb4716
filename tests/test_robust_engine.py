"""The batched GLM engine against statsmodels fitted directly, one model at a time."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm

from trends.errors import SpecificationError
from trends.robust.engine import fit_batch

N = 96


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(20240501)
    t = np.arange(N, dtype=float)
    season = np.eye(12)[np.arange(N) % 12][:, 1:]
    base = np.column_stack([np.ones(N), t, season])
    breaks = np.array([20, 35, 50, 61, 77, 88])
    extra = np.stack([np.stack([(t >= b).astype(float), np.maximum(t - b, 0.0)])
                      for b in breaks])
    mu = np.exp(1.8 + 0.006 * t + 0.5 * (t >= 60) + 0.2 * np.cos(2 * np.pi * t / 12))
    offset = np.log(rng.uniform(0.5, 2.0, N))
    data = {
        "gaussian": rng.normal(mu, 1.5),
        "poisson": rng.poisson(mu * np.exp(offset)).astype(float),
        "negbin": rng.negative_binomial(3, 3 / (3 + mu * np.exp(offset))).astype(float),
    }
    return base, extra, offset, data


def _design(base, extra, i):
    return np.column_stack([base, extra[i].T])


def test_gaussian_matches_ols(setup):
    base, extra, _, data = setup
    y = data["gaussian"]
    res = fit_batch(y, base, extra, family="gaussian")
    for i in range(len(extra)):
        ols = sm.OLS(y, _design(base, extra, i)).fit()
        np.testing.assert_allclose(res.params[i], ols.params, rtol=0, atol=1e-8)
        np.testing.assert_allclose([res.llf[i], res.aic[i], res.bic[i], res.scale[i]],
                                   [ols.llf, ols.aic, ols.bic, ols.scale], rtol=1e-12)
    assert res.converged.all()


@pytest.mark.parametrize("family", ["poisson", "quasipoisson"])
def test_poisson_matches_glm_with_offset(setup, family):
    base, extra, offset, data = setup
    y = data["poisson"]
    res = fit_batch(y, base, extra, family=family, offset=offset)
    for i in range(len(extra)):
        X = _design(base, extra, i)
        glm = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(
            scale="X2" if family == "quasipoisson" else None, tol=1e-12)
        np.testing.assert_allclose(res.params[i], glm.params, rtol=0, atol=1e-8)
        np.testing.assert_allclose([res.llf[i], res.aic[i], res.bic[i]],
                                   [glm.llf, glm.aic, glm.bic], rtol=0, atol=1e-8)
        if family == "quasipoisson":
            assert res.scale[i] == pytest.approx(glm.scale, rel=1e-9)


def test_quasipoisson_common_scale_matches_glm(setup):
    base, extra, offset, data = setup
    y = data["poisson"]
    res = fit_batch(y, base, extra, family="quasipoisson", offset=offset, quasi_scale=1.7)
    for i in range(len(extra)):
        glm = sm.GLM(y, _design(base, extra, i), family=sm.families.Poisson(),
                     offset=offset).fit(scale=1.7, tol=1e-12)
        assert res.llf[i] == pytest.approx(glm.llf, abs=1e-8)
        assert res.aic[i] == pytest.approx(glm.aic, abs=1e-8)
    with pytest.raises(SpecificationError, match="quasi_scale"):
        fit_batch(y, base, extra, family="poisson", quasi_scale=1.7)
    with pytest.raises(SpecificationError, match="quasi_scale"):
        fit_batch(y, base, extra, family="quasipoisson", quasi_scale=0.0)


def test_negbin_profile_matches_discrete_nb2(setup):
    base, extra, offset, data = setup
    y = data["negbin"]
    res = fit_batch(y, base, extra, family="negbin", offset=offset)
    for i in range(len(extra)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = sm.NegativeBinomial(y, _design(base, extra, i), offset=offset,
                                     loglike_method="nb2").fit(method="newton", maxiter=200,
                                                               tol=1e-12, disp=0)
        # the NB2 likelihood is flat in weakly identified directions: 1e-6 on coefficients
        np.testing.assert_allclose(res.params[i], nb.params[:-1], rtol=0, atol=1e-6)
        assert res.alpha[i] == pytest.approx(nb.params[-1], abs=1e-7)
        np.testing.assert_allclose([res.llf[i], res.aic[i], res.bic[i]],
                                   [nb.llf, nb.aic, nb.bic], rtol=0, atol=1e-8)


def test_negbin_fixed_alpha_matches_glm(setup):
    base, extra, offset, data = setup
    y = data["negbin"]
    res = fit_batch(y, base, extra, family="negbin", offset=offset, alpha=0.4)
    assert res.k_params == base.shape[1] + 2  # alpha fixed: not counted
    for i in range(len(extra)):
        glm = sm.GLM(y, _design(base, extra, i), offset=offset,
                     family=sm.families.NegativeBinomial(alpha=0.4)).fit(tol=1e-12)
        # statsmodels stops on the deviance change: its coefficients are good to ~1e-8
        np.testing.assert_allclose(res.params[i], glm.params, rtol=0, atol=1e-7)
        assert res.llf[i] == pytest.approx(glm.llf, abs=1e-8)
        assert res.aic[i] == pytest.approx(glm.aic, abs=1e-8)


@pytest.mark.parametrize("family", ["gaussian", "poisson", "negbin"])
def test_many_outcomes_one_design(setup, family):
    base, extra, _, data = setup
    X = _design(base, extra, 3)
    rng = np.random.default_rng(7)
    y = data["poisson" if family != "gaussian" else "gaussian"]
    Y = np.stack([y, y[rng.permutation(N)], np.maximum(y + rng.integers(-1, 2, N), 0)])
    res = fit_batch(Y, X, None, family=family)
    for i in range(len(Y)):
        one = fit_batch(Y[i], X, None, family=family)
        np.testing.assert_allclose(res.params[i], one.params[0], rtol=0, atol=1e-7)
        assert res.llf[i] == pytest.approx(one.llf[0], abs=1e-7)


def test_unidentifiable_fit_is_nan_not_garbage(setup):
    base, extra, _, data = setup
    dup = np.concatenate([extra[:2], extra[:2, :1]], axis=1)  # level column twice: singular
    ok = fit_batch(data["poisson"], base, extra[:2], family="poisson")
    bad = fit_batch(data["poisson"], base, dup, family="poisson")
    assert np.isfinite(ok.llf).all()
    assert np.isnan(bad.llf).all() and not bad.converged.any()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"family": "binomial"}, "unknown family"),
        ({"family": "gaussian", "offset": np.zeros(N)}, "offset needs a count family"),
        ({"family": "poisson", "alpha": 0.5}, "alpha applies to the negbin"),
        ({"family": "negbin", "alpha": -1.0}, "alpha must be a positive"),
        ({"family": "poisson", "offset": np.zeros(3)}, "one value per observation"),
    ],
)
def test_bad_arguments(setup, kwargs, match):
    base, extra, _, data = setup
    with pytest.raises(SpecificationError, match=match):
        fit_batch(data["poisson"], base, extra, **kwargs)


def test_bad_shapes_and_values(setup):
    base, extra, _, data = setup
    y = data["poisson"]
    with pytest.raises(SpecificationError, match="shape"):
        fit_batch(y, base, extra[:, :, :10], family="poisson")
    with pytest.raises(SpecificationError, match="different numbers of rows"):
        fit_batch(y[:10], base, None, family="poisson")
    with pytest.raises(SpecificationError, match="non-negative"):
        fit_batch(-y, base, None, family="poisson")
    with pytest.raises(SpecificationError, match="cannot identify"):
        fit_batch(y[:5], base[:5], None, family="gaussian")
    with pytest.raises(SpecificationError, match="batch size"):
        fit_batch(np.stack([y, y]), base, extra, family="poisson")


def test_public_api_resolves():
    import trends
    import trends.robust as robust

    assert trends.robust is robust
    for name in robust.__all__:
        assert getattr(robust, name) is not None
    with pytest.raises(AttributeError):
        _ = robust.no_such_function
