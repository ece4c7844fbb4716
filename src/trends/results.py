"""Immutable results of an interrupted time-series fit.

:class:`ITSResults` wraps the statsmodels result of :meth:`trends.ITS.fit` and exposes the
regression terms only (the NB2 dispersion ``alpha`` and ARMA parameters are reported
separately). Conventions:

* Confidence intervals and p-values are statsmodels' own: Student t with ``df_resid`` degrees
  of freedom where statsmodels uses t (OLS with classical covariance), otherwise normal.
* Fitted values, counterfactuals and their bands are on the mean scale: ``g^{-1}(x'b + offset)``
  with the band ``g^{-1}(x'b +/- c se(x'b))`` (``g`` the link; ``c`` the critical value), i.e.
  the interval for the linear predictor transformed, which stays positive for log links. For
  ARMA-error models "fitted" is the regression mean ``x'b``, not the one-step prediction.
* The counterfactual sets every interruption term to zero (for a controlled ITS, the treated
  series' ``group:level``/``group:slope`` terms: the treated series had it changed like the
  comparison series).
* :meth:`ITSResults.effects` compares the fitted mean at ``period = interruption + h`` with the
  same prediction with *that interruption's* terms set to zero (other interruptions unchanged).
  Absolute effect ``mu1 - mu0`` with a delta-method standard error (gradient
  ``mu1 x1 - mu0 x0`` for log links, ``x1 - x0`` for gaussian). Relative effect ``mu1/mu0 - 1``:
  for log links ``exp(d'b) - 1`` with the interval ``exp(d'b +/- c se(d'b)) - 1`` (exact
  transformation of a linear contrast); for gaussian models by the delta method on the ratio.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from trends.design import PERIODS_PER_YEAR, Design
from trends.errors import SpecificationError
from trends.families import Family, get_family
from trends.fitrecord import FitRecord
from trends.report import (
    format_markdown_table,
    format_sig,
    format_text_table,
    tex_escape,
    to_html,
    to_latex,
)

__all__ = ["ITSResults", "Diagnostics", "format_markdown_table"]

_TABLE_COLUMNS = ["estimate", "std_error", "ci_low", "ci_high", "p_value"]
_RATIO_COLUMNS = ["ratio", "ratio_low", "ratio_high"]


@dataclass(frozen=True)
class Diagnostics:
    """Residual diagnostics of an ITS fit.

    Attributes
    ----------
    tests
        One row per test (``durbin_watson``, ``ljung_box``, ``breusch_godfrey``,
        ``overdispersion``) with columns ``statistic``, ``df``, ``p_value``, ``note``.
    acf
        Residual autocorrelation by lag (index ``lag`` 1..L) with ``acf`` and ``band`` (the
        approximate 95% white-noise bound ``1.96 / sqrt(n)``).
    residuals
        The residuals used: Pearson residuals for count families, raw residuals for OLS and
        innovations for ARMA-error models, over the calendar (NaN where not used).
    lags
        Number of lags used by Ljung-Box, Breusch-Godfrey and the ACF.
    """

    tests: pd.DataFrame
    acf: pd.DataFrame
    residuals: pd.Series
    lags: int

    def __str__(self) -> str:
        return (
            f"Residual diagnostics (lags = {self.lags})\n"
            + format_text_table(self.tests.reset_index())
            + "\n\nResidual ACF\n"
            + format_text_table(self.acf.reset_index())
        )


@dataclass(frozen=True, eq=False, repr=False)
class ITSResults:
    """Immutable results of :meth:`trends.ITS.fit` (see the module docstring for conventions).

    Parameters
    ----------
    spec
        The :class:`trends.ITS` specification that was fitted.
    fit
        The typed :class:`~trends.fitrecord.FitRecord` the estimation produced.

    Examples
    --------
    >>> import pandas as pd, trends
    >>> df = pd.DataFrame({"month": pd.period_range("2020-01", periods=24, freq="M"),
    ...                    "y": [10, 12, 11, 13, 12, 14, 13, 15, 14, 16, 15, 17,
    ...                          9, 10, 9, 11, 10, 12, 11, 12, 12, 13, 12, 14]})
    >>> res = trends.ITS(df, outcome="y", date="month", family="poisson",
    ...                  interruptions={"policy": "2021-01"}).fit()
    >>> round(float(res.table().loc["level[policy]", "ratio"]), 3)
    0.534
    """

    spec: Any
    fit: FitRecord
    #: the design the single-series views describe when it is not the specification's own
    #: (one source of a multi-source model: :func:`trends.sources.source_view`)
    view_design: Design | None = field(default=None, repr=False, compare=False)

    # private views of the record (short names used by the computations below)
    @property
    def _design(self) -> Design:
        if self.view_design is not None:
            return self.view_design
        design: Design = self.spec.design()
        return design

    @property
    def _family(self) -> Family:
        return get_family(self._design.family)

    @property
    def _k(self) -> int:
        return len(self.fit.params)

    @property
    def _b(self) -> np.ndarray:
        return self.fit.params

    @property
    def _V(self) -> np.ndarray:
        return self.fit.cov

    @property
    def _bse(self) -> np.ndarray:
        return self.fit.bse

    @property
    def _p(self) -> np.ndarray:
        return self.fit.pvalues

    @property
    def _use_t(self) -> bool:
        return self.fit.use_t

    @property
    def _log_link(self) -> bool:
        return self._family.log_link

    @property
    def _df_resid(self) -> float:
        return self.fit.df_resid

    # ------------------------------------------------------------------ basic properties
    @property
    def design(self) -> Design:
        """The design the model was fitted on."""
        return self._design

    @property
    def model_result(self) -> Any:
        """The underlying statsmodels results object (for advanced use; do not modify)."""
        return self.fit.raw

    @property
    def family(self) -> str:
        """Model family."""
        return self._design.family

    @property
    def terms(self) -> list[str]:
        """Regression term names, in order."""
        return list(self._design.terms)

    @property
    def params(self) -> pd.Series:
        """Estimated coefficients by term (log scale for count families)."""
        return pd.Series(np.array(self._b), index=self.terms, name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors by term under the chosen covariance."""
        return pd.Series(np.array(self._bse), index=self.terms, name="std_error")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values by term (statsmodels' own, t or normal)."""
        return pd.Series(np.array(self._p), index=self.terms, name="p_value")

    @property
    def tvalues(self) -> pd.Series:
        """Estimate / standard error by term."""
        return pd.Series(self._b / self._bse, index=self.terms, name="statistic")

    @property
    def cov(self) -> pd.DataFrame:
        """Covariance matrix of the estimates (regression terms only)."""
        return pd.DataFrame(np.array(self._V), index=self.terms, columns=self.terms)

    @property
    def nobs(self) -> int:
        """Number of observations used in the estimation."""
        return self._design.nobs

    @property
    def nperiods(self) -> int:
        """Number of calendar periods spanned (per series), used or not."""
        d = self._design
        return int(d.treated.sum())

    @property
    def df_resid(self) -> float:
        """Residual degrees of freedom (nobs minus all estimated parameters for ARMA errors)."""
        return self._df_resid

    @property
    def use_t(self) -> bool:
        """Whether intervals and p-values use the t distribution (else normal)."""
        return self._use_t

    @property
    def llf(self) -> float:
        """Log-likelihood (NaN for quasi-Poisson, which has no likelihood)."""
        return self.fit.llf

    @property
    def aic(self) -> float:
        """Akaike information criterion as statsmodels computes it (NaN for quasi-Poisson)."""
        return self.fit.aic + 2.0 * self.alpha_at_boundary

    @property
    def bic(self) -> float:
        """Bayesian information criterion ``-2 llf + log(nobs) k``, nobs the used rows and k the
        estimated parameters (regression terms, NB2 alpha, ARMA parameters and innovation
        variance; NaN for quasi-Poisson)."""
        if not self._family.has_likelihood:
            return math.nan
        k = self.fit.n_params + self.alpha_at_boundary
        return float(-2.0 * self.llf + math.log(self.nobs) * k)

    @property
    def scale(self) -> float:
        """Scale: residual variance (gaussian OLS), innovation variance (ARMA errors),
        Pearson chi2/df (quasi-Poisson), 1 (Poisson, negative binomial)."""
        return self.fit.scale

    @property
    def dispersion(self) -> float:
        """NB2 dispersion ``alpha`` (Var = mu + alpha mu^2) for negbin; NaN otherwise."""
        return self.fit.dispersion

    @property
    def alpha_at_boundary(self) -> bool:
        """True for a negbin fit whose alpha MLE is 0 (no overdispersion): the Poisson fit is
        reported, with alpha still counted as an estimated parameter in ``aic``/``bic``."""
        return self.fit.alpha_at_boundary

    @property
    def error_params(self) -> pd.Series:
        """ARMA error parameters (``ar.L1``..., ``ma.L1``..., ``sigma2``); empty otherwise."""
        return self.fit.extra_params.copy()

    @property
    def converged(self) -> bool:
        """Whether the optimiser reported convergence (always True for OLS)."""
        return self.fit.converged

    # ------------------------------------------------------------------ inference
    def _alpha(self, alpha: float | None) -> float:
        a = self.spec.alpha if alpha is None else alpha
        if not (isinstance(a, float | int) and 0 < a < 1):
            raise SpecificationError(f"alpha must be in (0, 1) (saw {alpha!r})")
        return float(a)

    def _crit(self, alpha: float) -> float:
        if self._use_t:
            return float(stats.t.ppf(1 - alpha / 2, self._df_resid))
        return float(stats.norm.ppf(1 - alpha / 2))

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Confidence intervals (columns ``ci_low``, ``ci_high``) at level ``1 - alpha``.

        Parameters
        ----------
        alpha
            1 - confidence level (default: the specification's ``alpha``).

        Returns
        -------
        DataFrame
            ``ci_low``, ``ci_high`` by term.

        Examples
        --------
        >>> res = _example()
        >>> list(res.conf_int(0.1).columns)
        ['ci_low', 'ci_high']
        """
        a = self._alpha(alpha)
        ci = self.fit.conf_int(a)
        return pd.DataFrame(ci, index=self.terms, columns=["ci_low", "ci_high"])

    def table(self, alpha: float | None = None) -> pd.DataFrame:
        """Coefficient table indexed by term.

        Columns ``estimate, std_error, ci_low, ci_high, p_value`` and, for the log-link
        families, ``ratio, ratio_low, ratio_high`` (exponentiated estimate and bounds: rate
        ratios).

        Parameters
        ----------
        alpha
            1 - confidence level (default: the specification's ``alpha``).

        Returns
        -------
        DataFrame

        Examples
        --------
        >>> _example().table().columns[-3:].tolist()
        ['ratio', 'ratio_low', 'ratio_high']
        """
        ci = self.conf_int(alpha)
        tab = pd.DataFrame(
            {
                "estimate": self._b,
                "std_error": self._bse,
                "ci_low": ci["ci_low"].to_numpy(),
                "ci_high": ci["ci_high"].to_numpy(),
                "p_value": self._p,
            },
            index=pd.Index(self.terms, name="term"),
        )
        if self._log_link:
            tab["ratio"] = np.exp(tab["estimate"])
            tab["ratio_low"] = np.exp(tab["ci_low"])
            tab["ratio_high"] = np.exp(tab["ci_high"])
        return tab

    # ------------------------------------------------------------------ predictions
    def _treated_rows(self) -> np.ndarray:
        return np.flatnonzero(self._design.treated)

    def _linear(self, X: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Linear predictor (incl. offset), and its lower/upper band."""
        d = self._design
        eta = X @ self._b
        se = np.sqrt(np.einsum("ij,jk,ik->i", X, self._V, X))
        if d.offset_full is not None:
            off = d.offset_full[self._rows]
            eta = eta + off
        c = self._crit(alpha)
        return eta, eta - c * se, eta + c * se

    @property
    def _rows(self) -> np.ndarray:
        return self._treated_rows()

    def _inv(self, eta: np.ndarray) -> np.ndarray:
        return np.exp(eta) if self._log_link else eta

    def _X_treated(self) -> np.ndarray:
        return self._design.X_full.to_numpy()[self._rows]

    def _X_counterfactual(self, terms: Sequence[str]) -> np.ndarray:
        X0 = self._X_treated().copy()
        for t in terms:
            X0[:, self.terms.index(t)] = 0.0
        return X0

    def _index(self) -> pd.PeriodIndex:
        return pd.PeriodIndex(self._design.periods[self._rows], name="period")

    def fitted(self, source: Any = None) -> pd.Series:
        """Fitted mean for every calendar period of the (treated) series.

        Periods that were not used (missing outcome) get the model's prediction too; see
        :meth:`plot_data` for the ``used`` flag and bands. NaN where a covariate or the offset
        is missing. :meth:`predictions` gives the ``kind`` (observed / model-based) of each
        period.

        Parameters
        ----------
        source
            For a multi-source model, that source (default: the reference).

        Returns
        -------
        Series
            Indexed by period.

        Examples
        --------
        >>> len(_example().fitted())
        24
        """
        if source is not None:
            from trends.sources import source_view

            return source_view(self, source).fitted()
        eta, _, _ = self._linear(self._X_treated(), self.spec.alpha)
        return pd.Series(self._inv(eta), index=self._index(), name="fitted")

    def _band(self, X: np.ndarray, name: str, alpha: float) -> pd.DataFrame:
        eta, lo, hi = self._linear(X, alpha)
        return pd.DataFrame(
            {name: self._inv(eta), f"{name}_low": self._inv(lo), f"{name}_high": self._inv(hi)},
            index=self._index(),
        )

    def counterfactual(self, alpha: float | None = None, source: Any = None) -> pd.DataFrame:
        """The series without the interruptions: columns ``counterfactual``,
        ``counterfactual_low``, ``counterfactual_high`` over the calendar (all interruption
        terms set to zero; see the module docstring).

        Parameters
        ----------
        alpha
            1 - confidence level (default: the specification's ``alpha``).
        source
            For a multi-source model, that source's counterfactual (default: the reference).

        Returns
        -------
        DataFrame

        Examples
        --------
        >>> cf = _example().counterfactual()
        >>> bool((cf["counterfactual_low"] <= cf["counterfactual_high"]).all())
        True
        """
        if source is not None:
            from trends.sources import source_view

            return source_view(self, source).counterfactual(alpha)
        a = self._alpha(alpha)
        X0 = self._X_counterfactual(self._design.interruption_terms)
        return self._band(X0, "counterfactual", a)

    def _segments(self) -> np.ndarray:
        idx = self._index()
        seg = np.array(["pre"] * len(idx), dtype=object)
        for name, p in sorted(self._design.interruptions.items(), key=lambda kv: kv[1]):
            seg[np.asarray(idx >= p)] = name
        return seg

    # --- aggregates and several sources (trends.aggregates, trends.sources)
    def predictions(self, source: Any = None, alpha: float | None = None) -> pd.DataFrame:
        """Fitted means and bands for every period, each labelled ``kind`` = ``"observed"``
        or ``"model-based"`` (see :func:`trends.sources.predictions`)."""
        from trends.sources import predictions

        return predictions(self, source, alpha)

    def source_heterogeneity(self) -> pd.DataFrame:
        """Wald test of equal interruption effects across sources (``by_source=True``; see
        :func:`trends.sources.source_heterogeneity`)."""
        from trends.sources import source_heterogeneity

        return source_heterogeneity(self)

    def aggregates_report(self) -> pd.DataFrame:
        """What each published total contributed (see :class:`trends.aggregates.AggregateData`);
        empty when the model has no aggregates."""
        agg = self.spec.aggregates
        if agg is None:
            return pd.DataFrame(columns=["row", "source", "start", "end", "value", "status"])
        return agg.report.copy()

    def plot_data(self, alpha: float | None = None, source: Any = None) -> pd.DataFrame:
        """Tidy frame for plotting, indexed by the full calendar period of the (treated)
        series, with columns ``observed`` (NaN where missing), ``fitted``, ``fitted_low``,
        ``fitted_high``, ``counterfactual``, ``counterfactual_low``, ``counterfactual_high``,
        ``segment`` (``"pre"`` or the name of the latest interruption in force) and ``used``.

        Parameters
        ----------
        alpha
            1 - confidence level (default: the specification's ``alpha``).
        source
            For a multi-source model, that source (default: the reference); pass the frame to
            :func:`trends.plot.plot_its`.

        Returns
        -------
        DataFrame

        Examples
        --------
        >>> _example().plot_data()["segment"].iloc[[0, -1]].tolist()
        ['pre', 'policy']
        """
        if source is not None:
            from trends.sources import source_view

            return source_view(self, source).plot_data(alpha)
        a = self._alpha(alpha)
        d = self._design
        rows = self._rows
        out = pd.DataFrame({"observed": d.y_full[rows]}, index=self._index())
        out = out.join(self._band(self._X_treated(), "fitted", a))
        out = out.join(self.counterfactual(a))
        out["segment"] = pd.array(self._segments(), dtype="str")
        out["used"] = d.used[rows]
        return out

    def report(self) -> str:
        """A plain-language paragraph per interruption (what changed, by how much, with the
        interval and its method) and one on the caveats (leverage, convergence, calibration):
        :func:`trends.narrative.report`.

        Returns
        -------
        str
        """
        from trends.narrative import report

        return report(self)

    def plot(self, ax: Any = None, **kwargs: Any) -> tuple[Any, Any]:
        """Observed series, fitted segments and the counterfactual with its band:
        :func:`trends.plot.plot_its` of these results, labels (outcome, unit, frequency)
        taken from the results unless given; keywords as there (``width="single"`` for the
        one-column version, ``windows=``, ``source=``, ``definitions=``...).

        Returns
        -------
        (Figure, Axes)

        Examples
        --------
        >>> fig, ax = _example().plot()
        >>> ax.get_ylabel(), ax.get_xlabel()
        ('y per month', 'month')
        """
        from trends.plot import plot_its

        return plot_its(self, ax, **kwargs)

    def effects(
        self, horizons: Sequence[int] = (0, 6, 12), alpha: float | None = None
    ) -> pd.DataFrame:
        """Absolute and relative effect of each interruption ``h`` periods after it starts.

        Parameters
        ----------
        horizons
            Periods after the interruption's first period (0 = the first period itself).
            Each must fall within the data's calendar.
        alpha
            1 - confidence level.

        Returns
        -------
        DataFrame
            One row per interruption and horizon: ``interruption, horizon, period, fitted,
            counterfactual, abs_effect, abs_low, abs_high, rel_effect, rel_low, rel_high``
            (relative effects as fractions, e.g. -0.11 = 11% lower). See the module
            docstring for the method.
        """
        a = self._alpha(alpha)
        c = self._crit(a)
        d = self._design
        if isinstance(horizons, int | np.integer):
            horizons = [int(horizons)]
        idx = self._index()
        X = self._X_treated()
        off = d.offset_full[self._rows] if d.offset_full is not None else np.zeros(len(idx))
        prefix = "group:" if d.unit is not None else ""
        rows = []
        for name, p in d.interruptions.items():
            own = (f"{prefix}level[{name}]", f"{prefix}slope[{name}]")
            # with by_source, the view's source-specific terms too (zero on other sources' rows)
            terms = [t for t in self.terms if t in own or t.startswith(
                (f"level[{name}]:source[", f"slope[{name}]:source["))]
            X0 = self._X_counterfactual(terms)
            for h in horizons:
                if isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 0:
                    raise SpecificationError(f"horizons must be non-negative integers (saw {h!r})")
                target = p + int(h)
                if target > idx[-1]:
                    raise SpecificationError(
                        f"horizon {h} after '{name}' ({target}) is beyond the data (last "
                        f"period {idx[-1]})"
                    )
                i = int(target.ordinal - idx[0].ordinal)
                x1, x0 = X[i], X0[i]
                diff = x1 - x0
                lin_d = float(diff @ self._b)
                se_d = float(math.sqrt(max(diff @ self._V @ diff, 0.0)))
                if self._log_link:
                    mu1 = math.exp(float(x1 @ self._b) + off[i])
                    mu0 = math.exp(float(x0 @ self._b) + off[i])
                    g = mu1 * x1 - mu0 * x0
                    rel, rlo, rhi = (math.exp(lin_d) - 1, math.exp(lin_d - c * se_d) - 1,
                                     math.exp(lin_d + c * se_d) - 1)
                else:
                    mu1, mu0 = float(x1 @ self._b), float(x0 @ self._b)
                    g = diff
                    rel = lin_d / mu0 if mu0 != 0 else math.nan
                    gr = (diff * mu0 - lin_d * x0) / mu0**2 if mu0 != 0 else diff * math.nan
                    se_r = float(math.sqrt(max(gr @ self._V @ gr, 0.0)))
                    rlo, rhi = rel - c * se_r, rel + c * se_r
                abs_eff = mu1 - mu0
                se_a = float(math.sqrt(max(g @ self._V @ g, 0.0)))
                rows.append({
                    "interruption": name, "horizon": int(h), "period": target,
                    "fitted": mu1, "counterfactual": mu0,
                    "abs_effect": abs_eff, "abs_low": abs_eff - c * se_a,
                    "abs_high": abs_eff + c * se_a,
                    "rel_effect": rel, "rel_low": rlo, "rel_high": rhi,
                })
        cols = ["interruption", "horizon", "period", "fitted", "counterfactual", "abs_effect",
                "abs_low", "abs_high", "rel_effect", "rel_low", "rel_high"]
        return pd.DataFrame(rows, columns=cols)

    def window_effects(self, windows: Any, alpha: float | None = None) -> pd.DataFrame:
        """Fitted, counterfactual, excess and ratio summed over windows ``{name: (start,
        end)}`` (inclusive), with delta-method intervals; see :mod:`trends.windows`.

        Examples
        --------
        >>> import pandas as pd, trends
        >>> df = pd.DataFrame({"month": pd.period_range("2020-01", periods=24, freq="M"),
        ...                    "y": [10, 12, 11, 13, 12, 14, 13, 15, 14, 16, 15, 17,
        ...                          19, 20, 19, 21, 20, 22, 21, 22, 22, 23, 22, 24]})
        >>> res = trends.ITS(df, outcome="y", date="month", family="poisson",
        ...                  interruptions={"policy": "2021-01"}).fit()
        >>> w = res.window_effects({"first half": ("2021-01", "2021-06")})
        >>> int(w["n_periods"].iloc[0])
        6
        """
        from trends.windows import window_effects

        return window_effects(self, windows, alpha)

    def leverage(self) -> pd.Series:
        """Hat values of the used rows (index: their periods); see :mod:`trends.windows`."""
        from trends.windows import leverage

        return leverage(self)

    @property
    def notes(self) -> list[str]:
        """Warnings about the validity of the intervals (the leverage rule of
        :mod:`trends.windows`); shown by :meth:`summary` and :meth:`to_markdown`."""
        from trends.windows import leverage_notes

        return leverage_notes(self)

    # ------------------------------------------------------------------ diagnostics
    def residuals(self) -> pd.Series:
        """Residuals over the calendar of the (treated) series, NaN where not used: Pearson
        residuals for count families, raw residuals for OLS, innovations for ARMA errors.

        Returns
        -------
        Series

        Examples
        --------
        >>> int(_example().residuals().notna().sum())
        24
        """
        d = self._design
        full = np.full(len(d.periods), np.nan)
        if self.spec.errors is not None:  # innovations over the full calendar
            full[d.used] = self.fit.resid[d.used]
        else:
            full[d.used] = self.fit.resid
        return pd.Series(full[self._rows], index=self._index(), name="residual")

    def diagnostics(self, lags: int | None = None) -> Diagnostics:
        """Residual diagnostics: Durbin-Watson, Ljung-Box, Breusch-Godfrey, overdispersion
        (Pearson chi2 / df_resid with a chi2 test, count families) and the residual ACF.

        Tests run on the used residuals in time order (gaps closed up); the ACF is computed
        over the calendar with ``missing="conservative"``. The Breusch-Godfrey test for count
        and ARMA-error models regresses the residuals on the design and their lags (an
        approximation outside OLS). Default ``lags``: periods per year (12 monthly, 4
        quarterly, 52 weekly, 5 annual) capped at ``nobs // 4``.

        Parameters
        ----------
        lags
            Lags for Ljung-Box, Breusch-Godfrey and the ACF.

        Returns
        -------
        Diagnostics

        Examples
        --------
        >>> _example().diagnostics(lags=3).tests.index.tolist()
        ['durbin_watson', 'ljung_box', 'breusch_godfrey', 'overdispersion']
        """
        from statsmodels.stats.diagnostic import acorr_breusch_godfrey, acorr_ljungbox
        from statsmodels.stats.stattools import durbin_watson
        from statsmodels.tsa.stattools import acf

        import trends._statsmodels as sm  # not statsmodels.api: no formula interface

        d = self._design
        resid = self.residuals()
        r = resid.to_numpy()
        ok = np.isfinite(r)
        rc = r[ok]
        n = len(rc)
        if lags is None:
            ppy = PERIODS_PER_YEAR[d.freq]
            lags = max(1, min(int(round(ppy)) if ppy > 1 else 5, n // 4))
        if isinstance(lags, bool) or not isinstance(lags, int | np.integer) or not 1 <= lags < n:
            raise SpecificationError(f"lags must be an integer in [1, {n - 1}] (saw {lags!r})")
        lags = int(lags)
        dw = float(durbin_watson(rc))
        lb = acorr_ljungbox(rc, lags=[lags], return_df=True)
        Xr = self._X_treated()[ok]
        Xr = Xr[:, np.any(Xr != 0, axis=0)]  # e.g. other sources' dummies (several sources)
        if (self._family.closed_form and self.spec.errors is None and d.unit is None
                and not getattr(self.fit.raw, "is_aggregate", False)
                and not hasattr(d, "source_labels")):
            bg = acorr_breusch_godfrey(self.fit.raw, nlags=lags, result_object=False)
            bg_note = "LM test on the OLS residuals"
        else:
            bg = acorr_breusch_godfrey(sm.OLS(rc, Xr).fit(), nlags=lags, result_object=False)
            bg_note = "LM test on residuals regressed on the design (approximate)"
        rows = {
            "durbin_watson": (dw, math.nan, math.nan, "about 2 when residuals are uncorrelated"),
            "ljung_box": (float(lb["lb_stat"].iloc[0]), float(lags), float(lb["lb_pvalue"].iloc[0]),
                          f"Q at lag {lags}"),
            "breusch_godfrey": (float(bg[0]), float(lags), float(bg[1]), bg_note),
        }
        if not self._family.counts:
            rows["overdispersion"] = (math.nan, math.nan, math.nan,
                                      f"not applicable ({self._family.name})")
        else:
            chi2 = float(np.sum(self.fit.resid_pearson ** 2))
            dfr = self._df_resid
            rows["overdispersion"] = (chi2 / dfr, dfr, float(stats.chi2.sf(chi2, dfr)),
                                      "Pearson chi2 / df_resid; p from chi2(df_resid)")
        tests = pd.DataFrame.from_dict(rows, orient="index",
                                       columns=["statistic", "df", "p_value", "note"])
        tests.index.name = "test"
        ac = acf(r, nlags=lags, missing="conservative", fft=False)[1:]
        acf_df = pd.DataFrame({"acf": ac, "band": np.full(lags, 1.959963984540054 / math.sqrt(n))},
                              index=pd.RangeIndex(1, lags + 1, name="lag"))
        return Diagnostics(tests=tests, acf=acf_df, residuals=resid, lags=lags)

    # ------------------------------------------------------------------ presentation
    def _header(self) -> list[tuple[str, str]]:
        d = self._design
        spec = self.spec
        cov = spec.cov_spec.describe()
        fam = self._family.description
        if spec.errors is not None:
            p, q = spec.errors
            fam = f"gaussian with ARMA({p},{q}) errors (exact ML)"
        ints = ", ".join(
            f"{n} = {p} ({'+'.join(d.changes[n])})" for n, p in d.interruptions.items()
        )
        first, last = self._index()[0], self._index()[-1]
        items = [
            ("Outcome", str(spec.get("outcome"))),
            ("Family", fam),
            ("Covariance", cov),
            ("Interruptions", ints or "none"),
            ("Calendar", f"{first} to {last} ({self.nperiods} periods)"),
            ("Observations used", f"{self.nobs}" + ("" if d.unit is not None
                                                     or hasattr(d, "source_labels") else
                                                     f" of {self.nperiods}")),
        ]
        if spec.get("offset"):
            items.append(("Offset", f"log({spec.get('offset')})"))
        if d.unit is not None:
            items.append(("Controlled ITS", f"treated {spec.get('group')}={spec.get('treated')!r}, "
                          f"{len(set(d.unit.tolist())) - 1} comparison series"))
        items.extend(_extra_header(self))
        items.append(("Log-likelihood", _fmt(self.llf)))
        items.append(("AIC / BIC", f"{_fmt(self.aic)} / {_fmt(self.bic)}"))
        if self._family.dispersion_name is not None:
            items.append((self._family.dispersion_name, _fmt(self.dispersion)))
        if self._family.reports_scale:
            items.append(("Scale", _fmt(self.scale)))
        if spec.errors is not None:
            items.append(("Error parameters", ", ".join(
                f"{k} = {_fmt(v)}" for k, v in self.error_params.items())))
        items.append(("Intervals", f"{100 * (1 - self.spec.alpha):g}% "
                      + ("t" if self._use_t else "normal")))
        if not self.converged:
            items.append(("Convergence", "NOT CONVERGED: the optimiser ended away from a "
                          "maximum of the likelihood; kept at the user's request "
                          "(keep_unconverged=True); estimates and intervals are not reliable"))
        items.extend(("Warning", note) for note in self.notes)
        return items

    def _formatted_table(self, alpha: float | None) -> pd.DataFrame:
        tab = self.table(alpha)
        out = tab.map(_fmt)
        out.insert(0, "term", tab.index)
        return out.reset_index(drop=True)

    def summary(self, alpha: float | None = None) -> str:
        """Plain-text summary: model facts and the coefficient table.

        Parameters
        ----------
        alpha
            1 - confidence level (default: the specification's ``alpha``).

        Returns
        -------
        str

        Examples
        --------
        >>> _example().summary().splitlines()[0]
        'ITS results'
        """
        head = "\n".join(f"{k:<18} {v}" for k, v in self._header())
        return "ITS results\n" + head + "\n\n" + format_text_table(self._formatted_table(alpha))

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<ITSResults family={self.family!r} nobs={self.nobs} terms={self.terms}>"

    def _repr_html_(self) -> str:
        head = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                       f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                       for k, v in self._header())
        return f"<div><table>{head}</table>{to_html(self._formatted_table(None))}</div>"

    def to_markdown(self, alpha: float | None = None) -> str:
        """Markdown: a bullet list of model facts and the coefficient table.

        Parameters
        ----------
        alpha
            1 - confidence level (default: the specification's ``alpha``).

        Returns
        -------
        str

        Examples
        --------
        >>> _example().to_markdown().splitlines()[0]
        '- **Outcome**: y'
        """
        head = "\n".join(f"- **{k}**: {v}" for k, v in self._header())
        return head + "\n\n" + format_markdown_table(self._formatted_table(alpha)) + "\n"

    def to_latex(self, alpha: float | None = None, caption: str | None = None) -> str:
        """A LaTeX ``table`` (booktabs) of the coefficient table.

        Parameters
        ----------
        alpha
            1 - confidence level.
        caption
            Optional caption (LaTeX-escaped).

        Returns
        -------
        str

        Examples
        --------
        >>> print(_example().to_latex().splitlines()[0])
        \\begin{table}[htbp]
        """
        tab = self._formatted_table(alpha)
        return to_latex(tab, caption=caption, align="l" + "r" * (len(tab.columns) - 1))


def _example() -> ITSResults:
    """A small Poisson fit used by the docstring examples (24 months, one interruption)."""
    from trends.its import ITS

    df = pd.DataFrame({"month": pd.period_range("2020-01", periods=24, freq="M"),
                       "y": [10, 12, 11, 13, 12, 14, 13, 15, 14, 16, 15, 17,
                             9, 10, 9, 11, 10, 12, 11, 12, 12, 13, 12, 14]})
    res: ITSResults = ITS(df, outcome="y", date="month", family="poisson",
                          interruptions={"policy": "2021-01"}).fit()
    return res


def _immutable_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"ITSResults is immutable; cannot set {name!r}")


def _immutable_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"ITSResults is immutable; cannot delete {name!r}")


# the dataclass is frozen; these only give the error a clearer message
setattr(ITSResults, "__setattr__", _immutable_setattr)  # noqa: B010
setattr(ITSResults, "__delattr__", _immutable_delattr)  # noqa: B010


def _extra_header(res: ITSResults) -> list[tuple[str, str]]:
    """Header lines for several sources and aggregate observations."""
    d: Any = res.design  # a SourceDesign (several sources) has sources and reference
    items: list[tuple[str, str]] = []
    if hasattr(d, "source_labels"):
        n = int(d.treated.sum())
        counts = ", ".join(f"{s} {int(d.used[d.source_labels == s].sum())}" for s in d.sources)
        items.append(("Sources", f"{len(d.sources)} (reference {d.reference}); used "
                      f"observations per source: {counts}; {n} periods each"))
    agg = res.spec.aggregates
    if agg is not None:
        rep = agg.report
        n_inc = int((rep["status"] == "vintage inconsistency").sum())
        items.append(("Aggregates", f"{agg.n_used} published total(s) used, covering "
                      f"{int(agg.n_periods.sum())} unobserved period(s); "
                      f"{int((rep['status'] != 'used').sum())} add nothing"
                      + (f" ({n_inc} vintage inconsistency)" if n_inc else "")))
        items.append(("Estimation", res.model_result.method))
    return items


# ---------------------------------------------------------------------- formatting helpers
# moved to trends.report (the one table renderer); the old names stay importable from here
_fmt = format_sig
_latex_escape = tex_escape
