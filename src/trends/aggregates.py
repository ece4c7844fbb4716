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

from trends.design import COUNT_FAMILIES, Design, to_period
from trends.errors import SpecificationError

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
        if fam in COUNT_FAMILIES and (value < 0 or value != math.floor(value)):
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
    """

    def __init__(self, design: Design, aggregates: AggregateData) -> None:
        self.design = design
        self.aggregates = aggregates
        self.family = design.family
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
        return self.k + (self.family in {"negbin", "gaussian"})

    # --- pieces
    def _eta(self, beta: np.ndarray) -> np.ndarray:
        eta = self.X @ beta
        return eta if self.offset is None else eta + self.offset

    def _hidden_mu(self, beta: np.ndarray) -> list[np.ndarray]:
        if self.family == "gaussian":
            return [XH @ beta for XH in self._XH]
        return [np.exp(XH @ beta + o) for XH, o in zip(self._XH, self._offH, strict=True)]

    def loglike_and_score(self, params: np.ndarray, y: np.ndarray | None = None,
                          remainders: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """Log-likelihood and its gradient at ``params`` (optionally for other data ``y``,
        the monthly outcomes at the used rows, and ``remainders``, one per used aggregate)."""
        y = self.y if y is None else np.asarray(y, dtype=float)
        r = self.remainders if remainders is None else np.asarray(remainders, dtype=float)
        params = np.asarray(params, dtype=float)
        beta = params[: self.k]
        fam = self.family
        if fam == "gaussian":
            return self._gaussian(params, y, r)
        X = self.X
        mu = np.exp(self._eta(beta))
        grad = np.zeros(len(params))
        if fam in {"poisson", "quasipoisson"}:
            ll = float(np.sum(y * np.log(mu) - mu - special.gammaln(y + 1.0)))
            grad[: self.k] = X.T @ (y - mu)
            for XH, muH, ra in zip(self._XH, self._hidden_mu(beta), r, strict=True):
                M = float(muH.sum())
                ll += ra * math.log(M) - M - float(special.gammaln(ra + 1.0))
                grad[: self.k] += (ra / M - 1.0) * (XH.T @ muH)
            return ll, grad
        # negbin
        alpha = math.exp(params[self.k])
        k0 = np.full(len(mu), 1.0 / alpha)
        lli, dM, dk = _nb_logpmf(y, mu, k0)
        ll = float(lli.sum())
        grad[: self.k] = X.T @ (dM * mu)
        grad[self.k] = float(np.sum(dk * -k0))
        for XH, muH, ra in zip(self._XH, self._hidden_mu(beta), r, strict=True):
            M = float(muH.sum())
            S = float(np.sum(muH**2))
            ka = M * M / (alpha * S)
            lla, dMa, dka = _nb_logpmf(np.array([ra]), np.array([M]), np.array([ka]))
            ll += float(lla[0])
            g = XH.T @ muH
            h = XH.T @ (2.0 * muH**2)
            dk_db = ka * (2.0 * g / M - h / S)
            grad[: self.k] += float(dMa[0]) * g + float(dka[0]) * dk_db
            grad[self.k] += float(dka[0]) * -ka
        return ll, grad

    def _gaussian(self, params: np.ndarray, y: np.ndarray, r: np.ndarray
                  ) -> tuple[float, np.ndarray]:
        beta, s2 = params[: self.k], math.exp(params[self.k])
        e = y - self.X @ beta
        ll = float(np.sum(stats.norm.logpdf(e, scale=math.sqrt(s2))))
        grad = np.zeros(len(params))
        grad[: self.k] = self.X.T @ e / s2
        grad[self.k] = float(np.sum(e**2) / (2 * s2) - len(e) / 2)
        for XH, ra in zip(self._XH, r, strict=True):
            m = len(XH)
            ea = ra - float(XH.sum(axis=0) @ beta)
            ll += float(stats.norm.logpdf(ea, scale=math.sqrt(m * s2)))
            grad[: self.k] += XH.sum(axis=0) * ea / (m * s2)
            grad[self.k] += ea**2 / (2 * m * s2) - 0.5
        return ll, grad

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
        fam = self.family
        mus = [self._eta(beta) if fam == "gaussian" else np.exp(self._eta(beta))]
        mus += self._hidden_mu(beta)
        draws = [self._draw(m, params, rng) for m in mus]
        return draws[0], np.array([float(d.sum()) for d in draws[1:]])

    def _draw(self, mu: np.ndarray, params: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        fam = self.family
        if fam in {"poisson", "quasipoisson"}:
            return rng.poisson(mu).astype(float)
        if fam == "negbin":
            alpha = math.exp(float(params[self.k]))
            lam = rng.gamma(1.0 / alpha, alpha * mu)
            return rng.poisson(lam).astype(float)
        return mu + rng.normal(0.0, math.exp(0.5 * float(params[self.k])), len(mu))

    # --- estimation
    def start_params(self, y: np.ndarray | None = None) -> np.ndarray:
        """Start values: the GLM (Poisson / OLS) fit on the monthly rows; for negbin also a
        moment estimate of ``log alpha`` from it."""
        import trends._statsmodels as sm  # not statsmodels.api: no formula interface

        y = self.y if y is None else y
        if self.family == "gaussian":
            res = sm.OLS(y, self.X).fit()
            return np.r_[np.asarray(res.params), math.log(max(float(res.scale), 1e-12))]
        res = sm.GLM(y, self.X, family=sm.families.Poisson(), offset=self.offset).fit()
        b = np.asarray(res.params, dtype=float)
        if self.family != "negbin":
            return b
        mu = np.asarray(res.fittedvalues, dtype=float)
        a = float(np.sum((y - mu) ** 2 - mu) / np.sum(mu**2))
        return np.r_[b, math.log(min(max(a, 1e-3), 10.0))]

    def fit(self, y: np.ndarray | None = None, remainders: np.ndarray | None = None,
            start: np.ndarray | None = None) -> AggregateFit:
        """Maximum likelihood for these (or other: ``y``, ``remainders``) data."""
        y = self.y if y is None else np.asarray(y, dtype=float)
        r = self.remainders if remainders is None else np.asarray(remainders, dtype=float)
        if self.family == "gaussian":
            return self._fit_gaussian(y, r)
        theta = self.start_params(y) if start is None else np.asarray(start, dtype=float)
        if self.family == "negbin" and start is None:
            poisson = self._as_poisson().fit(y, r, start=theta[: self.k])
            if self.alpha_score_at_zero(poisson.theta, y, r) <= 0:
                # The NB2 likelihood's slope in alpha at 0 is <= 0: alpha's MLE is on the
                # boundary, where NB2 is Poisson (as trends.its does without aggregates):
                # report the Poisson fit; the results then show alpha = 0.
                warnings.warn("no overdispersion: the NB2 alpha estimate is on the boundary 0, "
                              "where NB2 is Poisson; reporting the Poisson fit (alpha = 0)",
                              RuntimeWarning, stacklevel=3)
                return poisson
            theta = np.r_[poisson.theta, theta[self.k]]
        theta, ll, g, iters = self._newton(theta, y, r)
        if not np.max(np.abs(g)) < 1e-6:  # Newton stalled: quasi-Newton, then Newton again
            bounds: list[tuple[float | None, float | None]] = [(None, None)] * self.k
            if self.family == "negbin":
                bounds.append(_LOG_ALPHA_BOUNDS)

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
                if self.family == "negbin":
                    cand[self.k] = float(np.clip(cand[self.k], *_LOG_ALPHA_BOUNDS))
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

    def _fit_gaussian(self, y: np.ndarray, r: np.ndarray) -> AggregateFit:
        rows = [self.X] + [XH.sum(axis=0)[None, :] for XH in self._XH]
        Z = np.vstack(rows)
        z = np.r_[y, r]
        w = np.r_[np.ones(len(y)), 1.0 / np.array([len(XH) for XH in self._XH], dtype=float)]
        sw = np.sqrt(w)
        beta, *_ = np.linalg.lstsq(Z * sw[:, None], z * sw, rcond=None)
        rss = float(np.sum(w * (z - Z @ beta) ** 2))
        N = len(z)
        s2_ml = rss / N
        theta = np.r_[beta, math.log(s2_ml)]
        ll = self.loglike(theta, y, r)
        s2 = rss / (N - self.k)
        cov = s2 * np.linalg.inv((Z * w[:, None]).T @ Z)
        return AggregateFit._build(self, theta, ll, cov, y, r, True, 0, scale=s2)


def fit(design: Design, aggregates: AggregateData) -> AggregateFit:
    """Maximum-likelihood fit of ``design`` with ``aggregates`` (see the module docstring)."""
    return AggregateProblem(design, aggregates).fit()


class _NB2Model:
    """Marker that the fit is a proper NB2 fit (read by :class:`trends.results.ITSResults`)."""

    loglike_method = "nb2"


class AggregateFit:
    """Result of :meth:`AggregateProblem.fit`, with the attributes of a statsmodels result that
    :class:`trends.results.ITSResults` reads (``params``, ``cov_params()``, ``bse``,
    ``pvalues``, ``conf_int()``, ``llf``, ``aic``, ``scale``, ``df_resid``, ``use_t``,
    ``resid_pearson``, ``fittedvalues``, ``mle_retvals``). For negbin ``params`` ends with
    ``alpha`` (its variance by the delta method from ``log alpha``)."""

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
        scale = 1.0
        if problem.family == "quasipoisson":
            beta = theta[: problem.k]
            mu = np.exp(problem._eta(beta))
            M = np.array([m.sum() for m in problem._hidden_mu(beta)])
            chi2 = float(np.sum((y - mu) ** 2 / mu) + np.sum((r - M) ** 2 / M))
            scale = chi2 / (len(y) + len(r) - problem.k)
            cov = cov * scale
        return cls._build(problem, theta, ll, cov, y, r, converged, iters, scale=scale)

    @classmethod
    def _build(cls, problem: AggregateProblem, theta: np.ndarray, ll: float, cov: np.ndarray,
               y: np.ndarray, r: np.ndarray, converged: bool, iters: int,
               scale: float) -> AggregateFit:
        self = cls()
        k = problem.k
        fam = problem.family
        self.problem = problem
        self.theta = theta.copy()
        self.family = fam
        params = theta[:k].copy()
        V = cov[:k, :k].copy() if fam == "gaussian" else cov.copy()
        if fam == "negbin":
            alpha = math.exp(theta[k])
            params = np.r_[params, alpha]
            J = np.eye(k + 1)
            J[k, k] = alpha
            V = J @ cov @ J.T
        self.params = params
        self._V = V
        self.bse = np.sqrt(np.clip(np.diag(V), 0, None))
        self.use_t = fam == "gaussian"
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
        self.scale = float(scale) if fam in {"quasipoisson", "gaussian"} else 1.0
        beta = theta[:k]
        eta = problem._eta(beta)
        mu = eta if fam == "gaussian" else np.exp(eta)
        self.fittedvalues = mu
        self.resid = y - mu
        if fam == "gaussian":
            self.resid_pearson = self.resid / math.sqrt(self.scale)
        elif fam == "negbin":
            a = float(params[-1])
            self.resid_pearson = (y - mu) / np.sqrt(mu + a * mu**2)
        else:
            self.resid_pearson = (y - mu) / np.sqrt(mu)
        self.model = _NB2Model() if fam == "negbin" else None
        self.mle_retvals = {"converged": bool(converged), "iterations": iters,
                            "max_abs_score": float(np.max(np.abs(problem.score(theta, y, r))))
                            if fam != "gaussian" else 0.0}
        self.converged = bool(converged)
        self.method = ("weighted least squares (closed form)" if fam == "gaussian" else
                       "maximum likelihood (Newton), covariance from the observed "
                       "information" + (" times the Pearson dispersion" if fam == "quasipoisson"
                                        else ""))
        if not converged:
            warnings.warn("the aggregate-observation fit did not converge; treat results with "
                          "care", RuntimeWarning, stacklevel=4)
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
    if res.family != family.name:  # NB2 alpha on the boundary 0: the Poisson fit is reported
        return record_from_statsmodels(res, k, family, dispersion=0.0, alpha_at_boundary=True)
    return record_from_statsmodels(res, k, family, dispersion=float(res.params[-1]))
