"""Window estimands, hat values and the leverage warning of an ITS fit.

Module-level functions of a fitted :class:`~trends.results.ITSResults`; the results' methods
``window_effects()`` and ``leverage()`` call them.

Window effects
--------------
For a window ``[start, end]`` (inclusive calendar periods of the treated series), ``fitted`` and
``counterfactual`` are the model's mean predictions summed over *every* period of the window
(missing periods included), ``observed`` the sum of the outcome over its observed periods. The
counterfactual switches off every interruption term (level and slope; ``group:`` terms of a
controlled ITS) whose interruption starts inside or before the window, i.e. at or before
``end``. ``excess = fitted - counterfactual`` with a delta-method interval (gradient
``sum_t mu1_t x1_t - mu0_t x0_t`` for log links, ``sum_t x1_t - x0_t`` for gaussian);
``ratio = fitted / counterfactual`` with the delta-method interval of ``log(ratio)``
exponentiated (log links) or of the ratio itself (gaussian). Critical values are the model's
(normal, or t where the model uses t); the covariance is the model's.

Leverage rule
-------------
Hat values are ``h_i = w_i x_i' (X'WX)^{-1} x_i`` at the used rows with the IRLS weights of the
fit (1 for OLS, ``mu`` for Poisson and quasi-Poisson, ``mu / (1 + alpha mu)`` for NB2; for
ARMA-error models the OLS hat of the regression design). The rows that identify an
interruption's terms are the used rows of its segment: from its start up to the period before
the next interruption (or the end of the data); for a controlled ITS, the treated series' rows.
When the covariance is a sandwich (HC0-HC3 or HAC) and the largest hat value among those rows
exceeds :data:`LEVERAGE_THRESHOLD` (0.3; a segment of three observations has hat values of at
least 1/3), the terms are flagged: sandwich estimators are biased downwards at high-leverage
points, so their intervals are too narrow and tests over-reject.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from trends.errors import SpecificationError
from trends.families import get_family

__all__ = ["window_effects", "leverage", "leverage_notes", "LEVERAGE_THRESHOLD"]

#: largest hat value among a segment's rows above which sandwich covariances are flagged
LEVERAGE_THRESHOLD = 0.3

_COLUMNS = ["window", "start", "end", "n_periods", "n_observed", "observed", "fitted",
            "counterfactual", "excess", "excess_low", "excess_high", "ratio", "ratio_low",
            "ratio_high"]


def _weights(results: Any) -> np.ndarray:
    d = results.design
    fam = get_family(results.family)
    X = d.X.to_numpy()
    eta = X @ results.params.to_numpy() + (0.0 if d.offset is None else d.offset)
    return np.asarray(fam.irls_weights(fam.link.inverse(eta), results.dispersion), dtype=float)


def leverage(results: Any) -> pd.Series:
    """Hat values of the used rows (index: their periods), see the module docstring.

    Parameters
    ----------
    results
        Fitted :class:`trends.results.ITSResults`.

    Returns
    -------
    pandas.Series
        Hat values (GLM weights for count families), named ``leverage``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> df = pd.DataFrame({"month": pd.period_range("2020-01", periods=24, freq="M"),
    ...                    "y": np.r_[np.arange(12.0), np.arange(12.0) + 5] % 7 + 10})
    >>> res = trends.ITS(df, outcome="y", date="month", interruptions={"x": "2021-01"},
    ...                  cov="hac:2").fit()
    >>> leverage(res).round(3).iloc[:3].tolist()
    [0.295, 0.225, 0.169]
    """
    d = results.design
    X = d.X.to_numpy()
    w = _weights(results)
    A = np.linalg.pinv(X.T @ (w[:, None] * X))
    h = w * np.einsum("ij,jk,ik->i", X, A, X)
    return pd.Series(h, index=d.X.index, name="leverage")


def leverage_notes(results: Any) -> list[str]:
    """One warning sentence per interruption whose terms are identified by high-leverage
    observations under a sandwich covariance (empty otherwise); see the module docstring.

    Parameters
    ----------
    results
        Fitted :class:`trends.results.ITSResults`.

    Returns
    -------
    list of str
        The sentences (also :attr:`ITSResults.notes` and the :class:`LeverageWarning`).

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> df = pd.DataFrame({"month": pd.period_range("2020-01", periods=24, freq="M"),
    ...                    "y": np.r_[np.arange(12.0), np.arange(12.0) + 5] % 7 + 10})
    >>> res = trends.ITS(df, outcome="y", date="month", interruptions={"x": "2021-01"},
    ...                  cov="hac:2").fit()
    >>> leverage_notes(res)  # twelve periods after the interruption: no term at risk
    []
    """
    kind = results.spec.cov_spec[0]
    if kind == "nonrobust":
        return []
    d = results.design
    h = leverage(results).to_numpy()
    per = int(np.asarray(d.treated).sum())
    rows = np.flatnonzero(d.used)
    treated_used = rows < per
    periods = d.periods[rows]
    order = sorted(d.interruptions.items(), key=lambda kv: kv[1])
    prefix = "group:" if d.unit is not None else ""
    label = {"hac": "HAC", "hac-calendar": "calendar-time HAC"}.get(kind, kind)
    notes = []
    for i, (name, start) in enumerate(order):
        terms = [t for t in (f"{prefix}level[{name}]", f"{prefix}slope[{name}]")
                 if t in results.terms]
        if not terms:
            continue
        inside = treated_used & np.asarray(periods >= start)
        if i + 1 < len(order):
            inside &= np.asarray(periods < order[i + 1][1])
        if not inside.any():
            continue
        hmax = float(h[inside].max())
        if hmax > LEVERAGE_THRESHOLD:
            seg = periods[inside]
            notes.append(
                f"{' and '.join(terms)} rest on {int(inside.sum())} observation(s) "
                f"({seg[0]} to {seg[-1]}) with leverage up to {hmax:.2f} (> "
                f"{LEVERAGE_THRESHOLD}): {label} standard errors are biased downwards there, "
                "so intervals may be too narrow; check the test's size on this design with "
                "trends.robust.calibrate(results)")
    return notes


def _period(value: Any, results: Any, what: str) -> pd.Period:
    from trends.design import to_period

    try:
        return to_period(value, results.design.freq, what=what)
    except (SpecificationError, ValueError, TypeError) as exc:
        raise SpecificationError(f"windows: {what} {value!r} is not a period ({exc})") from None


def window_effects(results: Any, windows: Mapping[str, Any], alpha: float | None = None
                   ) -> pd.DataFrame:
    """Sums over windows of the fitted and counterfactual series (see the module docstring).

    Parameters
    ----------
    results
        A fitted :class:`~trends.results.ITSResults`.
    windows
        ``{name: (start, end)}``, inclusive periods inside the data's calendar.
    alpha
        1 - confidence level (default: the model's).

    Returns
    -------
    DataFrame
        ``window, start, end, n_periods, n_observed, observed, fitted, counterfactual, excess,
        excess_low, excess_high, ratio, ratio_low, ratio_high``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> df = pd.DataFrame({"month": pd.period_range("2020-01", periods=24, freq="M"),
    ...                    "y": np.r_[np.arange(12.0), np.arange(12.0) + 5] % 7 + 10})
    >>> res = trends.ITS(df, outcome="y", date="month", interruptions={"x": "2021-01"},
    ...                  cov="hac:2").fit()
    >>> window_effects(res, {"first": ("2021-01", "2021-06")})[["window", "n_periods"]]
      window  n_periods
    0  first          6
    """
    if not isinstance(windows, Mapping) or not windows:
        raise SpecificationError(f"windows={windows!r} is not valid; expected a non-empty "
                                 "mapping {name: (start, end)}")
    a = results._alpha(alpha)
    c = results._crit(a)
    d = results.design
    idx = results._index()
    X1 = results._X_treated()
    b = results.params.to_numpy()
    V = results.cov.to_numpy()
    off = d.offset_full[results._rows] if d.offset_full is not None else np.zeros(len(idx))
    y = d.y_full[results._rows]
    used = np.asarray(d.used)[results._rows]
    log = get_family(results.family).log_link
    prefix = "group:" if d.unit is not None else ""
    rows = []
    for name, span in windows.items():
        if not (isinstance(span, tuple | list) and len(span) == 2):
            raise SpecificationError(f"windows[{name!r}]={span!r} is not valid; expected "
                                     "(start, end)")
        start = _period(span[0], results, f"start of window {name!r}")
        end = _period(span[1], results, f"end of window {name!r}")
        if end < start:
            raise SpecificationError(f"windows[{name!r}]=({start}, {end}) is reversed; "
                                     "expected start <= end")
        if start < idx[0] or end > idx[-1]:
            raise SpecificationError(f"windows[{name!r}]=({start}, {end}) is outside the "
                                     f"data; expected periods within {idx[0]} to {idx[-1]}")
        sel = np.asarray((idx >= start) & (idx <= end))
        X0 = X1.copy()
        for iname, p in d.interruptions.items():
            if p <= end:
                for t in (f"{prefix}level[{iname}]", f"{prefix}slope[{iname}]"):
                    if t in results.terms:
                        X0[:, results.terms.index(t)] = 0.0
        e1 = X1[sel] @ b + off[sel]
        e0 = X0[sel] @ b + off[sel]
        if log:
            m1, m0 = np.exp(e1), np.exp(e0)
            g1, g0 = m1 @ X1[sel], m0 @ X0[sel]
        else:
            m1, m0 = e1, e0
            g1, g0 = X1[sel].sum(axis=0), X0[sel].sum(axis=0)
        F, C = float(m1.sum()), float(m0.sum())
        g = g1 - g0
        se_x = math.sqrt(max(float(g @ V @ g), 0.0))
        exc = F - C
        if log:
            gl = g1 / F - g0 / C
            se_l = math.sqrt(max(float(gl @ V @ gl), 0.0))
            ratio = F / C
            rlo, rhi = ratio * math.exp(-c * se_l), ratio * math.exp(c * se_l)
        elif C != 0:
            ratio = F / C
            gr = (g1 * C - F * g0) / C**2
            se_r = math.sqrt(max(float(gr @ V @ gr), 0.0))
            rlo, rhi = ratio - c * se_r, ratio + c * se_r
        else:
            ratio = rlo = rhi = math.nan
        ok = sel & used
        rows.append({"window": str(name), "start": start, "end": end,
                     "n_periods": int(sel.sum()), "n_observed": int(ok.sum()),
                     "observed": float(np.nansum(y[ok])), "fitted": F, "counterfactual": C,
                     "excess": exc, "excess_low": exc - c * se_x, "excess_high": exc + c * se_x,
                     "ratio": ratio, "ratio_low": rlo, "ratio_high": rhi})
    return pd.DataFrame(rows, columns=_COLUMNS)
