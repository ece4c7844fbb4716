"""Numbers the descriptive notebooks (01_data, 02_explore) state in their text.

Each function returns a small table, so that every sentence of narrative stands next to the
number it rests on:

* :func:`source_ratio`: the ratio of two sources' published annual totals, year by year
  (measurement drift between two counts);
* :func:`year_changes`: each source's change between two years (does *every* source show a
  fall or a rise?);
* :func:`annual_start_sensitivity`: the annual ITS model of one source refitted from several
  start years (how much the post-takeover level change depends on the pre-period).

Examples
--------
>>> import pandas as pd
>>> periods = pd.DataFrame({"period": ["2019", "2019", "2020", "2020"],
...     "period_type": "year", "region": "national", "group": "all", "measure": "attacks",
...     "source": ["A", "B", "A", "B"], "value": [159, 229, 188, 146]})
>>> year_changes(periods, 2019, 2020, sources=("A", "B"))[["source", "direction"]].values.tolist()
[['A', 'rise'], ['B', 'fall']]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from trends.errors import SpecificationError


def _annual(periods: pd.DataFrame, measure: str, region: str, group: str) -> pd.DataFrame:
    from trends.study.analysis import annual_values

    return annual_values(periods, measure, region=region, group=group, start=1900, end=2100)


def source_ratio(periods: pd.DataFrame, numerator: str = "PICSS", denominator: str = "PIPS",
                 measure: str = "attacks", region: str = "national",
                 group: str = "all") -> pd.DataFrame:
    """Year-by-year ratio of two sources' published annual totals (years both published).

    Returns columns ``year, <numerator>, <denominator>, ratio``.
    """
    v = _annual(periods, measure, region, group)
    wide = v.pivot(index="period", columns="source", values="value")
    for s in (numerator, denominator):
        if s not in wide.columns:
            raise SpecificationError(f"no annual {measure} from {s!r} ({region}, {group})")
    both = wide[[numerator, denominator]].dropna()
    out = both.reset_index().rename(columns={"period": "year"})
    out.columns.name = None
    out["ratio"] = out[numerator] / out[denominator]
    return out


def monthly_ratio(panel: pd.DataFrame, numerator: str = "PICSS", denominator: str = "PIPS",
                  measure: str = "attacks", region: str = "national",
                  group: str = "all") -> pd.DataFrame:
    """Month-by-month ratio of two sources' published monthly figures (months both published).

    Returns columns ``month, <numerator>, <denominator>, ratio``.
    """
    sel = panel[(panel["measure"] == measure) & (panel["region"] == region)
                & (panel["group"] == group) & panel["source"].isin([numerator, denominator])]
    wide = sel.assign(value=pd.to_numeric(sel["value"], errors="coerce")).pivot_table(
        index="month", columns="source", values="value", aggfunc="first")
    for s in (numerator, denominator):
        if s not in wide.columns:
            raise SpecificationError(f"no monthly {measure} from {s!r} ({region}, {group})")
    out = wide[[numerator, denominator]].dropna().reset_index()
    out.columns.name = None
    out["ratio"] = out[numerator] / out[denominator]
    return out


def year_changes(periods: pd.DataFrame, from_year: int | str, to_year: int | str,
                 sources: Sequence[str] | None = None, measure: str = "attacks",
                 region: str = "national", group: str = "all") -> pd.DataFrame:
    """Each source's published total in two years and the direction of the change.

    ``direction`` is ``rise``, ``fall``, ``no change``, or ``not published`` when either year
    has no figure (never interpolated). Returns ``source, <from_year>, <to_year>, change_pct,
    direction``.
    """
    v = _annual(periods, measure, region, group)
    wide = v.pivot(index="source", columns="period", values="value")
    a, b = str(from_year), str(to_year)
    names = list(sources) if sources is not None else sorted(wide.index)
    rows = []
    for s in names:
        x = float(wide.loc[s, a]) if s in wide.index and a in wide.columns else np.nan
        y = float(wide.loc[s, b]) if s in wide.index and b in wide.columns else np.nan
        if np.isnan(x) or np.isnan(y):
            d, pct = "not published", np.nan
        else:
            d = "rise" if y > x else "fall" if y < x else "no change"
            pct = 100.0 * (y - x) / x if x else np.nan
        rows.append({"source": s, a: x, b: y, "change_pct": pct, "direction": d})
    return pd.DataFrame(rows, columns=["source", a, b, "change_pct", "direction"])


def annual_start_sensitivity(inputs: Any, model: str = "attacks_pips_annual",
                             starts: Sequence[str] = ("2014", "2016", "2018")) -> pd.DataFrame:
    """Refit one annual source model (:func:`trends.study.analysis.source_specs`) from each
    start year; the takeover level rate ratio with its 95% CI and the number of years used.

    Returns ``model, start, window, nobs, level_takeover_rr, level_takeover_low,
    level_takeover_high, slope_takeover_rr, note`` (``note`` says why a fit is not estimable).
    """
    from trends.study import analysis

    measure = model.split("_", 1)[0]
    base = {s.name: s for s in analysis.source_specs(measure)}
    if model not in base:
        raise SpecificationError(f"unknown annual model {model!r}; expected one of "
                                 + ", ".join(sorted(base)))
    specs = [replace(base[model], name=f"{model}_from_{y}", start=str(y)) for y in starts]
    table = analysis.robustness_table(analysis.fit_many(inputs, specs), specs)
    table.insert(1, "start", [str(y) for y in starts])
    cols = ["model", "start", "window", "nobs", "level_takeover_rr", "level_takeover_low",
            "level_takeover_high", "slope_takeover_rr", "note"]
    for c in cols:
        if c not in table.columns:
            table[c] = np.nan
    return table[cols]


__all__ = ["annual_start_sensitivity", "monthly_ratio", "source_ratio", "year_changes"]
