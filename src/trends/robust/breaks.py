"""Structural-break tests for gaussian (least-squares) models.

* :func:`sup_f_test`: the Quandt (1960) likelihood-ratio / Andrews (1993) sup-F test for one
  break at an unknown date, with asymptotic p-values from Hansen's (1997) response surface
  (:func:`hansen_pvalue`) or, optionally, a parametric bootstrap under the null.
* :func:`bai_perron`: Bai & Perron (1998, 2003) global minimisation of the sum of squared
  residuals over ``m`` breaks by dynamic programming, with Bai (1997) confidence intervals for
  the break dates.

Both follow the conventions of the R package strucchange (Zeileis et al. 2002; ``Fstats``,
``sctest``, ``breakpoints``, ``confint``), against which they are tested.

Assumptions (state them when reporting)
---------------------------------------
Andrews' and Hansen's asymptotics, and Bai's break-date distribution, assume regressors whose
second moments are stable over time (e.g. an intercept, stationary covariates), no break under
the null, and errors that are martingale differences (homoskedastic unless the ``het_*``
options say otherwise). A *trend* regressor violates the first assumption: the limiting
distribution of sup-F for a break in a trend differs (Vogelsang 1997), so for ITS models with a
``trend`` term the Hansen p-value is only indicative; ``pvalue="bootstrap"`` simulates the
statistic's distribution under the fitted null model instead (gaussian errors, fixed design),
which does not rely on those asymptotics but does assume independent normal errors.

References
----------
Andrews, D. W. K. (1993). Tests for parameter instability and structural change with unknown
change point. *Econometrica* 61(4), 821-856 (corrigendum 2003, 71(1), 395-397).
Hansen, B. E. (1997). Approximate asymptotic p values for structural-change tests. *Journal of
Business & Economic Statistics* 15(1), 60-67.
Bai, J. (1997). Estimation of a change point in multiple regression models. *Review of
Economics and Statistics* 79(4), 551-563.
Bai, J. & Perron, P. (2003). Computation and analysis of multiple structural change models.
*Journal of Applied Econometrics* 18(1), 1-22.
Zeileis, A., Leisch, F., Hornik, K. & Kleiber, C. (2002). strucchange: an R package for testing
for structural change in linear regression models. *Journal of Statistical Software* 7(2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from trends.errors import SpecificationError
from trends.families import get_family
from trends.robust._hansen1997 import SUP_BETA

__all__ = [
    "hansen_pvalue",
    "sup_f_critical_value",
    "sup_f_test",
    "SupFResult",
    "bai_perron",
    "BaiPerronResult",
    "argmax_cdf",
]


# ---------------------------------------------------------------------------------------------
# Hansen (1997) p-values


def hansen_pvalue(statistic: float, q: int, trim: float = 0.15, *, lam: float | None = None
                  ) -> float:
    """Asymptotic p-value of a sup-F (sup-Wald/LR/LM, chi-square scale) statistic.

    Parameters
    ----------
    statistic
        The sup statistic on the chi-square scale (``q`` times the F-form statistic).
    q
        Number of coefficients allowed to break (1 to 40; larger values use 40).
    trim
        Symmetric trimming ``pi0``: breaks searched in ``[pi0, 1 - pi0]`` of the sample.
    lam
        Instead of ``trim``, the ratio ``lambda = pi2 (1 - pi1) / (pi1 (1 - pi2))`` of an
        asymmetric search interval (as strucchange computes it from the candidate range).

    Returns
    -------
    float
        The p-value, interpolated in Hansen's (1997) table between trimming values exactly as
        strucchange's ``pvalue.Fstats`` does.

    Examples
    --------
    >>> round(hansen_pvalue(8.85, q=1), 3)
    0.045
    """
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or q < 1:
        raise SpecificationError(f"q must be a positive integer (saw {q!r})")
    if lam is None:
        if not 0 < trim < 0.5:
            raise SpecificationError(f"trim must lie strictly between 0 and 0.5 (saw {trim!r})")
        lam = ((1 - trim) / trim) ** 2
    q = min(int(q), 40)
    tau = lam if lam < 1 else 1.0 / (1.0 + math.sqrt(lam))
    beta = np.asarray(SUP_BETA[q - 1])
    x = float(statistic)
    chi = float(stats.chi2.sf(x, q))
    if abs(tau - 0.5) < 1e-12:
        return chi

    def pp(i: int) -> float:  # row i (0-based): pi0 = 0.49 - 0.02 i
        b0, b1, nu = beta[i]
        return float(stats.chi2.sf(max(b0 + b1 * x, 0.0), nu))

    if tau <= 0.01:
        return pp(24)
    if tau >= 0.49:
        return ((0.5 - tau) * pp(0) + (tau - 0.49) * chi) * 100.0
    taua = (0.51 - tau) * 50.0
    tau1 = int(math.floor(taua))
    return (tau1 + 1 - taua) * pp(tau1 - 1) + (taua - tau1) * pp(tau1)


def sup_f_critical_value(q: int, level: float = 0.05, trim: float = 0.15) -> float:
    """Critical value (chi-square scale) of sup-F at ``level`` from Hansen's approximation.

    Parameters
    ----------
    q
        Number of coefficients allowed to break.
    level
        Test level, in (0, 1).
    trim
        Symmetric trimming.

    Returns
    -------
    float

    Examples
    --------
    >>> round(sup_f_critical_value(1), 2)
    8.61
    """
    if not 0 < level < 1:
        raise SpecificationError(f"level must lie in (0, 1) (saw {level!r})")
    f = lambda x: hansen_pvalue(x, q, trim) - level  # noqa: E731
    return float(optimize.brentq(f, 1e-6, 500.0, xtol=1e-10))


# ---------------------------------------------------------------------------------------------
# least squares helpers


def _ssr_many(Y: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Residual sums of squares of regressing each row of ``Y`` (``R x n``) on ``X``."""
    Q, R = np.linalg.qr(X)
    if np.min(np.abs(np.diag(R))) < 1e-10 * np.max(np.abs(np.diag(R))):
        return np.full(Y.shape[0], np.nan)
    proj = Y @ Q
    return np.einsum("rn,rn->r", Y, Y) - np.einsum("rp,rp->r", proj, proj)


def period_labels(index: pd.Index, who: str) -> list[str]:
    """Period labels (``2021-08``, ``2021Q3``, ``2021``...) of a Series index, or refuse.

    A usable index is a PeriodIndex, a DatetimeIndex of regular dates, or dates/years in any
    spelling :mod:`trends.dates` reads, unique and increasing. A default ``RangeIndex`` (or
    any ``0..n-1`` integer index) says nothing about time and is refused.
    """
    from trends import dates
    from trends.design import infer_freq

    advice = ("give the Series a PeriodIndex or DatetimeIndex (e.g. "
              "s.index = pd.period_range('2019-01', periods=len(s), freq='M')), pass an "
              "unfitted trends.ITS model, or pass s.to_numpy() to get 0-based positions")
    if pd.api.types.is_integer_dtype(index.dtype) and len(index) and (
            np.asarray(index) == np.arange(len(index))).all():
        raise SpecificationError(f"{who}: the Series has a default 0..n-1 index, so breaks "
                                 f"could not be reported as dates; {advice}")
    try:
        values = pd.Series(index)
        if isinstance(index, pd.DatetimeIndex):
            values = pd.Series(index.to_period(
                {"M": "M", "W": "W-SUN", "Q": "Q-DEC", "Y": "Y-DEC"}[infer_freq(values)]))
        periods, _ = dates.parse_column(values, column="index")
    except (SpecificationError, dates.DateError) as exc:
        reason = getattr(exc, "reason", str(exc))
        raise SpecificationError(f"{who}: the Series index is not a usable time index "
                                 f"({reason}); {advice}") from None
    ords = pd.PeriodIndex(periods).asi8
    if len(ords) > 1 and (np.diff(ords) <= 0).any():
        raise SpecificationError(f"{who}: the Series index is not unique and increasing; sort "
                                 "it by date (one observation per period)")
    return [str(p) for p in periods]


def _raw_outcome(data: Any, outcome: str | None, who: str) -> tuple[Any, list[str] | None]:
    """The outcome values and their period labels (``None`` for arrays) of raw input."""
    if isinstance(data, pd.DataFrame):
        if outcome is None:
            raise SpecificationError(
                f"{who}: a DataFrame ({data.shape[1]} column(s): {list(map(str, data.columns))})"
                " does not say which column is the outcome; pass outcome='COLUMN' (with the "
                "dates as the index), a Series, or an unfitted trends.ITS model")
        if outcome not in data.columns:
            raise SpecificationError(f"{who}: outcome column {outcome!r} is not in the data "
                                     f"(columns: {list(map(str, data.columns))})")
        data = data[outcome]
    elif outcome is not None:
        raise SpecificationError(f"{who}: outcome= names a column of a DataFrame; the data "
                                 f"are a {type(data).__name__}")
    if isinstance(data, pd.Series):
        return data.to_numpy(dtype=float), period_labels(data.index, who)
    arr = np.asarray(data, dtype=float)
    if arr.ndim > 1 and sum(d > 1 for d in arr.shape) > 1:
        raise SpecificationError(f"{who}: y has shape {arr.shape}; expected one series "
                                 "(a 1-d array or a Series)")
    return arr, None


def _as_arrays(y: Any, X: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
    yv = np.asarray(y, dtype=float).ravel()
    if X is None:
        Xv = np.ones((len(yv), 1))
        names = ["intercept"]
    else:
        names = [str(c) for c in X.columns] if isinstance(X, pd.DataFrame) else [
            f"x{i}" for i in range(np.asarray(X).reshape(len(yv), -1).shape[1])]
        Xv = np.asarray(X, dtype=float).reshape(len(yv), -1)
    if not np.all(np.isfinite(yv)) or not np.all(np.isfinite(Xv)):
        raise SpecificationError("y and X must be finite (drop missing rows first)")
    if Xv.shape[0] != len(yv):
        raise SpecificationError("y and X have different numbers of rows")
    return yv, Xv, names


# ---------------------------------------------------------------------------------------------
# sup-F


@dataclass(frozen=True)
class SupFResult:
    """Result of :func:`sup_f_test`.

    Attributes
    ----------
    statistic
        sup-F on the chi-square (Wald) scale: ``max_s (SSR0 - SSR_s) / (SSR_s / (n - p))``.
    f_statistic
        ``statistic / q``, the F-form tabulated e.g. by Stock & Watson.
    q
        Number of coefficients that break.
    pvalue
        p-value by ``method``.
    method
        ``"hansen"`` (asymptotic, Hansen 1997) or ``"bootstrap"``.
    break_index
        0-based index of the first observation of the new regime at the sup.
    break_label
        Its calendar label when the test came from a model (else the index as text).
    lam
        The search-interval parameter ``lambda`` passed to the p-value.
    stats
        Statistic at every candidate break (indexed by label).
    critical_values
        Hansen critical values at the 10%, 5% and 1% levels.

    Parameters
    ----------
    statistic, f_statistic, q, pvalue, method, break_index, break_label, lam, stats
        As the attributes (built by :func:`sup_f_test`).
    critical_values
        As the attribute.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> y = pd.Series(np.r_[np.zeros(30), np.ones(30)] + np.tile([0.1, -0.1], 30),
    ...               index=pd.period_range("2015-01", periods=60, freq="M"))
    >>> r = sup_f_test(y)
    >>> r.break_label, r.method, bool(r.pvalue < 0.01)
    ('2017-07', 'hansen', True)
    """

    statistic: float
    f_statistic: float
    q: int
    pvalue: float
    method: str
    break_index: int
    break_label: str
    lam: float
    stats: pd.Series = field(repr=False)
    critical_values: dict[str, float] = field(repr=False)


def sup_f_test(
    data: Any,
    X: Any = None,
    *,
    breaking: Any = None,
    outcome: str | None = None,
    trim: float = 0.15,
    pvalue: str = "hansen",
    n_boot: int = 999,
    seed: int | None = 0,
) -> SupFResult:
    """Quandt-Andrews sup-F test for one structural break at an unknown date.

    Parameters
    ----------
    data
        Either an unfitted gaussian :class:`trends.ITS` model, or the outcome ``y``: a Series
        with a time index (PeriodIndex, DatetimeIndex or date labels; the break is reported
        as its period label), a DataFrame with ``outcome=`` naming the column, or a 1-d
        array (the break is reported as a 0-based position). A DataFrame without
        ``outcome`` or a Series with a default 0..n-1 index is refused as ambiguous.
    outcome
        With a DataFrame ``data``: the outcome column.
    X
        With ``y``: the regressors (``n x k`` array or DataFrame; default an intercept).
    breaking
        With ``y``: the columns (names or indices) whose coefficients may break (default all:
        pure structural change). With a model: ignored; the break is the model's own change
        (level and/or slope) at an unknown date, the other terms held fixed (a partial
        structural change; for ``level+slope`` this is a break in intercept and trend).
    trim
        Search breaks between ``floor(trim n)`` and ``n - floor(trim n)`` observations.
    pvalue
        ``"hansen"`` (asymptotic) or ``"bootstrap"`` (parametric, gaussian, under the fitted
        null; see the module notes on trends).
    n_boot, seed
        Bootstrap replicates and seed (``numpy.random.default_rng``).

    Returns
    -------
    SupFResult

    Raises
    ------
    SpecificationError
        Non-gaussian model, bad ``trim``/``pvalue``, or too few observations.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> y = pd.Series(np.r_[np.zeros(30), np.ones(30)] + np.tile([0.1, -0.1], 30),
    ...               index=pd.period_range("2015-01", periods=60, freq="M"))
    >>> sup_f_test(y).break_label
    '2017-07'
    """
    if pvalue not in ("hansen", "bootstrap"):
        raise SpecificationError(f"pvalue must be 'hansen' or 'bootstrap' (saw {pvalue!r})")
    if not 0 < trim < 0.5:
        raise SpecificationError(f"trim must lie strictly between 0 and 0.5 (saw {trim!r})")
    if callable(getattr(data, "design", None)):
        y, X0, cand_cols, labels, q = _sup_f_model(data, trim)
    else:
        yraw, tlabels = _raw_outcome(data, outcome, "sup_f_test")
        y, X0, cand_cols, labels, q = _sup_f_arrays(yraw, X, breaking, trim)
        if tlabels is not None:  # the first period of the new regime
            labels = pd.Series([tlabels[i] for i in labels.index], index=labels.index)
    n = len(y)
    p1 = X0.shape[1] + q
    lo = labels.index[0]
    hi = labels.index[-1]
    lam = ((n - lo) * hi) / (lo * (n - hi))

    def sup_stats(Y: np.ndarray) -> np.ndarray:
        ssr0 = _ssr_many(Y, X0)
        out = np.empty((Y.shape[0], len(cand_cols)))
        for c, Z in enumerate(cand_cols):
            ssr1 = _ssr_many(Y, np.column_stack([X0, Z]))
            with np.errstate(divide="ignore", invalid="ignore"):  # perfect fit: not finite
                out[:, c] = (ssr0 - ssr1) / (ssr1 / (n - p1))
        return out

    F = sup_stats(y[None, :])[0]
    if not np.all(np.isfinite(F)):
        raise SpecificationError("some candidate breaks leave a regime without information; "
                                 "increase trim")
    best = int(np.argmax(F))
    stat = float(F[best])
    if pvalue == "hansen":
        pv = hansen_pvalue(stat, q, lam=lam)
    else:
        rng = np.random.default_rng(seed)
        beta0 = np.linalg.lstsq(X0, y, rcond=None)[0]
        fit0 = X0 @ beta0
        sigma = math.sqrt(float(np.sum((y - fit0) ** 2)) / (n - X0.shape[1]))
        Ystar = fit0[None, :] + sigma * rng.standard_normal((int(n_boot), n))
        sups = sup_stats(Ystar).max(axis=1)
        pv = float((1 + np.sum(sups >= stat)) / (1 + len(sups)))
    crit = {f"{int(a * 100)}%": sup_f_critical_value(q, a, trim) for a in (0.10, 0.05, 0.01)}
    return SupFResult(
        statistic=stat, f_statistic=stat / q, q=q, pvalue=float(pv), method=pvalue,
        break_index=int(labels.index[best]), break_label=str(labels.iloc[best]), lam=float(lam),
        stats=pd.Series(F, index=pd.Index(labels.to_numpy(), name="break"), name="F"),
        critical_values=crit,
    )


def _candidates(n: int, trim: float, k: int) -> np.ndarray:
    """strucchange's candidate range: new regime starts at 0-based ``from..to``."""
    lo = int(math.floor(trim * n))
    hi = n - lo
    lo = max(lo, k + 1)
    hi = min(hi, n - k - 1)
    if lo > hi:
        raise SpecificationError(f"too few observations ({n}) to search for a break with "
                                 f"trim={trim} and {k} breaking coefficients")
    return np.arange(lo, hi + 1)


def _sup_f_arrays(y: Any, X: Any, breaking: Any, trim: float):
    yv, Xv, names = _as_arrays(y, X)
    n, k = Xv.shape
    if breaking is None:
        idx = list(range(k))
    else:
        items = [breaking] if isinstance(breaking, (str, int, np.integer)) else list(breaking)
        idx = []
        for b in items:
            if isinstance(b, str):
                if b not in names:
                    raise SpecificationError(f"breaking column {b!r} not in X ({names})")
                idx.append(names.index(b))
            elif 0 <= int(b) < k:
                idx.append(int(b))
            else:
                raise SpecificationError(f"breaking column index {b!r} out of range")
    Zfull = Xv[:, idx]
    points = _candidates(n, trim, len(idx) if breaking is not None else k)
    obs = np.arange(n)
    cols = [Zfull * (obs >= s)[:, None] for s in points]
    labels = pd.Series([str(s) for s in points], index=points)
    return yv, Xv, cols, labels, len(idx)


def _sup_f_model(model: Any, trim: float):
    from trends.robust.problem import problem_from_model

    problem = problem_from_model(model, n_breaks=1)
    if not get_family(problem.family).closed_form:
        raise SpecificationError("sup_f_test needs a gaussian model (least squares)")
    n = len(problem.y)
    q = len(problem.break_terms)
    points = _candidates(n, trim, q)
    positions = problem.positions[points]
    Z = problem.break_columns(positions[:, None])  # B x q x n
    cols = [Z[i].T for i in range(len(points))]
    labels = pd.Series([problem.label(p) for p in positions], index=points)
    return problem.y, problem.base.to_numpy(dtype=float), cols, labels, q


# ---------------------------------------------------------------------------------------------
# Bai (1997) distribution of the break-date estimator


def argmax_cdf(x: float | np.ndarray, xi: float = 1.0, phi1: float = 1.0, phi2: float = 1.0
               ) -> np.ndarray:
    """CDF of ``argmax_s V(s)`` (Bai 1997, Proposition 3), as strucchange's ``pargmaxV``.

    ``V(s) = W1(-s) - |s|/2`` for ``s <= 0`` and ``sqrt(xi) (phi2/phi1) W2(s) - xi |s|/2`` for
    ``s > 0``; ``xi`` is the ratio of the regressor moments and ``phi1, phi2`` the error
    standard deviations of the two regimes. With ``xi = phi1 = phi2 = 1`` the distribution is
    symmetric and its 97.5% quantile is 11.03 (Bai 1997, Table 1).

    Parameters
    ----------
    x
        Points (in units of the break-size-scaled time).
    xi, phi1, phi2
        Moment ratio and the two regimes' error standard deviations.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> round(float(argmax_cdf(11.03)), 3)
    0.975
    """
    x = np.asarray(x, dtype=float)
    phi = xi * (phi2 / phi1) ** 2
    ax = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac1 = xi / phi
        g1 = (-np.exp(np.log(ax) / 2 - ax / 8 - np.log(2 * np.pi) / 2)
              - (phi / xi * (phi + 2 * xi) / (phi + xi))
              * np.exp(frac1 * (1 + frac1) * ax / 2
                       + stats.norm.logcdf(-(0.5 + frac1) * np.sqrt(ax)))
              + np.exp(np.log(ax / 2 - 2 + (phi + 2 * xi) ** 2 / ((phi + xi) * xi))
                       + stats.norm.logcdf(-np.sqrt(ax) / 2)))
        frac2 = xi**2 / phi
        g2 = (1 + np.sqrt(frac2) * np.exp(np.log(ax) / 2 - frac2 * ax / 8 - np.log(2 * np.pi) / 2)
              + (xi / phi * (2 * phi + xi) / (phi + xi))
              * np.exp((phi + xi) * ax / 2
                       + stats.norm.logcdf(-(phi + xi / 2) / np.sqrt(phi) * np.sqrt(ax)))
              - np.exp(np.log((2 * phi + xi) ** 2 / ((phi + xi) * phi) - 2 + frac2 * ax / 2)
                       + stats.norm.logcdf(-np.sqrt(frac2) * np.sqrt(ax) / 2)))
    return np.where(x < 0, g1, g2)


# ---------------------------------------------------------------------------------------------
# Bai-Perron


@dataclass(frozen=True)
class BaiPerronResult:
    """Result of :func:`bai_perron`.

    Attributes
    ----------
    breaks
        0-based index of the *last* observation of each regime but the last (strucchange's
        ``breakpoints`` minus one).
    labels
        Calendar label of the first period of each new regime (model input), else indices.
    ssr
        Minimal sum of squared residuals for ``n_breaks`` breaks.
    n_breaks
        Number of breaks (chosen by BIC when not given).
    confint
        DataFrame: ``lower``, ``break``, ``upper`` (0-based last-observation indices, Bai 1997
        interval at ``level``) and ``label_lower``/``label``/``label_upper``.
    ssr_by_breaks
        Minimal SSR for 0..max_breaks breaks, with BIC.
    coefficients
        Regression coefficients in each regime (rows) for the chosen partition.

    Parameters
    ----------
    breaks, labels, ssr, n_breaks, confint, ssr_by_breaks, coefficients
        As the attributes (built by :func:`bai_perron`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> y = pd.Series(np.r_[np.zeros(30), np.ones(30)] + np.tile([0.1, -0.1], 30),
    ...               index=pd.period_range("2015-01", periods=60, freq="M"))
    >>> b = bai_perron(y, n_breaks=1)
    >>> b.breaks, b.confint.columns.tolist()[:3]
    ((29,), ['lower', 'break', 'upper'])
    """

    breaks: tuple[int, ...]
    labels: tuple[str, ...]
    ssr: float
    n_breaks: int
    confint: pd.DataFrame
    ssr_by_breaks: pd.DataFrame
    coefficients: pd.DataFrame


def _segment_ssr(y: np.ndarray, X: np.ndarray, h: int) -> np.ndarray:
    """``SSR[i, j]`` of the regression on observations ``i..j`` (inclusive); NaN if shorter
    than ``h``. Uses cumulative cross-products, solved in one batch."""
    n, k = X.shape
    cxx = np.concatenate([np.zeros((1, k, k)), np.cumsum(X[:, :, None] * X[:, None, :], 0)])
    cxy = np.concatenate([np.zeros((1, k)), np.cumsum(X * y[:, None], 0)])
    cyy = np.concatenate([[0.0], np.cumsum(y * y)])
    i, j = np.triu_indices(n)
    keep = (j - i + 1) >= h
    i, j = i[keep], j[keep]
    A = cxx[j + 1] - cxx[i]
    b = cxy[j + 1] - cxy[i]
    d = np.sqrt(np.abs(np.diagonal(A, axis1=1, axis2=2)))
    d[d == 0] = 1
    coef = np.linalg.solve(A / d[:, :, None] / d[:, None, :], (b / d)[:, :, None])[:, :, 0]
    ssr = cyy[j + 1] - cyy[i] - np.einsum("bk,bk->b", coef, b / d)
    out = np.full((n, n), np.nan)
    out[i, j] = np.maximum(ssr, 0.0)
    return out


def bai_perron(
    data: Any,
    X: Any = None,
    *,
    n_breaks: int | None = None,
    max_breaks: int = 5,
    min_segment: int | float = 0.15,
    level: float = 0.95,
    het_reg: bool = True,
    het_err: bool = True,
    outcome: str | None = None,
) -> BaiPerronResult:
    """Dating structural breaks by global SSR minimisation (Bai & Perron 2003).

    Pure structural change: every coefficient of ``X`` may differ between regimes.

    Parameters
    ----------
    data
        The outcome ``y``, or an unfitted gaussian :class:`trends.ITS` model, whose
        ``intercept`` and ``trend`` are then the regressors (seasonal terms or covariates are
        refused: that would be a partial structural change). ``y`` is a Series with a time
        index (PeriodIndex, DatetimeIndex or date labels: breaks are reported as the period
        label of the first observation of each new regime), a DataFrame with ``outcome=``
        naming the column (dates as the index), or a 1-d array (labels are 0-based positions
        of the last observation of each regime). A DataFrame without ``outcome`` or a Series
        with a default 0..n-1 index is refused as ambiguous.
    X
        With ``y``: regressors (default an intercept: breaks in the mean).
    n_breaks
        Number of breaks; default chosen by BIC among ``0..max_breaks``.
    max_breaks
        Largest number of breaks considered (reduced to what ``min_segment`` allows).
    min_segment
        Minimum observations per regime ``h``: an integer, or a fraction of ``n`` (floored,
        strucchange's ``h``). Must exceed the number of regressors.
    level
        Confidence level of the break-date intervals.
    het_reg, het_err
        Let the regressor moments / error variance differ between adjacent regimes in the
        interval computation (Bai 1997; strucchange's defaults).
    outcome
        With a DataFrame ``data``: the outcome column.

    Returns
    -------
    BaiPerronResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> y = pd.Series(np.r_[np.zeros(30), np.ones(30)] + np.tile([0.1, -0.1], 30),
    ...               index=pd.period_range("2015-01", periods=60, freq="M"))
    >>> bai_perron(y, n_breaks=1).labels
    ('2017-07',)
    """
    labels: list[str] | None
    if callable(getattr(data, "design", None)):
        y, Xv, names, labels = _bp_model(data)
    else:
        yraw, labels = _raw_outcome(data, outcome, "bai_perron")
        y, Xv, names = _as_arrays(yraw, X)
    n, k = Xv.shape
    h = int(math.floor(min_segment * n)) if min_segment < 1 else int(min_segment)
    if h <= k:
        raise SpecificationError(
            f"min_segment ({h}) must exceed the number of regressors ({k})")
    if 2 * h > n:
        raise SpecificationError(
            f"min_segment ({h}) must be at most half the number of observations ({n})")
    if not 0 < level < 1:
        raise SpecificationError(f"level must lie in (0, 1) (saw {level!r})")
    possible = int(math.ceil(n / h)) - 2
    if n_breaks is not None:
        if isinstance(n_breaks, bool) or not isinstance(n_breaks, (int, np.integer)) or \
                n_breaks < 0:
            raise SpecificationError(f"n_breaks must be a non-negative integer (saw {n_breaks!r})")
        if n_breaks > possible:
            raise SpecificationError(
                f"n_breaks={n_breaks} is more than {n} observations allow with at least {h} "
                f"per regime (at most {possible})")
    M = max(possible, 0) if n_breaks is None else int(n_breaks)
    M = min(M, max_breaks) if n_breaks is None else M
    S = _segment_ssr(y, Xv, h)

    # dynamic programme: cost[m][j] = min SSR of obs 0..j with m breaks
    cost = [S[0].copy()]
    arg: list[np.ndarray] = [np.full(n, -1)]
    for m in range(1, M + 1):
        c = np.full(n, np.inf)
        a = np.full(n, -1)
        prev = cost[m - 1]
        for j in range((m + 1) * h - 1, n):
            i = np.arange(m * h - 1, j - h + 1)  # last obs of the previous regime
            tot = prev[i] + S[i + 1, j]
            if len(tot) and np.any(np.isfinite(tot)):
                best = int(np.nanargmin(tot))
                c[j], a[j] = tot[best], i[best]
        cost.append(c)
        arg.append(a)

    def partition(m: int) -> list[int]:
        bps: list[int] = []
        j = n - 1
        for mm in range(m, 0, -1):
            j = int(arg[mm][j])
            bps.append(j)
        return sorted(bps)

    rows = []
    for m in range(M + 1):
        ssr = float(cost[m][n - 1])
        df = (k + 1) * (m + 1)  # strucchange: coefficients and variance per regime
        ll = -0.5 * n * (math.log(2 * math.pi) + math.log(ssr / n) + 1)
        rows.append({"breaks": m, "ssr": ssr, "bic": -2 * ll + df * math.log(n)})
    table = pd.DataFrame(rows)
    m_sel = int(table["bic"].idxmin()) if n_breaks is None else int(n_breaks)
    bps = partition(m_sel)
    edges = [-1, *bps, n - 1]
    coefs = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        coefs.append(np.linalg.lstsq(Xv[a + 1: b + 1], y[a + 1: b + 1], rcond=None)[0])
    coef_df = pd.DataFrame(coefs, columns=names)
    ci = _bai_confint(y, Xv, bps, level, het_reg, het_err)

    def lab(i: float) -> str:
        if labels is None or not np.isfinite(i):
            return "" if not np.isfinite(i) else str(int(i))
        ii = int(min(max(i + 1, 0), n - 1))  # first obs of the new regime
        return labels[ii]

    ci["label_lower"] = [lab(v) for v in ci["lower"]]
    ci["label"] = [lab(v) for v in ci["break"]]
    ci["label_upper"] = [lab(v) for v in ci["upper"]]
    return BaiPerronResult(
        breaks=tuple(int(b) for b in bps),
        labels=tuple(lab(b) for b in bps),
        ssr=float(cost[m_sel][n - 1]),
        n_breaks=m_sel,
        confint=ci,
        ssr_by_breaks=table,
        coefficients=coef_df,
    )


def _bai_confint(y: np.ndarray, X: np.ndarray, bps: list[int], level: float,
                 het_reg: bool, het_err: bool) -> pd.DataFrame:
    """Bai (1997) intervals, ported from strucchange's ``confint.breakpointsfull``."""
    n = len(y)
    if not bps:
        return pd.DataFrame(columns=["lower", "break", "upper"], dtype=float)
    a2 = (1 - level) / 2
    beta_full = _piecewise_resid(y, X, bps)
    sigma_all = float(np.sum(beta_full**2)) / n
    Q_all = X.T @ X / n
    edges = [-1, *bps, n - 1]
    segs = [(edges[i] + 1, edges[i + 1] + 1) for i in range(len(edges) - 1)]

    def seg_fit(s: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, float]:
        Xs, ys = X[s[0]: s[1]], y[s[0]: s[1]]
        b = np.linalg.lstsq(Xs, ys, rcond=None)[0]
        r = ys - Xs @ b
        return b, Xs.T @ Xs / len(ys), float(r @ r) / len(ys)

    lower, upper = [], []
    b2, Q2s, s2s = seg_fit(segs[0])
    Q2 = Q2s if het_reg else Q_all
    sig2 = s2s if het_err else sigma_all
    for i in range(1, len(segs)):
        b1, Q1, sig1 = b2, Q2, sig2
        b2, Q2s, s2s = seg_fit(segs[i])
        Q2 = Q2s if het_reg else Q_all
        sig2 = s2s if het_err else sigma_all
        delta = b2 - b1
        qp1 = float(delta @ Q1 @ delta)
        qp2 = float(delta @ Q2 @ delta)
        xi = qp2 / qp1 if het_reg else 1.0
        phi1, phi2 = math.sqrt(sig1), math.sqrt(sig2)
        p0 = float(argmax_cdf(0.0, xi, phi1, phi2))
        if not np.isfinite(p0) or p0 < a2 or p0 > 1 - a2:
            lower.append(np.nan)
            upper.append(np.nan)
            continue
        ub, lb = 0.0, 0.0
        while argmax_cdf(ub, xi, phi1, phi2) < 1 - a2:
            ub += 1000
        while argmax_cdf(lb, xi, phi1, phi2) > a2:
            lb -= 1000
        # the roots are found within this iteration: bind its values explicitly
        up = optimize.brentq(lambda x, xi=xi, p1=phi1, p2=phi2:
                             float(argmax_cdf(x, xi, p1, p2)) - (1 - a2), 0, ub, xtol=1e-10)
        lo = optimize.brentq(lambda x, xi=xi, p1=phi1, p2=phi2:
                             float(argmax_cdf(x, xi, p1, p2)) - a2, lb, 0, xtol=1e-10)
        upper.append(up * phi1**2 / qp1)
        lower.append(lo * phi1**2 / qp1)
    bp = np.asarray(bps, dtype=float)
    up_arr, lo_arr = np.asarray(upper), np.asarray(lower)
    return pd.DataFrame({"lower": bp - np.ceil(up_arr), "break": bp,
                         "upper": bp - np.floor(lo_arr)})


def _piecewise_resid(y: np.ndarray, X: np.ndarray, bps: list[int]) -> np.ndarray:
    edges = [-1, *bps, len(y) - 1]
    out = np.empty_like(y)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        Xs, ys = X[a + 1: b + 1], y[a + 1: b + 1]
        out[a + 1: b + 1] = ys - Xs @ np.linalg.lstsq(Xs, ys, rcond=None)[0]
    return out


def _bp_model(model: Any) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    from trends.robust.problem import problem_from_model

    problem = problem_from_model(model)
    if not get_family(problem.family).closed_form:
        raise SpecificationError("bai_perron needs a gaussian model (least squares)")
    extra = [c for c in problem.base.columns if c not in ("intercept", "trend")]
    if extra:
        raise SpecificationError(
            f"bai_perron dates breaks in intercept and trend only; the model also has {extra} "
            "(a partial structural change); fit it without seasonality/covariates")
    X = problem.base
    labels = [problem.label(p) for p in problem.positions]
    return problem.y, X.to_numpy(dtype=float), [str(c) for c in X.columns], labels
