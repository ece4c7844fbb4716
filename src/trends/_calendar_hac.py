"""Calendar-time Newey-West (HAC) covariance for series with missing periods.

Statsmodels' ``cov_type="HAC"`` treats consecutive *used rows* as adjacent in time: with gaps,
"lag 1" can join months a year apart. Here the score contribution of every used row is placed
at its calendar position, with zeros in the missing periods, so that a lag counts *periods*:

.. math::

    S = \\sum_{l=-L}^{L} w_l \\sum_{t} s_t s_{t-l}', \\qquad w_l = 1 - |l| / (L + 1),

where ``s_t`` is the per-observation score (zero when period ``t`` is missing) and the sum runs
over the calendar of each series (for a controlled ITS, within each series only, never across
series). The covariance is the sandwich ``H^{-1} S H^{-1}`` with the same bread as statsmodels'
HAC: ``(X'X)^{-1}`` and ``x_t u_t`` scores for OLS, the inverse negative Hessian and
``score_obs`` for GLMs and the NB2 model (whose score and Hessian include the dispersion
``alpha``; the regression block of the result does not depend on how alpha is parameterised).
Without gaps it equals statsmodels' ``HAC`` exactly.

Small-sample factor (``small=True``): ``S`` is multiplied by ``n / (n - k)`` with ``n`` the
number of *used* rows (not calendar periods) and ``k`` the number of columns of the score:
the regression coefficients, **plus one for NB2's alpha** (this is statsmodels'
``use_correction=True`` for ``cov_hac``, which counts ``xu.shape[1]``). R's
``sandwich::NeweyWest(fit, lag = L, prewhite = FALSE, adjust = TRUE)`` uses ``n / (n - k)``
with ``k = ncol(estfun(fit))``, the regression coefficients only; for a ``MASS::glm.nb`` fit it
also treats theta as known in the bread, so for NB2 R differs from ``trends`` both in ``k``
(by one) and in the bread (see ``tests/results/calendar_hac/``, which stores R's numbers with
the script that made them). For OLS, Poisson and quasi-Poisson the two agree exactly (row time),
and R's ``NeweyWest`` has no calendar placement; the reference script builds it by hand from
``estfun`` and ``bread``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["calendar_positions", "hac_meat", "calendar_hac", "apply_calendar_hac"]


def calendar_positions(design: Any) -> tuple[np.ndarray, np.ndarray]:
    """Calendar position (0-based, within its series) and series code of every used row.

    Parameters
    ----------
    design
        A :class:`trends.design.Design` (or multi-source design): ``used`` and ``treated``.

    Returns
    -------
    positions, groups : ndarray
        Integer arrays, one entry per used row.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> df = pd.DataFrame({"month": pd.period_range("2020-01", periods=8, freq="M"),
    ...                    "y": [1.0, 2, np.nan, 3, 4, 6, 5, 7]})
    >>> d = trends.ITS(df, outcome="y", date="month", interruptions={"x": "2020-05"}).design()
    >>> [a.tolist() for a in calendar_positions(d)]
    [[0, 1, 3, 4, 5, 6, 7], [0, 0, 0, 0, 0, 0, 0]]
    """
    used = np.asarray(design.used, dtype=bool)
    n_grid = len(used)
    n_per = int(np.asarray(design.treated).sum())
    rows = np.flatnonzero(used)
    return rows % n_per, rows // n_per if n_grid != n_per else np.zeros(len(rows), dtype=int)


def hac_meat(scores: np.ndarray, time: np.ndarray, lags: int,
             groups: np.ndarray | None = None) -> np.ndarray:
    """Bartlett-kernel HAC "meat" with the scores placed on the calendar.

    Parameters
    ----------
    scores
        ``n x k`` or ``B x n x k`` per-observation scores (a batch of fits sharing ``time``).
    time
        Calendar position of each row (non-negative integers, strictly increasing within a
        series). ``np.arange(n)`` gives the usual row-adjacent HAC.
    lags
        Bartlett truncation lag ``L`` (in periods).
    groups
        Series code of each row (HAC within series only), or ``None`` for one series.

    Returns
    -------
    ndarray
        ``k x k`` (or ``B x k x k``) matrix ``sum_l w_l sum_t s_t s_{t-l}'``.

    Examples
    --------
    A gap in the calendar (position 2 missing) removes the lag-1 product across it:

    >>> import numpy as np
    >>> hac_meat(np.ones((4, 1)), np.arange(4), lags=1)
    array([[7.]])
    >>> hac_meat(np.ones((4, 1)), np.array([0, 1, 3, 4]), lags=1)
    array([[6.]])
    """
    s = np.asarray(scores, dtype=float)
    single = s.ndim == 2
    if single:
        s = s[None]
    B, n, k = s.shape
    time = np.asarray(time, dtype=int)
    g = np.zeros(n, dtype=int) if groups is None else np.asarray(groups, dtype=int)
    T = int(time.max()) + 1 if n else 0
    G = int(g.max()) + 1 if n else 0
    Z = np.zeros((B, G * (T + lags + 1), k))  # each series padded so lags never cross series
    Z[:, g * (T + lags + 1) + time] = s
    S = np.einsum("bti,btj->bij", Z, Z)
    for lag in range(1, int(lags) + 1):
        w = 1.0 - lag / (lags + 1.0)
        G_l = np.einsum("bti,btj->bij", Z[:, lag:], Z[:, :-lag])
        S += w * (G_l + np.swapaxes(G_l, 1, 2))
    return S[0] if single else S


def calendar_hac(scores: np.ndarray, hessian_inv: np.ndarray, time: np.ndarray, lags: int,
                 small: bool = False, groups: np.ndarray | None = None) -> np.ndarray:
    """Sandwich ``H^{-1} S H^{-1}`` with the calendar-time meat of :func:`hac_meat`;
    ``small`` multiplies by ``n / (n - k)`` (``k`` = columns of ``scores``).

    Parameters
    ----------
    scores, time, lags, groups
        As for :func:`hac_meat`.
    hessian_inv
        Inverse of the (negative) Hessian, ``k x k`` (or ``B x k x k``).
    small
        Small-sample factor ``n / (n - k)``.

    Returns
    -------
    ndarray
        The covariance, ``k x k`` (or ``B x k x k``).

    Examples
    --------
    >>> import numpy as np
    >>> calendar_hac(np.ones((4, 1)), np.eye(1), np.array([0, 1, 3, 4]), lags=1)
    array([[6.]])
    """
    S = hac_meat(scores, time, lags, groups)
    V = hessian_inv @ S @ np.swapaxes(hessian_inv, -1, -2)
    if small:
        n, k = np.shape(scores)[-2:]
        V = V * (n / (n - k))
    return V


def sandwich_arrays(res: Any, design: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-observation scores and the bread of a statsmodels fit, as statsmodels' HAC uses."""
    from statsmodels.regression.linear_model import RegressionModel

    model = res.model
    if isinstance(model, RegressionModel):  # least squares: scores X e, bread (X'X)^-1
        X = np.asarray(model.exog, dtype=float)
        resid = np.asarray(res.resid, dtype=float)
        return X * resid[:, None], np.asarray(res.normalized_cov_params, dtype=float)
    params = np.asarray(res.params, dtype=float)
    return (np.asarray(model.score_obs(params), dtype=float),
            np.linalg.inv(-np.asarray(model.hessian(params), dtype=float)))


def apply_calendar_hac(res: Any, design: Any, lags: int, small: bool) -> Any:
    """Replace the covariance of the statsmodels result ``res`` (fitted with the row-time HAC,
    whose ``use_t`` convention it keeps) by the calendar-time HAC one, as statsmodels' own
    robust covariances do (``cov_params_default``), and clear the cached standard errors and
    tests.

    Parameters
    ----------
    res
        A statsmodels results object (GLM or OLS) fitted with ``cov_type="HAC"``.
    design
        Its design (for :func:`calendar_positions`).
    lags, small
        Bartlett lags and the small-sample factor.

    Returns
    -------
    statsmodels results
        ``res`` itself, modified.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> df = pd.DataFrame({"month": pd.period_range("2020-01", periods=12, freq="M"),
    ...                    "y": [1.0, 2, np.nan, 3, 4, 6, 5, 7, 6, 8, 9, 8]})
    >>> r = trends.ITS(df, outcome="y", date="month", interruptions={"x": "2020-07"},
    ...                cov="hac:2:calendar").fit()
    >>> r.cov.shape
    (4, 4)
    """
    xu, bread = sandwich_arrays(res, design)
    time, groups = calendar_positions(design)
    V = calendar_hac(xu, bread, time, lags, small, groups)
    inner = getattr(res, "_results", res)
    inner.cov_params_default = V
    inner.cov_type = "HAC-calendar"
    inner.cov_kwds = {"maxlags": int(lags), "use_correction": bool(small),
                      "description": "Newey-West HAC with scores placed on the calendar "
                                     "(zeros in missing periods)"}
    cache = getattr(inner, "_cache", None)
    if isinstance(cache, dict):
        cache.clear()
    return res


def calendar_record(rec: Any, design: Any, lags: int, small: bool) -> Any:
    """The :class:`~trends.fitrecord.FitRecord` ``rec`` (fitted with the row-time HAC) with its
    covariance, standard errors and p-values replaced by the calendar-time HAC ones."""
    from dataclasses import replace

    raw = apply_calendar_hac(rec.raw, design, lags, small)
    k = len(rec.params)
    cov = np.asarray(raw.cov_params(), dtype=float)[:k, :k]
    ro = []
    for a in (cov, np.asarray(raw.bse, dtype=float)[:k], np.asarray(raw.pvalues, dtype=float)[:k]):
        a = np.array(a)
        a.setflags(write=False)
        ro.append(a)
    return replace(rec, cov=ro[0], bse=ro[1], pvalues=ro[2])
