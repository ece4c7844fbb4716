"""Interrupted time-series (ITS) specification and estimation.

:class:`ITS` holds a validated specification (checked eagerly when it is built) and
:meth:`ITS.fit` estimates it with statsmodels, returning an immutable
:class:`~trends.results.ITSResults`. The design conventions (time index, level and slope terms,
seasonality, controlled ITS) are those of :mod:`trends.design`.

Estimators (all statsmodels; nothing re-implemented):

* ``gaussian``: :class:`statsmodels.regression.linear_model.OLS`; with ``errors=("ar", p)`` or
  ``("arma", p, q)`` the regression is fitted with ARMA errors by exact Gaussian maximum
  likelihood, :class:`statsmodels.tsa.statespace.sarimax.SARIMAX` with the design as ``exog``
  on the full calendar grid (missing months are NaN, handled by the Kalman filter), the
  innovation variance concentrated out, L-BFGS with tight tolerances then a BFGS polish.
* ``poisson``: :class:`statsmodels.genmod.generalized_linear_model.GLM`, Poisson family.
* ``quasipoisson``: the same GLM with ``scale="X2"`` (Pearson chi-squared / df_resid).
* ``negbin``: NB2 with the dispersion ``alpha`` estimated jointly by maximum likelihood,
  :class:`statsmodels.discrete.discrete_model.NegativeBinomial` (``loglike_method="nb2"``,
  Newton's method from Poisson start values). Var(y) = mu + alpha mu^2.

Covariance (``cov``): ``"nonrobust"``; ``"HC0"`` (all families) and ``"HC1"``-``"HC3"``
(gaussian only: statsmodels' GLM and count models compute only HC0 and would silently return it
for HC1-HC3, so those are refused); ``("hac", lags)`` Newey-West with a Bartlett kernel.
``"hac"`` or ``("hac", None)`` uses the Newey & West (1994) rule of thumb
``lags = floor(4 * (nobs / 100) ** (2 / 9))``. ``("hac", lags, "small")`` multiplies the HAC
covariance by ``nobs / (nobs - k)`` (statsmodels' ``use_correction=True``), which is what Stata's
``newey`` (and so ``itsa``) reports. HAC treats consecutive used rows as adjacent in time,
so with missing months it is an approximation.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from trends.design import FAMILIES, Design, build_design
from trends.errors import SpecificationError

__all__ = ["ITS", "parse_cov", "parse_errors", "default_hac_lags"]

_HC = ("HC0", "HC1", "HC2", "HC3")


def default_hac_lags(nobs: int) -> int:
    """Newey & West (1994) rule of thumb for the Bartlett kernel: ``floor(4 (n/100)^(2/9))``."""
    return int(math.floor(4.0 * (nobs / 100.0) ** (2.0 / 9.0)))


def parse_cov(cov: Any) -> tuple[str, int | None, bool]:
    """Normalise ``cov`` to ``(kind, lags, small_sample)``; kind is nonrobust, HC0-HC3 or hac.

    Accepts ``"nonrobust"``, ``"HC0"``..``"HC3"``, ``"hac"``, ``"hac:LAGS"``,
    ``("hac", LAGS)``, ``("hac", LAGS, "small")`` (LAGS may be None for the default rule).
    """
    if cov is None:
        return ("nonrobust", None, False)
    if isinstance(cov, str):
        text = cov.strip()
        if text.lower() in {"nonrobust", "classical", "none"}:
            return ("nonrobust", None, False)
        if text.upper() in _HC:
            return (text.upper(), None, False)
        if text.lower().startswith("hac"):
            parts = text.split(":")
            if parts[0].lower() != "hac" or len(parts) > 3:
                raise SpecificationError(_COV_HELP.format(cov=cov))
            cov = ("hac", *parts[1:])
        else:
            raise SpecificationError(_COV_HELP.format(cov=cov))
    if isinstance(cov, (tuple, list)) and cov and str(cov[0]).lower() == "hac" and len(cov) <= 3:
        lags: Any = cov[1] if len(cov) > 1 else None
        small = False
        if len(cov) == 3:
            if str(cov[2]).lower() not in {"small", "stata"}:
                raise SpecificationError(_COV_HELP.format(cov=cov))
            small = True
        if isinstance(lags, str):
            lags = None if lags.strip() == "" else lags.strip()
            if lags is not None:
                if not lags.isdigit():
                    raise SpecificationError(
                        f"HAC lags must be a non-negative integer (saw {lags!r})"
                    )
                lags = int(lags)
        if lags is not None and (
            isinstance(lags, (bool, np.bool_))
            or not isinstance(lags, (int, np.integer))
            or lags < 0
        ):
            raise SpecificationError(f"HAC lags must be a non-negative integer (saw {lags!r})")
        return ("hac", None if lags is None else int(lags), small)
    raise SpecificationError(_COV_HELP.format(cov=cov))


_COV_HELP = (
    "cov {cov!r} is not valid; expected 'nonrobust', 'HC0'..'HC3', 'hac', ('hac', LAGS) or "
    "('hac', LAGS, 'small')"
)


def parse_errors(errors: Any) -> tuple[int, int] | None:
    """Normalise ``errors`` to ``None`` or ``(p, q)``: ``("ar", p)``, ``("arma", p, q)``,
    ``"ar:P"`` or ``"arma:P:Q"``."""
    if errors is None or (
        isinstance(errors, str) and errors.strip().lower() in {"", "none", "iid"}
    ):
        return None
    e = errors
    if isinstance(e, str):
        parts = e.strip().split(":")
        e = (parts[0], *parts[1:])
    if isinstance(e, (tuple, list)) and e:
        kind = str(e[0]).lower()
        try:
            nums = [int(x) for x in e[1:]]
        except (TypeError, ValueError):
            nums = []
        if kind == "ar" and len(nums) == 1 and nums[0] >= 1 and len(e) == 2:
            return (nums[0], 0)
        if kind == "arma" and len(nums) == 2 and len(e) == 3 and min(nums) >= 0 and sum(nums) >= 1:
            return (nums[0], nums[1])
    raise SpecificationError(
        f"errors {errors!r} is not valid; expected None, ('ar', p) with p >= 1 or ('arma', p, q)"
    )


class ITS:
    """An interrupted time-series model specification (validated eagerly).

    Parameters
    ----------
    data
        One row per period (and per series for a controlled ITS). Not modified.
    outcome
        Outcome column (counts for the count families). Missing values drop the row from the
        estimation; the time index still counts that period.
    date
        Date column: datetimes, Periods, ``'YYYY-MM'`` strings or integer years (annual).
    interruptions
        ``{name: date}``; each date is the first period of the new regime (``period >= date``).
    changes
        ``"level"``, ``"slope"``, ``"level+slope"`` (default) or ``{name: one of those}``.
    family
        ``"gaussian"``, ``"poisson"``, ``"negbin"`` or ``"quasipoisson"``.
    offset
        Column whose log enters as an offset (e.g. population), count families only.
    seasonality
        ``None``, ``"month"``, ``"quarter"``, ``("fourier", K)`` or ``("fourier", K, period)``.
    covariates
        Extra numeric columns entering linearly.
    cov
        ``"nonrobust"``, ``"HC0"``..``"HC3"``, ``("hac", lags)`` (see the module docstring).
    errors
        ``None`` or ``("ar", p)`` / ``("arma", p, q)`` for gaussian models.
    group, treated, control
        Controlled ITS: ``group`` names the column identifying each series, ``treated`` the
        value of the treated series, ``control`` the comparison value(s) (default: all others).
    freq
        ``"M"``, ``"W"`` (ISO weeks), ``"Q"`` or ``"Y"``; inferred from ``date`` when omitted.
    alpha
        Default significance level for confidence intervals in the results (0.05).

    Raises
    ------
    SpecificationError
        For any invalid specification.

    Examples
    --------
    >>> import pandas as pd, trends
    >>> df = pd.DataFrame({"month": pd.period_range("2020-01", periods=24, freq="M"),
    ...                    "y": [10, 12, 11, 13, 12, 14, 13, 15, 14, 16, 15, 17,
    ...                          9, 10, 9, 11, 10, 12, 11, 12, 12, 13, 12, 14]})
    >>> res = trends.ITS(df, outcome="y", date="month",
    ...                  interruptions={"policy": "2021-01"}).fit()
    >>> list(res.params.index)
    ['intercept', 'trend', 'level[policy]', 'slope[policy]']
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        outcome: str,
        date: str,
        interruptions: Mapping[str, Any],
        changes: str | Mapping[str, str] = "level+slope",
        family: str = "gaussian",
        offset: str | None = None,
        seasonality: Any = None,
        covariates: Sequence[str] | None = None,
        cov: Any = "nonrobust",
        errors: Any = None,
        group: str | None = None,
        treated: Any = None,
        control: Any = None,
        freq: str | None = None,
        alpha: float = 0.05,
    ) -> None:
        self._kwargs: dict[str, Any] = dict(
            outcome=outcome, date=date, interruptions=dict(interruptions)
            if isinstance(interruptions, Mapping) else interruptions,
            changes=dict(changes) if isinstance(changes, Mapping) else changes,
            family=family, offset=offset, seasonality=seasonality,
            covariates=None if covariates is None else (
                [covariates] if isinstance(covariates, str) else list(covariates)),
            cov=cov, errors=errors, group=group, treated=treated, control=control, freq=freq,
            alpha=alpha,
        )
        self._data = data
        self._cov = parse_cov(cov)
        self._errors = parse_errors(errors)
        if not (isinstance(alpha, float | int) and 0 < alpha < 1):
            raise SpecificationError(f"alpha must be in (0, 1) (saw {alpha!r})")
        self._design = build_design(
            data, outcome=outcome, date=date, interruptions=interruptions, changes=changes,
            family=family, offset=offset, seasonality=seasonality, covariates=covariates,
            group=group, treated=treated, control=control, freq=freq,
        )
        fam = self._design.family
        if self._cov[0] in {"HC1", "HC2", "HC3"} and fam != "gaussian":
            raise SpecificationError(
                f"cov={self._cov[0]!r} is only available for the gaussian family; statsmodels "
                f"computes only HC0 for '{fam}' models (use 'HC0' or 'hac')"
            )
        if self._errors is not None:
            if fam != "gaussian":
                raise SpecificationError(
                    f"errors={errors!r} (ARMA errors) needs family='gaussian' (saw '{fam}'); "
                    "use cov='hac' for autocorrelation-robust inference with count models"
                )
            if self._cov[0] != "nonrobust":
                raise SpecificationError(
                    "ARMA errors model the autocorrelation; combine them with cov='nonrobust'"
                )
            if group is not None:
                raise SpecificationError("ARMA errors are not supported for a controlled ITS")
            d = self._design
            cov_cols = [c for c in (covariates or [])]
            if cov_cols and not np.isfinite(d.X_full[cov_cols].to_numpy()).all():
                raise SpecificationError(
                    "ARMA errors need covariates observed in every period (the model runs over "
                    "the full calendar); fill or drop the covariate"
                )
        if self._cov[0] == "hac" and self._cov[1] is not None and self._cov[1] >= self._design.nobs:
            raise SpecificationError(
                f"HAC lags ({self._cov[1]}) must be smaller than the number of used "
                f"observations ({self._design.nobs})"
            )

    # ------------------------------------------------------------------ accessors
    def design(self) -> Design:
        """The built design (frozen dataclass; see :class:`trends.design.Design`)."""
        return self._design

    def replace(self, **changes: Any) -> ITS:
        """A new specification with some arguments replaced, e.g. ``replace(family="negbin")``.

        ``data`` may be replaced too. The new specification is validated like any other.
        """
        unknown = sorted(set(changes) - set(self._kwargs) - {"data"})
        if unknown:
            raise SpecificationError(
                f"replace() got unknown argument(s) {unknown}; expected some of "
                f"{['data', *self._kwargs]}"
            )
        data = changes.pop("data", self._data)
        kwargs = {**self._kwargs, **changes}
        return ITS(data, **kwargs)

    @property
    def data(self) -> pd.DataFrame:
        """The data the specification was built on (not copied: do not modify it)."""
        return self._data

    @property
    def family(self) -> str:
        """Model family."""
        return self._design.family

    @property
    def interruptions(self) -> dict[str, pd.Period]:
        """Interruption name -> first period of the new regime."""
        return dict(self._design.interruptions)

    @property
    def cov_spec(self) -> tuple[str, int | None, bool]:
        """Covariance as ``(kind, lags, small_sample)``; lags resolved for HAC."""
        kind, lags, small = self._cov
        if kind == "hac" and lags is None:
            lags = default_hac_lags(self._design.nobs)
        return (kind, lags, small)

    @property
    def errors(self) -> tuple[int, int] | None:
        """ARMA error orders ``(p, q)`` or None."""
        return self._errors

    @property
    def alpha(self) -> float:
        """Default significance level of the results' confidence intervals."""
        return float(self._kwargs["alpha"])

    def get(self, name: str) -> Any:
        """The value of one constructor argument (as given), e.g. ``spec.get("offset")``."""
        if name not in self._kwargs:
            raise KeyError(name)
        return self._kwargs[name]

    def __repr__(self) -> str:
        k = self._kwargs
        ints = ", ".join(f"{n}={p}" for n, p in self._design.interruptions.items())
        return (
            f"ITS(outcome={k['outcome']!r}, family={self.family!r}, interruptions[{ints}], "
            f"changes={k['changes']!r}, seasonality={k['seasonality']!r}, cov={k['cov']!r}, "
            f"errors={k['errors']!r}, nobs={self._design.nobs})"
        )

    # ------------------------------------------------------------------ estimation
    def fit(self) -> Any:
        """Estimate the model and return :class:`~trends.results.ITSResults`."""
        from trends.results import ITSResults

        return ITSResults(self, _estimate(self._design, self.cov_spec, self._errors))


def _cov_args(cov: tuple[str, int | None, bool], design: Design) -> dict[str, Any]:
    kind, lags, small = cov
    if kind == "nonrobust":
        return {"cov_type": "nonrobust"}
    if kind in _HC:
        return {"cov_type": kind}
    if design.unit is not None:
        # several stacked series: Newey-West lags only within each series (as Stata's newey on
        # panel data); rows are unit-major blocks, treated series first
        codes = _unit_codes(design)
        return {"cov_type": "hac-panel", "cov_kwds": {
            "groups": codes[design.used], "maxlags": int(lags or 0),
            "use_correction": "hac" if small else False}}
    return {"cov_type": "HAC", "cov_kwds": {"maxlags": int(lags or 0), "use_correction": small}}


def _unit_codes(design: Design) -> np.ndarray:
    """0 for the treated series, 1, 2, ... for the comparison series, in row order."""
    unit = design.unit
    assert unit is not None
    n = int(design.treated.sum())
    return np.repeat(np.arange(len(unit) // n), n)


def _estimate(
    design: Design, cov: tuple[str, int | None, bool], errors: tuple[int, int] | None
) -> Any:
    """Fit with statsmodels and return the statsmodels results object."""
    import trends._statsmodels as sm  # not statsmodels.api: no formula interface

    y, X, off, fam = design.y, design.X, design.offset, design.family
    args = _cov_args(cov, design)
    if fam == "gaussian" and errors is None:
        return sm.OLS(y, X).fit(**args)
    if fam == "gaussian":
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        p, q = errors
        # sigma2 concentrated out of the likelihood: same optimum, far faster and better
        # conditioned than optimising it jointly
        model = SARIMAX(design.y_full, exog=design.X_full, order=(p, 0, q), trend="n",
                        concentrate_scale=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence is checked below
            # statsmodels' default L-BFGS tolerances stop early on this poorly scaled problem
            # (trend 1..n next to the intercept): tighten them, then polish with BFGS.
            res = model.fit(disp=False, maxiter=2000, pgtol=1e-10, factr=10.0)
            polish = model.fit(start_params=np.asarray(res.params), method="bfgs",
                               disp=False, maxiter=2000, gtol=1e-8)
            if np.isfinite(polish.llf) and polish.llf > res.llf:
                res = polish
        if not res.mle_retvals.get("converged", True):
            warnings.warn("ARMA-error model did not converge; treat results with care",
                          RuntimeWarning, stacklevel=3)
        return res
    if fam in {"poisson", "quasipoisson"}:
        model = sm.GLM(y, X, family=sm.families.Poisson(), offset=off)
        kw = dict(args)
        if fam == "quasipoisson":
            kw["scale"] = "X2"
        return model.fit(**kw)
    if fam == "negbin":
        poisson = sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit(**args)
        if not _overdispersed(y, np.asarray(poisson.fittedvalues)):
            # The NB2 likelihood's slope in alpha at alpha = 0 is 1/2 sum((y - mu)^2 - y)
            # (Cameron & Trivedi 2013, sec. 3.4): when it is <= 0 the MLE of alpha is on the
            # boundary, where NB2 is the Poisson model. Optimising log(alpha) towards -inf
            # would be slow and end with a singular Hessian, so report the Poisson fit.
            warnings.warn("no overdispersion: the NB2 alpha estimate is on the boundary 0, "
                          "where NB2 is Poisson; reporting the Poisson fit (alpha = 0)",
                          RuntimeWarning, stacklevel=3)
            return poisson
        model = sm.NegativeBinomial(y, X, loglike_method="nb2", offset=off)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # BFGS from statsmodels' Poisson start values (Newton from there can step to a
            # negative alpha), then Newton from the BFGS optimum to polish the gradient to ~0.
            first = model.fit(method="bfgs", maxiter=2000, disp=False)
            res = model.fit(start_params=np.asarray(first.params), method="newton",
                            maxiter=100, disp=False, **args)
            if not (np.all(np.isfinite(np.asarray(res.params))) and res.llf >= first.llf - 1e-6):
                res = model.fit(start_params=np.asarray(first.params), method="bfgs",
                                maxiter=2000, disp=False, **args)
        if not res.mle_retvals.get("converged", True):
            warnings.warn("negative binomial fit did not converge; treat results with care",
                          RuntimeWarning, stacklevel=3)
        return res
    raise SpecificationError(f"family {fam!r} is not valid; expected one of {list(FAMILIES)}")


def _overdispersed(y: np.ndarray, mu: np.ndarray) -> bool:
    """True when the NB2 score for alpha at 0, 1/2 sum((y - mu)^2 - y), is positive."""
    return bool(np.sum((y - mu) ** 2 - y) > 0)
