"""Excess by source beside the pooled estimate (docs/analysis_plan.md, section 5).

:func:`sources_table` fits the primary specification (NB2, level+slope at 2021-08 and 2021-11)
to each source alone (its monthly figures plus its own published period totals as aggregate
observations) and to the sources pooled (source intercepts and source-specific trends, shared
interruption effects), and reports the window estimands of :data:`trends.study.estimands.WINDOWS`
for each. A fit that the library refuses (e.g. CRSS, which publishes annual totals only: no
monthly observation identifies the interruption terms) is reported as a row with its reason.

UCDP GED (monthly event counts to 2021-12) is a third-party file that is never committed
(``../shared/data/events/``): pass its cleaned monthly panel as ``events`` to add GED rows; the
committed ``results/sources.*`` are computed without it so that ``trends reproduce`` depends on
the embedded data only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from trends.errors import TrendsError

__all__ = ["SOURCE_FITS", "SOURCES_COLUMNS", "sources_table"]

#: (label, sources, with totals)
SOURCE_FITS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("PICSS monthly only", ("PICSS",), False),
    ("PICSS monthly + period totals (primary)", ("PICSS",), True),
    ("PIPS monthly + annual totals", ("PIPS",), True),
    ("CRSS annual totals", ("CRSS",), True),
    ("pooled PICSS + PIPS (+ totals, source trends)", ("PICSS", "PIPS"), True),
    ("pooled PICSS + PIPS + CRSS (+ totals, source trends)", ("PICSS", "PIPS", "CRSS"), True),
)

SOURCES_COLUMNS = ["fit", "sources", "outcome", "estimand", "window_start", "window_end",
                   "excess", "excess_low", "excess_high", "ratio", "ratio_low", "ratio_high",
                   "n_observed_months", "n_totals", "interval_method", "note"]


def _fit_events(inputs: Any, measure: str, events: pd.DataFrame) -> Any:
    from trends.its import ITS
    from trends.panel import period_totals, series_frame
    from trends.study.analysis import END, START
    from trends.study.estimands import MODELS

    ints, ch = MODELS["primary"]
    long = series_frame(inputs.panel, sources=("PICSS",), measure=measure, region="national",
                        group="all", start=START, end=END, events=events)
    agg = period_totals(inputs.periods, measure=measure, region="national", group="all",
                        source=["PICSS"], start=START, end=END, kinds=("half", "year"))
    return ITS(long, outcome="y", date="month", source="source", reference="PICSS",
               source_trends=True, aggregates=agg.reset_index(drop=True),
               interruptions=dict(ints), changes=ch, family="negbin",
               cov="nonrobust").fit()


def sources_table(inputs: Any, measure: str = "attacks", events: pd.DataFrame | None = None,
                  fits: Sequence[tuple[str, tuple[str, ...], bool]] = SOURCE_FITS
                  ) -> pd.DataFrame:
    """Window estimands by source and pooled (columns :data:`SOURCES_COLUMNS`).

    Parameters
    ----------
    inputs
        :class:`trends.study.analysis.Inputs`.
    measure
        Outcome.
    events
        Optional monthly event panel (e.g. UCDP GED from ``trends clean --format ucdp-ged``)
        added as one more source pooled with PICSS (rows labelled ``+ events``).
    """
    from trends.study.estimands import MODELS, WINDOWS, cov_label, fit_model

    ints, ch = MODELS["primary"]
    rows: list[dict[str, Any]] = []
    todo: list[tuple[str, tuple[str, ...], Any]] = []
    for label, srcs, totals in fits:
        try:
            res = fit_model(inputs, measure, ints, changes=ch, sources=srcs, totals=totals)
        except TrendsError as exc:
            res = " ".join(str(exc).split())
        todo.append((label, srcs, res))
    if events is not None:
        try:
            res = _fit_events(inputs, measure, events)
        except TrendsError as exc:
            res = " ".join(str(exc).split())
        todo.append(("pooled PICSS + events (+ PICSS totals, source trends)",
                     ("PICSS", "events"), res))
    for label, srcs, res in todo:
        base = {"fit": label, "sources": " + ".join(srcs), "outcome": measure}
        if isinstance(res, str):
            rows.append({**base, "estimand": "", "note": f"not estimable: {res}"})
            continue
        spec = res.spec
        n_tot = 0 if spec.aggregates is None else int(spec.aggregates.n_used)
        we = res.window_effects(dict(WINDOWS))
        for _, w in we.iterrows():
            rows.append({**base, "estimand": w["window"], "window_start": str(w["start"]),
                         "window_end": str(w["end"]), "excess": w["excess"],
                         "excess_low": w["excess_low"], "excess_high": w["excess_high"],
                         "ratio": w["ratio"], "ratio_low": w["ratio_low"],
                         "ratio_high": w["ratio_high"], "n_observed_months": int(res.nobs),
                         "n_totals": n_tot, "interval_method": cov_label(res),
                         "note": "counterfactual and excess on the reference (first) "
                                 "source's scale" if len(srcs) > 1 else ""})
    return pd.DataFrame(rows, columns=SOURCES_COLUMNS)
