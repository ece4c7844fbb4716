"""The per-record audit and the annual totals of :func:`trends.events.read_events`."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from trends.schema import ALL_GROUPS, NATIONAL

from . import _core, _dates
from ._core import DATE_RULES

#: Columns of ``audit.csv``: one row per data record of every input file.
AUDIT_COLUMNS: tuple[str, ...] = (
    "file", "record", "line", "event_id", "country", "date", "year", "month", "week",
    "date_rule", "status", "reason", "region", "region_raw", "group", "group_raw",
)
#: Columns of ``annual.csv``.
ANNUAL_COLUMNS: tuple[str, ...] = ("year", "region", "group", "measure", "source", "value",
                                   "in_monthly", "not_in_monthly")

_DATE_REASONS = {
    "exact": "",
    "week_from_start": "date range spans ISO weeks: counted in the week of its start",
    "month_from_start": "date range spans months: counted in the month and week of its start",
    "month_only": "day unknown: in the monthly panel only, not in the weekly panel",
    "annual_only": "month unknown: in the annual totals only",
}


def annual(counted: np.ndarray, in_month: np.ndarray, start: np.ndarray,
           measures: Mapping[str, np.ndarray], label: str) -> pd.DataFrame:
    """Per year (of the start date): national, all-group totals of every counted event, how much
    of it is in the monthly panel, and the rest (month unknown or excluded by the date rule).
    Values not reported (NaN) add nothing."""
    year = start.astype("datetime64[Y]").astype(np.int64) + 1970
    years = np.unique(year[counted])
    if years.size == 0:
        return pd.DataFrame(columns=list(ANNUAL_COLUMNS))
    pos = np.clip(year - years[0], 0, None)
    size = int(years[-1] - years[0] + 1)
    frames = []
    for name in sorted(measures):
        v = np.nan_to_num(np.asarray(measures[name], dtype=np.float64))  # known values only
        total = np.bincount(pos[counted], weights=v[counted], minlength=size)
        monthly = np.bincount(pos[in_month], weights=v[in_month], minlength=size)
        idx = years - years[0]
        frames.append(pd.DataFrame({"year": years, "measure": name, "value": total[idx],
                                    "in_monthly": monthly[idx],
                                    "not_in_monthly": total[idx] - monthly[idx]}))
    out = pd.concat(frames, ignore_index=True)
    out["region"], out["group"], out["source"] = NATIONAL, ALL_GROUPS, label
    return out[list(ANNUAL_COLUMNS)].sort_values(["year", "measure"], kind="stable") \
        .reset_index(drop=True)


def audit(ad: _core.Adapted, file_col: pd.Categorical, record: np.ndarray,
          when: _core.Assigned, counted: np.ndarray, in_month: np.ndarray, dup: np.ndarray,
          inside: np.ndarray, region: pd.Categorical, group: pd.Categorical,
          country: str | None, imprecise: str) -> pd.DataFrame:
    """One row per data record: where it landed (month, week, date rule), whether it is in the
    monthly panel (``kept``) or not (``dropped``) and why, and its region and group, raw and
    mapped. Columns :data:`AUDIT_COLUMNS`."""
    # reasons as codes into one list of texts (categorical: cheap for a million records)
    texts = [_DATE_REASONS[r] for r in DATE_RULES]
    code = when.rule.astype(np.int32)
    if imprecise == "exclude":
        texts.append("date range spans months (imprecise='exclude'): in the annual totals only")
        code[(code == DATE_RULES.index("annual_only")) & ad.start_reported] = len(texts) - 1
    offset = len(texts)
    texts += ["not a militant attack under the rule: " + str(r) for r in ad.reason.categories]
    not_attack = ad.in_country & ~dup & ~ad.attack
    code[not_attack] = offset + ad.reason.codes[not_attack]
    fixed = {"outside": "outside coverage",
             "dup": "duplicate event id (an earlier record counts)",
             "other": f"country is not {country}"}
    for key, mask in (("outside", ad.in_country & ~dup & ad.attack & ~inside), ("dup", dup),
                      ("other", ~ad.in_country)):
        texts.append(fixed[key])
        code[mask] = len(texts) - 1
    uniq_texts = list(dict.fromkeys(texts))
    remap = np.array([uniq_texts.index(t) for t in texts], dtype=np.int32)
    reason = pd.Categorical.from_codes(remap[code], categories=pd.Index(uniq_texts, dtype=object))

    def period(keys: np.ndarray, mask: np.ndarray, labeller) -> pd.Categorical:
        use = mask & (keys >= 0)
        uniq = np.unique(keys[use])
        codes = np.where(use, np.searchsorted(uniq, keys) + 1, 0)
        cats = pd.Index(["", *labeller(uniq)], dtype=object)
        return pd.Categorical.from_codes(codes, categories=cats)

    status = pd.Categorical.from_codes(in_month.astype(np.int8),
                                       categories=pd.Index(["dropped", "kept"], dtype=object))
    lines = ad.lines if ad.lines is not None else record + 1
    audit = pd.DataFrame({
        "file": file_col,
        "record": record,
        "line": lines,
        "event_id": pc.cast(ad.event_id, pa.string()).to_pandas(types_mapper=pd.ArrowDtype),
        "country": ad.country,
        "date": ad.date_text(),
        "year": ad.start.astype("datetime64[Y]").astype(np.int64) + 1970,
        "month": period(when.month, counted, _dates.month_labels),
        "week": period(when.week, counted, _dates.week_labels),
        "date_rule": pd.Categorical.from_codes(when.rule, categories=pd.Index(DATE_RULES,
                                                                              dtype=object)),
        "status": status,
        "reason": reason,
        # the codes a record was counted under; empty for records not counted
        "region": _only(region, counted),
        "region_raw": ad.region_raw,
        "group": _only(group, counted),
        "group_raw": ad.group_raw,
    })
    return audit[list(AUDIT_COLUMNS)]


def _only(codes: pd.Categorical, mask: np.ndarray) -> pd.Categorical:
    """``codes`` where ``mask``, the empty string elsewhere."""
    cats = list(codes.categories)
    if "" not in cats:
        cats.append("")
    out = pd.Categorical.from_codes(codes.codes, categories=pd.Index(list(codes.categories),
                                                                    dtype=object))
    out = out.set_categories(pd.Index(cats, dtype=object))
    new = np.where(mask, out.codes, cats.index(""))
    return pd.Categorical.from_codes(new, categories=pd.Index(cats, dtype=object))
