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

Covariance (``cov``): see :mod:`trends.covariance`; families: :mod:`trends.families`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from trends.covariance import (  # default_hac_lags, parse_cov: re-exported (moved here)
    _COV_HELP,  # noqa: F401
    _HC,
    CovSpec,
    _cov_args,
    _unit_codes,  # noqa: F401
    default_hac_lags,
    parse_cov,
)
from trends.design import Design, build_design
from trends.errors import SpecificationError
from trends.families import get_family, overdispersed
from trends.fitrecord import FitRecord, record_from_statsmodels

__all__ = ["ITS", "parse_cov", "parse_errors", "default_hac_lags", "max_lags",
           "check_estimable"]


def max_lags(nobs: int) -> int:
    """Largest HAC lag or ARMA order ``p + q`` accepted for ``nobs`` used observations:
    ``floor(nobs / 4)``. Beyond it the Newey-West estimate averages too few products per lag
    (and an ARMA model has too few observations per parameter) to be trusted.

    Parameters
    ----------
    nobs
        Used observations.

    Returns
    -------
    int

    Examples
    --------
    >>> max_lags(42)
    10
    """
    return nobs // 4


def check_estimable(design: Any, cov: CovSpec | tuple[str, int | None, bool],
                    errors: tuple[int, int] | None) -> None:
    """Refuse, before fitting, a specification whose estimates would be meaningless.

    * an outcome without variation (every used value equal): no effect is estimable;
    * a count family whose used outcome holds no event at all (all zeros): the log-link
      coefficients run off to minus infinity;
    * HAC lags, or an ARMA order ``p + q``, above :func:`max_lags` (``nobs / 4``).

    Parameters
    ----------
    design
        The built :class:`~trends.design.Design`.
    cov
        The covariance specification (HAC lags resolved or None).
    errors
        ARMA orders ``(p, q)`` or None.

    Raises
    ------
    SpecificationError
        Naming the rule and the numbers.
    """
    y = np.asarray(design.y, dtype=float)
    n = int(design.nobs)
    family = get_family(design.family)
    if n and family.counts and not (y > 0).any():
        raise SpecificationError(
            f"the outcome holds no event in its {n} used observations (all zero); a "
            f"{family.display_name} model is not estimable (its level coefficients diverge)")
    if n > 1 and np.ptp(y) == 0:
        raise SpecificationError(
            f"the outcome has no variation (all {n} used values are {y[0]:g}); no change at "
            "an interruption can be estimated")
    limit = max_lags(n)
    if parse_cov(cov).is_hac and cov[1] is not None and cov[1] > limit:
        raise SpecificationError(
            f"HAC lags ({cov[1]}) above nobs/4 = {limit} for {n} used observations; the "
            f"Newey-West estimate would be unreliable; use at most {limit} lags (or 'hac' for "
            f"the Newey-West rule, {default_hac_lags(n)} here)")
    if errors is not None and sum(errors) > limit:
        raise SpecificationError(
            f"ARMA order p + q = {sum(errors)} above nobs/4 = {limit} for {n} used "
            f"observations; use a smaller order (at most {limit})")


def parse_errors(errors: Any) -> tuple[int, int] | None:
    """Normalise ``errors`` to ``None`` or ``(p, q)``.

    Parameters
    ----------
    errors
        ``None`` (or ``"none"``/``"iid"``), ``("ar", p)``, ``("arma", p, q)``, ``"ar:P"`` or
        ``"arma:P:Q"``.

    Returns
    -------
    tuple or None
        ARMA orders ``(p, q)``.

    Raises
    ------
    SpecificationError
        For anything else.

    Examples
    --------
    >>> parse_errors("ar:1"), parse_errors(("arma", 1, 1)), parse_errors(None)
    ((1, 0), (1, 1), None)
    """
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
        Date column: datetimes, Periods, ISO strings (``'2021-08'``, ``'2021-08-15'``,
        ``'2021Q3'``, ``'2021-W31'``), ``'Aug 2021'``-style months, integer years (annual) or
        R ``ts`` decimal time (``1983.083333``; frequency from ``freq`` or the spacing); or a
        pair of columns, a year and a month, quarter or ISO week (``("year", "month")``), see
        :mod:`trends.dates`.
    interruptions
        ``{name: date}``; each date is the first period of the new regime (``period >= date``),
        in any of the spellings of ``date``.
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
    aggregates
        Published period totals: a DataFrame with columns ``start, end, value`` (and
        ``source`` in a multi-source model), each a total over ``start..end`` inclusive. The
        observed periods inside a window are subtracted and the remainder is an observation
        of the sum over the window's unobserved periods (Poisson exact, NB2 moment-matched,
        quasi-Poisson score, gaussian ``N(sum mu, m sigma^2)``); estimated by maximum
        likelihood with a model-based covariance (``cov="nonrobust"`` only). See
        :mod:`trends.aggregates`; :func:`trends.panel.period_totals` builds the frame.
    source
        Column naming the source of each row: ``data`` then has one row per source x period
        and the model adds source intercepts ``source[NAME]``; interruption effects are
        shared. See :mod:`trends.sources`; :func:`trends.panel.series_frame` builds the frame.
    reference
        The reference source (default: the first in sorted order).
    source_trends
        Add ``trend:source[NAME]``, each source's own trend.
    by_source
        Add ``level[NAME]:source[S]`` / ``slope[NAME]:source[S]``: each source's own
        interruption effects (tested by ``results.source_heterogeneity()``).

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

    A missing month covered by a published annual total, and a second source:

    >>> df.loc[3, "y"] = None
    >>> agg = pd.DataFrame({"start": ["2020-01"], "end": ["2020-12"], "value": [160]})
    >>> res = trends.ITS(df, outcome="y", date="month", interruptions={"policy": "2021-01"},
    ...                  family="poisson", aggregates=agg).fit()
    >>> res.aggregates_report()["remainder"].tolist()
    [11.0]
    >>> long = pd.concat([df.assign(src="A"), df.assign(src="B", y=df["y"] * 2)])
    >>> res = trends.ITS(long, outcome="y", date="month", interruptions={"policy": "2021-01"},
    ...                  family="poisson", source="src").fit()
    >>> round(float(res.table().loc["source[B]", "ratio"]), 6)
    2.0
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        outcome: str,
        date: str | Sequence[str],
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
        aggregates: pd.DataFrame | None = None,
        source: str | None = None,
        reference: Any = None,
        source_trends: bool = False,
        by_source: bool = False,
        keep_unconverged: bool = False,
    ) -> None:
        self._kwargs: dict[str, Any] = dict(
            outcome=outcome, date=date, interruptions=dict(interruptions)
            if isinstance(interruptions, Mapping) else interruptions,
            changes=dict(changes) if isinstance(changes, Mapping) else changes,
            family=family, offset=offset, seasonality=seasonality,
            covariates=None if covariates is None else (
                [covariates] if isinstance(covariates, str) else list(covariates)),
            cov=cov, errors=errors, group=group, treated=treated, control=control, freq=freq,
            alpha=alpha, aggregates=aggregates, source=source, reference=reference,
            source_trends=source_trends, by_source=by_source,
            keep_unconverged=bool(keep_unconverged),
        )
        self._data = data
        self._cov = parse_cov(cov)
        self._errors = parse_errors(errors)
        if not (isinstance(alpha, float | int) and 0 < alpha < 1):
            raise SpecificationError(f"alpha must be in (0, 1) (saw {alpha!r})")
        if source is None:
            if reference is not None or source_trends or by_source:
                raise SpecificationError(
                    "reference=, source_trends= and by_source= need source=<column naming the "
                    "source of each row>")
            self._design = build_design(
                data, outcome=outcome, date=date, interruptions=interruptions, changes=changes,
                family=family, offset=offset, seasonality=seasonality, covariates=covariates,
                group=group, treated=treated, control=control, freq=freq,
            )
        else:  # several sources (trends.sources)
            from trends.sources import build_source_design

            if group is not None:
                raise SpecificationError(
                    "source= (several sources) cannot be combined with group= (controlled ITS)")
            self._design = build_source_design(
                data, source=source, outcome=outcome,
                date=date,  # one column or the year,period pair
                interruptions=interruptions,
                changes=changes, family=family, offset=offset, seasonality=seasonality,
                covariates=covariates, freq=freq, reference=reference,
                source_trends=source_trends, by_source=by_source,
            )
        fam_obj = get_family(self._design.family)
        fam = fam_obj.name
        if self._cov[0] in _HC and self._cov[0] not in fam_obj.robust_hc_variants:
            raise SpecificationError(
                f"cov={self._cov[0]!r} is only available for the gaussian family; statsmodels "
                f"computes only HC0 for '{fam}' models (use 'HC0' or 'hac')"
            )
        if self._errors is not None:
            if not fam_obj.arma_errors:
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
        self._aggregates = None
        if aggregates is not None:  # published period totals (trends.aggregates)
            from trends.aggregates import prepare_aggregates

            if self._cov[0] != "nonrobust":
                raise SpecificationError(
                    f"cov={cov!r} is not available with aggregates: a HAC or sandwich covariance "
                    "needs per-period scores, which a period total does not have; use "
                    "cov='nonrobust' (model-based, inverse observed information)")
            if self._errors is not None or group is not None:
                raise SpecificationError(
                    "aggregates cannot be combined with ARMA errors or a controlled ITS (group=)")
            self._aggregates = prepare_aggregates(aggregates, self._design)
        if self._cov.is_hac and self._cov[1] is not None and self._cov[1] >= self._design.nobs:
            raise SpecificationError(
                f"HAC lags ({self._cov[1]}) must be smaller than the number of used "
                f"observations ({self._design.nobs})"
            )
        check_estimable(self._design, self._cov, self._errors)

    # ------------------------------------------------------------------ accessors
    def design(self) -> Design:
        """The built design (frozen dataclass; see :class:`trends.design.Design`).

        Returns
        -------
        Design

        Examples
        --------
        >>> import pandas as pd, trends
        >>> df = pd.DataFrame({"m": pd.period_range("2020-01", periods=12, freq="M"),
        ...                    "y": [3.0, 4, 3, 5, 4, 6, 2, 3, 2, 4, 3, 5]})
        >>> spec = trends.ITS(df, outcome="y", date="m", interruptions={"x": "2020-07"})
        >>> spec.design().nobs
        12
        """
        return self._design

    def replace(self, **changes: Any) -> ITS:
        """A new specification with some arguments replaced, e.g. ``replace(family="negbin")``.

        ``data`` may be replaced too. The new specification is validated like any other.

        Parameters
        ----------
        **changes
            Constructor arguments to replace.

        Returns
        -------
        ITS

        Examples
        --------
        >>> import pandas as pd, trends
        >>> df = pd.DataFrame({"m": pd.period_range("2020-01", periods=12, freq="M"),
        ...                    "y": [3.0, 4, 3, 5, 4, 6, 2, 3, 2, 4, 3, 5]})
        >>> spec = trends.ITS(df, outcome="y", date="m", interruptions={"x": "2020-07"})
        >>> spec.replace(changes="level").design().terms
        ['intercept', 'trend', 'level[x]']
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
    def cov_spec(self) -> CovSpec:
        """Covariance as a :class:`~trends.covariance.CovSpec` (which compares equal to the
        tuple ``(kind, lags, small_sample)``); lags resolved for HAC."""
        return self._cov.resolve(self._design.nobs)

    @property
    def errors(self) -> tuple[int, int] | None:
        """ARMA error orders ``(p, q)`` or None."""
        return self._errors

    @property
    def alpha(self) -> float:
        """Default significance level of the results' confidence intervals."""
        return float(self._kwargs["alpha"])

    def get(self, name: str) -> Any:
        """The value of one constructor argument (as given), e.g. ``spec.get("offset")``.

        Parameters
        ----------
        name
            Argument name.

        Returns
        -------
        object

        Examples
        --------
        >>> import pandas as pd, trends
        >>> df = pd.DataFrame({"m": pd.period_range("2020-01", periods=12, freq="M"),
        ...                    "y": [3.0, 4, 3, 5, 4, 6, 2, 3, 2, 4, 3, 5]})
        >>> spec = trends.ITS(df, outcome="y", date="m", interruptions={"x": "2020-07"})
        >>> spec.get("family")
        'gaussian'
        """
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
        """Estimate the model and return :class:`~trends.results.ITSResults`.

        Returns
        -------
        ITSResults

        Warns
        -----
        LeverageWarning
            With a sandwich covariance (HC or HAC) when an interruption's terms rest on
            high-leverage observations (largest hat value in its segment above 0.3; rule in
            :mod:`trends.windows`); the results' ``summary()`` carries the same sentence.
            Check the test's size on the design with :func:`trends.robust.calibrate`.

        Examples
        --------
        >>> import pandas as pd, trends
        >>> df = pd.DataFrame({"m": pd.period_range("2020-01", periods=12, freq="M"),
        ...                    "y": [3.0, 4, 3, 5, 4, 6, 2, 3, 2, 4, 3, 5]})
        >>> spec = trends.ITS(df, outcome="y", date="m", interruptions={"x": "2020-07"})
        >>> spec.fit().params.index.tolist()
        ['intercept', 'trend', 'level[x]', 'slope[x]']
        """
        from trends.errors import LeverageWarning
        from trends.results import ITSResults

        try:
            if self._aggregates is not None:
                from trends.aggregates import fit as fit_aggregates
                from trends.aggregates import record as aggregate_record

                fitted = fit_aggregates(self._design, self._aggregates)
                rec = aggregate_record(fitted, len(self._design.terms),
                                       get_family(self._design.family))
            else:
                rec = _estimate(self._design, self.cov_spec, self._errors)
        except (ValueError, np.linalg.LinAlgError) as exc:
            if isinstance(exc, SpecificationError):
                raise
            # e.g. a segment of zeros for a count family: the optimiser ends without a
            # covariance; say so instead of a traceback
            raise SpecificationError(
                "the model could not be estimated on these data (" + " ".join(str(exc).split())
                + "); a segment without events or too few observations per term are the usual "
                "causes") from exc
        if not rec.converged and not self._kwargs.get("keep_unconverged"):
            raise SpecificationError(_unconverged_message(self._design, self._errors))
        res = ITSResults(self, rec)
        for note in res.notes:  # sandwich covariance on high-leverage segments
            # a fixed location (not the caller's file and line): the same text on every
            # machine, so stored notebook outputs that show it stay comparable
            warnings.warn_explicit(note, LeverageWarning, filename="trends.ITS.fit", lineno=0,
                                   module="trends.its",
                                   registry=globals().setdefault("__warningregistry__", {}))
        return res

    @property
    def aggregates(self) -> Any:
        """The validated aggregates (:class:`trends.aggregates.AggregateData`) or None.

        Returns
        -------
        AggregateData or None
        """
        return self._aggregates


def _estimate(
    design: Design, cov: CovSpec | tuple[str, int | None, bool], errors: tuple[int, int] | None
) -> FitRecord:
    """Fit with statsmodels and return the typed :class:`~trends.fitrecord.FitRecord`."""
    cov = parse_cov(cov)
    family = get_family(design.family)
    k = len(design.terms)
    if errors is not None:
        return _estimate_arma(design, errors, k)
    rec = family.fit(design.y, design.X, design.offset, _cov_args(cov.row_time(), design), k=k)
    if cov.calendar:  # row-time HAC fit, then the covariance placed on the calendar
        from trends._calendar_hac import calendar_record

        return calendar_record(rec, design, int(cov.lags or 0), cov.small)
    return rec


def _estimate_arma(design: Design, errors: tuple[int, int], k: int) -> FitRecord:
    """Gaussian regression with ARMA errors by exact ML (SARIMAX on the full calendar)."""
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
    rec = record_from_statsmodels(res, k, get_family(design.family), errors=True,
                                  df_resid=float(design.nobs - len(np.asarray(res.params)) - 1))
    if not rec.converged:
        # the optimiser's own flag is not the criterion: L-BFGS with tight tolerances and
        # BFGS polishing both end with "precision loss" at an optimum they cannot improve.
        # Converged = the gradient of the log-likelihood is ~0 at the estimate.
        from dataclasses import replace

        rec = replace(rec, converged=gradient_converged(model, res))
    return rec


def gradient_converged(model: Any, res: Any, tol: float = 1e-4) -> bool:
    """Whether a maximum-likelihood estimate is at a stationary point: every component of
    the score, scaled by ``max(1, |parameter|)``, is below ``tol * max(1, |llf|)``.

    Parameters
    ----------
    model, res
        A statsmodels likelihood model and its fitted result.
    tol
        Relative tolerance.

    Returns
    -------
    bool
    """
    params = np.asarray(res.params, dtype=float)
    try:
        g = np.asarray(model.score(params), dtype=float)
    except (ValueError, np.linalg.LinAlgError):
        return False
    if not (np.all(np.isfinite(g)) and np.isfinite(res.llf)):
        return False
    scaled = np.abs(g) * np.maximum(1.0, np.abs(params))
    return bool(np.max(scaled, initial=0.0) <= tol * max(1.0, abs(float(res.llf))))


def _unconverged_message(design: Design, errors: tuple[int, int] | None) -> str:
    what = (f"the ARMA({errors[0]},{errors[1]})-error model" if errors is not None
            else f"the {get_family(design.family).display_name} model")
    return (f"{what} did not converge (the optimiser ended away from a maximum of the "
            "likelihood), so its estimates and intervals are not reliable. Rescale large "
            "covariates (e.g. --covariate z:COL or log:COL), drop terms the data cannot "
            "identify, or use fewer ARMA terms; to keep the unconverged fit anyway pass "
            "keep_unconverged=True (CLI: --keep-unconverged): summary() then says so")


_overdispersed = overdispersed  # moved to trends.families
