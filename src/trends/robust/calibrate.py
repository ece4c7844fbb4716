"""Calibrated inference: the size and power of an ITS model's Wald tests on its own design.

A sandwich (HC/HAC) standard error can be far too small when a term is identified by a few
high-leverage observations (a three-month segment between two interruptions, say). These
functions measure it by a parametric Monte Carlo of the fitted design:

* the **null model** of a term is the same specification without that term, fitted to the data
  (same family; NB2 with its own alpha, the Poisson fit when alpha is on the boundary as in
  :meth:`trends.ITS.fit`);
* replicates are drawn from it with the same family and dispersion **on exactly the observed
  periods** (the real missingness pattern): gaussian ``N(mu, s^2)`` with the null fit's
  residual variance, Poisson, NB2 with the null fit's alpha (Poisson-gamma mixture),
  quasi-Poisson as the Poisson-gamma mixture with variance ``phi mu`` (``phi`` the null fit's
  Pearson scale; Poisson when ``phi <= 1``); ``latent_ar=(rho, sd)`` multiplies the mean by
  ``exp(e_t)`` (adds ``e_t`` for gaussian) with ``e_t`` a stationary Gaussian AR(1) over the
  calendar (every period, observed or not) with autocorrelation ``rho`` and marginal standard
  deviation ``sd``;
* every replicate is refitted with the full specification (all at once, with the vectorised
  engine; :mod:`trends.robust._replicates`) and the Wald test of the term is computed with
  each covariance (``|estimate / se| > c`` with ``c`` the normal or, where the model uses t,
  the ``t(df_resid)`` critical value, exactly as the fitted model's p-values).

``size`` is the rejection rate among the replicates that converged; replicates that failed are
counted in ``n_failed`` and left out of the denominator (``size`` says so by ``n_failed``).
Random numbers: ``numpy.random.default_rng`` seeded with ``SeedSequence(seed).spawn`` (one
stream per tested term), so results are deterministic and a term's result does not depend on
which other terms are tested.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from trends.errors import SpecificationError
from trends.families import get_family
from trends.robust import _replicates as rep

__all__ = ["calibrate", "CalibrationResult", "power", "mde"]

_TABLE = ["term", "cov", "size", "mc_se", "se_ratio", "n_sims", "n_failed"]


@dataclass(frozen=True)
class CalibrationResult:
    """Result of :func:`calibrate`.

    Attributes
    ----------
    alpha
        Nominal level of the tests.
    n_sims, seed
        Replicates per term and the seed.
    latent_ar
        ``(rho, sd)`` of the latent AR(1), or ``None``.
    draws
        One row per term, covariance and replicate: ``term, cov, sim, estimate, std_error,
        reject, failed`` (NaN estimate for failed replicates).
    outcomes
        Term -> ``n_sims x nobs`` simulated outcomes at the used rows (for checks).

    Parameters
    ----------
    alpha, n_sims, seed, latent_ar, draws, outcomes
        As the attributes (built by :func:`calibrate`).

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> from trends.robust import calibrate
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"month": pd.period_range("2019-01", periods=36, freq="M"),
    ...                    "y": rng.poisson(20, 36)})
    >>> res = trends.ITS(df, outcome="y", date="month", interruptions={"p": "2020-07"},
    ...                  family="poisson").fit()
    >>> cal = calibrate(res, terms=["level[p]"], n_sims=100)
    >>> cal.n_sims, sorted(cal.outcomes), cal.outcomes["level[p]"].shape
    (100, ['level[p]'], (100, 36))
    """

    alpha: float
    n_sims: int
    seed: int
    latent_ar: tuple[float, float] | None
    draws: pd.DataFrame
    outcomes: dict[str, np.ndarray]

    def table(self) -> pd.DataFrame:
        """One row per term and covariance: ``term, cov, size, mc_se, se_ratio, n_sims,
        n_failed`` (``size`` = rejection rate of a true null at ``alpha``, ``mc_se`` its Monte
        Carlo standard error, ``se_ratio`` = mean reported SE / Monte Carlo SD of the
        estimate)."""
        rows = []
        for (term, cov), g in self.draws.groupby(["term", "cov"], sort=False):
            ok = g[~g["failed"]]
            m = len(ok)
            size = float(ok["reject"].mean()) if m else math.nan
            sd = float(ok["estimate"].std(ddof=1)) if m > 1 else math.nan
            rows.append({"term": term, "cov": cov, "size": size,
                         "mc_se": math.sqrt(size * (1 - size) / m) if m else math.nan,
                         "se_ratio": float(ok["std_error"].mean()) / sd if m > 1 else math.nan,
                         "n_sims": int(len(g)), "n_failed": int(g["failed"].sum())})
        return pd.DataFrame(rows, columns=_TABLE)

    def __str__(self) -> str:
        from trends.results import format_text_table

        return (f"Calibrated size at alpha = {self.alpha:g} ({self.n_sims} replicates per "
                f"term, seed {self.seed})\n" + format_text_table(self.table()))


# ---------------------------------------------------------------------------------- checks
def _check_model(results: Any) -> None:
    if results.spec.errors is not None:
        raise SpecificationError(
            "results: calibrate/power need a model without ARMA errors (saw errors="
            f"{results.spec.errors!r}); expected errors=None")


def _check_terms(results: Any, terms: Any, arg: str = "terms") -> list[str]:
    if terms is None:
        out = list(results.design.interruption_terms)
        if not out:
            raise SpecificationError(f"{arg}: the model has no interruption terms; expected "
                                     f"a list of terms from {results.terms}")
        return out
    out = [terms] if isinstance(terms, str) else list(terms)
    bad = [t for t in out if t not in results.terms]
    if bad or not out:
        raise SpecificationError(f"{arg}={terms!r} names unknown term(s) {bad}; expected some "
                                 f"of {results.terms}")
    if results.design.X.shape[1] < 2:
        raise SpecificationError(f"{arg}: the null model would have no terms left")
    return out


def _check_sims(n_sims: Any) -> int:
    if isinstance(n_sims, bool) or not isinstance(n_sims, int | np.integer) or n_sims < 100:
        raise SpecificationError(f"n_sims={n_sims!r} is too small; expected an integer >= 100")
    return int(n_sims)


def _check_alpha(alpha: Any, name: str = "alpha") -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, float | int) or not 0 < alpha < 1:
        raise SpecificationError(f"{name}={alpha!r} is not valid; expected a number in (0, 1)")
    return float(alpha)


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise SpecificationError(f"seed={seed!r} is not valid; expected a non-negative integer")
    return int(seed)


def _check_latent(latent_ar: Any) -> tuple[float, float] | None:
    if latent_ar is None:
        return None
    try:
        rho, sd = (float(v) for v in latent_ar)
    except (TypeError, ValueError):
        rho, sd = math.nan, math.nan
    if not (-1 < rho < 1 and sd >= 0):
        raise SpecificationError(f"latent_ar={latent_ar!r} is not valid; expected (rho, sd) "
                                 "with -1 < rho < 1 and sd >= 0")
    return (rho, sd)


class _Cov:
    """One covariance choice resolved on the fitted model: label, parsed spec, t or normal."""

    def __init__(self, results: Any, cov: Any, arg: str = "covs") -> None:
        try:
            fitted = results if cov is None else _refit_with(results, cov)
        except SpecificationError as exc:
            raise SpecificationError(f"{arg}: cov {cov!r} is not defined for this "
                                     f"{results.family} model ({exc})") from None
        self.spec: tuple[str, int | None, bool] = fitted.spec.cov_spec
        self.label = _label(self.spec)
        self.use_t = bool(fitted.use_t)


def _refit_with(results: Any, cov: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return results.spec.replace(cov=cov).fit()


def _label(spec: tuple[str, int | None, bool]) -> str:
    kind, lags, small = spec
    if kind == "hac":
        return f"hac:{lags}" + (":small" if small else "")
    if kind == "hac-calendar":
        return f"hac:{lags}:calendar" + (":small" if small else "")
    return kind


def _resolve_covs(results: Any, covs: Any) -> list[_Cov]:
    if covs is None:
        items: list[Any] = [None, "nonrobust"]
    elif isinstance(covs, str | tuple):
        items = [covs]
    else:
        items = list(covs)
    if not items:
        raise SpecificationError("covs=[] is empty; expected one or more covariances")
    out: list[_Cov] = []
    for c in items:
        rc = _Cov(results, c)
        if rc.label not in [o.label for o in out]:
            out.append(rc)
    return out


# ------------------------------------------------------------------------- the simulation
@dataclass(frozen=True)
class _Null:
    mu: np.ndarray      # mean at the used rows under the null (linear predictor for gaussian)
    eta: np.ndarray     # linear predictor incl. offset at the used rows
    alpha: float        # NB2 dispersion (0: Poisson)
    scale: float        # gaussian residual variance / quasi-Poisson Pearson scale


def _null_fit(results: Any, term: str) -> _Null:
    """The specification without ``term``, fitted to the data as fit() would."""
    from trends.families import get_family
    from trends.its import _estimate

    d = results.design
    keep = [t for t in d.terms if t != term]
    d0 = dataclasses.replace(d, X=d.X[keep], X_full=d.X_full[keep], terms=keep)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r0 = _estimate(d0, ("nonrobust", None, False), None)
    b0 = np.asarray(r0.params, dtype=float)[: len(keep)]
    eta = d0.X.to_numpy() @ b0 + (0.0 if d.offset is None else d.offset)
    fam = get_family(d.family)
    # NB2's alpha (0 when the fit fell back to Poisson at the boundary); the residual variance
    # (gaussian) or Pearson scale (quasi-Poisson) where the family reports one
    alpha = 0.0
    if fam.estimates_dispersion and not r0.alpha_at_boundary:
        alpha = float(r0.dispersion)
    scale = float(r0.scale) if fam.reports_scale else 1.0
    mu = fam.link.inverse(eta)
    return _Null(mu=mu, eta=eta, alpha=alpha, scale=scale)


def _latent(results: Any, latent: tuple[float, float] | None, rng: np.random.Generator,
            n_sims: int) -> np.ndarray:
    """``n_sims x nobs`` latent AR(1) values at the used rows (zeros without ``latent_ar``)."""
    d = results.design
    n = d.nobs
    if latent is None or latent[1] == 0:
        return np.zeros((n_sims, n))
    from trends._calendar_hac import calendar_positions

    rho, sd = latent
    pos, groups = calendar_positions(d)
    T = int(pos.max()) + 1
    G = int(groups.max()) + 1
    e = np.empty((n_sims, G, T))
    z = rng.standard_normal((n_sims, G, T))
    e[:, :, 0] = sd * z[:, :, 0]
    innov = sd * math.sqrt(1 - rho**2)
    for t in range(1, T):
        e[:, :, t] = rho * e[:, :, t - 1] + innov * z[:, :, t]
    return e[:, groups, pos]


def _simulate(results: Any, null: _Null, shift: np.ndarray, rng: np.random.Generator,
              n_sims: int, latent: tuple[float, float] | None) -> np.ndarray:
    """Outcomes from the null model plus ``shift`` on the linear predictor."""
    fam = results.family
    lat = _latent(results, latent, rng, n_sims)
    eta = null.eta[None, :] + shift[None, :] + lat
    mu = get_family(fam).link.inverse(eta)
    return rep.draw(mu, fam, rng, alpha=null.alpha, scale=null.scale, size=n_sims)


def _time(results: Any) -> dict[str, tuple[np.ndarray, Any]]:
    from trends._calendar_hac import calendar_positions

    d = results.design
    pos, groups = calendar_positions(d)
    row: tuple[np.ndarray, Any]
    if d.unit is None:
        row = (np.arange(d.nobs), None)
    else:  # statsmodels' hac-panel: consecutive used rows within each series
        row = (np.concatenate([np.arange((groups == g).sum()) for g in np.unique(groups)]),
               groups)
    return {"hac": row, "hac-calendar": (pos, groups)}


def _wald(results: Any, Y: np.ndarray, j: int, covs: list[_Cov], alpha: float
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Estimates, SEs (``ncov x B``), rejections and failures of term ``j`` for outcomes Y."""
    d = results.design
    X = d.X.to_numpy()
    fits = rep.refit(Y, X, d.family, d.offset)
    time = _time(results)
    est = fits.params[:, j]
    ses, rejs = [], []
    df = float(X.shape[0] - X.shape[1])
    failed = fits.failed.copy()
    for c in covs:
        V = rep.covariances(fits, Y, X, d.family, c.spec, time)
        se = np.sqrt(np.clip(V[:, j, j], 0, None))
        crit = stats.t.ppf(1 - alpha / 2, df) if c.use_t else stats.norm.ppf(1 - alpha / 2)
        failed |= ~np.isfinite(se) | ~np.isfinite(est)
        ses.append(se)
        rejs.append(np.abs(est / se) > crit)
    return est, np.array(ses), np.array(rejs), failed


def calibrate(results: Any, *, terms: Sequence[str] | None = None, covs: Any = None,
              n_sims: int = 1000, seed: int = 0, alpha: float = 0.05,
              latent_ar: tuple[float, float] | None = None) -> CalibrationResult:
    """Simulated size of the model's Wald tests on its own design (parametric Monte Carlo).

    Parameters
    ----------
    results
        A fitted :class:`~trends.results.ITSResults` (no ARMA errors).
    terms
        Terms to test (default: every interruption term). Each is tested under its own null
        model (the specification without it, fitted to the data).
    covs
        Covariances to test with, in any form ``cov=`` accepts (default: the model's own and
        ``"nonrobust"``). Each must be defined for the family (HC1-HC3: gaussian only).
    n_sims
        Replicates per term (>= 100).
    seed
        Seed of the random numbers (results are deterministic given it).
    alpha
        Nominal level of the tests.
    latent_ar
        ``(rho, sd)``: a latent stationary Gaussian AR(1) on the log mean (identity scale for
        gaussian) over the calendar, to see how the tests behave with autocorrelation.

    Returns
    -------
    CalibrationResult
        ``table()`` gives ``term, cov, size, mc_se, se_ratio, n_sims, n_failed``.

    Raises
    ------
    SpecificationError
        For an unknown term, a covariance not defined for the family, ``n_sims < 100``, an
        invalid ``alpha``, ``seed`` or ``latent_ar``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> from trends.robust import calibrate
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"month": pd.period_range("2019-01", periods=36, freq="M"),
    ...                    "y": rng.poisson(20, 36)})
    >>> res = trends.ITS(df, outcome="y", date="month", interruptions={"p": "2020-07"},
    ...                  family="poisson", cov="HC0").fit()
    >>> tab = calibrate(res, terms=["level[p]"], n_sims=200, seed=1).table()
    >>> list(tab["cov"])
    ['HC0', 'nonrobust']
    >>> bool((tab["size"] < 0.2).all())
    True
    """
    _check_model(results)
    terms_ = _check_terms(results, terms)
    n_sims = _check_sims(n_sims)
    seed = _check_seed(seed)
    alpha = _check_alpha(alpha)
    latent = _check_latent(latent_ar)
    covs_ = _resolve_covs(results, covs)
    streams = np.random.SeedSequence(seed).spawn(len(results.terms))
    frames, outcomes = [], {}
    for term in terms_:
        j = results.terms.index(term)
        rng = np.random.default_rng(streams[j])
        null = _null_fit(results, term)
        Y = _simulate(results, null, np.zeros(results.nobs), rng, n_sims, latent)
        outcomes[term] = Y
        est, ses, rejs, failed = _wald(results, Y, j, covs_, alpha)
        for c, se, rj in zip(covs_, ses, rejs, strict=True):
            frames.append(pd.DataFrame({
                "term": term, "cov": c.label, "sim": np.arange(n_sims),
                "estimate": np.where(failed, np.nan, est),
                "std_error": np.where(failed, np.nan, se),
                "reject": rj & ~failed, "failed": failed}))
    return CalibrationResult(alpha=alpha, n_sims=n_sims, seed=seed, latent_ar=latent,
                             draws=pd.concat(frames, ignore_index=True), outcomes=outcomes)


# ------------------------------------------------------------------------------- power
def _effects(results: Any, ratios: Any) -> np.ndarray:
    try:
        r = np.atleast_1d(np.asarray(ratios, dtype=float))
    except (TypeError, ValueError):
        r = np.array([np.nan])
    log = get_family(results.family).log_link
    if r.ndim != 1 or len(r) == 0 or not np.all(np.isfinite(r)) or (log and np.any(r <= 0)):
        raise SpecificationError(
            f"ratios={ratios!r} is not valid; expected finite "
            + ("positive rate ratios (log-link family)" if log else "coefficients (gaussian)"))
    return np.log(r) if log else r


def _tstats(results: Any, j: int, null: _Null, effect: float, cov: _Cov, n_sims: int,
            seed: int) -> tuple[np.ndarray, np.ndarray]:
    """|estimate / se| of term ``j`` and the failure flags, for replicates with ``effect``."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(len(results.terms))[j])
    x = results.design.X.to_numpy()[:, j]
    Y = _simulate(results, null, effect * x, rng, n_sims, None)
    est, ses, _, failed = _wald(results, Y, j, [cov], 0.05)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.abs(est / ses[0]), failed


def _critical(results: Any, cov: _Cov, alpha: float) -> float:
    df = float(results.design.X.shape[0] - results.design.X.shape[1])
    return float(stats.t.ppf(1 - alpha / 2, df) if cov.use_t else stats.norm.ppf(1 - alpha / 2))


def _size_adjusted_critical(results: Any, j: int, null: _Null, cov: _Cov, n_sims: int,
                            seed: int, alpha: float) -> float:
    """The (1 - alpha) quantile of |t| under the null replicates: the critical value that
    gives the test exactly size alpha on this design (up to Monte Carlo error)."""
    t0, failed = _tstats(results, j, null, 0.0, cov, n_sims, seed)
    return float(np.quantile(t0[~failed], 1 - alpha))


def _power_at(results: Any, j: int, null: _Null, effect: float, cov: _Cov, n_sims: int,
              seed: int, crit: float) -> tuple[float, float, int]:
    t, failed = _tstats(results, j, null, effect, cov, n_sims, seed)
    ok = ~failed
    m = int(ok.sum())
    p = float((t[ok] > crit).mean()) if m else math.nan
    return p, math.sqrt(p * (1 - p) / m) if m else math.nan, int(failed.sum())


def power(results: Any, *, term: str, ratios: Any, n_sims: int = 1000, seed: int = 0,
          cov: Any = None, alpha: float = 0.05, size_adjusted: bool = False) -> pd.DataFrame:
    """Simulated power of the Wald test of ``term`` for given true effects.

    The data-generating model is ``term``'s null model (as in :func:`calibrate`) with the
    effect added to the linear predictor: ``log(ratio) * x_term`` for log-link families (a rate
    ratio), ``ratio * x_term`` for gaussian (the coefficient). Replicates, refits and tests
    follow :func:`calibrate`; common random numbers across ``ratios`` (same seed).

    Parameters
    ----------
    results
        A fitted :class:`~trends.results.ITSResults`.
    term
        The term tested.
    ratios
        True effects: rate ratios (log-link families) or coefficients (gaussian).
    n_sims, seed, alpha
        As in :func:`calibrate`.
    cov
        Covariance of the test (default: the model's own).
    size_adjusted
        Use the critical value that gives the test size ``alpha`` on this design (the
        ``1 - alpha`` quantile of ``|t|`` over the null replicates, same seed) instead of the
        nominal one: the power of a test that does not over-reject.

    Returns
    -------
    DataFrame
        ``term, ratio, power, mc_se`` (one row per ratio).

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> from trends.robust import power
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"month": pd.period_range("2019-01", periods=36, freq="M"),
    ...                    "y": rng.poisson(20, 36)})
    >>> res = trends.ITS(df, outcome="y", date="month", interruptions={"p": "2020-07"},
    ...                  family="poisson").fit()
    >>> pw = power(res, term="level[p]", ratios=[1.0, 1.5], n_sims=200)
    >>> bool(pw["power"].iloc[1] > pw["power"].iloc[0])
    True
    """
    _check_model(results)
    (term,) = _check_terms(results, [term] if isinstance(term, str) else term, "term")
    n_sims = _check_sims(n_sims)
    seed = _check_seed(seed)
    alpha = _check_alpha(alpha)
    c = _Cov(results, cov, "cov")
    effects = _effects(results, ratios)
    j = results.terms.index(term)
    null = _null_fit(results, term)
    crit = (_size_adjusted_critical(results, j, null, c, n_sims, seed, alpha)
            if size_adjusted else _critical(results, c, alpha))
    rows = []
    for r, e in zip(np.atleast_1d(np.asarray(ratios, dtype=float)), effects, strict=True):
        p, se, _ = _power_at(results, j, null, float(e), c, n_sims, seed, crit)
        rows.append({"term": term, "ratio": float(r), "power": p, "mc_se": se})
    return pd.DataFrame(rows, columns=["term", "ratio", "power", "mc_se"])


def mde(results: Any, *, term: str, power: float = 0.8, cov: Any = None, n_sims: int = 1000,
        seed: int = 0, size_adjusted: bool = False) -> float:
    """Minimum detectable effect of ``term``: the smallest true effect whose simulated power
    (:func:`power`, 5% test) reaches ``power``.

    The search is in the direction of the estimated effect (an increase if the estimate is
    positive; a decrease, i.e. a ratio below 1, if negative), by bracketing then 14 bisection
    steps on the log-ratio (coefficient for gaussian) with common random numbers. Returned on
    the scale of :func:`power`'s ``ratios``: a rate ratio for log-link families, a coefficient
    for gaussian. ``inf`` (or 0 for a decrease on the ratio scale) if no effect up to a rate
    ratio of ``e^8`` (gaussian: 2^20 null standard errors) reaches that power.
    ``size_adjusted=True`` uses the size-adjusted critical value of :func:`power` (the MDE of
    a test that rejects a true null at 5% on this design; with a sandwich covariance that
    over-rejects, the nominal MDE is optimistic).

    Parameters
    ----------
    results
        Fitted :class:`trends.results.ITSResults` (the design simulated).
    term
        The interruption term, e.g. ``"level[p]"``.
    power
        Target power, in (0, 1).
    cov
        Covariance of the test (default: the model's), as ``trends.ITS(cov=...)``.
    n_sims, seed
        Replicates per effect size and the seed (common random numbers).
    size_adjusted
        Use the size-adjusted critical value (see above).

    Returns
    -------
    float
        The MDE on the scale of :func:`power`'s ``ratios``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> from trends.robust import mde
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"month": pd.period_range("2019-01", periods=36, freq="M"),
    ...                    "y": rng.poisson(20, 36)})
    >>> res = trends.ITS(df, outcome="y", date="month", interruptions={"p": "2020-07"},
    ...                  family="poisson").fit()
    >>> m = mde(res, term="level[p]", n_sims=200)  # a rate ratio, below 1 here
    >>> bool(0.5 < m < 1.0) == bool(res.params["level[p]"] < 0)
    True
    """
    _check_model(results)
    (term,) = _check_terms(results, [term] if isinstance(term, str) else term, "term")
    target = _check_alpha(power, "power")
    n_sims = _check_sims(n_sims)
    seed = _check_seed(seed)
    c = _Cov(results, cov, "cov")
    j = results.terms.index(term)
    null = _null_fit(results, term)
    sign = -1.0 if results.params.iloc[j] < 0 else 1.0
    log = get_family(results.family).log_link
    unit = 0.1 if log else float(results.std_errors.iloc[j])

    crit = (_size_adjusted_critical(results, j, null, c, n_sims, seed, 0.05)
            if size_adjusted else _critical(results, c, 0.05))

    def pw(e: float) -> float:
        return _power_at(results, j, null, sign * e, c, n_sims, seed, crit)[0]

    lo, hi = 0.0, unit
    limit = 8.0 if log else unit * 2.0**20
    while pw(hi) < target:
        lo, hi = hi, 2 * hi
        if hi > limit:
            return (math.inf if sign > 0 else 0.0) if log else math.inf * sign
    for _ in range(14):
        mid = 0.5 * (lo + hi)
        if pw(mid) >= target:
            hi = mid
        else:
            lo = mid
    e = sign * hi
    return float(math.exp(e)) if log else float(e)
