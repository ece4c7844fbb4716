"""Plain-language reports of fitted interrupted time-series models.

:func:`paragraphs` writes one paragraph per interruption from the results' own table: what
changed (level, slope), by how much on the scale a reader understands (a factor and a percent
for log-link families and log-transformed structural models, the outcome's units otherwise),
the interval and the method that made it, the p-value (``<0.001`` below 0.001, never
``0.000``), and the caveats the results carry (:attr:`ITSResults.notes`, e.g. the leverage
warning, a fit kept although it did not converge), with a pointer to the calibration of the
interval's size on the design (:func:`trends.robust.calibrate`). Every number in the text is a
number of the table.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["paragraphs", "report", "format_p"]

_UNIT = {"M": "month", "W": "week", "Q": "quarter", "Y": "year"}


def format_p(p: float) -> str:
    """A p-value as text: ``"<0.001"`` below 0.001, else three decimals; ``"NA"`` if NaN.

    Examples
    --------
    >>> format_p(0.00002), format_p(0.0312), format_p(float("nan"))
    ('<0.001', '0.031', 'NA')
    """
    if p is None or not math.isfinite(float(p)):
        return "NA"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _p_clause(p: str) -> str:
    return f"p {p[0]} {p[1:]}" if p.startswith("<") else f"p = {p}"


def _num(x: float) -> str:
    x = float(x)
    if not math.isfinite(x):
        return "NA"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if abs(x) < 1 else f"{x:.2f}"


def _pct(ratio: float) -> str:
    change = 100 * (float(ratio) - 1)
    word = "an increase" if change > 0 else "a decrease"
    return f"{word} of {abs(change):.1f}%" if abs(change) < 10 else f"{word} of {abs(change):.0f}%"


def _interval_method(res: Any) -> str:
    spec = res.spec
    cov = getattr(spec, "cov_spec", None)
    level = f"{100 * (1 - float(spec.alpha)):g}%"
    if cov is not None:
        how = "t" if getattr(res, "use_t", False) else "normal"
        se = ("model-based standard errors" if cov.kind == "nonrobust"
              else f"standard errors {cov.describe()}")
        return f"{level} interval, {how} critical values, {se}"
    return f"{level} interval from simulated paths of the structural model"


def paragraphs(res: Any) -> list[str]:
    """One plain-language paragraph per interruption of ``res``, then one on the caveats.

    Parameters
    ----------
    res : ITSResults or StructuralResults
        A fit.

    Returns
    -------
    list of str
    """
    tab = res.table()
    design = res.design
    unit = _UNIT.get(getattr(design, "freq", "M"), "period")
    outcome = str(res.spec.get("outcome"))
    ratio = "ratio" in tab.columns
    method = _interval_method(res)
    out: list[str] = []
    for name, when in design.interruptions.items():
        from trends.plot import period_label

        label = name.replace("_", " ")
        sentences = [f"At {label} ({period_label(when)}), the model estimates"]
        parts = []
        for change in design.changes.get(name, ()):
            term = f"{change}[{name}]"
            if term not in tab.index:
                continue
            row = tab.loc[term]
            p = format_p(row["p_value"]) if "p_value" in row.index else "NA"
            if ratio:
                r, lo, hi = row["ratio"], row["ratio_low"], row["ratio_high"]
                if change == "level":
                    parts.append(f"a change in the level of {outcome} by a factor of {_num(r)} "
                                 f"({_pct(r)}; interval {_num(lo)} to {_num(hi)}, {_p_clause(p)})")
                else:
                    parts.append(f"a change in its trend by a factor of {_num(r)} per {unit} "
                                 f"({_pct(r)} per {unit}; interval {_num(lo)} to {_num(hi)}, "
                                 f"{_p_clause(p)})")
            else:
                e, lo, hi = row["estimate"], row["ci_low"], row["ci_high"]
                if change == "level":
                    parts.append(f"a change in the level of {outcome} of {e:+.3g} "
                                 f"(interval {_num(lo)} to {_num(hi)}, {_p_clause(p)})")
                else:
                    parts.append(f"a change in its trend of {e:+.3g} per {unit} (interval "
                                 f"{_num(lo)} to {_num(hi)}, {_p_clause(p)})")
        if not parts:
            continue
        sentence = sentences[0] + " " + " and ".join(parts) + ", relative to the "
        sentence += "pre-interruption trend continued (the counterfactual)."
        crosses = []
        for change in design.changes.get(name, ()):
            term = f"{change}[{name}]"
            if term in tab.index:
                lo_c, hi_c = (("ratio_low", "ratio_high") if ratio else ("ci_low", "ci_high"))
                null = 1.0 if ratio else 0.0
                if tab.loc[term, lo_c] <= null <= tab.loc[term, hi_c]:
                    crosses.append(change)
        if crosses:
            sentence += (f" The interval of the {' and '.join(crosses)} change includes "
                         f"{'1 (no change)' if ratio else '0 (no change)'}: the data are "
                         "consistent with no change there.")
        if "level" in design.changes.get(name, ()) and "slope" in design.changes.get(name, ()):
            sentence += (" Level and slope of one interruption are estimated together; the "
                         "cumulative difference over a window (window_effects) is the better "
                         "summary when the segment is short.")
        out.append(sentence)
    caveats = [f"Intervals: {method}."]
    caveats.extend(getattr(res, "notes", []) or [])
    if getattr(res, "converged", True) is False:
        caveats.append("The fit did not converge and was kept at the user's request: do not "
                       "cite its estimates.")
    if getattr(res.spec, "cov_spec", None) is not None:
        caveats.append("Whether these intervals have their nominal coverage on this design "
                       "(series length, autocorrelation, short segments) can be checked by "
                       "simulation with trends.robust.calibrate(results).")
    caveats.append("The estimates describe a change in the series at the dates given; they "
                   "are causal effects only if nothing else changed at those dates.")
    out.append("Caveats. " + " ".join(caveats))
    return out


def report(res: Any) -> str:
    """:func:`paragraphs` joined by blank lines."""
    return "\n\n".join(paragraphs(res))
