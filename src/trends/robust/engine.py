"""Batched maximum-likelihood fits of many related GLMs at once (numpy only).

Every robustness computation in :mod:`trends.robust` fits the *same* model many times: once per
break-date placement (the design changes in a few columns) or once per bootstrap replicate (the
outcome changes). Looping over statsmodels does this one fit at a time; here all fits advance
together.

Design of a batch
-----------------
Fit ``b`` uses the design ``[base | extra[b].T]``: ``base`` (``n x q``) is shared by every fit
(intercept, trend, seasonal terms, covariates), ``extra`` (``B x m x n``) holds the few columns
that differ between fits (level and slope columns of the interruptions), or is ``None``. The
outcome is ``y`` (``n``, shared) or ``Y`` (``B x n``, one per fit).

Speed comes from never forming a ``B x n x p`` design: the cross-products of the shared block
with fit-specific weights ``w`` are one matrix product ``w @ K`` with ``K[i] = vec(x_i x_i')``
(``n x q^2``), the cross-products with the varying columns are one ``(B m) x n`` by ``n x q``
product, and only the tiny ``m x m`` block is batched.

Families
--------
gaussian
    Least squares in closed form (one normal-equation solve per fit). ``llf`` is the Gaussian
    profile log-likelihood and the information criteria count the ``p`` coefficients (not the
    variance), as ``statsmodels.OLS`` does.
poisson, quasipoisson
    Iteratively reweighted least squares (Newton's method for the canonical log link), started
    like statsmodels' GLM (``mu0 = (y + mean(y)) / 2``). Quasi-Poisson coefficients are the
    Poisson ones; ``scale`` is each fit's Pearson chi-square over its residual degrees of
    freedom. Quasi-Poisson has no likelihood; ``llf`` is the quasi-log-likelihood, the Poisson
    log-likelihood divided by a dispersion ``c`` (``quasi_scale=c``, common to all fits, so that
    the resulting QAIC ranks fits as Burnham & Anderson 2002 recommend; statsmodels'
    ``GLM(...).fit(scale=c)`` reports the same), or by each fit's own Pearson scale when
    ``quasi_scale`` is None (statsmodels' ``scale="X2"``).
negbin (NB2)
    ``alpha=None`` (default): the dispersion is re-estimated by maximum likelihood for every fit
    jointly with the coefficients, as ``statsmodels.discrete.NegativeBinomial(loglike_method=
    "nb2")`` does; the coefficients are updated by Fisher scoring and ``log(1/alpha)`` by Newton
    steps, alternately (coefficients and dispersion are orthogonal in NB2, so this converges
    quickly); ``alpha`` counts as a parameter in AIC/BIC. ``alpha=<float>``: the dispersion is held
    fixed, as in ``statsmodels.GLM(family=NegativeBinomial(alpha=...))``, and is not counted.

Count fits with varying columns start from the fit without them (varying coefficients 0),
which is close to most optima, and stop after a Newton step of relative size below ``tol``
(default ``1e-7``; the error left is of the order of its square), which is tighter than
statsmodels' defaults: results agree with a statsmodels refit to ~1e-8 or better.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from trends.calendar import break_columns
from trends.errors import SpecificationError
from trends.families import FAMILIES as _REGISTRY
from trends.robust._threads import single_blas_thread

#: names of the supported families (the registry is :data:`trends.families.FAMILIES`)
FAMILIES: tuple[str, ...] = tuple(_REGISTRY)

_LOG_2PI = float(np.log(2.0 * np.pi))
_THETA_MAX = 25.0  # |log(1/alpha)| bound: alpha in [1.4e-11, 7.2e10]
_THETA_POISSON = float(np.log(1e8))  # alpha < 1e-8: no overdispersion left
_ETA_MAX = 700.0  # exp() overflows past ~709; a divergent fit is flagged instead of crashing


@dataclass(frozen=True)
class BatchFit:
    """Results of a batch of fits (one row per fit).

    Attributes
    ----------
    params
        ``B x p`` coefficients, shared columns first then the varying ones.
    llf
        Log-likelihood of each fit.
    nobs
        Number of observations used (the same for every fit).
    k_params
        Number of estimated parameters counted in AIC/BIC.
    alpha
        NB2 dispersion of each fit (``None`` for other families).
    scale
        Residual variance (gaussian, ``SSR / (n - p)``), Pearson scale (quasipoisson), else 1.
    converged
        Whether each fit met the tolerance within ``maxiter`` iterations.
    """

    params: np.ndarray
    llf: np.ndarray
    nobs: int
    k_params: int
    alpha: np.ndarray | None
    scale: np.ndarray
    converged: np.ndarray

    @property
    def aic(self) -> np.ndarray:
        """Akaike information criterion, ``-2 llf + 2 k``."""
        return -2.0 * self.llf + 2.0 * self.k_params

    @property
    def bic(self) -> np.ndarray:
        """Bayesian information criterion, ``-2 llf + log(n) k``."""
        return -2.0 * self.llf + np.log(self.nobs) * self.k_params


def check_family(family: str) -> str:
    """Return ``family`` if supported, else raise :class:`SpecificationError`."""
    if not isinstance(family, str) or family not in _REGISTRY:
        raise SpecificationError(
            f"unknown family {family!r}; expected one of {', '.join(FAMILIES)}"
        )
    return family


@single_blas_thread
def fit_batch(
    y: np.ndarray,
    base: np.ndarray,
    extra: np.ndarray | BreakColumns | None = None,
    *,
    family: str = "gaussian",
    offset: np.ndarray | None = None,
    alpha: float | None = None,
    quasi_scale: float | None = None,
    tol: float = 1e-7,
    maxiter: int = 100,
    start: np.ndarray | None = None,
) -> BatchFit:
    """Fit a batch of GLMs that share most of their design.

    Parameters
    ----------
    y
        Outcome: ``n`` (shared by every fit) or ``B x n`` (one row per fit).
    base
        ``n x q`` design columns shared by every fit.
    extra
        ``B x m x n`` fit-specific columns (appended after ``base``), a :class:`BreakColumns`
        (the same columns described by break dates, never formed), or ``None``.
    family
        ``"gaussian"``, ``"poisson"``, ``"quasipoisson"`` or ``"negbin"``.
    offset
        Log-scale offset (``n``), count families only.
    alpha
        NB2 dispersion to hold fixed; ``None`` estimates it per fit (negbin only).
    quasi_scale
        quasipoisson only: the common dispersion dividing the Poisson log-likelihood (default:
        each fit's own Pearson scale).
    tol
        Stop after a Newton (IRLS) step whose relative size is below ``tol``. Newton's method
        converges quadratically, so the error left after a step of size ``d`` is of order
        ``d^2``: the default ``1e-7`` leaves ~1e-14.
    maxiter
        Maximum number of iterations.
    start
        Count families only: ``B x p`` starting coefficients (e.g. interpolated from already
        fitted neighbouring designs); rows with a non-finite value use the default start.
        The optimum does not depend on it, only the number of iterations does.

    Returns
    -------
    BatchFit
        Coefficients, log-likelihoods and information criteria of every fit.

    Raises
    ------
    SpecificationError
        For an unknown family, inconsistent shapes, or an offset with the gaussian family.
    """
    fam = _REGISTRY[check_family(family)]
    y = np.asarray(y, dtype=float)
    base = np.ascontiguousarray(base, dtype=float)
    if base.ndim != 2:
        raise SpecificationError("base design must be a 2-D array (n x q)")
    n, q = base.shape
    if isinstance(extra, BreakColumns):
        if extra.shape[2] != n:
            raise SpecificationError("break columns and base have different numbers of rows")
        if fam.closed_form and y.ndim != 1:  # many outcomes: the columns are needed
            extra = extra.toarray()
    elif extra is not None:
        extra = np.ascontiguousarray(extra, dtype=float)
        if extra.ndim != 3 or extra.shape[2] != n:
            raise SpecificationError("extra columns must have shape (B, m, n)")
    B = _batch_size(y, extra, n)
    if offset is not None:
        if not fam.offsets_allowed:
            raise SpecificationError("an offset needs a count family (log link)")
        offset = np.asarray(offset, dtype=float)
        if offset.shape != (n,):
            raise SpecificationError("offset must have one value per observation")
    if not fam.estimates_dispersion and alpha is not None:
        raise SpecificationError("alpha applies to the negbin family only")
    if quasi_scale is not None and (not fam.pearson_scale or not quasi_scale > 0):
        raise SpecificationError("quasi_scale must be a positive number, quasipoisson only")
    p = q + (0 if extra is None else extra.shape[1])
    if n <= p:
        raise SpecificationError(f"{n} observations cannot identify {p} coefficients")
    if start is not None:
        start = np.asarray(start, dtype=float)
        if start.shape != (B, p):
            raise SpecificationError(f"start must have shape ({B}, {p})")
    if fam.closed_form:
        if isinstance(extra, BreakColumns):
            return _fit_gaussian_breaks(y, base, extra)
        return _fit_gaussian(y, base, extra, B)
    res = _fit_counts(y, base, extra, B, family, offset, alpha, tol, maxiter, start)
    if quasi_scale is not None:  # llf was divided by each fit's own scale: use the common one
        res = dataclasses.replace(res, llf=res.llf * res.scale / quasi_scale)
    return res


# ---------------------------------------------------------------------------------------------
# shared linear algebra


def _batch_size(y: np.ndarray, extra: np.ndarray | None, n: int) -> int:
    if y.ndim == 1:
        if y.shape[0] != n:
            raise SpecificationError("y and base have different numbers of rows")
        return 1 if extra is None else extra.shape[0]
    if y.ndim != 2 or y.shape[1] != n:
        raise SpecificationError("y must have shape (n,) or (B, n)")
    if extra is not None and extra.shape[0] != y.shape[0]:
        raise SpecificationError("y and extra disagree on the batch size")
    return y.shape[0]


#: one-entry memo of the last shared design's products and no-break fit: a grid is fitted in
#: chunks that all share them
_MEMO: dict[str, tuple[bytes, object]] = {}


def _memo(name: str, key: bytes, make):
    hit = _MEMO.get(name)
    if hit is not None and hit[0] == key:
        return hit[1]
    value = make()
    _MEMO[name] = (key, value)
    return value


def _outer_base(base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct products ``x_i x_k`` of the shared columns, so that ``X'WX = (w @ K)[:, idx]``.

    Returns ``K`` (``n x u``: the distinct non-zero product columns, then a zero column) and
    ``idx`` (``q^2`` column indices into ``K``). With an intercept and month dummies most
    products coincide (``d_c * 1 = d_c``, ``d_c^2 = d_c``) or vanish (``d_c d_k = 0``), so ``u``
    is far below ``q^2`` (25 instead of 169 for intercept, trend and 11 dummies), and
    one ``B x n`` by ``n x u`` product gives every fit's shared block.
    """
    n, q = base.shape
    prods = (base[:, :, None] * base[:, None, :]).reshape(n, q * q)
    uniq, inverse = np.unique(prods.T, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    nonzero = np.any(uniq != 0, axis=1)
    # drop the all-zero product column (if any) in favour of an explicit zero column at the end
    keep = np.flatnonzero(nonzero)
    remap = np.full(len(uniq), len(keep), dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    K = np.column_stack([uniq[keep].T, np.zeros(n)])
    return np.ascontiguousarray(K), remap[inverse]


class BreakColumns:
    """Level and slope columns of breaks at many placements, described rather than formed.

    Fit ``b`` gets, for each break ``j`` at ``at[b, j]`` and in the order of ``changes``, the
    columns ``level = 1[t >= at]`` and ``slope = (t - at) 1[t >= at]`` (``t``: the position of
    each observation), i.e. what :meth:`toarray` returns as a ``B x m x n`` array. The count
    families never form that array: every product they need with the break columns is a sum
    over ``t >= at`` of a few functions of ``t`` (``x``, ``t x``, ``1``, ``t``, ``t^2``), taken
    for all fits as one matrix product with the ``B x k x n`` indicators, which moves far less
    memory than the ``m`` columns per fit.
    """

    def __init__(self, t: np.ndarray, at: np.ndarray,
                 changes: tuple[tuple[str, ...], ...]) -> None:
        self.t = np.ascontiguousarray(t, dtype=float)
        self.at = np.asarray(at, dtype=float).reshape(len(at), -1)
        self.changes = tuple(tuple(ch) for ch in changes)
        if self.at.shape[1] != len(self.changes):
            raise SpecificationError("one list of changes per break is needed")
        self.cols = [(j, c) for j, ch in enumerate(self.changes) for c in ch]
        if any(c not in ("level", "slope") for _, c in self.cols):
            raise SpecificationError("break changes must be 'level' and/or 'slope'")
        self.shape = (len(self.at), len(self.cols), len(self.t))
        self._mask: np.ndarray | None = None

    def __getitem__(self, idx: np.ndarray) -> BreakColumns:
        out = BreakColumns(self.t, self.at[idx], self.changes)
        if self._mask is not None:
            out._mask = self._mask[:, idx]
        return out

    @property
    def mask(self) -> np.ndarray:
        """``k x B x n`` indicators ``1[t >= at]`` (break first)."""
        if self._mask is None:
            self._mask = (self.t[None, None, :] >= self.at.T[:, :, None]).astype(float)
        return self._mask

    def toarray(self) -> np.ndarray:
        """The ``B x m x n`` columns."""
        return break_columns(self.t, self.at, self.changes)


def _functions_of_t(base: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, dict[str, object]]:
    """Distinct columns among ``x``, ``t x`` (``x``: the shared columns), ``1``, ``t``, ``t^2``
    and where each sits: sums of these over ``t >= at`` give every break cross-product."""
    n, q = base.shape
    cand = np.column_stack([base, base * t[:, None], np.ones(n), t, t * t])
    uniq, inverse = np.unique(cand.T, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    where = {"x": inverse[:q], "tx": inverse[q:2 * q], "1": int(inverse[2 * q]),
             "t": int(inverse[2 * q + 1]), "tt": int(inverse[2 * q + 2])}
    return np.ascontiguousarray(uniq.T), where


def _gram_breaks(w: np.ndarray, base: np.ndarray, kbase: tuple[np.ndarray, np.ndarray],
                 br: BreakColumns, B: int) -> np.ndarray:
    """``X' W X`` for break columns, as ``p x p x B`` (batch last, for
    :func:`_cholesky_solve_t`)."""
    n, q = base.shape
    m = br.shape[1]
    p = q + m
    K, idx = kbase
    F, at = _memo("functions_of_t", base.tobytes() + br.t.tobytes()
                  + repr(base.shape).encode(), lambda: _functions_of_t(base, br.t))
    A = np.empty((p, p, B))
    A[:q, :q] = (w @ K).T[idx].reshape(q, q, B)
    k = br.at.shape[1]
    wm = br.mask * w
    S = (wm.reshape(k * B, n) @ F).T.reshape(F.shape[1], k, B)  # sums over t >= at
    b = br.at.T  # k x B
    for i, (j, c) in enumerate(br.cols):
        cross = S[at["x"], j]
        if c == "slope":
            cross = S[at["tx"], j] - b[j] * cross
        A[q + i, :q] = cross
        A[:q, q + i] = cross
    for i, (j, c) in enumerate(br.cols):
        for i2 in range(i, m):
            j2, c2 = br.cols[i2]
            # the product of two indicators is the one of the later break
            rows = [at["1"], at["t"], at["tt"]]
            Sm = S[rows, j] if j == j2 else np.where(b[j] >= b[j2], S[rows, j], S[rows, j2])
            s1, st, stt = Sm
            if c == "level" and c2 == "level":
                v = s1
            elif c == "level" or c2 == "level":
                bs = b[j2] if c == "level" else b[j]
                v = st - bs * s1
            else:
                v = stt - (b[j] + b[j2]) * st + b[j] * b[j2] * s1
            A[q + i, q + i2] = v
            A[q + i2, q + i] = v
    return A


def _disjoint_columns(base: np.ndarray) -> np.ndarray:
    """Shared columns with pairwise disjoint supports (e.g. the month dummies), chosen greedily:
    their block of ``X' W X`` is diagonal for any weights."""
    taken = np.zeros(base.shape[0], dtype=bool)
    out = []
    for i in np.argsort(np.count_nonzero(base, axis=0), kind="stable"):  # sparsest first
        nz = base[:, i] != 0
        if nz.any() and not (nz & taken).any():
            out.append(i)
            taken |= nz
    return np.sort(np.asarray(out, dtype=np.int64))


def _solve_eliminated(A: np.ndarray, rhs: np.ndarray, diag: np.ndarray, rest: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``A x = rhs`` (``A``: ``p x p x B``) when ``A[diag][:, diag]`` is diagonal: the
    ``diag`` unknowns are eliminated (block Gaussian elimination) and only the small Schur
    complement on ``rest`` is factorised.

    Also returns the smallest pivot of the Jacobi-scaled ``A`` factorised in the order
    ``diag`` then ``rest``, as :func:`_cholesky_solve_t` reports it (the ``diag`` pivots are 1;
    the others are those of the complement rescaled from its own diagonal to ``A``'s).
    """
    dD = A[diag, diag]  # len(diag) x B
    ARD = A[rest][:, diag]  # r x d x B
    H = ARD / dD[None]
    rT = rhs.T
    S = A[rest][:, rest] - np.einsum("idb,jdb->ijb", H, ARD)
    with np.errstate(invalid="ignore", divide="ignore"):  # a zero column: NaN, not identified
        ratio = np.diagonal(S).T / np.abs(np.diagonal(A).T[rest])  # r x B
    xR, piv = _cholesky_solve_t(S, (rT[rest] - np.einsum("idb,db->ib", H, rT[diag])).T,
                                scale=ratio)
    x = np.empty_like(rhs)
    x[:, rest] = xR
    x[:, diag] = ((rT[diag] - np.einsum("idb,bi->db", ARD, xR)) / dD).T
    return x, np.minimum(piv, 1.0)


def _xt_breaks(v: np.ndarray, base: np.ndarray, br: BreakColumns) -> np.ndarray:
    q = base.shape[1]
    out = np.empty((len(v), q + br.shape[1]))
    out[:, :q] = v @ base
    M = br.mask
    s1 = np.einsum("kbn,bn->bk", M, v)
    st = np.einsum("kbn,bn->bk", M, v * br.t)
    for i, (j, c) in enumerate(br.cols):
        out[:, q + i] = s1[:, j] if c == "level" else st[:, j] - br.at[:, j] * s1[:, j]
    return out


def _linear_breaks(params: np.ndarray, base: np.ndarray, br: BreakColumns) -> np.ndarray:
    q = base.shape[1]
    k = br.at.shape[1]
    a = np.zeros((len(params), k))  # per break: intercept and slope in t from the break on
    d = np.zeros((len(params), k))
    for i, (j, c) in enumerate(br.cols):
        if c == "level":
            a[:, j] += params[:, q + i]
        else:
            d[:, j] += params[:, q + i]
            a[:, j] -= params[:, q + i] * br.at[:, j]
    M = br.mask
    eta = params[:, :q] @ base.T
    eta += np.einsum("kbn,bk->bn", M, a)
    eta += np.einsum("kbn,bk->bn", M, d) * br.t
    return eta


def _gram(
    w: np.ndarray | None,
    base: np.ndarray,
    kbase: tuple[np.ndarray, np.ndarray] | None,
    extra: np.ndarray | None,
    B: int,
) -> np.ndarray:
    """``B x p x p`` weighted cross-products ``X' W X`` (``w`` is ``B x n`` or ``None`` for 1)."""
    if isinstance(extra, BreakColumns):
        return _gram_breaks(w, base, kbase, extra, B).transpose(2, 0, 1)
    n, q = base.shape
    m = 0 if extra is None else extra.shape[1]
    p = q + m
    G = np.empty((B, p, p))
    if w is None:
        G[:, :q, :q] = base.T @ base
    else:
        K, idx = kbase
        G[:, :q, :q] = (w @ K)[:, idx].reshape(B, q, q)
    if m:
        we = extra if w is None else extra * w[:, None, :]
        cross = (we.reshape(B * m, n) @ base).reshape(B, m, q)
        G[:, q:, :q] = cross
        G[:, :q, q:] = cross.transpose(0, 2, 1)
        G[:, q:, q:] = np.matmul(we, extra.transpose(0, 2, 1))
    return G


def _xt(v: np.ndarray, base: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
    """``B x p`` products ``X_b' v_b`` for ``v`` of shape ``B x n``."""
    if isinstance(extra, BreakColumns):
        return _xt_breaks(v, base, extra)
    out = v @ base
    if extra is None:
        return out
    return np.concatenate([out, np.einsum("bmn,bn->bm", extra, v)], axis=1)


def _linear(params: np.ndarray, base: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
    """``B x n`` linear predictors ``X_b params_b``."""
    if isinstance(extra, BreakColumns):
        return _linear_breaks(params, base, extra)
    q = base.shape[1]
    eta = params[:, :q] @ base.T
    if extra is not None:
        eta += np.einsum("bm,bmn->bn", params[:, q:], extra)
    return eta


#: smallest admissible Cholesky pivot of a Jacobi-scaled Gram matrix (below: not identifiable;
#: near-singular systems "solve" to garbage instead of failing, so rank is judged this way)
_RCOND = 1e-11


def _cholesky_solve(G: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve many small SPD systems ``G x = rhs`` by a Cholesky factorisation vectorised over
    the batch (batch as the last, contiguous axis), after Jacobi scaling.

    Returns ``x`` and the smallest pivot of each scaled factorisation (a lower bound of the
    smallest eigenvalue of the scaled matrix, whose diagonal is 1): near zero means numerically
    singular. Rows whose factorisation breaks down are NaN. For the ~20 x 20 systems of an ITS
    model this is several times faster than ``numpy.linalg.solve`` on a stack, whose per-matrix
    LAPACK calls dominate.
    """
    return _cholesky_solve_t(np.ascontiguousarray(G.transpose(1, 2, 0)), rhs)


def _cholesky_solve_t(A: np.ndarray, rhs: np.ndarray, scale: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_cholesky_solve` for ``A`` given as ``p x p x B`` (batch last, contiguous; only
    its lower triangle is read, and it is overwritten by the factor). The pivots are
    multiplied by ``scale`` (``p x B``) when given."""
    p, _, B = A.shape
    d = np.sqrt(np.abs(np.diagonal(A).T))  # p x B
    d[d == 0] = 1.0
    A /= d[:, None, :]
    A /= d[None, :, :]
    b = np.ascontiguousarray(rhs.T) / d
    piv = np.empty((p, B))
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(p):  # in place: A[i, k] (k <= i) becomes the factor's L[i, k]
            Lj = A[j, :j]
            s = A[j, j] - np.einsum("kb,kb->b", Lj, Lj)
            piv[j] = s
            dj = np.sqrt(np.where(s > 0, s, np.nan))
            A[j, j] = dj
            if j + 1 < p:
                A[j + 1:, j] -= np.einsum("ikb,kb->ib", A[j + 1:, :j], Lj)
                A[j + 1:, j] /= dj
        z = b
        for j in range(p):
            z[j] -= np.einsum("kb,kb->b", A[j, :j], z[:j])
            z[j] /= A[j, j]
        x = z
        for j in range(p - 1, -1, -1):
            x[j] -= np.einsum("kb,kb->b", A[j + 1:, j], x[j + 1:])
            x[j] /= A[j, j]
    if scale is not None:
        piv *= scale
    return x.T / d.T, np.min(piv, axis=0)


# ---------------------------------------------------------------------------------------------
# gaussian


def _fit_gaussian(
    y: np.ndarray, base: np.ndarray, extra: np.ndarray | None, B: int
) -> BatchFit:
    n, q = base.shape
    p = q + (0 if extra is None else extra.shape[1])
    Y = np.broadcast_to(y, (B, n)) if y.ndim == 1 else y
    if extra is None:
        # one design, many outcomes: one factorisation serves every fit
        params = np.linalg.lstsq(base, Y.T, rcond=None)[0].T
    elif y.ndim == 1:
        return _fit_gaussian_fwl(y, base, extra)
    else:
        G = _gram(None, base, None, extra, B)
        params, piv = _cholesky_solve(G, _xt(np.ascontiguousarray(Y), base, extra))
        params[~(piv > _RCOND)] = np.nan
    resid = Y - _linear(params, base, extra)
    ssr = np.einsum("bn,bn->b", resid, resid)
    llf = -0.5 * n * (_LOG_2PI + np.log(ssr / n) + 1.0)
    ok = np.all(np.isfinite(params), axis=1)
    return BatchFit(
        params=params,
        llf=llf,
        nobs=n,
        k_params=p,
        alpha=None,
        scale=ssr / (n - p),
        converged=ok,
    )


def _fit_gaussian_fwl(y: np.ndarray, base: np.ndarray, extra: np.ndarray) -> BatchFit:
    """One outcome, many designs ``[base | E_b]``: least squares by Frisch-Waugh-Lovell.

    With ``r`` the residuals and ``(X'X)^-1`` of the shared block (computed once), the varying
    coefficients are ``g = (E'ME)^-1 E'r`` with ``E'ME = E'E - E'X (X'X)^-1 X'E`` (``m x m``
    per fit), ``SSR = SSR_0 - (E'r)'g`` and the shared coefficients ``b_0 - (X'X)^-1 X'E g``.
    No ``n``-length residual vector is formed per fit.
    """
    n, q = base.shape
    B, m, _ = extra.shape
    p = q + m
    Gb = base.T @ base
    dg = np.sqrt(np.diag(Gb))
    dg[dg == 0] = 1.0
    ev = np.linalg.eigvalsh(Gb / np.outer(dg, dg))
    if not ev[0] > _RCOND * ev[-1]:  # the shared columns alone are collinear: nothing to fit
        nan = np.full(B, np.nan)
        return BatchFit(params=np.full((B, p), np.nan), llf=nan, nobs=n, k_params=p,
                        alpha=None, scale=nan, converged=np.zeros(B, dtype=bool))
    Gb_inv = np.linalg.inv(Gb / np.outer(dg, dg)) / np.outer(dg, dg)  # Jacobi-scaled inverse
    b0 = Gb_inv @ (base.T @ y)
    r0 = y - base @ b0
    ssr0 = float(r0 @ r0)
    C = (extra.reshape(B * m, n) @ base).reshape(B, m, q)  # E'X
    H = (C.reshape(B * m, q) @ Gb_inv).reshape(B, m, q)  # E'X (X'X)^-1
    A = np.einsum("bmn,bkn->bmk", extra, extra) - np.einsum("bmq,bkq->bmk", H, C)
    Er = extra.reshape(B * m, n) @ r0
    g, piv = _cholesky_solve(A, Er.reshape(B, m))
    params = np.empty((B, p))
    params[:, :q] = b0[None, :] - np.einsum("bmq,bm->bq", H, g)
    params[:, q:] = g
    ssr = ssr0 - np.einsum("bm,bm->b", Er.reshape(B, m), g)
    # a varying column (almost) in the span of the others: E'ME is singular
    bad = ~(piv > _RCOND) | ~np.isfinite(ssr) | (ssr <= 0)
    params[bad] = np.nan
    ssr = np.where(bad, np.nan, ssr)
    llf = -0.5 * n * (_LOG_2PI + np.log(ssr / n) + 1.0)
    return BatchFit(params=params, llf=llf, nobs=n, k_params=p, alpha=None,
                    scale=ssr / (n - p), converged=~bad)


def _fit_gaussian_breaks(y: np.ndarray, base: np.ndarray, br: BreakColumns) -> BatchFit:
    """One outcome, break columns at many placements: least squares from cumulative sums.

    The Frisch-Waugh-Lovell solution of :func:`_fit_gaussian_fwl` needs, per fit, only
    ``E'E``, ``E'X`` and ``E'r`` (``r``: residuals of the shared block). For level and slope
    columns every entry is a sum over ``t >= at`` of one of ``1, t, t^2, x, t x, r, t r``, so
    one pass of suffix sums over the observations (``(n + 1) x (2 q + 5)``) gives all of them
    by indexing: the cost per fit is ``O(m q^2)``, independent of ``n``, and the ``B x m x n``
    columns are never formed (a grid over all placements of two breaks is ``O(n^2)``, not
    ``O(n^3)``). This is the same computation as the dynamic programme over segment sums of
    Bai & Perron (2003), for a partial structural-change model (shared columns do not break).
    """
    n, q = base.shape
    B, m, _ = br.shape
    p = q + m
    Gb = base.T @ base
    dg = np.sqrt(np.diag(Gb))
    dg[dg == 0] = 1.0
    ev = np.linalg.eigvalsh(Gb / np.outer(dg, dg))
    if not ev[0] > _RCOND * ev[-1]:  # the shared columns alone are collinear: nothing to fit
        nan = np.full(B, np.nan)
        return BatchFit(params=np.full((B, p), np.nan), llf=nan, nobs=n, k_params=p,
                        alpha=None, scale=nan, converged=np.zeros(B, dtype=bool))
    Gb_inv = np.linalg.inv(Gb / np.outer(dg, dg)) / np.outer(dg, dg)  # Jacobi-scaled inverse
    b0 = Gb_inv @ (base.T @ y)
    r0 = y - base @ b0
    ssr0 = float(r0 @ r0)
    t = br.t
    # suffix sums: row i holds the sum over observations i.. (row n: 0)
    V = np.column_stack([base, base * t[:, None], np.ones(n), t, t * t, r0, t * r0])
    suffix = np.zeros((n + 1, V.shape[1]))
    suffix[:n] = np.cumsum(V[::-1], axis=0)[::-1]
    sx, stx = slice(0, q), slice(q, 2 * q)
    c1, ct, ctt, cr, ctr = 2 * q, 2 * q + 1, 2 * q + 2, 2 * q + 3, 2 * q + 4
    at = br.at  # B x k
    first = np.searchsorted(t, at, side="left")  # B x k: first observation from each break on
    rows = [suffix[first[:, j]] for j in range(at.shape[1])]  # k arrays B x (2q + 5)
    C = np.empty((B, m, q))  # E'X
    Er = np.empty((B, m))
    for i, (j, c) in enumerate(br.cols):
        R, b = rows[j], at[:, j, None]
        if c == "level":
            C[:, i] = R[:, sx]
            Er[:, i] = R[:, cr]
        else:
            C[:, i] = R[:, stx] - b * R[:, sx]
            Er[:, i] = R[:, ctr] - b[:, 0] * R[:, cr]
    EE = np.empty((B, m, m))
    S3 = np.ascontiguousarray(suffix[:, [c1, ct, ctt]])
    for i, (j, c) in enumerate(br.cols):
        for i2 in range(i, m):
            j2, c2 = br.cols[i2]
            # the product of two indicators is the later break's (the larger first row)
            R = S3[first[:, j] if j == j2 else np.maximum(first[:, j], first[:, j2])]
            s1, st, stt = R[:, 0], R[:, 1], R[:, 2]
            bj, bj2 = at[:, j], at[:, j2]
            if c == "level" and c2 == "level":
                v = s1
            elif c == "level" or c2 == "level":
                bs = bj2 if c == "level" else bj
                v = st - bs * s1
            else:
                v = stt - (bj + bj2) * st + bj * bj2 * s1
            EE[:, i, i2] = v
            EE[:, i2, i] = v
    H = (C.reshape(B * m, q) @ Gb_inv).reshape(B, m, q)  # E'X (X'X)^-1
    A = EE - np.matmul(H, C.transpose(0, 2, 1))
    g, piv = _cholesky_solve(A, Er)
    params = np.empty((B, p))
    params[:, :q] = b0[None, :] - np.einsum("bmq,bm->bq", H, g)
    params[:, q:] = g
    ssr = ssr0 - np.einsum("bm,bm->b", Er, g)
    bad = ~(piv > _RCOND) | ~np.isfinite(ssr) | (ssr <= 0)
    params[bad] = np.nan
    ssr = np.where(bad, np.nan, ssr)
    llf = -0.5 * n * (_LOG_2PI + np.log(ssr / n) + 1.0)
    return BatchFit(params=params, llf=llf, nobs=n, k_params=p, alpha=None,
                    scale=ssr / (n - p), converged=~bad)


# ---------------------------------------------------------------------------------------------
# count families


def _fit_counts(
    y: np.ndarray,
    base: np.ndarray,
    extra: np.ndarray | None,
    B: int,
    family: str,
    offset: np.ndarray | None,
    alpha: float | None,
    tol: float,
    maxiter: int,
    start: np.ndarray | None = None,
) -> BatchFit:
    n, q = base.shape
    p = q + (0 if extra is None else extra.shape[1])
    shared_y = y.ndim == 1
    Y = np.broadcast_to(y, (B, n)) if shared_y else np.ascontiguousarray(y)
    if np.any(y < 0):
        raise SpecificationError("count families need non-negative outcomes")
    off = np.zeros(n) if offset is None else offset
    _reserve_heap(8 * B * n * p)
    kbase = _memo("outer", base.tobytes() + repr(base.shape).encode(),
                  lambda: _outer_base(base))
    disjoint = _memo("disjoint", base.tobytes() + repr(base.shape).encode(),
                     lambda: _disjoint_columns(base))
    others = np.setdiff1d(np.arange(p), disjoint)
    fam = _REGISTRY[family]
    negbin = fam.estimates_dispersion  # a dispersion estimated or held fixed (NB2)
    profile = negbin and alpha is None
    # NB2 dispersion on the log(1/alpha) scale
    theta = np.zeros(B)
    if negbin and alpha is not None:
        if not np.isfinite(alpha) or alpha <= 0:
            raise SpecificationError(f"alpha must be a positive number, not {alpha!r}")
        theta[:] = -np.log(alpha)

    params = np.full((B, p), np.nan)
    given = None if start is None else np.all(np.isfinite(start), axis=1)
    if extra is not None and shared_y:
        # warm start from the fit without the varying columns (their coefficients 0)
        key = b"".join([y.tobytes(), base.tobytes(), repr((base.shape, family, alpha, tol,
                        maxiter)).encode(), b"" if offset is None else offset.tobytes()])
        s0 = _memo("start", key, lambda: _fit_counts(y, base, None, 1, family, offset, alpha,
                                                      tol, maxiter))
        params[:, :q] = s0.params[0]
        params[:, q:] = 0.0
        if given is not None:
            params[given] = start[given]
        if given is None or not given.any():
            eta = np.repeat((base @ s0.params[0] + off)[None, :], B, axis=0)
        else:
            eta = _linear(params, base, extra) + off
        if profile and s0.alpha is not None:
            theta[:] = -np.log(s0.alpha[0])
    else:
        # statsmodels' GLM start: mu0 = (y + mean(y)) / 2, eta0 = log(mu0)
        eta = np.log((Y + Y.mean(axis=1, keepdims=True)) / 2.0)
        if given is not None and given.any():
            params[given] = start[given]
            eta[given] = _linear(params[given], base,
                                 None if extra is None else extra[given]) + off
    np.minimum(eta, _ETA_MAX, out=eta)
    mu = np.exp(eta)
    warm = extra is not None and shared_y
    converged = np.zeros(B, dtype=bool)
    llf_prev = np.full(B, np.inf)
    step_prev = np.full(B, np.nan)
    active = np.arange(B)
    full = True  # all fits still active: use views, not copies
    for it in range(maxiter):
        if full:
            ex, Ya, mua, etaa = extra, Y, mu, eta
        else:
            ex = None if extra is None else extra[active]
            Ya = Y[active] if not shared_y else np.broadcast_to(y, (len(active), n))
            mua, etaa = mu[active], eta[active]
        a = None
        if negbin:
            if profile and it == 0 and not warm:
                theta[active] = _moment_theta(Ya, mua, n - p)
            a = np.exp(-theta[active])[:, None]
        w = fam.irls_weights(mua, a)
        # IRLS working response z = eta - offset + (y - mu)/mu; only w*z is needed
        if negbin:
            wz = w * (etaa - off + (Ya - mua) / mua)
        else:  # mu (eta - offset) + y - mu, with one temporary
            wz = np.subtract(etaa, off)
            wz *= mua
            wz += Ya
            wz -= mua
        if isinstance(ex, BreakColumns):
            A = _gram_breaks(w, base, kbase, ex, len(active))
            if len(disjoint) > 1:
                new, piv = _solve_eliminated(A, _xt(wz, base, ex), disjoint, others)
            else:
                new, piv = _cholesky_solve_t(A, _xt(wz, base, ex))
        else:
            new, piv = _cholesky_solve(_gram(w, base, kbase, ex, len(active)),
                                       _xt(wz, base, ex))
        if it == 0:  # rank does not depend on the (positive) weights: judge it once
            well_posed = piv > _RCOND
        old = params[active]
        params[active] = new
        etaa = _linear(new, base, ex)
        etaa += off
        bad = ~np.all(np.isfinite(new), axis=1) | np.any(etaa > _ETA_MAX, axis=1)
        np.minimum(etaa, _ETA_MAX, out=etaa)
        mua = np.exp(etaa)
        # converged when the step is negligible, or when the log-likelihood no longer moves
        # (ill-conditioned fits hit rounding noise in the coefficients before the step is
        # below tol; Newton converges quadratically, so the remaining error is then ~step^2)
        step = np.max(np.abs(new - old) / (np.abs(new) + 1e-3), axis=1)
        if profile:
            th_old = theta[active]
            theta[active] = _newton_theta(Ya, mua, th_old)
        if negbin:
            ll = _count_llf(Ya, mua, np.exp(-theta[active]))
        else:  # kernel of the Poisson llf: sum(y * eta) - sum(mu); constants cancel
            ll = (etaa @ y if shared_y else np.einsum("bn,bn->b", Ya, etaa)) - mua.sum(axis=1)
        flat = np.abs(ll - llf_prev[active]) < 1e-13 * (1.0 + np.abs(ll))
        # Newton converges quadratically (step_{k+1} ~ C step_k^2): once the steps contract
        # that fast, the error left after this step is about step^3 / step_prev^2; stop when
        # that is far below tol (it saves the last, confirming, iteration). Not with the NB2
        # dispersion estimated: alternating updates converge linearly.
        sp = step_prev[active]
        predicted = (step < 1e-3) & (step < 0.1 * sp) & (step**3 < 1e-3 * tol * sp**2)
        if profile:
            predicted[:] = False
        done = (step < tol) | (flat & (step < 1e-6)) | predicted
        llf_prev[active] = ll
        step_prev[active] = step
        if profile:
            # near alpha = 0 (no overdispersion: the MLE on the boundary) the likelihood is flat
            # in theta; a theta step that no longer moves the likelihood counts as converged,
            # and so does alpha < 1e-8 (NB2 is then Poisson to working precision)
            done &= (np.abs(theta[active] - th_old) < 10.0 * tol * (1.0 + np.abs(th_old))) | (
                flat | (theta[active] >= _THETA_POISSON))
        done |= bad
        if full:
            eta, mu = etaa, mua
        else:
            eta[active], mu[active] = etaa, mua
        converged[active[done & ~bad]] = True
        params[active[bad]] = np.nan
        if done.all():
            break
        if done.any():
            active = active[~done]
            full = False

    alpha_out = np.exp(-theta) if negbin else None
    if negbin or not shared_y:
        llf = _count_llf(Y, mu, alpha_out)
    else:  # y log(mu) = y eta: one product with the shared outcome
        llf = eta @ y - mu.sum(axis=1) - _log_factorial_sum(y)
    if fam.pearson_scale:
        scale = np.sum((Y - mu) ** 2 / mu, axis=1) / (n - p)
        llf = llf / scale  # statsmodels' GLM(scale="X2") convention (see module notes)
    else:
        scale = np.ones(B)
    params[~well_posed] = np.nan
    llf[~np.all(np.isfinite(params), axis=1)] = np.nan
    return BatchFit(
        params=params,
        llf=llf,
        nobs=n,
        k_params=p + (1 if profile else 0),
        alpha=alpha_out,
        scale=scale,
        converged=converged,
    )


def _reserve_heap(nbytes: int) -> None:
    """Let the allocator serve this batch's temporaries from its heap.

    Every iteration allocates and frees a few dozen ``B x n`` arrays. glibc hands out blocks
    above its mmap threshold (128 KiB until it has seen a larger block freed) as fresh pages
    from the kernel, which page-fault on first touch, and returns them when freed, so each
    such temporary costs page faults again: a third of the run time for a grid in a fresh
    process. Freeing one large (untouched, so free) block raises the threshold above the
    batch's arrays, as glibc does by itself for later calls anyway. Harmless elsewhere.
    """
    block = np.empty(max(0, min(int(nbytes), 32 << 20)) // 8)
    del block


def _log_factorial_sum(y: np.ndarray) -> float:
    """``sum(log(y!))`` of one outcome vector, without importing :mod:`scipy.special` (whose
    first import costs more than a whole small grid)."""
    vals, counts = np.unique(y, return_counts=True)
    return float(sum(c * math.lgamma(v + 1.0) for v, c in zip(vals.tolist(), counts.tolist(),
                                                            strict=True)))


def _count_llf(Y: np.ndarray, mu: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    from scipy import special  # only here and for NB2: not on a Poisson grid's path

    if alpha is None:
        if Y.strides[0] == 0:  # one outcome shared by all rows: its constant once
            y = Y[0]
            const = _log_factorial_sum(y)
            return special.xlogy(y, mu).sum(axis=1) - mu.sum(axis=1) - const
        return np.sum(special.xlogy(Y, mu) - mu - special.gammaln(Y + 1.0), axis=1)
    a = alpha[:, None]
    r = 1.0 / a
    return np.sum(
        special.gammaln(Y + r)
        - special.gammaln(r)
        - special.gammaln(Y + 1.0)
        + special.xlogy(Y, a * mu)
        - (Y + r) * np.log1p(a * mu),
        axis=1,
    )


def _moment_theta(Y: np.ndarray, mu: np.ndarray, dof: int) -> np.ndarray:
    """Starting ``log(1/alpha)`` from the moment estimate
    ``alpha = sum((y - mu)^2 - y) / sum(mu^2)``."""
    a = np.sum((Y - mu) ** 2 - Y, axis=1) / np.sum(mu**2, axis=1)
    a = np.clip(a * Y.shape[1] / max(dof, 1), 1e-3, 1e3)
    return -np.log(a)


def _newton_theta(Y: np.ndarray, mu: np.ndarray, theta: np.ndarray, steps: int = 2) -> np.ndarray:
    """Newton steps on ``theta = log(1/alpha)`` for the NB2 log-likelihood given ``mu``.

    With ``r = 1/alpha`` the per-observation score and curvature in ``r`` are
    ``psi(y+r) - psi(r) + log(r/(r+mu)) + 1 - (r+y)/(r+mu)`` and
    ``psi1(y+r) - psi1(r) + 1/r - 1/(r+mu) - (mu-y)/(r+mu)^2``; on the log scale the score is
    ``r S`` and the curvature ``r S + r^2 H``. A step that would not increase the likelihood
    locally (non-negative curvature) is replaced by a bounded gradient step.
    """
    from scipy import special

    th = theta.copy()
    for _ in range(steps):
        r = np.exp(th)[:, None]
        rm = r + mu
        S = np.sum(
            special.digamma(Y + r) - special.digamma(r) + np.log(r / rm) + 1.0 - (r + Y) / rm,
            axis=1,
        )
        H = np.sum(
            special.polygamma(1, Y + r) - special.polygamma(1, r) + 1.0 / r - 1.0 / rm
            - (mu - Y) / rm**2,
            axis=1,
        )
        r1 = r[:, 0]
        g = r1 * S
        h = r1 * S + r1**2 * H
        newton = -g / np.where(h < 0, h, -1.0)
        step = np.where(h < 0, newton, np.sign(g) * 0.5)
        # past alpha = 1e-8 the score is rounding noise (digamma differences at r ~ 1e8):
        # stay there (the boundary, NB2 = Poisson) instead of wandering
        frozen = th >= _THETA_POISSON
        th = np.where(frozen, th, np.clip(th + np.clip(step, -2.0, 2.0), -_THETA_MAX, _THETA_MAX))
    return th
