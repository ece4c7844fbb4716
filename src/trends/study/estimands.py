"""The pre-specified estimands of the Pakistan study (docs/analysis_plan.md, section 3).

Headline quantities are sums over fixed windows of months, not the level and slope coefficients
of short segments: for a window W, ``fitted`` and ``counterfactual`` are the model's mean
predictions summed over every month of W (missing months included), ``excess = fitted -
counterfactual`` (cumulative; ``avg_excess`` = per month) and ``ratio = fitted /
counterfactual`` (:meth:`trends.results.ITSResults.window_effects`). *Marginal* estimands
switch off only one interruption (:func:`marginal_effect`), e.g. "since the TTP declined to
extend the ceasefire (2021-12), relative to the fitted path without that change".

Models (:data:`MODELS`) are NB2 segmented regressions of the PICSS national monthly series with
PICSS's own period totals as aggregate observations of the unobserved months
(``trends.ITS(..., aggregates=)``), each interruption a level and a slope change. Their
intervals use the covariance chosen by calibration (:mod:`trends.study.calibration`); the
``interval_method`` column names it and ``calibrated_size`` gives the largest simulated size of
its Wald tests of the model's interruption terms on the model's own design.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from trends.errors import SpecificationError

__all__ = [
    "WINDOWS", "MODELS", "MARGINALS", "INTERRUPTION_LABELS", "FIGURE_LABELS", "ESTIMAND_COLUMNS",
    "PRIMARY_COV", "MIN_SLOPE_MONTHS", "cov_label", "format_p", "fit_model", "fit_models",
    "marginal_effect",
    "estimand_rows", "estimands_table",
]

#: Fixed windows (inclusive months) of the window estimands.
WINDOWS: dict[str, tuple[str, str]] = {
    "takeover_window": ("2021-08", "2022-10"),
    "after_nov2022_window": ("2022-11", "2023-12"),
    "post_takeover_window": ("2021-08", "2023-12"),
}

#: Plain labels of the interruptions. The 2021-11 interruption is the month the ceasefire
#: *began* (9 Nov-9 Dec 2021), not its end: the study models call it ``ceasefire``; the
#: configured default key ``ceasefire_end`` (``trends.schema.DEFAULT_INTERRUPTIONS``, used by
#: the previous model) gets the same label.
INTERRUPTION_LABELS: dict[str, str] = {
    "takeover": "Aug 2021: Kabul takeover (15 Aug)",
    "ceasefire": "Nov 2021: TTP ceasefire (9 Nov-9 Dec)",
    "ceasefire_end": "Nov 2021: TTP ceasefire (9 Nov-9 Dec)",
    "declined_2021_12": "Dec 2021: TTP declines to extend the ceasefire (9-10 Dec)",
    "walkout_2022_11": "Nov 2022: TTP calls off the June 2022 ceasefire (28 Nov)",
}
#: Short labels for figure legends at one-column size (the shaded windows carry the dates).
FIGURE_LABELS: dict[str, str] = {
    "takeover": "Kabul takeover, Aug 2021",
    "ceasefire": "TTP ceasefire, Nov 2021",
    "ceasefire_end": "TTP ceasefire, Nov 2021",
    "declined_2021_12": "TTP declines extension, Dec 2021",
    "walkout_2022_11": "TTP ends truce, Nov 2022",
}

#: Model name -> (interruptions ``((name, month), ...)``, changes ``{name: change}``).
#: "primary" uses the configured defaults (the user's two interruptions), each a level and a
#: slope change; the others are the pre-specified alternatives. Rule (docs/analysis_plan.md,
#: amendment A1): in a model used for a *marginal* estimand, an interruption followed by the
#: next one within fewer than :data:`MIN_SLOPE_MONTHS` months gets a level change only, since
#: its slope would otherwise be extrapolated over the whole marginal window from those few
#: months (``alt_break_2021-12_takeover_slope`` keeps that slope, as a sensitivity model).
MODELS: dict[str, tuple[tuple[tuple[str, str], ...], dict[str, str]]] = {
    "primary": ((("takeover", "2021-08"), ("ceasefire", "2021-11")),
                {"takeover": "level+slope", "ceasefire": "level+slope"}),
    "alt_break_2021-12": ((("takeover", "2021-08"), ("declined_2021_12", "2021-12")),
                          {"takeover": "level", "declined_2021_12": "level+slope"}),
    "alt_break_2021-12_takeover_slope": (
        (("takeover", "2021-08"), ("declined_2021_12", "2021-12")),
        {"takeover": "level+slope", "declined_2021_12": "level+slope"}),
    "alt_break_2022-11": ((("takeover", "2021-08"), ("walkout_2022_11", "2022-11")),
                          {"takeover": "level+slope", "walkout_2022_11": "level+slope"}),
    "alt_breaks_2021-12_2022-11": (
        (("takeover", "2021-08"), ("declined_2021_12", "2021-12"),
         ("walkout_2022_11", "2022-11")),
        {"takeover": "level", "declined_2021_12": "level+slope",
         "walkout_2022_11": "level+slope"}),
}
#: Segments shorter than this (months to the next interruption) get no slope in marginal
#: models (see :data:`MODELS`).
MIN_SLOPE_MONTHS = 6

#: Marginal estimands: name -> (model, interruption switched off, window).
MARGINALS: dict[str, tuple[str, str, tuple[str, str]]] = {
    "ceasefire_end_2021-12_marginal": ("alt_break_2021-12", "declined_2021_12",
                                       ("2021-12", "2023-12")),
    "ceasefire_end_2021-12_marginal_takeover_slope": (
        "alt_break_2021-12_takeover_slope", "declined_2021_12", ("2021-12", "2023-12")),
    "ttp_walkout_2022-11_marginal": ("alt_break_2022-11", "walkout_2022_11",
                                     ("2022-11", "2023-12")),
}

#: The covariance of the primary intervals (chosen by calibration; see
#: :func:`trends.study.calibration.choose_cov`, which the tests re-run).
PRIMARY_COV = "nonrobust"

ESTIMAND_COLUMNS = ["estimand", "outcome", "model", "window_start", "window_end", "n_months",
                    "n_observed", "observed", "fitted", "counterfactual", "excess",
                    "excess_low", "excess_high", "avg_excess", "ratio", "ratio_low",
                    "ratio_high", "p", "interval_method", "calibrated_size"]


def format_p(p: float) -> str:
    """A p-value as printed: ``<0.001`` below 0.001, else three decimals; ``""`` for NaN.

    Examples
    --------
    >>> format_p(0.0002), format_p(0.0456), format_p(float("nan"))
    ('<0.001', '0.046', '')
    """
    if p is None or not np.isfinite(p):
        return ""
    if p < 0.001:
        return "<0.001"
    return f"{p:.3f}"


def fit_model(inputs: Any, measure: str, interruptions: Sequence[tuple[str, str]], *,
              changes: Any = "level+slope", totals: bool = True,
              sources: Sequence[str] = ("PICSS",),
              cov: Any = PRIMARY_COV, kinds: Sequence[str] = ("half", "year"),
              source_trends: bool = True, by_source: bool = False) -> Any:
    """NB2 segmented ITS of the national series ``measure`` (level+slope per interruption).

    Parameters
    ----------
    inputs
        :class:`trends.study.analysis.Inputs`.
    measure
        ``"attacks"`` or ``"killed"``.
    interruptions
        ``((name, "YYYY-MM"), ...)``.
    changes
        As in :class:`trends.ITS` (default: level and slope at every interruption).
    totals
        Add the sources' published period totals (``kinds``, non-overlapping) as aggregate
        observations of their unobserved months.
    sources
        One source (a single-series model) or several (source intercepts, and trends when
        ``source_trends``; shared interruption effects unless ``by_source``).
    cov
        Covariance (HAC is refused with aggregates by :class:`trends.ITS`).
    """
    from trends.its import ITS
    from trends.panel import period_totals, series_frame
    from trends.study.analysis import END, MAIN, START, model_frame

    base = MAIN[0].with_(measure=measure, source=sources[0])
    kw = {"interruptions": dict(interruptions), "changes": changes,
          "family": "negbin", "cov": cov, "freq": "M"}
    agg = None
    if totals:
        agg = period_totals(inputs.periods, measure=measure, region=base.region,
                            group=base.group, source=list(sources) if len(sources) > 1
                            else sources[0], start=START, end=END, kinds=tuple(kinds))
        agg = agg.reset_index(drop=True)
        if len(sources) == 1:
            agg = agg[["start", "end", "value"]]
        if agg.empty:
            agg = None
    if len(sources) == 1:
        frame = model_frame(inputs, base)
        return ITS(frame, outcome="y", date="period", aggregates=agg, **kw).fit()
    long = series_frame(inputs.panel, sources=tuple(sources), measure=measure,
                        region=base.region, group=base.group, start=START, end=END)
    return ITS(long, outcome="y", date="month", source="source", reference=sources[0],
               source_trends=source_trends, by_source=by_source, aggregates=agg, **kw).fit()


def fit_models(inputs: Any, measure: str, cov: Any = PRIMARY_COV) -> dict[str, Any]:
    """Every model of :data:`MODELS` for ``measure``, plus ``monthly_only`` (the primary
    interruptions without the period totals) and ``pooled_PICSS_PIPS`` (PICSS and PIPS with
    their totals, source intercepts and trends)."""
    out = {name: fit_model(inputs, measure, ints, changes=ch, cov=cov)
           for name, (ints, ch) in MODELS.items()}
    ints, ch = MODELS["primary"]
    out["monthly_only"] = fit_model(inputs, measure, ints, changes=ch, totals=False, cov=cov)
    out["pooled_PICSS_PIPS"] = fit_model(inputs, measure, ints, changes=ch,
                                         sources=("PICSS", "PIPS"), cov=cov)
    return out


def _window_matrix(results: Any, start: str, end: str) -> tuple[np.ndarray, np.ndarray]:
    from trends.windows import _period

    idx = results._index()
    lo, hi = _period(start, results, "window start"), _period(end, results, "window end")
    if hi < lo or lo < idx[0] or hi > idx[-1]:
        raise SpecificationError(f"window ({start}, {end}) is reversed or outside the data "
                                 f"({idx[0]} to {idx[-1]})")
    sel = np.asarray((idx >= lo) & (idx <= hi))
    d = results.design
    off = d.offset_full[results._rows] if d.offset_full is not None else np.zeros(len(idx))
    return results._X_treated()[sel], off[sel]


def marginal_effect(results: Any, interruption: str, window: tuple[str, str],
                    alpha: float | None = None) -> dict[str, float]:
    """Fitted vs the fitted path with only ``interruption``'s level and slope switched off,
    summed over ``window`` (log-link models; delta-method intervals on the log ratio and the
    excess, the model's covariance and critical value).

    Returns
    -------
    dict
        ``fitted, counterfactual, excess, excess_low, excess_high, ratio, ratio_low,
        ratio_high, p`` (``p``: Wald test of log ratio = 0).
    """
    if results.family == "gaussian":
        raise SpecificationError("marginal_effect needs a log-link family")
    terms = [t for t in (f"level[{interruption}]", f"slope[{interruption}]")
             if t in results.terms]
    if not terms:
        raise SpecificationError(f"interruption={interruption!r} has no terms in this model; "
                                 f"expected one of {sorted(results.design.interruptions)}")
    c = results._crit(results._alpha(alpha))
    X1, off = _window_matrix(results, *window)
    X0 = X1.copy()
    for t in terms:
        X0[:, results.terms.index(t)] = 0.0
    b, V = results.params.to_numpy(), results.cov.to_numpy()
    m1, m0 = np.exp(X1 @ b + off), np.exp(X0 @ b + off)
    F, C = float(m1.sum()), float(m0.sum())
    g1, g0 = m1 @ X1, m0 @ X0
    se_x = math.sqrt(max(float((g1 - g0) @ V @ (g1 - g0)), 0.0))
    gl = g1 / F - g0 / C
    se_l = math.sqrt(max(float(gl @ V @ gl), 0.0))
    ratio = F / C
    z = math.log(ratio) / se_l if se_l > 0 else math.nan
    from scipy import stats

    return {"fitted": F, "counterfactual": C, "excess": F - C,
            "excess_low": F - C - c * se_x, "excess_high": F - C + c * se_x,
            "ratio": ratio, "ratio_low": ratio * math.exp(-c * se_l),
            "ratio_high": ratio * math.exp(c * se_l),
            "p": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else math.nan}


def _window_p(results: Any, start: str, end: str) -> float:
    """Wald p-value of log(window ratio) = 0 (the window's counterfactual of window_effects)."""
    from scipy import stats

    row = results.window_effects({"w": (start, end)}).iloc[0]
    lo, hi, r = row["ratio_low"], row["ratio_high"], row["ratio"]
    c = results._crit(results._alpha(None))
    se = (math.log(hi) - math.log(lo)) / (2 * c)
    return float(2 * stats.norm.sf(abs(math.log(r) / se))) if se > 0 else math.nan


def estimand_rows(results: Any, *, outcome: str, model: str, method: str,
                  size: float = math.nan,
                  windows: Mapping[str, tuple[str, str]] = WINDOWS) -> pd.DataFrame:
    """The window estimands of one fitted model (columns :data:`ESTIMAND_COLUMNS`).

    ``size`` is the model's calibrated size (written to ``calibrated_size``); ``method``
    names the interval method.
    """
    we = results.window_effects(dict(windows))
    rows = []
    for _, w in we.iterrows():
        rows.append({"estimand": w["window"], "outcome": outcome, "model": model,
                     "window_start": str(w["start"]), "window_end": str(w["end"]),
                     "n_months": int(w["n_periods"]), "n_observed": int(w["n_observed"]),
                     "observed": w["observed"], "fitted": w["fitted"],
                     "counterfactual": w["counterfactual"], "excess": w["excess"],
                     "excess_low": w["excess_low"], "excess_high": w["excess_high"],
                     "avg_excess": w["excess"] / w["n_periods"], "ratio": w["ratio"],
                     "ratio_low": w["ratio_low"], "ratio_high": w["ratio_high"],
                     "p": format_p(_window_p(results, str(w["start"]), str(w["end"])))
                     if hasattr(results, "_crit") else "",
                     "interval_method": method, "calibrated_size": size})
    return pd.DataFrame(rows, columns=ESTIMAND_COLUMNS)


def _marginal_row(results: Any, name: str, outcome: str, model: str, interruption: str,
                  window: tuple[str, str], method: str, size: float) -> dict[str, Any]:
    m = marginal_effect(results, interruption, window)
    X, _ = _window_matrix(results, *window)
    n = X.shape[0]
    idx = results._index()
    sel = np.asarray((idx >= pd.Period(window[0], "M")) & (idx <= pd.Period(window[1], "M")))
    used = np.asarray(results.design.used)[results._rows] & sel
    y = results.design.y_full[results._rows]
    return {"estimand": name, "outcome": outcome, "model": model, "window_start": window[0],
            "window_end": window[1], "n_months": n, "n_observed": int(used.sum()),
            "observed": float(np.nansum(y[used])), "fitted": m["fitted"],
            "counterfactual": m["counterfactual"], "excess": m["excess"],
            "excess_low": m["excess_low"], "excess_high": m["excess_high"],
            "avg_excess": m["excess"] / n, "ratio": m["ratio"], "ratio_low": m["ratio_low"],
            "ratio_high": m["ratio_high"], "p": format_p(m["p"]), "interval_method": method,
            "calibrated_size": size}


def cov_label(results: Any) -> str:
    """The interval method of a segmented fit, in words."""
    kind, lags, _ = results.spec.cov_spec
    words = {"nonrobust": "model-based (NB2 information matrix)"}.get(kind, kind)
    if kind in ("hac", "hac-calendar"):
        words = f"HAC ({lags} lags{', calendar time' if kind == 'hac-calendar' else ''})"
    return f"delta method, {words} covariance"


def estimands_table(fits: Mapping[str, Mapping[str, Any]],
                    sizes: Mapping[tuple[str, str], float] | None = None,
                    structural: Mapping[str, Mapping[str, Any]] | None = None
                    ) -> pd.DataFrame:
    """One row per estimand x outcome x model.

    Parameters
    ----------
    fits
        ``{outcome: {model: ITSResults}}`` (:func:`fit_models` per outcome).
    sizes
        ``{(outcome, model): calibrated size}`` of each model's interval method.
    structural
        ``{outcome: {"structural_<trend>": StructuralResults}}`` (window estimands only;
        their intervals are the quantiles of the Kalman simulation, no calibrated size).
    """
    sizes = dict(sizes or {})
    parts = []
    for outcome, models in fits.items():
        for model, res in models.items():
            method = cov_label(res)
            size = float(sizes.get((outcome, model), math.nan))
            parts.append(estimand_rows(res, outcome=outcome, model=model, method=method,
                                       size=size))
            for name, (m, interruption, window) in MARGINALS.items():
                if m == model:
                    parts.append(pd.DataFrame([_marginal_row(res, name, outcome, model,
                                                             interruption, window, method,
                                                             size)], columns=ESTIMAND_COLUMNS))
        for model, res in (structural or {}).get(outcome, {}).items():
            parts.append(estimand_rows(res, outcome=outcome, model=model,
                                       method="structural (Kalman), simulation quantiles"))
    out = pd.concat(parts, ignore_index=True)
    return out[ESTIMAND_COLUMNS]
