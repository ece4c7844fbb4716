"""The structural (state-space) counterfactual under each trend choice beside the segmented
model (docs/analysis_plan.md, section 5).

:func:`structural_fits` fits :class:`trends.StructuralITS` to log1p of the PICSS national
monthly series (the interruptions of the primary model, level+slope) for every trend of
:data:`TRENDS`, with ``fit_on="all"`` (intervention terms estimated with the states) and
``fit_on="pre"`` (CausalImpact-style forecast of the pre-period); :func:`structural_table`
puts their window ratios next to the primary segmented model's. The structural fits use the
monthly figures only (the state-space model takes no aggregate observations).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from trends.errors import TrendsError

__all__ = ["TRENDS", "STRUCTURAL_COLUMNS", "structural_fits", "structural_table"]

TRENDS: tuple[str, ...] = ("deterministic", "local level", "local linear trend",
                           "random walk with drift", "smooth trend")
FIT_ON: tuple[str, ...] = ("all", "pre")
STRUCTURAL_COLUMNS = ["model", "trend", "fit_on", "estimand", "window_start", "window_end",
                      "ratio", "ratio_low", "ratio_high", "excess", "excess_low",
                      "excess_high", "interval_method", "note"]


def structural_fits(inputs: Any, measure: str = "attacks") -> dict[str, Any]:
    """``{"structural_<trend>_<fit_on>": StructuralResults or error message}``."""
    from trends.structural import StructuralITS
    from trends.study.analysis import MAIN, model_frame
    from trends.study.estimands import MODELS

    ints, ch = MODELS["primary"]
    frame = model_frame(inputs, MAIN[0].with_(measure=measure))
    out: dict[str, Any] = {}
    for trend in TRENDS:
        for on in FIT_ON:
            key = f"structural_{trend.replace(' ', '_')}_{on}"
            try:
                out[key] = StructuralITS(frame, outcome="y", date="period",
                                         interruptions=dict(ints), changes=ch, trend=trend,
                                         transform="log1p", fit_on=on).fit()
            except TrendsError as exc:
                out[key] = " ".join(str(exc).split())
    return out


def structural_table(segmented: Any, fits: dict[str, Any]) -> pd.DataFrame:
    """Window ratios of the segmented model (first rows) and of each structural fit."""
    from trends.study.estimands import WINDOWS, cov_label

    rows: list[dict[str, Any]] = []

    def add(model: str, trend: str, on: str, res: Any, method: str) -> None:
        if isinstance(res, str):
            rows.append({"model": model, "trend": trend, "fit_on": on,
                         "note": f"not estimable: {res}"})
            return
        for _, w in res.window_effects(dict(WINDOWS)).iterrows():
            rows.append({"model": model, "trend": trend, "fit_on": on,
                         "estimand": w["window"], "window_start": str(w["start"]),
                         "window_end": str(w["end"]), "ratio": w["ratio"],
                         "ratio_low": w["ratio_low"], "ratio_high": w["ratio_high"],
                         "excess": w["excess"], "excess_low": w["excess_low"],
                         "excess_high": w["excess_high"], "interval_method": method,
                         "note": ""})

    add("segmented NB2 (primary)", "deterministic (linear, log scale)", "all", segmented,
        cov_label(segmented))
    for key, res in fits.items():
        trend, on = key[len("structural_"):].rsplit("_", 1)
        add(key, trend.replace("_", " "), on, res,
            "structural (Kalman, log1p), simulation quantiles")
    return pd.DataFrame(rows, columns=STRUCTURAL_COLUMNS)
