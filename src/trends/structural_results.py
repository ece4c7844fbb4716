"""Immutable results of a structural ITS fit (:class:`trends.StructuralITS`).

Inference (see :mod:`trends.structural` for the model):

* Interruption and covariate coefficients are diffuse regression states: estimate and standard
  error are the Kalman smoother's mean and standard deviation (conditional on the variance
  estimates, as in Durbin & Koopman 2012); intervals and p-values normal.
* Variances: maximum likelihood. Their standard errors come from the numerical Hessian of the
  log-likelihood in statsmodels' unconstrained parameters ``u = sqrt(variance)`` (delta method
  ``se(u^2) = 2 |u| se(u)``); the interval is the Wald interval for ``u`` squared,
  ``[max(0, |u| - c se)^2, (|u| + c se)^2]``, which respects the boundary 0; no p-value
  (testing a variance = 0 is a boundary problem).
* Bands, effects and window intervals are simulated: ``draws`` paths, each with the variances
  drawn from the normal approximation ``u ~ N(u_hat, H^-1)`` (a new draw every
  :data:`STATE_DRAWS_PER_PARAMETER` paths; directions the likelihood does not identify are held
  at the estimate and named in ``summary()``) and the states (trend, seasonal, regression
  coefficients) drawn from their smoothing distribution given the data by the Durbin-Koopman
  simulation smoother. A path is the *signal* (no irregular), transformed back to the original
  scale; bands are the ``alpha/2`` and ``1 - alpha/2`` quantiles of the paths (per period, or of
  window sums and ratios). Point values are deterministic: the back-transformed smoothed signal
  at the variance estimates (a median on the original scale), summed for windows; the simulation
  is seeded, so the same input gives the same numbers.
* ``fit_on="all"``: fitted and counterfactual paths are one joint draw (the counterfactual drops
  the interruption terms). ``fit_on="pre"``: the counterfactual paths are draws of the
  pre-period model's forecast, independent of the fitted paths.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from trends.design import PERIODS_PER_YEAR, to_period
from trends.errors import SpecificationError
from trends.report import format_markdown_table, format_text_table
from trends.report import format_sig as _fmt
from trends.report import tex_escape as _latex_escape
from trends.results import Diagnostics

__all__ = ["StructuralResults", "STATE_DRAWS_PER_PARAMETER", "WINDOW_COLUMNS",
           "EFFECT_COLUMNS"]

#: simulated state paths per draw of the variance parameters
STATE_DRAWS_PER_PARAMETER = 5
WINDOW_COLUMNS = ["window", "start", "end", "n_periods", "n_observed", "observed", "fitted",
                  "counterfactual", "excess", "excess_low", "excess_high", "ratio", "ratio_low",
                  "ratio_high"]
EFFECT_COLUMNS = ["interruption", "horizon", "period", "fitted", "counterfactual", "abs_effect",
                  "abs_low", "abs_high", "rel_effect", "rel_low", "rel_high"]


def _signal(model: Any, states: np.ndarray, zero: Sequence[int] = ()) -> np.ndarray:
    """``Z_t a_t`` over t, with the state rows in ``zero`` switched off."""
    Z = np.asarray(model.ssm["design"])
    # time-varying (with exog): (1, k_states, n); time-invariant: (1, k_states)
    Z = Z[0] if Z.ndim == 3 else Z[0][:, None]
    a = np.array(states, dtype=float, copy=True)
    if len(zero):
        a[list(zero)] = 0.0
    return np.sum(Z * a, axis=0)


class StructuralResults:
    """Immutable results of :meth:`trends.StructuralITS.fit` (conventions: module docstring).

    Parameters
    ----------
    spec
        The fitted :class:`trends.StructuralITS`.
    mle
        The :class:`trends.structural.MLE` record of the optimisation.
    draws, seed
        Simulation size and seed of the bands and intervals.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"month": pd.period_range("2019-01", periods=36, freq="M"),
    ...                    "y": 10 + np.r_[np.zeros(18), np.ones(18)] + rng.normal(0, 0.3, 36)})
    >>> res = trends.StructuralITS(df, outcome="y", date="month", interruptions={"p": "2020-07"},
    ...                            trend="local level").fit(draws=200)
    >>> res.terms, res.nobs, res.converged
    (['level[p]'], 36, True)
    """

    # set once by __init__ through object.__setattr__ (the instance is immutable)
    _spec: Any
    _design: Any
    _mle: Any
    _theta: np.ndarray
    _fit_res: Any
    _full_model: Any
    _full_res: Any
    _terms: list[str]
    _reg_rows: list[int]
    _b: np.ndarray
    _V: np.ndarray
    _u: np.ndarray
    _Vu: np.ndarray
    _root: np.ndarray
    _unidentified: list[str]
    _draws: int
    _seed: int
    _cache: dict[Any, Any]
    _var_names: list[str]

    def __init__(self, spec: Any, mle: Any, *, draws: int = 1000, seed: int = 0) -> None:
        d = spec.design()
        theta = np.asarray(mle.params, dtype=float)
        fit_res = mle.result
        fit_model = fit_res.model
        if spec.fit_on == "all":
            full_model, full_res = fit_model, fit_res
        else:
            full_model = spec.model(spec.endog())
            full_res = full_model.smooth(theta)
        terms = spec.exog_terms(with_interruptions=True)
        k = len(terms)
        ks = full_model.k_states
        reg_rows = list(range(ks - k, ks))
        b = np.asarray(full_res.smoothed_state[reg_rows, -1], dtype=float)
        V = np.asarray(full_res.smoothed_state_cov[np.ix_(reg_rows, reg_rows)][:, :, -1],
                       dtype=float)
        u_hat = np.asarray(fit_model.untransform_params(theta), dtype=float)
        from statsmodels.tools.numdiff import approx_hess3

        with np.errstate(all="ignore"):
            H = approx_hess3(u_hat, lambda u: fit_model.loglike(u, transformed=False))
        info = -0.5 * (H + H.T)
        w, Q = np.linalg.eigh(info)
        ok = np.isfinite(w) & (w > 1e-8 * max(float(np.nanmax(np.abs(w))), 1e-300))
        root = Q[:, ok] / np.sqrt(w[ok])  # u = u_hat + root z
        Vu = root @ root.T
        unidentified = [fit_model.param_names[j] for j in range(len(u_hat))
                        if np.allclose(Vu[j], 0.0)] if not ok.all() else []
        vals: dict[str, Any] = dict(
            _spec=spec, _design=d, _mle=mle, _theta=theta, _fit_res=fit_res,
            _full_model=full_model, _full_res=full_res, _terms=terms, _reg_rows=reg_rows,
            _b=b, _V=V, _u=u_hat, _Vu=Vu, _root=root, _unidentified=unidentified,
            _draws=int(draws), _seed=int(seed), _cache={},
            _var_names=list(fit_model.param_names),
        )
        for a in (b, V, theta, u_hat, Vu):
            a.setflags(write=False)
        for key, value in vals.items():
            object.__setattr__(self, key, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"StructuralResults is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"StructuralResults is immutable; cannot delete {name!r}")

    # ------------------------------------------------------------------ basic facts
    @property
    def spec(self) -> Any:
        """The fitted :class:`trends.StructuralITS`."""
        return self._spec

    @property
    def design(self) -> Any:
        return self._design

    @property
    def model_result(self) -> Any:
        """statsmodels' result of the estimation sample (the pre-period model for
        ``fit_on="pre"``); do not modify."""
        return self._fit_res

    @property
    def smoother_result(self) -> Any:
        """statsmodels' smoother result on the whole series with the interruption terms."""
        return self._full_res

    @property
    def interruptions(self) -> dict[str, pd.Period]:
        return dict(self._design.interruptions)

    @property
    def terms(self) -> list[str]:
        """Interruption and covariate terms (regression states), in order."""
        return list(self._terms)

    @property
    def variance_names(self) -> list[str]:
        """statsmodels' names of the estimated variances (``sigma2.irregular``, ...)."""
        return list(self._var_names)

    @property
    def variances(self) -> pd.Series:
        return pd.Series(np.array(self._theta), index=self.variance_names, name="estimate")

    @property
    def params(self) -> pd.Series:
        """Regression terms, then variances."""
        return pd.Series(np.r_[self._b, self._theta], index=self.terms + self.variance_names,
                         name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        se_b = np.sqrt(np.maximum(np.diag(self._V), 0.0))
        se_v = 2.0 * np.abs(self._u) * np.sqrt(np.maximum(np.diag(self._Vu), 0.0))
        return pd.Series(np.r_[se_b, se_v], index=self.terms + self.variance_names,
                         name="std_error")

    @property
    def cov(self) -> pd.DataFrame:
        """Smoothing covariance of the regression terms."""
        return pd.DataFrame(np.array(self._V), index=self.terms, columns=self.terms)

    @property
    def nobs(self) -> int:
        """Observed periods in the estimation sample."""
        return int(np.isfinite(np.asarray(self._fit_res.model.endog, dtype=float)).sum())

    @property
    def nperiods(self) -> int:
        return len(self._design.periods)

    @property
    def llf(self) -> float:
        """Exact diffuse log-likelihood (statsmodels) of the estimation sample."""
        return float(self._mle.llf)

    @property
    def n_diffuse(self) -> int:
        """Number of diffuse initial states of the estimated model."""
        return int(self._spec._n_diffuse(with_interruptions=self._spec.fit_on == "all"))

    @property
    def aic(self) -> float:
        """``-2 llf + 2 (q + w)``: q variances, w diffuse states (Durbin & Koopman 2012,
        section 7.4), so that models with different trends are comparable."""
        return -2.0 * self.llf + 2.0 * (len(self._theta) + self.n_diffuse)

    @property
    def bic(self) -> float:
        """``-2 llf + log(nobs) (q + w)``."""
        return -2.0 * self.llf + math.log(self.nobs) * (len(self._theta) + self.n_diffuse)

    @property
    def converged(self) -> bool:
        """Whether the convergence rule of :mod:`trends.structural` was met."""
        return bool(self._mle.converged)

    @property
    def convergence(self) -> str:
        """One sentence on convergence (carried into every summary)."""
        return str(self._mle.note)

    @property
    def starts(self) -> pd.DataFrame:
        """Every starting value tried: its log-likelihood, the optimiser's flag, warnings."""
        return self._mle.starts.copy()

    # ------------------------------------------------------------------ inference
    def _alpha(self, alpha: float | None) -> float:
        a = self._spec.alpha if alpha is None else alpha
        if isinstance(a, bool) or not (isinstance(a, float | int) and 0 < a < 1):
            raise SpecificationError(f"alpha must be in (0, 1) (saw {alpha!r})")
        return float(a)

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Intervals (``ci_low``, ``ci_high``) for the regression terms and the variances."""
        c = float(stats.norm.ppf(1 - self._alpha(alpha) / 2))
        se = self.std_errors.to_numpy()
        k = len(self._terms)
        lo = np.r_[self._b - c * se[:k], np.zeros(0)]
        hi = np.r_[self._b + c * se[:k], np.zeros(0)]
        au = np.abs(self._u)
        se_u = np.sqrt(np.maximum(np.diag(self._Vu), 0.0))
        lo = np.r_[lo, np.maximum(au - c * se_u, 0.0) ** 2]
        hi = np.r_[hi, (au + c * se_u) ** 2]
        return pd.DataFrame({"ci_low": lo, "ci_high": hi}, index=self.terms + self.variance_names)

    def table(self, alpha: float | None = None) -> pd.DataFrame:
        """Coefficient table indexed by term: ``estimate, std_error, ci_low, ci_high, p_value``
        (the ITS columns) for the interruption and covariate terms, then the variances (no
        p-value); with ``transform`` log/log1p also ``ratio, ratio_low, ratio_high`` (the
        exponentiated estimate and bounds, NaN for variances)."""
        ci = self.conf_int(alpha)
        est = self.params.to_numpy()
        se = self.std_errors.to_numpy()
        k = len(self._terms)
        p = np.full(len(est), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            p[:k] = 2.0 * stats.norm.sf(np.abs(est[:k] / se[:k]))
        tab = pd.DataFrame({"estimate": est, "std_error": se, "ci_low": ci["ci_low"].to_numpy(),
                            "ci_high": ci["ci_high"].to_numpy(), "p_value": p},
                           index=pd.Index(self.terms + self.variance_names, name="term"))
        if self._spec.transform.ratio_scale:
            for col, src in (("ratio", "estimate"), ("ratio_low", "ci_low"),
                             ("ratio_high", "ci_high")):
                vals = np.exp(tab[src].to_numpy())
                vals[k:] = np.nan
                tab[col] = vals
        return tab

    # ------------------------------------------------------------------ point paths
    def _index(self) -> pd.PeriodIndex:
        return pd.PeriodIndex(self._design.periods, name="period")

    def _X(self) -> np.ndarray:
        return self._design.X_full[self._terms].to_numpy(dtype=float)

    def _base_point(self) -> np.ndarray:
        """Smoothed signal without the interruption terms (trend + seasonal + covariates)."""
        ki = len(self._spec.interruption_terms)
        return _signal(self._full_model, self._full_res.smoothed_state, self._reg_rows[:ki])

    def _cf_forecast_point(self) -> np.ndarray:
        return _signal(self._fit_res.model, self._fit_res.smoothed_state)

    def _switch_off(self, names: Sequence[str]) -> np.ndarray:
        """0/1 mask over the interruption terms: 1 where the term stays on."""
        ints = self._spec.interruption_terms
        return np.array([0.0 if any(t in (f"level[{n}]", f"slope[{n}]") for n in names)
                         else 1.0 for t in ints])

    def _linear(self, base: np.ndarray, beta: np.ndarray, on: np.ndarray) -> np.ndarray:
        ki = len(on)
        X = self._X()[:, :ki]
        return base + (X * on) @ beta[..., :ki].T if beta.ndim == 1 else \
            base + (beta[:, :ki] * on) @ X.T

    def _fitted_lin(self) -> np.ndarray:
        ki = len(self._spec.interruption_terms)
        return self._linear(self._base_point(), self._b, np.ones(ki))

    def _cf_lin(self, off: Sequence[str]) -> np.ndarray:
        if self._spec.fit_on == "pre":
            return self._cf_forecast_point()
        return self._linear(self._base_point(), self._b, self._switch_off(off))

    # ------------------------------------------------------------------ simulated paths
    def _simulate(self) -> dict[str, np.ndarray]:
        if "draws" in self._cache:
            return self._cache["draws"]
        rng = np.random.default_rng(self._seed)
        n_draws = self._draws
        ki = len(self._spec.interruption_terms)
        models = [self._full_model]
        if self._spec.fit_on == "pre":
            models.append(self._fit_res.model)
        n = len(self._design.periods)
        base = np.empty((n_draws, n))
        beta = np.empty((n_draws, len(self._terms)))
        cf = np.empty((n_draws, n)) if len(models) == 2 else None
        try:
            for i in range(n_draws):
                if i % STATE_DRAWS_PER_PARAMETER == 0:
                    z = rng.standard_normal(self._root.shape[1])
                    u = self._u + self._root @ z
                    theta = np.asarray(self._fit_res.model.transform_params(u), dtype=float)
                    sims = []
                    for m in models:
                        m.update(theta)
                        sims.append(m.simulation_smoother())
                sims[0].simulate(rng=rng)
                st = np.asarray(sims[0].simulated_state)
                base[i] = _signal(self._full_model, st, self._reg_rows[:ki])
                beta[i] = st[self._reg_rows, -1]
                if cf is not None:
                    sims[1].simulate(rng=rng)
                    cf[i] = _signal(models[1], np.asarray(sims[1].simulated_state))
        finally:
            for m in models:
                m.update(self._theta)
        out = {"base": base, "beta": beta}
        if cf is not None:
            out["cf"] = cf
        self._cache["draws"] = out
        return out

    def _fitted_draws(self) -> np.ndarray:
        s = self._simulate()
        ki = len(self._spec.interruption_terms)
        return self._linear(s["base"], s["beta"], np.ones(ki))

    def _cf_draws(self, off: Sequence[str]) -> np.ndarray:
        s = self._simulate()
        if self._spec.fit_on == "pre":
            return s["cf"]
        return self._linear(s["base"], s["beta"], self._switch_off(off))

    # ------------------------------------------------------------------ predictions
    def _inv(self, z: np.ndarray) -> np.ndarray:
        return self._spec.transform.inverse(z)

    def fitted(self) -> pd.Series:
        """Fitted values over the full calendar on the original scale: the back-transformed
        smoothed signal (a median; no irregular), missing periods included."""
        return pd.Series(self._inv(self._fitted_lin()), index=self._index(), name="fitted")

    def _band(self, point: np.ndarray, paths: np.ndarray, name: str, alpha: float
              ) -> pd.DataFrame:
        lo, hi = np.quantile(self._inv(paths), [alpha / 2, 1 - alpha / 2], axis=0)
        return pd.DataFrame({name: self._inv(point), f"{name}_low": lo, f"{name}_high": hi},
                            index=self._index())

    def counterfactual(self, alpha: float | None = None) -> pd.DataFrame:
        """The series without the interruptions, on the original scale: columns
        ``counterfactual``, ``counterfactual_low``, ``counterfactual_high`` over the calendar.

        ``fit_on="all"``: the smoothed signal with every interruption term switched off;
        ``fit_on="pre"``: the pre-period model's forecast. The band is simulated from the state
        and variance-parameter uncertainty (module docstring)."""
        a = self._alpha(alpha)
        names = list(self._design.interruptions)
        return self._band(self._cf_lin(names), self._cf_draws(names), "counterfactual", a)

    def _segments(self) -> np.ndarray:
        idx = self._index()
        seg = np.array(["pre"] * len(idx), dtype=object)
        for name, p in sorted(self._design.interruptions.items(), key=lambda kv: kv[1]):
            seg[np.asarray(idx >= p)] = name
        return seg

    def plot_data(self, alpha: float | None = None) -> pd.DataFrame:
        """Frame for :func:`trends.plot.plot_its`: ``observed, fitted, fitted_low, fitted_high,
        counterfactual, counterfactual_low, counterfactual_high, segment, used``."""
        a = self._alpha(alpha)
        d = self._design
        out = pd.DataFrame({"observed": d.y_full}, index=self._index())
        out = out.join(self._band(self._fitted_lin(), self._fitted_draws(), "fitted", a))
        out = out.join(self.counterfactual(a))
        out["segment"] = pd.array(self._segments(), dtype="str")
        out["used"] = d.used
        return out

    def _period(self, value: Any, what: str) -> pd.Period:
        return to_period(value, self._design.freq, what=what)

    def effects(self, horizons: Sequence[int] | int = (0, 6, 12),
                alpha: float | None = None) -> pd.DataFrame:
        """Effect of each interruption ``h`` periods after it starts, on the original scale.

        Columns as :meth:`trends.results.ITSResults.effects`: ``interruption, horizon, period,
        fitted, counterfactual, abs_effect, abs_low, abs_high, rel_effect, rel_low, rel_high``.
        The counterfactual switches off that interruption's terms (``fit_on="pre"``: the
        forecast, every interruption off). Points deterministic, intervals simulated.
        """
        a = self._alpha(alpha)
        if isinstance(horizons, int | np.integer):
            horizons = [int(horizons)]
        idx = self._index()
        fit_lin, fit_d = self._fitted_lin(), self._fitted_draws()
        rows = []
        for name, p in self._design.interruptions.items():
            cf_lin, cf_d = self._cf_lin([name]), self._cf_draws([name])
            for h in horizons:
                if isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 0:
                    raise SpecificationError(f"horizons must be non-negative integers (saw {h!r})")
                target = p + int(h)
                if target > idx[-1]:
                    raise SpecificationError(
                        f"horizon {h} after '{name}' ({target}) is beyond the data (last period "
                        f"{idx[-1]})")
                i = int(target.ordinal - idx[0].ordinal)
                mu1, mu0 = float(self._inv(fit_lin[i])), float(self._inv(cf_lin[i]))
                d1, d0 = self._inv(fit_d[:, i]), self._inv(cf_d[:, i])
                alo, ahi = np.quantile(d1 - d0, [a / 2, 1 - a / 2])
                with np.errstate(divide="ignore", invalid="ignore"):
                    rlo, rhi = np.quantile(d1 / d0 - 1, [a / 2, 1 - a / 2])
                    rel = mu1 / mu0 - 1 if mu0 != 0 else math.nan
                rows.append({"interruption": name, "horizon": int(h), "period": target,
                             "fitted": mu1, "counterfactual": mu0, "abs_effect": mu1 - mu0,
                             "abs_low": float(alo), "abs_high": float(ahi), "rel_effect": rel,
                             "rel_low": float(rlo), "rel_high": float(rhi)})
        return pd.DataFrame(rows, columns=EFFECT_COLUMNS)

    def window_effects(self, windows: Mapping[str, tuple[Any, Any]],
                       alpha: float | None = None) -> pd.DataFrame:
        """Sums over windows of periods (inclusive), on the original scale.

        ``windows`` maps a name to ``(start, end)``. Columns ``window, start, end, n_periods,
        n_observed, observed, fitted, counterfactual, excess, excess_low, excess_high, ratio,
        ratio_low, ratio_high`` (as ``ITSResults.window_effects``): ``fitted`` and
        ``counterfactual`` are summed over every period of the window (missing ones included),
        ``observed`` over the observed ones; ``excess = fitted - counterfactual``, ``ratio =
        fitted / counterfactual``. The counterfactual switches off every interruption whose
        start is inside or before the window (``fit_on="pre"``: the forecast). Intervals: the
        quantiles of the simulated window sums' difference and ratio.
        """
        a = self._alpha(alpha)
        if not isinstance(windows, Mapping) or not windows:
            raise SpecificationError(
                "windows must be a non-empty dict {name: (start, end)}, e.g. "
                "{'post': ('2021-08', '2023-12')}")
        idx = self._index()
        first, last = idx[0], idx[-1]
        d = self._design
        y = d.y_full
        fit_lin, fit_d = self._fitted_lin(), self._fitted_draws()
        fit_pts, fit_paths = self._inv(fit_lin), self._inv(fit_d)
        rows = []
        for name, span in windows.items():
            if not isinstance(span, (tuple, list)) or len(span) != 2:
                raise SpecificationError(
                    f"window {name!r} = {span!r} is not valid; expected (start, end)")
            lo = self._period(span[0], f"window {name!r} start")
            hi = self._period(span[1], f"window {name!r} end")
            if hi < lo:
                raise SpecificationError(
                    f"window {name!r} is reversed ({lo} after {hi}); expected start <= end")
            if lo < first or hi > last:
                raise SpecificationError(
                    f"window {name!r} ({lo} to {hi}) is outside the data ({first} to {last})")
            off = [n for n, p in d.interruptions.items() if p <= hi]
            i0, i1 = int(lo.ordinal - first.ordinal), int(hi.ordinal - first.ordinal) + 1
            cf_pts = self._inv(self._cf_lin(off))
            cf_paths = self._inv(self._cf_draws(off))
            f, c = float(fit_pts[i0:i1].sum()), float(cf_pts[i0:i1].sum())
            fs, cs = fit_paths[:, i0:i1].sum(axis=1), cf_paths[:, i0:i1].sum(axis=1)
            obs = y[i0:i1]
            ex_lo, ex_hi = np.quantile(fs - cs, [a / 2, 1 - a / 2])
            with np.errstate(divide="ignore", invalid="ignore"):
                r_lo, r_hi = np.quantile(fs / cs, [a / 2, 1 - a / 2])
                ratio = f / c if c != 0 else math.nan
            rows.append({"window": str(name), "start": lo, "end": hi, "n_periods": i1 - i0,
                         "n_observed": int(np.isfinite(obs).sum()),
                         "observed": float(np.nansum(obs)), "fitted": f, "counterfactual": c,
                         "excess": f - c, "excess_low": float(ex_lo), "excess_high": float(ex_hi),
                         "ratio": ratio, "ratio_low": float(r_lo), "ratio_high": float(r_hi)})
        return pd.DataFrame(rows, columns=WINDOW_COLUMNS)

    # ------------------------------------------------------------------ diagnostics
    def residuals(self) -> pd.Series:
        """Standardised one-step-ahead prediction errors of the estimation sample over the
        calendar; NaN where the observation resolved a diffuse state (``F_inf > 0`` in the exact
        diffuse filter: as many periods as diffuse states) and where the outcome is missing (or, for
        ``fit_on="pre"``, after the pre-period)."""
        r = np.array(self._fit_res.filter_results.standardized_forecasts_error[0], dtype=float)
        fr = self._fit_res.filter_results
        r[: int(self._fit_res.loglikelihood_burn)] = np.nan
        f_inf = getattr(fr, "forecasts_error_diffuse_cov", None)
        if f_inf is not None:  # observations that resolved a diffuse state (F_inf > 0)
            f_inf = np.asarray(f_inf, dtype=float)[0, 0]
            r[np.nan_to_num(f_inf) > 1e-10] = np.nan
        return pd.Series(r, index=self._index(), name="residual")

    def diagnostics(self, lags: int | None = None) -> Diagnostics:
        """Tests on the standardised one-step-ahead residuals (gaps closed up, burn-in dropped):
        Ljung-Box Q at ``lags`` (default: periods per year capped at ``n // 4``), Jarque-Bera
        normality, and the heteroskedasticity statistic ``H(h)`` of Durbin & Koopman (2012,
        section 2.12): the sum of squares of the last ``h = round(n / 3)`` residuals over that of
        the first ``h``, two-sided p from ``F(h, h)``; plus the residual ACF."""
        from statsmodels.stats.diagnostic import acorr_ljungbox
        from statsmodels.stats.stattools import jarque_bera
        from statsmodels.tsa.stattools import acf

        resid = self.residuals()
        r = resid.to_numpy()
        e = r[np.isfinite(r)]
        n = len(e)
        if lags is None:
            ppy = PERIODS_PER_YEAR[self._design.freq]
            lags = max(1, min(int(round(ppy)) if ppy > 1 else 5, n // 4))
        if isinstance(lags, bool) or not isinstance(lags, int | np.integer) or not 1 <= lags < n:
            raise SpecificationError(f"lags must be an integer in [1, {n - 1}] (saw {lags!r})")
        lags = int(lags)
        lb = acorr_ljungbox(e, lags=[lags], return_df=True)
        jb, jb_p, skew, kurt = jarque_bera(e)
        h = max(1, int(round(n / 3)))
        H = float(np.sum(e[-h:] ** 2) / np.sum(e[:h] ** 2))
        p_h = float(2 * min(stats.f.cdf(H, h, h), stats.f.sf(H, h, h)))
        rows = {
            "ljung_box": (float(lb["lb_stat"].iloc[0]), float(lags),
                          float(lb["lb_pvalue"].iloc[0]), f"Q at lag {lags}"),
            "normality": (float(jb), 2.0, float(jb_p),
                          f"Jarque-Bera (skewness {skew:.3g}, kurtosis {kurt:.3g})"),
            "heteroskedasticity": (H, float(h), p_h,
                                   f"H({h}): last {h} / first {h} squared residuals, F({h},{h})"),
        }
        tests = pd.DataFrame.from_dict(rows, orient="index",
                                       columns=["statistic", "df", "p_value", "note"])
        tests.index.name = "test"
        ac = acf(r, nlags=lags, missing="conservative", fft=False)[1:]
        acf_df = pd.DataFrame({"acf": ac, "band": np.full(lags, 1.959963984540054 / math.sqrt(n))},
                              index=pd.RangeIndex(1, lags + 1, name="lag"))
        return Diagnostics(tests=tests, acf=acf_df, residuals=resid, lags=lags)

    # ------------------------------------------------------------------ presentation
    def _header(self) -> list[tuple[str, str]]:
        spec, d = self._spec, self._design
        ints = ", ".join(f"{n} = {p} ({'+'.join(d.changes[n])})"
                         for n, p in d.interruptions.items())
        idx = self._index()
        fit_on = ("all: variances and states estimated on the whole series (Durbin-Koopman)"
                  if spec.fit_on == "all" else
                  "pre: variances estimated before the first interruption; counterfactual = "
                  "that model's forecast (CausalImpact-style)")
        items = [
            ("Outcome", str(spec.get("outcome"))),
            ("Model", f"structural (Kalman filter, exact diffuse ML): trend "
                      f"'{spec.trend.name}' ({spec.trend.description}); seasonal "
                      f"{spec.seasonal.describe()}"),
            ("Transform", spec.transform.describe()),
            ("Fit on", fit_on),
            ("Interruptions", ints),
            ("Covariates", ", ".join(spec.covariates) or "none"),
            ("Calendar", f"{idx[0]} to {idx[-1]} ({self.nperiods} periods)"),
            ("Observations used", f"{self.nobs} of {self.nperiods}"
             + (" (pre-period)" if spec.fit_on == "pre" else "")
             + "; missing periods are missing observations in the Kalman filter"),
            ("Log-likelihood", _fmt(self.llf)),
            ("AIC / BIC", f"{_fmt(self.aic)} / {_fmt(self.bic)} ({self.n_diffuse} diffuse "
                          "states counted)"),
            ("Convergence", self.convergence),
            ("Intervals", f"{100 * (1 - spec.alpha):g}%; terms: normal (smoother sd); bands "
                          f"and windows: {self._draws} simulated paths (seed {self._seed}), "
                          "state + variance uncertainty"),
        ]
        if self._unidentified:
            items.append(("Not identified", "variance(s) held at the estimate in the "
                          "simulations: " + ", ".join(self._unidentified)))
        return items

    def _formatted_table(self, alpha: float | None) -> pd.DataFrame:
        tab = self.table(alpha)
        out = tab.map(_fmt)
        out.insert(0, "term", tab.index)
        return out.reset_index(drop=True)

    def summary(self, alpha: float | None = None) -> str:
        """Plain-text summary: model facts (convergence included) and the table."""
        head = "\n".join(f"{k:<18} {v}" for k, v in self._header())
        return ("Structural ITS results\n" + head + "\n\n"
                + format_text_table(self._formatted_table(alpha)))

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"<StructuralResults trend={self._spec.trend.name!r} nobs={self.nobs} "
                f"converged={self.converged} terms={self.terms}>")

    def _repr_html_(self) -> str:
        head = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                       f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                       for k, v in self._header())
        tab = self._formatted_table(None)
        cols = "".join(f"<th>{html.escape(c)}</th>" for c in tab.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                       for row in tab.itertuples(index=False))
        return (f"<div><table>{head}</table><table><thead><tr>{cols}</tr></thead>"
                f"<tbody>{body}</tbody></table></div>")

    def to_markdown(self, alpha: float | None = None) -> str:
        """Markdown: model facts (convergence included) and the table."""
        head = "\n".join(f"- **{k}**: {v}" for k, v in self._header())
        return head + "\n\n" + format_markdown_table(self._formatted_table(alpha)) + "\n"

    def to_latex(self, alpha: float | None = None, caption: str | None = None) -> str:
        """A LaTeX ``table`` (booktabs) of the table; the caption notes non-convergence."""
        tab = self._formatted_table(alpha)
        cols = [_latex_escape(c) for c in tab.columns]
        if not self.converged:
            caption = ((caption + ". ") if caption else "") + self.convergence
        lines = ["\\begin{table}[htbp]", "\\centering"]
        if caption:
            lines.append(f"\\caption{{{_latex_escape(caption)}}}")
        lines += [f"\\begin{{tabular}}{{l{'r' * (len(cols) - 1)}}}", "\\toprule",
                  " & ".join(cols) + " \\\\", "\\midrule"]
        for row in tab.itertuples(index=False):
            lines.append(" & ".join(_latex_escape(str(v)) for v in row) + " \\\\")
        lines += ["\\bottomrule", "\\end{tabular}", "\\end{table}"]
        return "\n".join(lines) + "\n"

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
        """Observed series, fitted signal and counterfactual with its simulated band:
        :func:`trends.plot.plot_its` of these results (labels from the results unless given;
        keywords as there, e.g. ``width="single"``, ``windows=``, ``source=``); Figure API,
        returns ``(fig, ax)``."""
        from trends.plot import plot_its

        return plot_its(self, ax, **kwargs)
