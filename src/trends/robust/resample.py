"""Bootstrap inference for ITS effects that respects autocorrelation.

An alternative to HAC standard errors: the model is refitted to many resampled series, all at
once (:func:`trends.robust.engine.fit_batch` with one outcome per replicate), and the spread
of the level/slope estimates gives standard errors, percentile intervals and p-values.

Methods
-------
``"block"`` (default)
    Moving-block bootstrap of (modified, centred) residuals (Kunsch 1989): blocks of
    ``block_length`` consecutive residuals (default ``ceil(n ** (1/3))``, Hall, Horowitz &
    Jing 1995) drawn with replacement and laid end to end, so dependence within a block is
    kept.
``"wild"``
    Wild bootstrap: each (modified) residual is multiplied by a random weight with mean 0 and
    variance 1, Rademacher (+-1) or Webb's six-point distribution (Webb 2023; better with few
    observations). With ``block_length > 1`` one weight is shared by each block of consecutive
    observations (a block wild bootstrap), which keeps serial correlation within blocks;
    ``block_length=1`` is the classical (heteroskedasticity-robust, not autocorrelation-robust)
    wild bootstrap, which mimics HC (sandwich) standard errors and so shares their small-sample
    downward bias where leverage is high. Default block length as for ``"block"``.
``"parametric"``
    New outcomes drawn from the fitted model (normal, Poisson or NB2). Ignores autocorrelation;
    a reference point.

Residuals are *modified* by ``1 / sqrt(1 - h_ii)`` (leverage of the weighted fit; Davison &
Hinkley 1997): raw residuals are shrunk where leverage is high, as in the few months between
two close interruptions, and resampling them would understate the variability there.

For count families the block and wild schemes resample *Pearson* residuals
``r = (y - mu) / sqrt(V(mu))`` (``V = mu`` Poisson/quasi-Poisson, ``mu + alpha mu^2`` NB2) and
rebuild ``y* = mu + sqrt(V(mu)) r*``, set to 0 where negative (the number of such values is
reported); y* is then not integer, which the Poisson/NB2 quasi-likelihood estimating equations
accept. Observations are used in time order; missing months are skipped (blocks run over
consecutive *observed* months).

All random numbers come from one ``numpy.random.default_rng(seed)`` drawn up front, so results
are identical for a given seed whatever the batch size.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trends.errors import SpecificationError
from trends.families import get_family
from trends.robust.engine import fit_batch
from trends.robust.problem import problem_from_model

__all__ = ["bootstrap", "BootstrapResult", "WEBB_POINTS"]

#: Webb (2023) six-point weights, each with probability 1/6 (mean 0, variance 1).
WEBB_POINTS = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0,
                        math.sqrt(1.5)])
_CHUNK_FLOATS = 2_000_000


@dataclass(frozen=True)
class BootstrapResult:
    """Result of :func:`bootstrap`.

    Attributes
    ----------
    draws
        One row per successful replicate, one column per reported term.
    table
        Per term: ``estimate`` (original fit), ``std_error`` (bootstrap SD), ``ci_low``,
        ``ci_high`` (percentile interval at ``level``), ``p_value`` (two-sided, from the
        centred bootstrap distribution: ``(1 + #{|b* - b| >= |b|}) / (1 + R)``); for log-link
        families also ``ratio``, ``ratio_low``, ``ratio_high`` (exponentiated).
    method, block_length, weights, seed, level
        The settings used.
    n_failed
        Replicates whose fit did not converge (excluded).
    n_truncated
        Count families: resampled outcomes set to 0 because they were negative.

    Parameters
    ----------
    draws, table, method, block_length, weights, seed, level, n_failed, n_truncated
        As the attributes (built by :func:`bootstrap`).

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"month": pd.period_range("2019-01", periods=36, freq="M"),
    ...                    "y": 10 + rng.normal(0, 1, 36)})
    >>> model = trends.ITS(df, outcome="y", date="month", interruptions={"p": "2021-01"})
    >>> b = bootstrap(model, n_boot=99, seed=1)
    >>> b.table.columns.tolist(), len(b.draws), b.n_failed
    (['estimate', 'std_error', 'ci_low', 'ci_high', 'p_value'], 99, 0)
    """

    draws: pd.DataFrame
    table: pd.DataFrame
    method: str
    block_length: int
    weights: str | None
    seed: int | None
    level: float
    n_failed: int
    n_truncated: int = field(default=0)


def bootstrap(
    model: Any,
    n_boot: int = 999,
    method: str = "block",
    *,
    block_length: int | None = None,
    weights: str = "rademacher",
    seed: int | None = 0,
    level: float = 0.95,
    terms: list[str] | None = None,
    alpha: float | None = None,
    progress: bool = False,
) -> BootstrapResult:
    """Bootstrap the effects of an ITS model.

    Parameters
    ----------
    model
        An unfitted :class:`trends.ITS` specification (its interruptions at their dates).
    n_boot
        Number of replicates.
    method
        ``"block"``, ``"wild"`` or ``"parametric"`` (see the module notes).
    block_length
        Block length in observations (default ``ceil(n ** (1/3))``).
    weights
        Wild weights: ``"rademacher"`` or ``"webb"``.
    seed
        Seed of ``numpy.random.default_rng``; the same seed gives the same result.
    level
        Confidence level of the percentile intervals.
    terms
        Terms to report (default the level/slope terms); any term of the model may be named.
    alpha
        negbin only: fixed dispersion (default: re-estimated in every replicate).
    progress
        Show a progress bar.

    Returns
    -------
    BootstrapResult

    Raises
    ------
    SpecificationError
        Bad method, weights, block length, level or term names.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"month": pd.period_range("2019-01", periods=36, freq="M"),
    ...                    "y": 10 + rng.normal(0, 1, 36)})
    >>> model = trends.ITS(df, outcome="y", date="month", interruptions={"p": "2021-01"})
    >>> bootstrap(model, n_boot=99, seed=1).method
    'block'
    """
    from tqdm.std import tqdm  # not tqdm.auto: it imports asyncio

    if method not in ("block", "wild", "parametric"):
        raise SpecificationError(
            f"method must be 'block', 'wild' or 'parametric' (saw {method!r})")
    if weights not in ("rademacher", "webb"):
        raise SpecificationError(f"weights must be 'rademacher' or 'webb' (saw {weights!r})")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise SpecificationError(f"n_boot must be an integer >= 2 (saw {n_boot!r})")
    if not 0 < level < 1:
        raise SpecificationError(f"level must lie in (0, 1) (saw {level!r})")
    problem = problem_from_model(model)
    if problem.hypothesised is None:
        raise SpecificationError("the model has no interruption dates to resample around")
    X = problem.design(problem.hypothesised)
    names = list(X.columns)
    report = problem.break_terms if terms is None else list(terms)
    unknown = [t for t in report if t not in names]
    if unknown:
        raise SpecificationError(f"unknown terms {unknown}; the model has {names}")
    cols = [names.index(t) for t in report]
    y, Xv, fam, off = problem.y, X.to_numpy(dtype=float), problem.family, problem.offset
    n = len(y)
    ell = int(math.ceil(n ** (1 / 3))) if block_length is None else block_length
    if isinstance(ell, bool) or not isinstance(ell, (int, np.integer)) or not 1 <= ell <= n:
        raise SpecificationError(f"block_length must be an integer in 1..{n} (saw {ell!r})")

    fit0 = fit_batch(y, Xv, None, family=fam, offset=off, alpha=alpha)
    if not np.all(np.isfinite(fit0.params)):
        raise SpecificationError("the model could not be fitted at its interruption dates")
    beta = fit0.params[0]
    eta = Xv @ beta + (0.0 if off is None else off)
    rng = np.random.default_rng(seed)
    n_trunc = 0
    family = get_family(fam)
    mu = family.link.inverse(eta)
    a = 0.0 if fit0.alpha is None else float(fit0.alpha[0])
    sd = np.sqrt(family.variance(mu, a))
    resid = (y - mu) / sd
    dmu = family.link.inverse_deriv(eta)
    w = dmu * dmu / (sd * sd)  # IRLS weights
    # modified residuals r / sqrt(1 - h) (Davison & Hinkley 1997, sec. 6.2.3, 7.2): raw
    # residuals are shrunk where leverage is high (e.g. the few months between two close
    # interruptions), which would make resampled series too smooth there
    Xw = Xv * np.sqrt(w)[:, None]
    h = np.einsum("ij,ij->i", Xw, np.linalg.solve(Xw.T @ Xw, Xw.T).T)
    resid = resid / np.sqrt(np.clip(1.0 - h, 1e-3, None))
    if method == "block":
        resid = resid - resid.mean()
    if method == "parametric":
        disp = float(fit0.scale[0]) if family.closed_form else a
        Ystar = family.simulate(mu[None, :], rng, disp, size=(n_boot, n))
    else:
        n_blocks = int(math.ceil(n / ell))
        if method == "block":
            starts = rng.integers(0, n - ell + 1, size=(n_boot, n_blocks))
            idx = (starts[:, :, None] + np.arange(ell)[None, None, :]).reshape(n_boot, -1)[:, :n]
            rstar = resid[idx]
        else:
            if weights == "rademacher":
                v = rng.choice(np.array([-1.0, 1.0]), size=(n_boot, n_blocks))
            else:
                v = rng.choice(WEBB_POINTS, size=(n_boot, n_blocks))
            rstar = resid[None, :] * np.repeat(v, ell, axis=1)[:, :n]
        Ystar = mu[None, :] + sd[None, :] * rstar
        if family.counts:
            neg = Ystar < 0
            n_trunc = int(neg.sum())
            Ystar[neg] = 0.0

    draws = np.empty((n_boot, len(cols)))
    ok = np.empty(n_boot, dtype=bool)
    size = max(1, _CHUNK_FLOATS // max(n * Xv.shape[1], 1))
    with tqdm(total=n_boot, desc="bootstrap", disable=not progress, unit="fit") as bar:
        for start in range(0, n_boot, size):
            sl = slice(start, min(start + size, n_boot))
            res = fit_batch(Ystar[sl], Xv, None, family=fam, offset=off, alpha=alpha)
            draws[sl] = res.params[:, cols]
            ok[sl] = res.converged & np.all(np.isfinite(res.params), axis=1)
            bar.update(sl.stop - sl.start)
    n_failed = int((~ok).sum())
    if n_failed:
        warnings.warn(f"{n_failed} of {n_boot} bootstrap replicates failed and were dropped",
                      RuntimeWarning, stacklevel=2)
    D = draws[ok]
    est = beta[cols]
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    table = pd.DataFrame({
        "estimate": est,
        "std_error": D.std(axis=0, ddof=1),
        "ci_low": np.quantile(D, lo_q, axis=0),
        "ci_high": np.quantile(D, hi_q, axis=0),
        "p_value": (1 + np.sum(np.abs(D - est) >= np.abs(est), axis=0)) / (1 + len(D)),
    }, index=pd.Index(report, name="term"))
    if family.log_link:
        table["ratio"] = np.exp(table["estimate"])
        table["ratio_low"] = np.exp(table["ci_low"])
        table["ratio_high"] = np.exp(table["ci_high"])
    return BootstrapResult(
        draws=pd.DataFrame(D, columns=report),
        table=table,
        method=method,
        block_length=ell,
        weights=weights if method == "wild" else None,
        seed=seed,
        level=level,
        n_failed=n_failed,
        n_truncated=n_trunc,
    )
