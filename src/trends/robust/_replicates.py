"""Many outcome vectors, one design: batched refits and their Wald covariances.

Used by :func:`trends.robust.calibrate` and :func:`trends.robust.power`. Every replicate is
fitted as :meth:`trends.ITS.fit` fits the data (same family rules), but all at once with the
vectorised engine (:func:`trends.robust.engine.fit_batch`), and every covariance is computed in
batch with the same definitions as statsmodels (checked in ``tests/test_robust_calibrate.py``):

* ``nonrobust``: ``s^2 (X'X)^{-1}`` (gaussian, ``s^2 = SSR / (n - k)``); ``(X'WX)^{-1}``
  (Poisson); the Pearson scale times that (quasi-Poisson); for NB2 the regression block of the
  inverse of the observed information of ``(beta, alpha)`` jointly (statsmodels'
  ``NegativeBinomial``; computed on the ``log(1/alpha)`` scale, which leaves that block
  unchanged).
* ``HC0`` (and, gaussian only, ``HC1``-``HC3``) and the HAC kinds: the sandwich
  ``H^{-1} S H^{-1}`` with per-observation scores (NB2: including the dispersion's) and
  :func:`trends._calendar_hac.hac_meat` (row time or calendar time).
* NB2 replicates with no overdispersion (``sum((y - mu)^2 - y) <= 0`` at the Poisson fit) are
  the Poisson fit with Poisson covariances, exactly as ``fit()`` reports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from trends._calendar_hac import hac_meat
from trends.families import get_family
from trends.robust.engine import fit_batch

__all__ = ["Refits", "refit", "covariances", "draw"]


@dataclass(frozen=True)
class Refits:
    """Batched fits of ``B`` outcome vectors on one design.

    Attributes
    ----------
    params
        ``B x k`` coefficients (NaN rows for failed fits).
    mu
        ``B x n`` fitted means at the used rows.
    alpha
        NB2 dispersion per fit (0 for boundary fits and other families).
    boundary
        NB2 fits whose alpha MLE is on the boundary 0 (reported as the Poisson fit).
    failed
        Fits that did not converge (or diverged).
    scale
        Residual variance (gaussian), Pearson scale (quasi-Poisson), else 1.
    """

    params: np.ndarray
    mu: np.ndarray
    alpha: np.ndarray
    boundary: np.ndarray
    failed: np.ndarray
    scale: np.ndarray


def refit(Y: np.ndarray, X: np.ndarray, family: str, offset: np.ndarray | None) -> Refits:
    """Fit every row of ``Y`` (``B x n``) on the design ``X`` (``n x k``)."""
    Y = np.ascontiguousarray(Y, dtype=float)
    B, n = Y.shape
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    alpha = np.zeros(B)
    boundary = np.zeros(B, dtype=bool)
    fam = get_family(family)
    if fam.closed_form:
        f = fit_batch(Y, X, family=fam.name)
        params = f.params
        mu = params @ X.T
        return Refits(params, mu, alpha, boundary, ~np.all(np.isfinite(params), axis=1),
                      f.scale)
    # a family with a dispersion parameter (NB2) starts from the Poisson fit: where it shows
    # no overdispersion the estimate is on the boundary alpha = 0, where NB2 is Poisson
    f = fit_batch(Y, X, family="poisson" if fam.estimates_dispersion else fam.name,
                  offset=offset)
    params = f.params.copy()
    ok = f.converged & np.all(np.isfinite(params), axis=1)
    mu = np.exp(np.clip(params @ X.T + off, -700, 700))
    scale = np.asarray(f.scale, dtype=float).copy()
    if fam.estimates_dispersion:
        over = np.sum((Y - mu) ** 2 - Y, axis=1) > 0
        boundary = ok & ~over
        idx = np.flatnonzero(ok & over)
        if len(idx):
            g = fit_batch(Y[idx], X, family=fam.name, offset=offset)
            params[idx] = g.params
            alpha[idx] = np.asarray(g.alpha)
            good = g.converged & np.all(np.isfinite(g.params), axis=1)
            ok[idx] &= good
            mu[idx] = np.exp(np.clip(g.params @ X.T + off, -700, 700))
    params[~ok] = np.nan
    return Refits(params, mu, alpha, boundary, ~ok, scale)


def _nb_parts(Y: np.ndarray, X: np.ndarray, mu: np.ndarray, alpha: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """NB2 per-observation scores ``(beta, theta)`` and the negative observed Hessian, with
    ``theta = log(1/alpha)``; rows with ``alpha = 0`` get the Poisson parts (theta block 1)."""
    B, n = Y.shape
    k = X.shape[1]
    nb = alpha > 0
    a = np.where(nb, alpha, 1.0)[:, None]
    r = 1.0 / a
    rm = r + mu
    u = np.where(nb[:, None], (Y - mu) / (1.0 + a * mu), Y - mu)
    wh = np.where(nb[:, None], mu * (1.0 + a * Y) / (1.0 + a * mu) ** 2, mu)
    s_r = special.digamma(Y + r) - special.digamma(r) + np.log(r / rm) + 1.0 - (r + Y) / rm
    h_r = (special.polygamma(1, Y + r) - special.polygamma(1, r) + 1.0 / r - 1.0 / rm
           - (mu - Y) / rm**2)
    s_th = r * s_r
    h_th = r * s_r + r**2 * h_r           # d2 l / d theta2 per observation
    h_eth = r * (Y - mu) * mu / rm**2     # d2 l / d eta d theta
    scores = np.zeros((B, n, k + 1))
    scores[:, :, :k] = X[None] * u[:, :, None]
    scores[:, :, k] = np.where(nb[:, None], s_th, 0.0)
    A = np.zeros((B, k + 1, k + 1))
    A[:, :k, :k] = np.einsum("bn,ni,nj->bij", wh, X, X)
    cross = -np.einsum("bn,ni->bi", np.where(nb[:, None], h_eth, 0.0), X)
    A[:, :k, k] = cross
    A[:, k, :k] = cross
    A[:, k, k] = np.where(nb, -h_th.sum(axis=1), 1.0)
    return scores, A


def covariances(fits: Refits, Y: np.ndarray, X: np.ndarray, family: str,
                cov: tuple[str, int | None, bool], time: dict[str, tuple[np.ndarray, Any]]
                ) -> np.ndarray:
    """``B x k x k`` covariance of the regression coefficients of every fit under ``cov``
    (``(kind, lags, small)`` as :func:`trends.its.parse_cov` returns, lags resolved).

    ``time`` maps ``"hac"`` and ``"hac-calendar"`` to ``(positions, groups)`` of the rows.
    """
    B, n = Y.shape
    k = X.shape[1]
    kind, lags, small = cov
    mu = fits.mu
    fam = get_family(family)
    if fam.closed_form:
        resid = Y - mu
        XtXi = np.linalg.inv(X.T @ X)
        if kind == "nonrobust":
            return fits.scale[:, None, None] * XtXi[None]
        scores = X[None] * resid[:, :, None]
        bread = np.broadcast_to(XtXi, (B, k, k))
        n_score = np.full(B, k)
    elif fam.estimates_dispersion:
        scores, A = _nb_parts(Y, X, mu, fits.alpha)
        nb = fits.alpha > 0
        # boundary (Poisson) fits: drop the theta column (its block is an identity placeholder)
        scores[~nb, :, k] = 0.0
        bread = np.linalg.inv(A)
        if kind == "nonrobust":
            return bread[:, :k, :k]
        n_score = np.where(nb, k + 1, k)
    else:
        A = np.einsum("bn,ni,nj->bij", mu, X, X)
        bread = np.linalg.inv(A)
        if kind == "nonrobust":
            return fits.scale[:, None, None] * bread
        scores = X[None] * (Y - mu)[:, :, None]
        n_score = np.full(B, k)
    if kind in {"HC0", "HC1", "HC2", "HC3"}:
        sc = scores
        if kind in {"HC2", "HC3"}:  # gaussian only (refused elsewhere)
            h = np.einsum("ni,ij,nj->n", X, XtXi, X)
            sc = scores / ((1.0 - h) ** (0.5 if kind == "HC2" else 1.0))[None, :, None]
        meat = np.einsum("bni,bnj->bij", sc, sc)
    elif kind in {"hac", "hac-calendar"}:
        pos, groups = time[kind]
        meat = hac_meat(scores, pos, int(lags or 0), groups)
    else:  # pragma: no cover - parse_cov admits nothing else
        raise ValueError(kind)
    V = bread @ meat @ np.swapaxes(bread, 1, 2)
    if kind == "HC1" or (small and kind in {"hac", "hac-calendar"}):
        V = V * (n / (n - n_score))[:, None, None]
    return V[:, :k, :k]


def draw(mu: np.ndarray, family: str, rng: np.random.Generator, *, alpha: float = 0.0,
         scale: float = 1.0, size: int = 1) -> np.ndarray:
    """``size x n`` outcomes with mean ``mu`` (``size x n`` or ``n``) from ``family``.

    gaussian: ``mu + N(0, scale)``; poisson: Poisson; negbin: NB2 with dispersion ``alpha``
    (Poisson-gamma mixture; Poisson when ``alpha = 0``); quasipoisson (variance ``scale * mu``):
    the NB1-type Poisson-gamma mixture with that variance, Poisson when ``scale <= 1``.
    """
    mu = np.broadcast_to(np.asarray(mu, dtype=float), (size, np.shape(mu)[-1]))
    return get_family(family).draw_replicates(mu, rng, alpha=alpha, scale=scale)

