"""The typed, frozen record of one fit: what estimation hands to :class:`trends.ITSResults`.

All reading of statsmodels results happens here, once (:func:`record_from_statsmodels`);
results code works on the record's arrays and never introspects statsmodels objects. ``raw``
keeps the statsmodels result as an escape hatch (``ITSResults.model_result``).

Examples
--------
>>> import numpy as np, statsmodels.api as sm
>>> from trends.families import get_family
>>> X = np.column_stack([np.ones(5), np.arange(5.0)])
>>> rec = record_from_statsmodels(sm.OLS(np.array([1.0, 3, 2, 5, 4]), X).fit(), 2,
...                               get_family("gaussian"))
>>> rec.params.round(3).tolist(), rec.converged, rec.use_t
([1.4, 0.8], True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from trends.families import Family

__all__ = ["FitRecord", "record_from_statsmodels"]


def _ro(a: Any) -> np.ndarray:
    out = np.array(a, dtype=float)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class FitRecord:
    """Estimates of one fit (arrays read-only).

    Attributes
    ----------
    params
        Regression coefficients (the ``k`` design terms).
    cov
        Their ``k x k`` covariance.
    bse
        Standard errors.
    pvalues
        Two-sided p-values (statsmodels' own, t or normal).
    use_t
        Whether inference uses Student t with ``df_resid`` degrees of freedom.
    df_resid
        Residual degrees of freedom.
    llf
        Log-likelihood (NaN for a quasi-likelihood).
    aic
        Akaike criterion as statsmodels computes it (NaN for a quasi-likelihood).
    n_params
        All estimated parameters (terms, dispersion, ARMA parameters) counted by statsmodels.
    scale
        Residual variance (OLS), innovation variance (ARMA), Pearson scale (quasi-Poisson), 1.
    dispersion
        NB2 alpha (NaN when the family has none).
    alpha_at_boundary
        NB2 whose alpha MLE is 0: the Poisson fit is reported.
    resid
        Residuals of the used rows: raw (OLS), Pearson (count families), innovations over the
        full calendar (ARMA errors).
    resid_pearson
        Pearson residuals of the used rows (raw / sqrt(scale) for OLS).
    converged
        Whether the optimiser reported convergence (True for closed forms).
    extra_params
        Parameters beyond the regression terms (ARMA and ``sigma2``); empty otherwise.
    raw
        The statsmodels result (escape hatch; do not modify).
    """

    params: np.ndarray
    cov: np.ndarray
    bse: np.ndarray
    pvalues: np.ndarray
    use_t: bool
    df_resid: float
    llf: float
    aic: float
    n_params: int
    scale: float
    dispersion: float
    alpha_at_boundary: bool
    resid: np.ndarray
    resid_pearson: np.ndarray
    converged: bool
    extra_params: pd.Series = field(default_factory=lambda: pd.Series([], dtype=float))
    raw: Any = field(default=None, repr=False, compare=False)

    def conf_int(self, alpha: float) -> np.ndarray:
        """``k x 2`` confidence intervals at level ``1 - alpha`` (statsmodels' arithmetic).

        Parameters
        ----------
        alpha
            1 - confidence level.

        Returns
        -------
        ndarray
            Lower and upper bounds.

        Examples
        --------
        >>> rec = FitRecord(params=np.array([1.0]), cov=np.array([[1.0]]), bse=np.array([1.0]),
        ...                 pvalues=np.array([0.3]), use_t=False, df_resid=10.0, llf=0.0,
        ...                 aic=2.0, n_params=1, scale=1.0, dispersion=math.nan,
        ...                 alpha_at_boundary=False, resid=np.zeros(3),
        ...                 resid_pearson=np.zeros(3), converged=True)
        >>> rec.conf_int(0.05).round(2).tolist()
        [[-0.96, 2.96]]
        """
        from scipy import stats

        if self.use_t:
            q = stats.t.ppf(1 - alpha / 2, self.df_resid)
        else:
            q = stats.norm.ppf(1 - alpha / 2)
        return np.column_stack([self.params - q * self.bse, self.params + q * self.bse])


def record_from_statsmodels(res: Any, k: int, family: Family, *, errors: bool = False,
                            **overrides: Any) -> FitRecord:
    """Read a statsmodels result once into a :class:`FitRecord`.

    Parameters
    ----------
    res
        statsmodels results (OLS, GLM, discrete NegativeBinomial or SARIMAX).
    k
        Number of regression terms (the leading parameters).
    family
        The :class:`~trends.families.Family` fitted.
    errors
        True for a regression with ARMA errors (SARIMAX with the scale concentrated out).
    overrides
        Fields set by the estimator (``dispersion``, ``alpha_at_boundary``, ``scale``).

    Returns
    -------
    FitRecord
    """
    allp = np.asarray(res.params, dtype=float)
    retvals = getattr(res, "mle_retvals", None)
    if isinstance(retvals, dict):
        converged = bool(retvals.get("converged", True))
    else:
        converged = bool(getattr(res, "converged", True))
    if errors:  # + 1: the concentrated innovation variance
        df_resid = float(res.nobs - len(allp) - 1)
        names = [*list(res.model.param_names)[k:], "sigma2"]
        extra = pd.Series([*allp[k:], float(res.scale)], index=names, dtype=float)
        resid = _ro(res.resid)
        resid_pearson = resid
    else:
        df_resid = float(res.df_resid)
        extra = pd.Series([], dtype=float)
        if hasattr(res, "resid_pearson"):
            resid_pearson = _ro(res.resid_pearson)
        else:  # OLS: studentise by the residual scale
            resid_pearson = _ro(np.asarray(res.resid, dtype=float) / math.sqrt(float(res.scale)))
        resid = _ro(res.resid) if family.closed_form else resid_pearson
    values: dict[str, Any] = dict(
        params=_ro(allp[:k]),
        cov=_ro(np.asarray(res.cov_params(), dtype=float)[:k, :k]),
        bse=_ro(np.asarray(res.bse, dtype=float)[:k]),
        pvalues=_ro(np.asarray(res.pvalues, dtype=float)[:k]),
        use_t=bool(getattr(res, "use_t", False)),
        df_resid=df_resid,
        llf=float(res.llf) if family.has_likelihood else math.nan,
        aic=float(res.aic) if family.has_likelihood else math.nan,
        n_params=len(allp) + (1 if errors else 0),
        scale=float(res.scale),
        dispersion=math.nan,
        alpha_at_boundary=False,
        resid=resid,
        resid_pearson=resid_pearson,
        converged=converged,
        extra_params=extra,
        raw=res,
    )
    values.update(overrides)
    return FitRecord(**values)
