"""Structural (state-space) interrupted time series, estimated by maximum likelihood.

:class:`StructuralITS` replaces the segmented regression's deterministic pre-period trend by an
unobserved-components model (Harvey 1989; Durbin & Koopman 2012, ch. 3 and section 8.2) and
estimates it with the Kalman filter, deterministically:

.. math::

    y^*_t = \\mu_t + \\gamma_t + x_t'\\beta + \\varepsilon_t, \\qquad
    \\varepsilon_t \\sim N(0, \\sigma^2_\\varepsilon),

where ``y*`` is the outcome on the modelling scale (``transform``), ``mu_t`` the trend
(``trend``), ``gamma_t`` the seasonal (``seasonality``) and ``x_t`` the interruption regressors
``level[NAME]``/``slope[NAME]`` of :mod:`trends.design` (exactly those of :class:`trends.ITS`)
and any covariates. The model is :class:`statsmodels.tsa.statespace.structural.
UnobservedComponents` with ``mle_regression=False`` and ``use_exact_diffuse=True``: the
regression coefficients are time-invariant states with an exact diffuse initialisation (not
statsmodels' default approximate one, prior variance 1e6, which biases estimates on data
measured in large units such as the Nile flows), estimated by the Kalman smoother jointly
with the trend and seasonal (the Durbin-Koopman treatment, which reproduces their section 8.2
seat-belt numbers); only the variances are estimated by maximum likelihood (exact diffuse
likelihood).

Trends (``trend``): ``"local level"`` (random-walk level), ``"local linear trend"`` (random-walk
level and slope), ``"random walk with drift"`` (random-walk level, fixed slope), ``"smooth
trend"`` (fixed level disturbance 0, random-walk slope) and ``"deterministic"`` (fixed intercept
and slope: the segmented regression with i.i.d. errors).

Seasonality: ``None``; ``"month"``: the stochastic trigonometric seasonal with all harmonics
(``floor(s / 2)`` for ``s`` periods per year; one common variance); ``("fourier", K)``: the
same with ``K`` harmonics; ``"dummy"``: the stochastic dummy seasonal (``s - 1`` states).

Missing periods are missing observations in the Kalman filter: the model runs over the full
calendar, nothing is filled or dropped. Covariates must be observed in every period (they enter
the observation equation of every period).

Transforms: ``None`` (identity), ``"log"`` (outcome > 0) or ``"log1p"`` (outcome >= 0, for
counts with zeros). The model is Gaussian on the transformed scale. Predictions (fitted values,
counterfactuals, effects, window sums) are transformed back *as medians*: the point value is
``exp(m)`` (``exp(m) - 1`` for log1p) of the smoothed signal ``m`` (trend + seasonal +
regression, no irregular), which is the median of the outcome given the signal because the
irregular is symmetric. No lognormal mean correction ``exp(m + s^2 / 2)`` is applied.

Estimation (``fit_on``):

* ``"all"`` (Durbin & Koopman): the variances are estimated on the whole series, with the
  interruption regressors in the model; the counterfactual is the smoothed signal with the
  interruption regressors switched off.
* ``"pre"`` (the CausalImpact approach, by maximum likelihood): the variances (and covariate
  coefficients) are estimated on the periods before the first interruption only, and the
  counterfactual is that model's forecast over the whole post-period (a Kalman-filter forecast
  from the pre-period data). The interruption coefficients reported in ``table()`` are then the
  smoother's estimates on the whole series with the variances fixed at the pre-period values
  (equivalently, GLS of the post-period observations on the forecast), and ``fitted()`` is that
  smoother's signal.

Convergence rule (deterministic): the likelihood is maximised from several starting values
(statsmodels' defaults, and every variance set to ``v * var(diff(y*))`` for ``v`` in
:data:`START_SCALES`), each by L-BFGS-B on statsmodels' unconstrained scale (standard
deviations); the start with the highest log-likelihood is polished by BFGS and kept. It is
*converged* when the optimiser did not stop at its iteration limit and the scaled gradient
``max_j |dl/du_j| * max(|u_j|, 1e-3 sd(y*))`` is below :data:`GRADIENT_TOL` = 0.01 (``u``
the standard deviations; the bound means a 1% change in any standard deviation changes the
log-likelihood by less than 1e-4); otherwise ``converged`` is False and the reason is carried
into the results, ``summary()``, ``to_markdown()`` and the CLI output (statsmodels'
ConvergenceWarnings are captured into that record, not printed).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trends.design import PERIODS_PER_YEAR, Design, build_design, parse_seasonality
from trends.errors import SpecificationError

__all__ = ["StructuralITS", "TREND_MODELS", "TRANSFORMS", "START_SCALES", "GRADIENT_TOL",
           "TrendModel", "SeasonalModel", "Transform"]

#: starting values: every variance = scale * var(diff(y*)) (besides statsmodels' own start)
START_SCALES: tuple[float, ...] = (1.0, 0.1, 0.01)
#: the scaled-gradient bound of the convergence rule (see the module docstring)
GRADIENT_TOL: float = 1e-2


# --------------------------------------------------------------------------- trends
@dataclass(frozen=True)
class TrendModel:
    """One trend specification: its name and its :class:`UnobservedComponents` arguments.

    Parameters
    ----------
    name
        Key of :data:`TREND_MODELS` (``trend=`` of :class:`StructuralITS`).
    level, slope
        Whether the model has a level and a slope.
    stochastic_level, stochastic_slope
        Whether they evolve as random walks.
    description
        One-line description for summaries.

    Examples
    --------
    >>> TREND_MODELS["local linear trend"].uc_kwargs()
    {'level': True, 'trend': True, 'stochastic_level': True, 'stochastic_trend': True}
    """

    name: str
    level: bool
    slope: bool
    stochastic_level: bool
    stochastic_slope: bool
    description: str

    def uc_kwargs(self) -> dict[str, Any]:
        return {"level": self.level, "trend": self.slope,
                "stochastic_level": self.stochastic_level,
                "stochastic_trend": self.stochastic_slope}


TREND_MODELS: dict[str, TrendModel] = {
    m.name: m for m in (
        TrendModel("local level", True, False, True, False, "random-walk level"),
        TrendModel("local linear trend", True, True, True, True,
                   "random-walk level and random-walk slope"),
        TrendModel("random walk with drift", True, True, True, False,
                   "random-walk level with a fixed drift"),
        TrendModel("smooth trend", True, True, False, True,
                   "integrated random walk (fixed level disturbance 0, random-walk slope)"),
        TrendModel("deterministic", True, True, False, False,
                   "fixed intercept and slope (segmented regression, i.i.d. errors)"),
    )
}


def _trend_model(trend: Any) -> TrendModel:
    key = trend.strip().lower().replace("_", " ").replace("-", " ") if isinstance(trend, str) \
        else None
    if key not in TREND_MODELS:
        raise SpecificationError(
            f"trend {trend!r} is not valid; expected one of {list(TREND_MODELS)}"
        )
    return TREND_MODELS[key]


# --------------------------------------------------------------------------- seasonals
@dataclass(frozen=True)
class SeasonalModel:
    """A seasonal component: ``kind`` is ``none``, ``trigonometric`` or ``dummy``.

    Parameters
    ----------
    kind
        ``"none"``, ``"trigonometric"`` or ``"dummy"``.
    period
        Periods per seasonal cycle (12 for months).
    harmonics
        Trigonometric harmonics.

    Examples
    --------
    >>> SeasonalModel("trigonometric", 12.0, 6).describe()
    'stochastic trigonometric, period 12, 6 harmonic(s)'
    >>> SeasonalModel("dummy", 12.0).uc_kwargs()
    {'seasonal': 12, 'stochastic_seasonal': True}
    """

    kind: str
    period: float = 0.0
    harmonics: int = 0

    def uc_kwargs(self) -> dict[str, Any]:
        if self.kind == "trigonometric":
            return {"freq_seasonal": [{"period": self.period, "harmonics": self.harmonics}],
                    "stochastic_freq_seasonal": [True]}
        if self.kind == "dummy":
            return {"seasonal": int(self.period), "stochastic_seasonal": True}
        return {}

    def describe(self) -> str:
        if self.kind == "trigonometric":
            return (f"stochastic trigonometric, period {self.period:g}, {self.harmonics} "
                    "harmonic(s)")
        if self.kind == "dummy":
            return f"stochastic dummy, period {int(self.period)}"
        return "none"


def _seasonal_model(seasonality: Any, freq: str) -> SeasonalModel:
    if seasonality is None or (isinstance(seasonality, str)
                               and seasonality.strip().lower() in {"", "none"}):
        return SeasonalModel("none")
    period = PERIODS_PER_YEAR[freq]
    if period <= 1:
        raise SpecificationError(
            f"seasonality {seasonality!r} needs more than one period per year; the data are "
            "annual (use seasonality=None)"
        )
    if isinstance(seasonality, str) and seasonality.strip().lower() == "month":
        return SeasonalModel("trigonometric", period, int(math.floor(period / 2)))
    if isinstance(seasonality, str) and seasonality.strip().lower() == "dummy":
        if not float(period).is_integer():
            raise SpecificationError(
                f"seasonality='dummy' needs a whole number of periods per year (saw {period:g}); "
                "use 'month' or ('fourier', K)"
            )
        return SeasonalModel("dummy", period)
    is_fourier = (isinstance(seasonality, str) and seasonality.strip().lower().startswith(
        "fourier")) or (isinstance(seasonality, (tuple, list)) and seasonality
                        and str(seasonality[0]).lower() == "fourier")
    if is_fourier:
        if isinstance(seasonality, (tuple, list)) and len(seasonality) != 2:
            raise SpecificationError(
                f"seasonality {seasonality!r} is not valid; expected ('fourier', K)")
        # K and the 2K < period rule are the ITS ones
        _, k, per = parse_seasonality(seasonality, freq)  # type: ignore[misc]
        return SeasonalModel("trigonometric", per, int(k))
    raise SpecificationError(
        f"seasonality {seasonality!r} is not valid; expected None, 'month' (trigonometric, all "
        "harmonics), ('fourier', K) or 'dummy'"
    )


# --------------------------------------------------------------------------- transforms
@dataclass(frozen=True)
class Transform:
    """Outcome transform: forward map, back-transform (of medians) and the valid domain.

    Parameters
    ----------
    name
        ``"none"``, ``"log"`` or ``"log1p"`` (keys of :data:`TRANSFORMS`).

    Examples
    --------
    >>> import numpy as np
    >>> t = TRANSFORMS["log1p"]
    >>> t.inverse(t.forward(np.array([0.0, 3.0]))).tolist(), t.ratio_scale
    ([0.0, 3.0], True)
    """

    name: str

    def forward(self, y: np.ndarray) -> np.ndarray:
        if self.name == "log":
            return np.log(y)
        if self.name == "log1p":
            return np.log1p(y)
        return np.asarray(y, dtype=float)

    def inverse(self, z: np.ndarray) -> np.ndarray:
        if self.name == "log":
            return np.exp(z)
        if self.name == "log1p":
            return np.expm1(z)
        return np.asarray(z, dtype=float)

    def check(self, y: np.ndarray, periods: pd.PeriodIndex, outcome: str) -> None:
        if self.name == "none":
            return
        bad = np.isfinite(y) & ((y <= 0) if self.name == "log" else (y < 0))
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            need = "positive" if self.name == "log" else "non-negative"
            raise SpecificationError(
                f"transform='{self.name}' needs a {need} outcome; '{outcome}' is {y[j]:g} at "
                f"{periods[j]}" + (" (use transform='log1p' for counts with zeros)"
                                   if self.name == "log" else "")
            )

    def describe(self) -> str:
        if self.name == "log":
            return "log: Gaussian on the log scale; predictions back-transformed as medians exp(m)"
        if self.name == "log1p":
            return ("log1p: Gaussian on the log(1 + y) scale; predictions back-transformed as "
                    "medians exp(m) - 1")
        return "none (Gaussian on the original scale)"

    @property
    def ratio_scale(self) -> bool:
        """True when effects are naturally ratios (log scales)."""
        return self.name != "none"


TRANSFORMS: dict[str, Transform] = {n: Transform(n) for n in ("none", "log", "log1p")}


def _transform(transform: Any) -> Transform:
    key = "none" if transform is None else (
        transform.strip().lower() if isinstance(transform, str) else None)
    if key not in TRANSFORMS:
        raise SpecificationError(
            f"transform {transform!r} is not valid; expected None, 'log' or 'log1p'"
        )
    return TRANSFORMS[key]


def _check_alpha(alpha: Any) -> float:
    if isinstance(alpha, bool) or not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise SpecificationError(f"alpha must be in (0, 1) (saw {alpha!r})")
    return float(alpha)


# --------------------------------------------------------------------------- specification
class StructuralITS:
    """A structural (state-space) interrupted time-series specification (validated eagerly).

    Data, date, interruption, change and covariate rules and errors are those of
    :class:`trends.ITS` (the design is built by :func:`trends.design.build_design`); see the
    module docstring for the model, the back-transform and the convergence rule.

    Parameters
    ----------
    data
        One row per period. Not modified.
    outcome
        Outcome column; missing values are missing observations in the Kalman filter.
    date
        Date column: datetimes, Periods, ``'YYYY-MM'`` strings or integer years (annual).
    interruptions
        ``{name: date}``; each date is the first period of the new regime.
    changes
        ``"level"`` (default), ``"slope"``, ``"level+slope"`` or ``{name: one of those}``: the
        ``level[NAME]``/``slope[NAME]`` regressors of :class:`trends.ITS`.
    trend
        ``"local level"`` (default), ``"local linear trend"``, ``"random walk with drift"``,
        ``"smooth trend"`` or ``"deterministic"``.
    seasonality
        ``None``, ``"month"`` (trigonometric, all harmonics), ``("fourier", K)`` or ``"dummy"``.
    covariates
        Numeric columns entering the observation equation; observed in every period.
    transform
        ``None``, ``"log"`` or ``"log1p"``: the scale on which the model is Gaussian.
    fit_on
        ``"all"`` (Durbin-Koopman, default) or ``"pre"`` (CausalImpact-style forecast).
    freq
        ``"M"``, ``"W"``, ``"Q"`` or ``"Y"``; inferred from ``date`` when omitted.
    alpha
        Default significance level of the results' intervals (0.05).

    Raises
    ------
    SpecificationError
        For any invalid specification.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> rng = np.random.default_rng(3)
    >>> level = np.cumsum(rng.normal(0, 0.05, 48)) + np.r_[np.zeros(24), np.full(24, -0.5)]
    >>> df = pd.DataFrame({"month": pd.period_range("2019-01", periods=48, freq="M"),
    ...                    "y": np.exp(3 + level + rng.normal(0, 0.05, 48)).round()})
    >>> res = trends.StructuralITS(df, outcome="y", date="month",
    ...                            interruptions={"policy": "2021-01"}, transform="log").fit()
    >>> lo, hi = res.conf_int().loc["level[policy]"]
    >>> bool(lo < -0.5 < hi), res.converged
    (True, True)
    >>> w = res.window_effects({"after": ("2021-01", "2022-12")})
    >>> bool(w.loc[0, "ratio_low"] < w.loc[0, "ratio"] < w.loc[0, "ratio_high"] < 1)
    True
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        outcome: str,
        date: str,
        interruptions: Mapping[str, Any],
        changes: str | Mapping[str, str] = "level",
        trend: str = "local level",
        seasonality: Any = None,
        covariates: Sequence[str] | None = None,
        transform: str | None = None,
        fit_on: str = "all",
        freq: str | None = None,
        alpha: float = 0.05,
    ) -> None:
        covs = None if covariates is None else (
            [covariates] if isinstance(covariates, str) else list(covariates))
        self._kwargs: dict[str, Any] = dict(
            outcome=outcome, date=date,
            interruptions=dict(interruptions) if isinstance(interruptions, Mapping)
            else interruptions,
            changes=dict(changes) if isinstance(changes, Mapping) else changes,
            trend=trend, seasonality=seasonality, covariates=covs, transform=transform,
            fit_on=fit_on, freq=freq, alpha=alpha,
        )
        self._data = data
        self._alpha = _check_alpha(alpha)
        self._trend = _trend_model(trend)
        self._transform = _transform(transform)
        if not isinstance(fit_on, str) or fit_on.strip().lower() not in {"all", "pre"}:
            raise SpecificationError(f"fit_on {fit_on!r} is not valid; expected 'all' or 'pre'")
        self._fit_on = fit_on.strip().lower()
        # the ITS rules for dates, interruptions, changes, columns, segments and rank
        self._design = build_design(
            data, outcome=outcome, date=date, interruptions=interruptions, changes=changes,
            family="gaussian", seasonality=None, covariates=covs, freq=freq,
        )
        d = self._design
        self._season = _seasonal_model(seasonality, d.freq)
        self._covariates = list(covs or [])
        if self._covariates and not np.isfinite(d.X_full[self._covariates].to_numpy()).all():
            bad = [c for c in self._covariates if not np.isfinite(d.X_full[c].to_numpy()).all()]
            first = d.periods[int(np.flatnonzero(~np.isfinite(d.X_full[bad[0]].to_numpy()))[0])]
            raise SpecificationError(
                f"covariate '{bad[0]}' is missing at {first}; a structural model needs "
                "covariates observed in every period of the calendar (fill or drop the covariate)"
            )
        self._transform.check(d.y_full, d.periods, outcome)
        first_int = min(d.interruptions.values())
        pre = np.asarray(d.periods < first_int)
        if self._fit_on == "pre":
            n_pre = int((pre & d.used).sum())
            n_var = self._n_variances()
            if n_pre <= self._n_diffuse(with_interruptions=False) + n_var:
                raise SpecificationError(
                    f"fit_on='pre' has {n_pre} observed pre-period periods for "
                    f"{self._n_diffuse(with_interruptions=False)} diffuse states and {n_var} "
                    "variances; need more pre-period observations (or fit_on='all')"
                )
        elif d.nobs <= self._n_diffuse(with_interruptions=True) + self._n_variances():
            raise SpecificationError(
                f"{d.nobs} observations for {self._n_diffuse(with_interruptions=True)} diffuse "
                f"states and {self._n_variances()} variances; need more observations"
            )

    # ------------------------------------------------------------------ accessors
    def design(self) -> Design:
        """The built design (the ITS one; only its interruption and covariate columns and its
        calendar enter the structural model)."""
        return self._design

    @property
    def data(self) -> pd.DataFrame:
        """The data the specification was built on (not copied: do not modify it)."""
        return self._data

    @property
    def interruptions(self) -> dict[str, pd.Period]:
        """Interruption name -> first period of the new regime."""
        return dict(self._design.interruptions)

    @property
    def alpha(self) -> float:
        """Default significance level of the results' intervals."""
        return self._alpha

    @property
    def trend(self) -> TrendModel:
        return self._trend

    @property
    def seasonal(self) -> SeasonalModel:
        return self._season

    @property
    def transform(self) -> Transform:
        return self._transform

    @property
    def fit_on(self) -> str:
        return self._fit_on

    @property
    def interruption_terms(self) -> list[str]:
        """The ``level[NAME]``/``slope[NAME]`` regressors, in design order."""
        return list(self._design.interruption_terms)

    @property
    def covariates(self) -> list[str]:
        return list(self._covariates)

    def get(self, name: str) -> Any:
        """The value of one constructor argument (as given)."""
        if name not in self._kwargs:
            raise KeyError(name)
        return self._kwargs[name]

    def replace(self, **changes: Any) -> StructuralITS:
        """A new specification with some arguments (or ``data``) replaced; validated anew."""
        unknown = sorted(set(changes) - set(self._kwargs) - {"data"})
        if unknown:
            raise SpecificationError(
                f"replace() got unknown argument(s) {unknown}; expected some of "
                f"{['data', *self._kwargs]}"
            )
        data = changes.pop("data", self._data)
        return StructuralITS(data, **{**self._kwargs, **changes})

    def __repr__(self) -> str:
        ints = ", ".join(f"{n}={p}" for n, p in self._design.interruptions.items())
        return (f"StructuralITS(outcome={self._kwargs['outcome']!r}, trend={self._trend.name!r}, "
                f"seasonality={self._season.describe()!r}, transform={self._transform.name!r}, "
                f"fit_on={self._fit_on!r}, interruptions[{ints}], nobs={self._design.nobs})")

    # ------------------------------------------------------------------ model pieces
    def _n_variances(self) -> int:
        t = self._trend
        return 1 + int(t.stochastic_level) + int(t.slope and t.stochastic_slope) + int(
            self._season.kind != "none")

    def _n_seasonal_states(self) -> int:
        s = self._season
        # the harmonic at frequency pi has one state that enters the observation (the other
        # never does and resolves nothing in the exact diffuse filter)
        if s.kind == "trigonometric":
            return 2 * s.harmonics - int(2 * s.harmonics == s.period)
        if s.kind == "dummy":
            return int(s.period) - 1
        return 0

    def _n_diffuse(self, *, with_interruptions: bool) -> int:
        k = 1 + int(self._trend.slope) + self._n_seasonal_states() + len(self._covariates)
        return k + (len(self.interruption_terms) if with_interruptions else 0)

    def endog(self) -> np.ndarray:
        """The outcome on the modelling scale over the full calendar (NaN where missing)."""
        return self._transform.forward(self._design.y_full)

    def exog_terms(self, *, with_interruptions: bool = True) -> list[str]:
        return (self.interruption_terms if with_interruptions else []) + self._covariates

    def model(self, endog: np.ndarray | None = None, *, with_interruptions: bool = True) -> Any:
        """The :class:`UnobservedComponents` model (unfitted) on the full calendar."""
        from statsmodels.tsa.statespace.structural import UnobservedComponents

        y = self.endog() if endog is None else endog
        terms = self.exog_terms(with_interruptions=with_interruptions)
        exog = self._design.X_full[terms].to_numpy(dtype=float) if terms else None
        model = UnobservedComponents(
            y, exog=exog, irregular=True, mle_regression=False, use_exact_diffuse=True,
            **self._trend.uc_kwargs(), **self._season.uc_kwargs(),
        )
        return model

    # ------------------------------------------------------------------ estimation
    def fit(self, *, draws: int = 1000, seed: int = 0) -> Any:
        """Estimate the model; returns :class:`~trends.structural_results.StructuralResults`.

        Parameters
        ----------
        draws
            Number of simulated paths behind every band and window interval (at least 100).
        seed
            Seed of those simulations (the same seed gives the same numbers).
        """
        from trends.structural_results import StructuralResults

        if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 100:
            raise SpecificationError(f"draws must be an integer >= 100 (saw {draws!r})")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise SpecificationError(f"seed must be a non-negative integer (saw {seed!r})")
        d = self._design
        y = self.endog()
        if self._fit_on == "pre":
            y_fit = y.copy()
            y_fit[np.asarray(d.periods >= min(d.interruptions.values()))] = np.nan
            fit_model = self.model(y_fit, with_interruptions=False)
        else:
            fit_model = self.model(y)
        mle = maximise(fit_model, y)
        return StructuralResults(self, mle, draws=int(draws), seed=int(seed))


# --------------------------------------------------------------------------- optimiser
@dataclass(frozen=True)
class MLE:
    """Outcome of :func:`maximise`: the best start's statsmodels result and the record."""

    result: Any
    params: np.ndarray
    llf: float
    converged: bool
    gradient: float
    starts: pd.DataFrame
    messages: tuple[str, ...]
    note: str


def maximise(model: Any, y: np.ndarray) -> MLE:
    """Maximise the exact diffuse log-likelihood of ``model`` from several starts (see the
    module docstring for the rule); deterministic."""
    finite = y[np.isfinite(y)]
    dy = np.diff(finite)
    v0 = float(np.var(dy)) if len(dy) > 1 and np.var(dy) > 0 else float(np.var(finite) or 1.0)
    k = len(model.param_names)
    starts: list[tuple[str, np.ndarray]] = [("statsmodels default",
                                            np.asarray(model.start_params, dtype=float))]
    for s in START_SCALES:
        starts.append((f"{s:g} var(diff y)", np.full(k, s * v0)))
    rows = []
    best: tuple[float, Any] | None = None
    for label, start in starts:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = model.fit(start_params=start, method="lbfgs", maxiter=2000, disp=False,
                                cov_type="none", pgtol=1e-8, factr=1e5)
            except (np.linalg.LinAlgError, ValueError) as exc:
                rows.append({"start": label, "llf": math.nan, "optimiser_ok": False,
                             "note": f"failed: {exc}"})
                continue
        # warnflag 1 = iteration limit; 2 (no further progress in the line search) is
        # accepted, the gradient check below decides
        ok = int(res.mle_retvals.get("warnflag", 0) or 0) != 1
        notes = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
        rows.append({"start": label, "llf": float(res.llf), "optimiser_ok": ok,
                     "note": "; ".join(notes)})
        if np.isfinite(res.llf) and (best is None or res.llf > best[0] + 1e-9):
            best = (float(res.llf), res)
    if best is None:
        raise SpecificationError("the structural model could not be estimated from any start "
                                 "value (every likelihood evaluation failed)")
    first = best[1]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        polish = model.fit(start_params=np.asarray(first.params), method="bfgs", maxiter=2000,
                           disp=False, cov_type="none", gtol=1e-8)
    messages = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    res = polish if np.isfinite(polish.llf) and polish.llf >= first.llf else first
    ok = int(res.mle_retvals.get("warnflag", 0) or 0) != 1
    rows.append({"start": "BFGS polish of the best", "llf": float(res.llf), "optimiser_ok": ok,
                 "note": "; ".join(messages)})
    llf = float(res.llf)
    u = np.asarray(model.untransform_params(np.asarray(res.params)), dtype=float)
    grad = np.asarray(model.score(u, transformed=False), dtype=float)
    sd = float(np.std(finite)) if len(finite) > 1 else 1.0
    scaled = float(np.max(np.abs(grad) * np.maximum(np.abs(u), 1e-3 * max(sd, 1e-12))))
    converged = ok and bool(np.isfinite(scaled)) and scaled < GRADIENT_TOL
    table = pd.DataFrame(rows, columns=["start", "llf", "optimiser_ok", "note"])
    if converged:
        note = (f"converged: best log-likelihood of {len(starts)} starts, scaled gradient "
                f"{scaled:.1e} < {GRADIENT_TOL:g}")
    else:
        why = "the optimiser stopped at its iteration limit" if not ok else (
            f"scaled gradient {scaled:.1e} >= {GRADIENT_TOL:g}")
        note = f"NOT CONVERGED ({why}); best of {len(starts)} starts; treat results with care"
    return MLE(result=res, params=np.asarray(res.params, dtype=float).copy(), llf=llf,
               converged=converged, gradient=scaled, starts=table, messages=tuple(messages),
               note=note)
