"""Calendar-time HAC (``cov="hac:L:calendar"``): hand computation, statsmodels without gaps,
and R's sandwich (stored reference, ``tests/results/calendar_hac/make_reference.R``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import trends
from trends._calendar_hac import calendar_hac, hac_meat
from trends.errors import SpecificationError
from trends.its import parse_cov

REF = Path(__file__).parent / "results" / "calendar_hac"


def _series() -> pd.DataFrame:
    d = pd.read_csv(REF / "series.csv")
    return pd.DataFrame({"month": pd.period_range("2019-01", periods=len(d), freq="M"),
                         "y": d["y"]})


def _fit(family: str, cov: str) -> trends.results.ITSResults:
    return trends.ITS(_series(), outcome="y", date="month", interruptions={"p": "2020-07"},
                      changes="level+slope", family=family, cov=cov).fit()


def test_parse_cov_calendar_forms() -> None:
    assert parse_cov("hac:3:calendar") == ("hac-calendar", 3, False)
    assert parse_cov("hac:3:calendar:small") == ("hac-calendar", 3, True)
    assert parse_cov("hac:3:small:calendar") == ("hac-calendar", 3, True)
    assert parse_cov(("hac", 3, "calendar")) == ("hac-calendar", 3, False)
    assert parse_cov(("hac", None, "calendar", "small")) == ("hac-calendar", None, True)
    for bad in ("hac:3:calendar:calendar", "hac:3:weekly", ("hac", 3, "small", "small"),
                "hac:3:calendar:small:x"):
        with pytest.raises(SpecificationError, match="not valid"):
            parse_cov(bad)


def test_hac_meat_matches_explicit_double_sum() -> None:
    """S = sum_{s,t in used} w(|pos_s - pos_t|) s_s s_t' with w(l) = 1 - l/(L+1) for l <= L."""
    rng = np.random.default_rng(3)
    pos = np.array([0, 1, 4, 5, 6, 9, 10, 13])
    sc = rng.normal(size=(len(pos), 3))
    L = 3
    S = np.zeros((3, 3))
    for i, a in enumerate(pos):
        for j, b in enumerate(pos):
            lag = abs(int(a) - int(b))
            if lag <= L:
                S += (1 - lag / (L + 1)) * np.outer(sc[i], sc[j])
    np.testing.assert_allclose(hac_meat(sc, pos, L), S, rtol=1e-13, atol=1e-13)
    # batched and grouped forms: series never mix
    g = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    Sg = hac_meat(sc[:4], pos[:4], L) + hac_meat(sc[4:], pos[4:], L)
    np.testing.assert_allclose(hac_meat(sc, pos, L, g), Sg, rtol=1e-13)
    np.testing.assert_allclose(hac_meat(np.stack([sc, 2 * sc]), pos, L)[1], 4 * S, rtol=1e-13)
    H = np.eye(3) * 2.0
    np.testing.assert_allclose(calendar_hac(sc, H, pos, L, small=True),
                               4 * S * len(pos) / (len(pos) - 3), rtol=1e-13)


@pytest.mark.parametrize("family", ["gaussian", "poisson", "quasipoisson", "negbin"])
@pytest.mark.parametrize("small", ["", ":small"])
def test_no_gaps_equals_statsmodels_hac(family: str, small: str) -> None:
    df = _series().assign(y=lambda d: d["y"].interpolate().round())
    kw = dict(outcome="y", date="month", interruptions={"p": "2020-07"}, family=family)
    a = trends.ITS(df, cov="hac:3" + small, **kw).fit()
    b = trends.ITS(df, cov="hac:3:calendar" + small, **kw).fit()
    np.testing.assert_allclose(b.cov.to_numpy(), a.cov.to_numpy(), rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(b.pvalues, a.pvalues, rtol=1e-9)


def test_poisson_calendar_by_hand() -> None:
    """Scores x_i (y_i - mu_i) on the calendar, bread (X' W X)^-1, written out with loops."""
    df = _series()
    res = _fit("poisson", "hac:2:calendar")
    d = res.design
    X, y = d.X.to_numpy(), d.y
    g = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    mu = g.fittedvalues
    bread = np.linalg.inv(X.T @ (mu[:, None] * X))
    pos = np.flatnonzero(df["y"].notna().to_numpy())
    sc = X * (y - mu)[:, None]
    S = np.zeros((4, 4))
    for i in range(len(y)):
        for j in range(len(y)):
            lag = abs(pos[i] - pos[j])
            if lag <= 2:
                S += (1 - lag / 3) * np.outer(sc[i], sc[j])
    np.testing.assert_allclose(res.cov.to_numpy(), bread @ S @ bread, rtol=1e-8)
    assert not res.use_t
    assert "calendar time" in res.summary()


def _r(model: str, kind: str) -> np.ndarray:
    ref = pd.read_csv(REF / "reference.csv")
    return ref.query("model == @model and kind == @kind")["std_error"].to_numpy()


@pytest.mark.parametrize("family", ["poisson", "gaussian"])
def test_matches_r_sandwich(family: str) -> None:
    """R: NeweyWest(prewhite = FALSE, adjust = FALSE/TRUE) in row time; calendar time from R's
    estfun and bread placed on the calendar (make_reference.R). Same k for these families."""
    for cov, kind in [("hac:2", "row"), ("hac:2:small", "row_adjust"),
                      ("hac:2:calendar", "calendar"), ("hac:2:calendar:small", "calendar_adjust")]:
        np.testing.assert_allclose(_fit(family, cov).std_errors.to_numpy(), _r(family, kind),
                                   rtol=2e-6, err_msg=f"{family} {cov}")


def test_negbin_differs_from_r_as_documented() -> None:
    """R's glm.nb + sandwich holds theta fixed (bread and k exclude it); trends' NB2 sandwich
    uses the joint Hessian and counts alpha in k. The small-sample factors differ by exactly
    (n - k_R) / (n - k_R - 1) when the breads are made equal, so compare the unadjusted ones
    loosely (bread differences are second order) and the factor exactly."""
    res = _fit("negbin", "hac:2:calendar")
    small = _fit("negbin", "hac:2:calendar:small")
    n, k = res.nobs, len(res.terms) + 1
    np.testing.assert_allclose(small.std_errors**2 / res.std_errors**2, n / (n - k), rtol=1e-10)
    r_un, r_adj = _r("negbin", "calendar"), _r("negbin", "calendar_adjust")
    np.testing.assert_allclose(r_adj**2 / r_un**2, n / (n - (k - 1)), rtol=1e-10)
    np.testing.assert_allclose(res.std_errors.to_numpy(), r_un, rtol=0.05)
