"""Aggregate observations: published period totals as observations of an ITS model.

A row ``start, end, value`` (plus ``source`` in a multi-source model) is a published total over
the periods ``start..end`` inclusive. The periods of the window that the model observes (used
rows of that source) are subtracted; the remainder ``r = value - sum(observed)`` is an
observation of the sum of the outcome over the window's *unobserved* periods ``H``:

* **poisson** - exact: a sum of independent Poisson counts is Poisson with mean
  ``M = sum_{i in H} mu_i``.
* **negbin** (NB2, ``Var = mu + alpha mu^2``) - *moment-matched*: ``r`` is taken negative
  binomial with mean ``M = sum mu_i`` and variance ``M + alpha * S``, ``S = sum mu_i^2`` (the
  mean and variance of the sum of independent NB2 counts), i.e. NB2 with the window's own
  dispersion ``alpha_H = alpha S / M^2``. This is exact when the months' means are equal
  (size ``m / alpha``) and an approximation otherwise, the sum of NB2 counts with unequal
  means not being negative binomial.
* **quasipoisson** - the Poisson score equations (the estimates equal the Poisson ones) with a
  common dispersion ``phi``, the Pearson statistic over monthly and aggregate observations
  ``(sum (y - mu)^2 / mu + sum (r - M)^2 / M) / (n + n_agg - k)``; covariance ``phi`` times
  the inverse Poisson information.
* **gaussian** - ``r ~ N(M, m sigma^2)`` with ``m = |H|``: weighted least squares with the
  aggregate rows ``(sum x_i, r)`` weighted ``1 / m``; ``sigma^2 = RSS_w / (N - k)`` as OLS.

A window with no unobserved period adds nothing; it is kept in :attr:`AggregateData.report`
with status ``"no unobserved period"`` (``"vintage inconsistency"`` when its remainder is not
zero: the total and the monthly figures then come from different vintages). A negative
remainder over unobserved periods is refused, naming the row.

Estimation (:func:`fit`) is maximum likelihood: Newton's method on the observed information
(the Hessian by central differences of the analytic score), with step halving, started from
the GLM fit on the monthly rows (for NB2: from the Poisson fit with aggregates and a moment
estimate of alpha), until the score vanishes (max |score| < 1e-9); should Newton stall,
:func:`scipy.optimize.minimize` (L-BFGS-B with the analytic gradient) takes over and Newton
polishes its optimum. ``converged`` requires max |score| < 1e-6.
The covariance is model-based: the inverse observed information at the optimum (``phi`` times
it for quasi-Poisson). Robust (HC, HAC) covariances are refused with aggregates.

The likelihood is exposed as :meth:`AggregateProblem.loglike` ``(params, y, remainders)`` and
:meth:`AggregateProblem.simulate` draws monthly outcomes at every period of the windows, so a
parametric bootstrap (e.g. ``trends.robust.calibrate``) can simulate the design and refit with
:meth:`AggregateProblem.fit`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from trends.design import Design, to_period
from trends.errors import SpecificationError
from trends.families import Family, Gaussian, NegativeBinomial, Poisson, QuasiPoisson, get_family

__all__ = ["AggregateData", "AggregateProblem", "AggregateFit", "prepare_aggregates", "fit",
           "AGGREGATE_COLUMNS"]

#: required columns of an aggregates frame (``source`` too in a multi-source model)
AGGREGATE_COLUMNS = ("start", "end", "value")

_LOG_ALPHA_BOUNDS = (-25.0, 10.0)


# --------------------------------------------------------------------------- validation
@dataclass(frozen=True)
class AggregateData:
    """Validated aggregate observations aligned with a design.

    Attributes
    ----------
    report
        One row per aggregate row (in input order): ``row, source, start, end, value,
        n_periods, n_observed, observed_sum, n_unobserved, remainder, status`` where status is
        ``"used"``, ``"no unobserved period"`` or ``"vintage inconsistency"``.
    hidden
        For each used aggregate, the grid-row indices (into ``design.X_full``) of its
        unobserved periods.
    remainders
        The remainders ``value - observed_sum`` of the used aggregates.

    Parameters
    ----------
    report, hidden, remainders
        As the attributes.
    n_periods
        Periods of each used aggregate's window.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> y = [5, 7, 6, None, None, None, 8, 6, 7, 9, 8, 7, 12, 11, 13, 12, 14, 12, 13, 15, 12,
    ...      14, 13, 12]
    >>> df = pd.DataFrame({"month": pd.period_range("2020-01", periods=24, freq="M"),
    ...                    "y": np.array(y, dtype=float)})
    >>> agg = pd.DataFrame({"start": ["2020-04"], "end": ["2020-06"], "value": [20]})
    >>> design = trends.ITS(df, outcome="y", date="month", interruptions={"x": "2021-01"},
    ...                     family="poisson").design()
    >>> data = prepare_aggregates(agg, design)
    >>> data.n_used, data.hidden_rows.tolist()
    (1, [3, 4, 5])
    """

    report: pd.DataFrame
    hidden: tuple[np.ndarray, ...]
    remainders: np.ndarray
    n_periods: np.ndarray = field(repr=False)

    @property
    def n_used(self) -> int:
        """Number of aggregates that carry information (at least one unobserved period)."""
        return len(self.hidden)

    @property
    def hidden_rows(self) -> np.ndarray:
        """All grid rows covered by a used aggregate's unobserved periods."""
        if not self.hidden:
            return np.zeros(0, dtype=int)
        return np.concatenate(self.hidden)


def _source_values(design: Design) -> np.ndarray | None:
    return getattr(design, "source_labels", None)


def prepare_aggregates(agg: Any, design: Design) -> AggregateData:
    """Validate an aggregates frame against ``design`` and compute the remainders.

    Rows are named by the frame's index label in messages (``trends fit --aggregates`` sets
    the index to the file's line numbers).

    Parameters
    ----------
    agg
        A DataFrame with columns ``start``, ``end`` (periods, inclusive) and ``value`` (the
        published total), plus ``source`` in a multi-source model.
    design
        The model design the totals are observations of.

    Returns
    -------
    AggregateData
        The windows' unobserved rows, remainders and a report of every row.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> y = [5, 7, 6, None, None, None, 8, 6, 7, 9, 8, 7, 12, 11, 13, 12, 14, 12, 13, 15, 12,
    ...      14, 13, 12]
    >>> df = pd.DataFrame({"month": pd.period_range("2020-01", periods=24, freq="M"),
    ...                    "y": np.array(y, dtype=float)})
    >>> agg = pd.DataFrame({"start": ["2020-04"], "end": ["2020-06"], "value": [20]})
    >>> design = trends.ITS(df, outcome="y", date="month", interruptions={"x": "2021-01"},
    ...                     family="poisson").design()
    >>> data = prepare_aggregates(agg, design)
    >>> data.remainders.tolist(), data.report["status"].tolist()
    ([20.0], ['used'])

    Raises
    ------
    SpecificationError
        Missing columns, unreadable or reversed windows, a window outside the data, overlapping
        windows of one source, a missing/non-numeric total (non-integer or negative for count
        families), an unknown source, a covariate or offset missing in an unobserved period of
        a window, or a negative remainder over unobserved periods.
    """
    if not isinstance(agg, pd.DataFrame):
        raise SpecificationError(
            f"aggregates must be a pandas DataFrame with columns start, end, value (saw "
            f"{type(agg).__name__})")
    labels = _source_values(design)
    multi = labels is not None
    need = list(AGGREGATE_COLUMNS) + (["source"] if multi else [])
    missing = [c for c in need if c not in agg.columns]
    if missing:
        raise SpecificationError(
            f"aggregates lack column(s) {missing}; expected columns {need} (one row per "
            "published total over start..end inclusive)")
    fam = design.family
    grid = design.periods
    code = design.freq
    n_per = int(design.treated.sum())
    first, last = grid[0], grid[n_per - 1]
    sources: list[Any] = list(getattr(design, "sources", ()) or [None])
    if not multi and "source" in agg.columns and agg["source"].nunique(dropna=True) > 1:
        raise SpecificationError(
            f"aggregates have several sources {sorted(map(str, agg['source'].dropna().unique()))}"
            " but the model has one series; pass source= to ITS for a multi-source model")
    word = str(agg.attrs.get("row_name", "row"))
    rows = []
    for pos, (label, rec) in enumerate(agg.iterrows()):
        who = f"aggregates {word} {label}"
        start = to_period(rec["start"], code, what=f"{who}: start")
        end = to_period(rec["end"], code, what=f"{who}: end")
        if end < start:
            raise SpecificationError(
                f"{who}: end {end} is before start {start}; expected start <= end")
        if start < first or end > last:
            raise SpecificationError(
                f"{who}: window {start}..{end} lies outside the data ({first} to {last}); "
                "expected a window inside the data's calendar")
        raw = rec["value"]
        value = pd.to_numeric(pd.Series([raw]), errors="coerce").iloc[0]
        if pd.isna(value) or not math.isfinite(float(value)):
            raise SpecificationError(f"{who}: value {raw!r} is not a number; expected a total")
        value = float(value)
        if get_family(fam).counts and (value < 0 or value != math.floor(value)):
            raise SpecificationError(
                f"{who}: value {raw!r} is not a non-negative integer; family '{fam}' needs "
                "integer count totals")
        src = None
        if multi:
            src = rec["source"]
            if src not in sources:
                from trends.design import _did_you_mean

                raise SpecificationError(
                    f"{who}: source {src!r} is not a source of the model {sources}"
                    + _did_you_mean(str(src), [str(s) for s in sources]))
        rows.append((pos, label, src, start, end, value))

    # overlapping windows of one source
    by_src: dict[Any, list[tuple[Any, ...]]] = {}
    for r in rows:
        by_src.setdefault(r[2], []).append(r)
    for src, rs in by_src.items():
        rs = sorted(rs, key=lambda r: (r[3], r[4]))
        for a, b in zip(rs, rs[1:], strict=False):
            if b[3] <= a[4]:
                whose = "" if src is None else f" of source {src!r}"
                raise SpecificationError(
                    f"aggregates {word}s {a[1]} ({a[3]}..{a[4]}) and {b[1]} ({b[3]}..{b[4]}) "
                    f"overlap{whose}; expected non-overlapping windows per source (see "
                    "trends.panel.period_totals for a rule to pick them)")

    used = design.used
    X_full = design.X_full.to_numpy()
    off_full = design.offset_full
    y_full = design.y_full
    out_rows: list[dict[str, Any]] = []
    hidden: list[np.ndarray] = []
    rema: list[float] = []
    nper: list[int] = []
    for _pos, label, src, start, end, value in rows:
        block = 0 if src is None else sources.index(src)
        lo = block * n_per + int(start.ordinal - first.ordinal)
        hi = block * n_per + int(end.ordinal - first.ordinal) + 1
        idx = np.arange(lo, hi)
        obs = idx[used[idx]]
        hid = idx[~used[idx]]
        osum = float(np.sum(y_full[obs])) if len(obs) else 0.0
        rem = value - osum
        status = "used"
        if len(hid) == 0:
            status = "no unobserved period" if rem == 0 else "vintage inconsistency"
        else:
            if rem < 0:
                raise SpecificationError(
                    f"aggregates {word} {label}: total {_num(value)} over {start}..{end} is less "
                    f"than the {len(obs)} observed period(s) inside it ({_num(osum)}); the "
                    "figures come from inconsistent vintages; expected a total >= the sum of "
                    "the observed periods")
            bad = ~np.isfinite(X_full[hid]).all(axis=1)
            if off_full is not None:
                bad |= ~np.isfinite(off_full[hid])
            if bad.any():
                raise SpecificationError(
                    f"aggregates {word} {label}: a covariate or the offset is missing at "
                    f"{grid[hid[np.flatnonzero(bad)[0]]]}, an unobserved period of the window "
                    f"{start}..{end}; expected them known in every period a total covers")
            hidden.append(hid)
            rema.append(rem)
            nper.append(len(hid))
        out_rows.append({
            "row": label, "source": src, "start": str(start), "end": str(end), "value": value,
            "n_periods": len(idx), "n_observed": len(obs), "observed_sum": osum,
            "n_unobserved": len(hid), "remainder": rem, "status": status,
        })
    report = pd.DataFrame(out_rows, columns=["row", "source", "start", "end", "value",
                                             "n_periods", "n_observed", "observed_sum",
                                             "n_unobserved", "remainder", "status"])
    return AggregateData(report=report, hidden=tuple(hidden),
                         remainders=np.asarray(rema, dtype=float),
                         n_periods=np.asarray(nper, dtype=int))


def _num(v: float) -> str:
    return f"{v:g}"


# --------------------------------------------------------------------------- likelihood
def _nb_logpmf(r: np.ndarray, M: np.ndarray, k: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NB log-pmf with mean ``M`` and size ``k`` (variance ``M + M^2 / k``) and its partial
    derivatives in ``M`` and ``k``."""
    lk = np.log(k / (k + M))
    ll = (special.gammaln(r + k) - special.gammaln(k) - special.gammaln(r + 1.0)
          + k * lk + r * (np.log(M) - np.log(k + M)))
    dM = r / M - (r + k) / (k + M)
    dk = special.digamma(r + k) - special.digamma(k) + lk + 1.0 - (r + k) / (k + M)
    return ll, dM, dk


class AggregateProblem:
    """The log-likelihood of monthly and aggregate observations of one design.

    ``params`` is the regression coefficients, plus ``log(alpha)`` last for negbin. Gaussian
    models are solved in closed form (:meth:`fit`); their :meth:`loglike` takes
    ``(beta, log sigma^2)``.

    Parameters
    ----------
    design
        The model design (:class:`trends.design.Design` or a multi-source design).
    aggregates
        The validated aggregates (:func:`prepare_aggregates`).

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> y = [5, 7, 6, None, None, None, 8, 6, 7, 9, 8, 7, 12, 11, 13, 12, 14, 12, 13, 15, 12,
    ...      14, 13, 12]
    >>> df = pd.DataFrame({"month": pd.period_range("2020-01", periods=24, freq="M"),
    ...                    "y": np.array(y, dtype=float)})
    >>> agg = pd.DataFrame({"start": ["2020-04"], "end": ["2020-06"], "value": [20]})
    >>> design = trends.ITS(df, outcome="y", date="month", interruptions={"x": "2021-01"},
    ...                     family="poisson").design()
    >>> problem = AggregateProblem(design, prepare_aggregates(agg, design))
    >>> problem.n_params, round(float(problem.loglike(problem.fit().params)), 3)
    (4, -46.872)
    >>> y_sim, r_sim = problem.simulate(problem.fit().params, np.random.default_rng(0))
    >>> y_sim.shape, r_sim.shape
    ((21,), (1,))
    """

    def __init__(self, design: Design, aggregates: AggregateData) -> None:
        self.design = design
        self.aggregates = aggregates
        self.family = design.family
        self._family: Family = get_family(design.family)
        self._sums: _Sums = _sums_of(self._family)
        self.X = design.X.to_numpy(dtype=float)
        self.y = np.asarray(design.y, dtype=float)
        self.offset = None if design.offset is None else np.asarray(design.offset, dtype=float)
        X_full = design.X_full.to_numpy(dtype=float)
        self._XH = [X_full[h] for h in aggregates.hidden]
        off_full = design.offset_full
        self._offH = [np.zeros(len(h)) if off_full is None else off_full[h]
                      for h in aggregates.hidden]
        self.remainders = aggregates.remainders.copy()
        self.k = self.X.shape[1]

    @property
    def n_params(self) -> int:
        """Number of likelihood parameters (``k``, plus ``log alpha`` / ``log sigma^2``)."""
        return self.k + self._sums.extra_params

    # --- pieces
    def _eta(self, beta: np.ndarray) -> np.ndarray:
        eta = self.X @ beta
        return eta if self.offset is None else eta + self.offset

    def _mu(self, beta: np.ndarray) -> np.ndarray:
        return self._family.link.inverse(self._eta(beta))

    def _hidden_mu(self, beta: np.ndarray) -> list[np.ndarray]:
        return [self._family.link.inverse(XH @ beta + o)
                for XH, o in zip(self._XH, self._offH, strict=True)]

    def loglike_and_score(self, params: np.ndarray, y: np.ndarray | None = None,
                          remainders: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """Log-likelihood and its gradient at ``params`` (optionally for other data ``y``,
        the monthly outcomes at the used rows, and ``remainders``, one per used aggregate)."""
        y = self.y if y is None else np.asarray(y, dtype=float)
        r = self.remainders if remainders is None else np.asarray(remainders, dtype=float)
        return self._sums.loglike_and_score(self, np.asarray(params, dtype=float), y, r)

    def loglike(self, params: np.ndarray, y: np.ndarray | None = None,
                remainders: np.ndarray | None = None) -> float:
        """Log-likelihood at ``params`` (quasi-Poisson: the Poisson log-likelihood, whose score
        gives its estimating equations)."""
        return self.loglike_and_score(params, y, remainders)[0]

    def score(self, params: np.ndarray, y: np.ndarray | None = None,
              remainders: np.ndarray | None = None) -> np.ndarray:
        """Gradient of :meth:`loglike` (analytic)."""
        return self.loglike_and_score(params, y, remainders)[1]

    def hessian(self, params: np.ndarray, y: np.ndarray | None = None,
                remainders: np.ndarray | None = None) -> np.ndarray:
        """Hessian of :meth:`loglike`: central differences of the analytic score."""
        p = np.asarray(params, dtype=float)
        H = np.empty((len(p), len(p)))
        for j in range(len(p)):
            h = 1e-5 * max(1.0, abs(p[j]))
            up, dn = p.copy(), p.copy()
            up[j] += h
            dn[j] -= h
            H[:, j] = (self.score(up, y, remainders) - self.score(dn, y, remainders)) / (2 * h)
        return (H + H.T) / 2.0

    # --- simulation (parametric bootstrap)
    def simulate(self, params: np.ndarray, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Draw the monthly outcomes at the used rows and the remainders (the sums of draws
        at each aggregate's unobserved periods) from the model at ``params``."""
        beta = np.asarray(params, dtype=float)[: self.k]
        mus = [self._mu(beta)]
        mus += self._hidden_mu(beta)
        draws = [self._sums.draw(self, m, params, rng) for m in mus]
        return draws[0], np.array([float(d.sum()) for d in draws[1:]])

    # --- estimation
    def start_params(self, y: np.ndarray | None = None) -> np.ndarray:
        """Start values: the GLM (Poisson / OLS) fit on the monthly rows; for negbin also a
        moment estimate of ``log alpha`` from it."""
        return self._sums.start_params(self, self.y if y is None else y)

    def fit(self, y: np.ndarray | None = None, remainders: np.ndarray | None = None,
            start: np.ndarray | None = None) -> AggregateFit:
        """Maximum likelihood for these (or other: ``y``, ``remainders``) data."""
        y = self.y if y is None else np.asarray(y, dtype=float)
        r = self.remainders if remainders is None else np.asarray(remainders, dtype=float)
        return self._sums.fit(self, y, r, start)

    def _maximise(self, theta: np.ndarray, y: np.ndarray, r: np.ndarray) -> AggregateFit:
        """Newton from ``theta``, L-BFGS-B and Newton again should it stall."""
        theta, ll, g, iters = self._newton(theta, y, r)
        if not np.max(np.abs(g)) < 1e-6:  # Newton stalled: quasi-Newton, then Newton again
            bounds: list[tuple[float | None, float | None]] = [(None, None)] * self.k
            bounds += self._sums.extra_bounds

            def neg(p: np.ndarray) -> tuple[float, np.ndarray]:
                llp, gp = self.loglike_and_score(p, y, r)
                if not math.isfinite(llp):
                    return 1e300, np.zeros_like(p)
                return -llp, -gp

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                opt = optimize.minimize(neg, theta, jac=True, method="L-BFGS-B",
                                        bounds=bounds, options={"maxiter": 10000,
                                                                "ftol": 1e-15, "gtol": 1e-9})
            theta, ll, g, more = self._newton(np.asarray(opt.x, dtype=float), y, r)
            iters += int(opt.nit) + more
        converged = bool(np.max(np.abs(g)) < 1e-6)
        H = self.hessian(theta, y, r)
        return AggregateFit._from_optimum(self, theta, ll, H, y, r, converged, iters)

    def _newton(self, theta: np.ndarray, y: np.ndarray, r: np.ndarray
                ) -> tuple[np.ndarray, float, np.ndarray, int]:
        """Newton's method on the observed information with step halving (steepest ascent
        where the Hessian is not negative definite)."""
        theta = np.asarray(theta, dtype=float).copy()
        ll, g = self.loglike_and_score(theta, y, r)
        iters = 0
        for iters in range(1, 201):  # noqa: B007
            if not math.isfinite(ll) or np.max(np.abs(g)) < 1e-9:
                break
            H = self.hessian(theta, y, r)
            try:
                np.linalg.cholesky(-H)
                step = np.linalg.solve(-H, g)
            except np.linalg.LinAlgError:
                step = g / max(1.0, float(np.linalg.norm(g)))
            t = 1.0
            while t > 1e-10:
                cand = theta + t * step
                for j, (lo, hi) in enumerate(self._sums.extra_bounds, start=self.k):
                    cand[j] = float(np.clip(cand[j], lo, hi))
                llc, gc = self.loglike_and_score(cand, y, r)
                if math.isfinite(llc) and llc >= ll - 1e-12 * max(1.0, abs(ll)):
                    break
                t /= 2
            else:
                break
            theta, ll, g = cand, llc, gc
        return theta, ll, g, iters

    def _as_poisson(self) -> AggregateProblem:
        poisson = AggregateProblem.__new__(AggregateProblem)
        poisson.__dict__.update(self.__dict__)
        poisson.family = "poisson"
        poisson._family = get_family("poisson")
        poisson._sums = _sums_of(poisson._family)
        return poisson

    def alpha_score_at_zero(self, beta: np.ndarray, y: np.ndarray | None = None,
                            remainders: np.ndarray | None = None) -> float:
        """Slope of the NB2 log-likelihood in ``alpha`` at ``alpha = 0``:
        ``1/2 [sum ((y - mu)^2 - y) + sum_agg S/M^2 ((r - M)^2 - r)]`` (Cameron & Trivedi 2013,
        sec. 3.4, with each total's variance ``M + alpha S``)."""
        y = self.y if y is None else np.asarray(y, dtype=float)
        r = self.remainders if remainders is None else np.asarray(remainders, dtype=float)
        beta = np.asarray(beta, dtype=float)[: self.k]
        mu = np.exp(self._eta(beta))
        out = float(np.sum((y - mu) ** 2 - y))
        for muH, ra in zip(self._hidden_mu(beta), r, strict=True):
            M, S = float(muH.sum()), float(np.sum(muH**2))
            out += S / M**2 * ((ra - M) ** 2 - ra)
        return 0.5 * out

def fit(design: Design, aggregates: AggregateData) -> AggregateFit:
    """Maximum-likelihood fit of ``design`` with ``aggregates`` (see the module docstring).

    Parameters
    ----------
    design
        The model design.
    aggregates
        Validated aggregates (:func:`prepare_aggregates`).

    Returns
    -------
    AggregateFit

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> y = [5, 7, 6, None, None, None, 8, 6, 7, 9, 8, 7, 12, 11, 13, 12, 14, 12, 13, 15, 12,
    ...      14, 13, 12]
    >>> df = pd.DataFrame({"month": pd.period_range("2020-01", periods=24, freq="M"),
    ...                    "y": np.array(y, dtype=float)})
    >>> agg = pd.DataFrame({"start": ["2020-04"], "end": ["2020-06"], "value": [20]})
    >>> design = trends.ITS(df, outcome="y", date="month", interruptions={"x": "2021-01"},
    ...                     family="poisson").design()
    >>> res = fit(design, prepare_aggregates(agg, design))
    >>> res.converged, res.params.round(3).tolist()
    (True, [1.753, 0.027, 0.395, -0.019])
    """
    return AggregateProblem(design, aggregates).fit()


class _NB2Model:
    """Marker that the fit is a proper NB2 fit (read by :class:`trends.results.ITSResults`)."""

    loglike_method = "nb2"


# --------------------------------------------------------------------------- per family
class _Sums:
    """How one family's likelihood treats an aggregate observation (module docstring): the
    one per-family object :class:`AggregateProblem` and :class:`AggregateFit` ask. A new
    family supports aggregates by registering a subclass in :data:`_SUMS`."""

    #: likelihood parameters after the coefficients, and their optimisation bounds
    extra_params: int = 0
    extra_bounds: tuple[tuple[float, float], ...] = ()
    #: Wald tests use t with ``df_resid``
    use_t: bool = False
    #: class of the marker read by :class:`trends.results.ITSResults` (an NB2 fit)
    marker_class: type | None = None
    method: str = ("maximum likelihood (Newton), covariance from the observed information")

    def loglike_and_score(self, p: AggregateProblem, params: np.ndarray, y: np.ndarray,
                          r: np.ndarray) -> tuple[float, np.ndarray]:
        raise NotImplementedError

    def draw(self, p: AggregateProblem, mu: np.ndarray, params: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
        return rng.poisson(mu).astype(float)

    def start_params(self, p: AggregateProblem, y: np.ndarray) -> np.ndarray:
        import trends._statsmodels as sm  # not statsmodels.api: no formula interface

        res = sm.GLM(y, p.X, family=sm.families.Poisson(), offset=p.offset).fit()
        return np.asarray(res.params, dtype=float)

    def fit(self, p: AggregateProblem, y: np.ndarray, r: np.ndarray,
            start: np.ndarray | None) -> AggregateFit:
        theta = self.start_params(p, y) if start is None else np.asarray(start, dtype=float)
        return p._maximise(theta, y, r)

    def dispersion_scale(self, p: AggregateProblem, theta: np.ndarray, y: np.ndarray,
                         r: np.ndarray) -> float:
        """Factor of the inverse information in the covariance (and the reported scale)."""
        return 1.0

    def reported(self, theta: np.ndarray, cov: np.ndarray, k: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        """The reported ``params`` and their covariance from the likelihood's."""
        return theta[:k].copy(), cov.copy()

    def pearson(self, y: np.ndarray, mu: np.ndarray, params: np.ndarray, scale: float
                ) -> np.ndarray:
        return (y - mu) / np.sqrt(mu)


class _PoissonSums(_Sums):
    """A sum of independent Poisson counts is Poisson with the summed mean (exact)."""

    def loglike_and_score(self, p: AggregateProblem, params: np.ndarray, y: np.ndarray,
                          r: np.ndarray) -> tuple[float, np.ndarray]:
        beta = params[: p.k]
        X = p.X
        mu = p._mu(beta)
        grad = np.zeros(len(params))
        ll = float(np.sum(y * np.log(mu) - mu - special.gammaln(y + 1.0)))
        grad[: p.k] = X.T @ (y - mu)
        for XH, muH, ra in zip(p._XH, p._hidden_mu(beta), r, strict=True):
            M = float(muH.sum())
            ll += ra * math.log(M) - M - float(special.gammaln(ra + 1.0))
            grad[: p.k] += (ra / M - 1.0) * (XH.T @ muH)
        return ll, grad


class _QuasiPoissonSums(_PoissonSums):
    """The Poisson score equations with the Pearson dispersion over monthly and aggregate
    observations."""

    method = _Sums.method + " times the Pearson dispersion"

    def dispersion_scale(self, p: AggregateProblem, theta: np.ndarray, y: np.ndarray,
                         r: np.ndarray) -> float:
        beta = theta[: p.k]
        mu = np.exp(p._eta(beta))
        M = np.array([m.sum() for m in p._hidden_mu(beta)])
        chi2 = float(np.sum((y - mu) ** 2 / mu) + np.sum((r - M) ** 2 / M))
        return chi2 / (len(y) + len(r) - p.k)


class _NB2Sums(_Sums):
    """NB2, the totals moment-matched (variance ``M + alpha S``); ``log alpha`` last."""

    extra_params = 1
    extra_bounds = (_LOG_ALPHA_BOUNDS,)
    marker_class = _NB2Model

    def loglike_and_score(self, p: AggregateProblem, params: np.ndarray, y: np.ndarray,
                          r: np.ndarray) -> tuple[float, np.ndarray]:
        beta = params[: p.k]
        X = p.X
        mu = p._mu(beta)
        grad = np.zeros(len(params))
        alpha = math.exp(params[p.k])
        k0 = np.full(len(mu), 1.0 / alpha)
        lli, dM, dk = _nb_logpmf(y, mu, k0)
        ll = float(lli.sum())
        grad[: p.k] = X.T @ (dM * mu)
        grad[p.k] = float(np.sum(dk * -k0))
        for XH, muH, ra in zip(p._XH, p._hidden_mu(beta), r, strict=True):
            M = float(muH.sum())
            S = float(np.sum(muH**2))
            ka = M * M / (alpha * S)
            lla, dMa, dka = _nb_logpmf(np.array([ra]), np.array([M]), np.array([ka]))
            ll += float(lla[0])
            g = XH.T @ muH
            h = XH.T @ (2.0 * muH**2)
            dk_db = ka * (2.0 * g / M - h / S)
            grad[: p.k] += float(dMa[0]) * g + float(dka[0]) * dk_db
            grad[p.k] += float(dka[0]) * -ka
        return ll, grad

    def draw(self, p: AggregateProblem, mu: np.ndarray, params: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
        alpha = math.exp(float(params[p.k]))
        lam = rng.gamma(1.0 / alpha, alpha * mu)
        return rng.poisson(lam).astype(float)

    def start_params(self, p: AggregateProblem, y: np.ndarray) -> np.ndarray:
        import trends._statsmodels as sm  # not statsmodels.api: no formula interface

        res = sm.GLM(y, p.X, family=sm.families.Poisson(), offset=p.offset).fit()
        b = np.asarray(res.params, dtype=float)
        mu = np.asarray(res.fittedvalues, dtype=float)
        a = float(np.sum((y - mu) ** 2 - mu) / np.sum(mu**2))
        return np.r_[b, math.log(min(max(a, 1e-3), 10.0))]

    def fit(self, p: AggregateProblem, y: np.ndarray, r: np.ndarray,
            start: np.ndarray | None) -> AggregateFit:
        if start is not None:
            return p._maximise(np.asarray(start, dtype=float), y, r)
        theta = self.start_params(p, y)
        poisson = p._as_poisson().fit(y, r, start=theta[: p.k])
        if p.alpha_score_at_zero(poisson.theta, y, r) <= 0:
            # The NB2 likelihood's slope in alpha at 0 is <= 0: alpha's MLE is on the
            # boundary, where NB2 is Poisson (as trends.its does without aggregates):
            # report the Poisson fit; the results then show alpha = 0.
            warnings.warn("no overdispersion: the NB2 alpha estimate is on the boundary 0, "
                          "where NB2 is Poisson; reporting the Poisson fit (alpha = 0)",
                          RuntimeWarning, stacklevel=4)
            poisson.alpha_at_boundary = True
            return poisson
        return p._maximise(np.r_[poisson.theta, theta[p.k]], y, r)

    def reported(self, theta: np.ndarray, cov: np.ndarray, k: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        alpha = math.exp(theta[k])
        params = np.r_[theta[:k].copy(), alpha]
        J = np.eye(k + 1)
        J[k, k] = alpha
        return params, J @ cov @ J.T

    def pearson(self, y: np.ndarray, mu: np.ndarray, params: np.ndarray, scale: float
                ) -> np.ndarray:
        a = float(params[-1])
        return (y - mu) / np.sqrt(mu + a * mu**2)


class _GaussianSums(_Sums):
    """``r ~ N(M, m sigma^2)``: weighted least squares in closed form; ``log sigma^2`` last."""

    extra_params = 1
    use_t = True
    method = "weighted least squares (closed form)"

    def loglike_and_score(self, p: AggregateProblem, params: np.ndarray, y: np.ndarray,
                          r: np.ndarray) -> tuple[float, np.ndarray]:
        beta, s2 = params[: p.k], math.exp(params[p.k])
        e = y - p.X @ beta
        ll = float(np.sum(stats.norm.logpdf(e, scale=math.sqrt(s2))))
        grad = np.zeros(len(params))
        grad[: p.k] = p.X.T @ e / s2
        grad[p.k] = float(np.sum(e**2) / (2 * s2) - len(e) / 2)
        for XH, ra in zip(p._XH, r, strict=True):
            m = len(XH)
            ea = ra - float(XH.sum(axis=0) @ beta)
            ll += float(stats.norm.logpdf(ea, scale=math.sqrt(m * s2)))
            grad[: p.k] += XH.sum(axis=0) * ea / (m * s2)
            grad[p.k] += ea**2 / (2 * m * s2) - 0.5
        return ll, grad

    def draw(self, p: AggregateProblem, mu: np.ndarray, params: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
        return mu + rng.normal(0.0, math.exp(0.5 * float(params[p.k])), len(mu))

    def start_params(self, p: AggregateProblem, y: np.ndarray) -> np.ndarray:
        import trends._statsmodels as sm  # not statsmodels.api: no formula interface

        res = sm.OLS(y, p.X).fit()
        return np.r_[np.asarray(res.params), math.log(max(float(res.scale), 1e-12))]

    def fit(self, p: AggregateProblem, y: np.ndarray, r: np.ndarray,
            start: np.ndarray | None) -> AggregateFit:
        rows = [p.X] + [XH.sum(axis=0)[None, :] for XH in p._XH]
        Z = np.vstack(rows)
        z = np.r_[y, r]
        w = np.r_[np.ones(len(y)), 1.0 / np.array([len(XH) for XH in p._XH], dtype=float)]
        sw = np.sqrt(w)
        beta, *_ = np.linalg.lstsq(Z * sw[:, None], z * sw, rcond=None)
        rss = float(np.sum(w * (z - Z @ beta) ** 2))
        N = len(z)
        s2_ml = rss / N
        theta = np.r_[beta, math.log(s2_ml)]
        ll = p.loglike(theta, y, r)
        s2 = rss / (N - p.k)
        cov = s2 * np.linalg.inv((Z * w[:, None]).T @ Z)
        return AggregateFit._build(p, theta, ll, cov, y, r, True, 0, scale=s2)

    def reported(self, theta: np.ndarray, cov: np.ndarray, k: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        return theta[:k].copy(), cov[:k, :k].copy()

    def pearson(self, y: np.ndarray, mu: np.ndarray, params: np.ndarray, scale: float
                ) -> np.ndarray:
        return (y - mu) / math.sqrt(scale)


#: the aggregate likelihood of each family class (looked up along the class's MRO)
_SUMS: dict[type[Family], _Sums] = {
    Gaussian: _GaussianSums(), Poisson: _PoissonSums(), QuasiPoisson: _QuasiPoissonSums(),
    NegativeBinomial: _NB2Sums(),
}


def _sums_of(family: Family) -> _Sums:
    for cls in type(family).__mro__:
        if cls in _SUMS:
            return _SUMS[cls]
    raise SpecificationError(f"aggregates= are not available for family '{family.name}'")



class AggregateFit:
    """Result of :meth:`AggregateProblem.fit`, with the attributes of a statsmodels result that
    :class:`trends.results.ITSResults` reads (``params``, ``cov_params()``, ``bse``,
    ``pvalues``, ``conf_int()``, ``llf``, ``aic``, ``scale``, ``df_resid``, ``use_t``,
    ``resid_pearson``, ``fittedvalues``, ``mle_retvals``). For negbin ``params`` ends with
    ``alpha`` (its variance by the delta method from ``log alpha``).

    Parameters
    ----------
    None
        Built by :meth:`AggregateProblem.fit`, not by users.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> y = [5, 7, 6, None, None, None, 8, 6, 7, 9, 8, 7, 12, 11, 13, 12, 14, 12, 13, 15, 12,
    ...      14, 13, 12]
    >>> df = pd.DataFrame({"month": pd.period_range("2020-01", periods=24, freq="M"),
    ...                    "y": np.array(y, dtype=float)})
    >>> agg = pd.DataFrame({"start": ["2020-04"], "end": ["2020-06"], "value": [20]})
    >>> design = trends.ITS(df, outcome="y", date="month", interruptions={"x": "2021-01"},
    ...                     family="poisson").design()
    >>> res = fit(design, prepare_aggregates(agg, design))
    >>> res.nobs, res.n_aggregates, res.df_resid, res.use_t
    (21, 1, 18.0, False)
    >>> res.conf_int().shape
    (4, 2)
    """

    is_aggregate = True
    # set by the classmethods (statsmodels-like attributes)
    problem: AggregateProblem
    theta: np.ndarray
    family: str
    _V: np.ndarray
    bse: np.ndarray
    use_t: bool
    nobs: int
    n_aggregates: int
    df_resid: float
    tvalues: np.ndarray
    pvalues: np.ndarray
    llf: float
    aic: float
    scale: float
    fittedvalues: np.ndarray
    resid: np.ndarray
    resid_pearson: np.ndarray
    model: Any
    mle_retvals: dict[str, Any]
    converged: bool
    method: str
    alpha_at_boundary: bool

    def __init__(self) -> None:  # built by the classmethods
        self.params = np.zeros(0)

    @classmethod
    def _from_optimum(cls, problem: AggregateProblem, theta: np.ndarray, ll: float,
                      H: np.ndarray, y: np.ndarray, r: np.ndarray, converged: bool,
                      iters: int) -> AggregateFit:
        try:
            cov = np.linalg.inv(-H)
        except np.linalg.LinAlgError:
            cov = np.full(H.shape, np.nan)
        scale = problem._sums.dispersion_scale(problem, theta, y, r)
        if scale != 1.0:
            cov = cov * scale
        return cls._build(problem, theta, ll, cov, y, r, converged, iters, scale=scale)

    @classmethod
    def _build(cls, problem: AggregateProblem, theta: np.ndarray, ll: float, cov: np.ndarray,
               y: np.ndarray, r: np.ndarray, converged: bool, iters: int,
               scale: float) -> AggregateFit:
        self = cls()
        k = problem.k
        sums = problem._sums
        self.problem = problem
        self.theta = theta.copy()
        self.family = problem.family
        self.alpha_at_boundary = False
        params, V = sums.reported(theta, cov, k)
        self.params = params
        self._V = V
        self.bse = np.sqrt(np.clip(np.diag(V), 0, None))
        self.use_t = sums.use_t
        n_eff = len(y) + len(r)
        self.nobs = len(y)
        self.n_aggregates = len(r)
        self.df_resid = float(n_eff - k)
        self.tvalues = self.params / self.bse
        if self.use_t:
            self.pvalues = 2 * stats.t.sf(np.abs(self.tvalues), self.df_resid)
        else:
            self.pvalues = 2 * stats.norm.sf(np.abs(self.tvalues))
        self.llf = float(ll)
        n_est = len(theta)
        self.aic = -2.0 * self.llf + 2.0 * n_est
        self.scale = float(scale)
        mu = problem._mu(theta[:k])
        self.fittedvalues = mu
        self.resid = y - mu
        self.resid_pearson = sums.pearson(y, mu, params, self.scale)
        self.model = None if sums.marker_class is None else sums.marker_class()
        closed_form = problem._family.closed_form
        self.mle_retvals = {"converged": bool(converged), "iterations": iters,
                            "max_abs_score": 0.0 if closed_form else
                            float(np.max(np.abs(problem.score(theta, y, r))))}
        self.converged = bool(converged)
        self.method = sums.method
        if not converged:
            warnings.warn("the aggregate-observation fit did not converge; treat results with "
                          "care", RuntimeWarning, stacklevel=6)
        return self

    def cov_params(self) -> np.ndarray:
        """Covariance of :attr:`params` (model-based)."""
        return self._V.copy()

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """Wald intervals (t with ``df_resid`` for gaussian, normal otherwise)."""
        if self.use_t:
            c = stats.t.ppf(1 - alpha / 2, self.df_resid)
        else:
            c = stats.norm.ppf(1 - alpha / 2)
        return np.column_stack([self.params - c * self.bse, self.params + c * self.bse])

    @property
    def aggregate_report(self) -> pd.DataFrame:
        """The aggregates' report (see :class:`AggregateData`)."""
        return self.problem.aggregates.report.copy()


def record(res: AggregateFit, k: int, family: Any) -> Any:
    """The :class:`~trends.fitrecord.FitRecord` of an aggregate-observation fit (``raw`` is
    the :class:`AggregateFit`, whose ``problem`` exposes the likelihood for simulation)."""
    from trends.fitrecord import record_from_statsmodels

    if not family.estimates_dispersion:
        return record_from_statsmodels(res, k, family)
    if res.alpha_at_boundary:  # NB2 alpha on the boundary 0: the Poisson fit is reported
        return record_from_statsmodels(res, k, family, dispersion=0.0, alpha_at_boundary=True)
    return record_from_statsmodels(res, k, family, dispersion=float(res.params[-1]))
