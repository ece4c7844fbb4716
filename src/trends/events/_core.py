"""The dataset-independent part: date rule, region/group mapping, aggregation and audit.

Each adapter (:mod:`.ged`, :mod:`.acled`, :mod:`.gtd`) turns its file into an :class:`Adapted`
record of plain arrays (one entry per data record of the file); everything below works on those
arrays, vectorised, so the three datasets share one set of rules.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trends import aliases
from trends.schema import ALL_GROUPS, NATIONAL, PANEL_COLUMNS

from . import _dates

#: Group code of perpetrators that are named but not in the group alias table.
OTHER_GROUP = "other"
#: Group code of events whose perpetrator is not named.
UNKNOWN_GROUP = "unknown"
#: Derived regions: code -> component codes (an event in a component also counts here).
DEFAULT_DERIVED_REGIONS: dict[str, tuple[str, ...]] = {
    "khyber_pakhtunkhwa_incl_ex_fata": ("khyber_pakhtunkhwa", "ex_fata"),
}

# audit.date_rule values, in the order of the rule (see read_events' Notes)
DATE_RULES = (
    "exact",             # month and ISO week known
    "week_from_start",   # month known; range spans ISO weeks: week of the start date
    "month_from_start",  # range spans months: month and week of the start date (policy "start")
    "month_only",        # month known, day not: monthly panel only, not weekly
    "annual_only",       # month not known (or policy "exclude"): annual totals only
)


@dataclass(frozen=True)
class Coverage:
    """The period a dataset covers: inside it a month without an event is a true zero.

    Attributes
    ----------
    start, end
        First and last day covered (inclusive).
    gaps
        Closed day ranges inside ``start .. end`` that the dataset does not cover (GTD has no
        1993 data); months and weeks wholly inside a gap are left out of the panels.
    basis
        How the coverage was determined (for the report).
    """

    start: _dt.date
    end: _dt.date
    gaps: tuple[tuple[_dt.date, _dt.date], ...] = ()
    basis: str = ""

    def month_keys(self) -> np.ndarray:
        """Month keys of the covered months (a month partly covered is included)."""
        first, last = (_dates.month_keys(np.array([d], dtype="datetime64[D]"))[0]
                       for d in (self.start, self.end))
        keys = np.arange(first, last + 1, dtype=np.int64)
        for a, b in self.gaps:
            ga = np.datetime64(a, "D").astype("datetime64[M]")
            gb = np.datetime64(b, "D")
            month_first = keys.astype("datetime64[M]").astype("datetime64[D]")
            month_last = (keys + 1).astype("datetime64[M]").astype("datetime64[D]") - 1
            inside = (month_first >= ga.astype("datetime64[D]")) & (month_last <= gb)
            keys = keys[~inside]
        return keys

    def week_keys(self) -> np.ndarray:
        """Week keys of the ISO weeks overlapping the coverage (boundary weeks are partial)."""
        first, last = (_dates.week_keys(np.array([d], dtype="datetime64[D]"))[0]
                       for d in (self.start, self.end))
        keys = np.arange(first, last + 1, 7, dtype=np.int64)
        for a, b in self.gaps:
            inside = (keys >= _dates.days(a)) & (keys + 6 <= _dates.days(b))
            keys = keys[~inside]
        return keys

    def contains(self, day_numbers: np.ndarray) -> np.ndarray:
        """Whether each day number lies in the coverage (and outside its gaps)."""
        ok = (day_numbers >= _dates.days(self.start)) & (day_numbers <= _dates.days(self.end))
        for a, b in self.gaps:
            ok &= ~((day_numbers >= _dates.days(a)) & (day_numbers <= _dates.days(b)))
        return ok

    def describe(self) -> str:
        """One line: ``1989-01-01 to 2021-12-31 (basis)``."""
        text = f"{self.start.isoformat()} to {self.end.isoformat()}"
        if self.gaps:
            text += " except " + ", ".join(f"{a.isoformat()}..{b.isoformat()}"
                                           for a, b in self.gaps)
        return text + (f" ({self.basis})" if self.basis else "")


@dataclass(frozen=True, eq=False)
class Adapted:
    """One file read by an adapter: one array entry per data record (before any filter)."""

    path: str
    event_id: pd.Series
    country: pd.Series
    in_country: np.ndarray          # bool
    start: np.ndarray               # datetime64[D]: earliest possible date
    end: np.ndarray                 # datetime64[D]: latest possible date
    start_reported: np.ndarray      # bool: start is a date the dataset reports (not a bound)
    date_text: pd.Series            # the raw date fields, for the audit
    attack: np.ndarray              # bool: counts as a militant attack under the rule
    reason: pd.Series               # why an in-country event is not an attack ("" if it is)
    region_raw: pd.Series
    group_raw: pd.Series
    measures: dict[str, np.ndarray] # float64, NaN = not known
    years: np.ndarray               # int64: year of every record (for the coverage)
    lines: np.ndarray | None = None # physical line of each record, filled in by the reader
    region_overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of data records."""
        return len(self.in_country)


def map_regions(raw: pd.Series, overrides: Mapping[str, str] | None = None) -> pd.Series:
    """Region code of each raw admin-1 name ('' where unknown or not in the alias table)."""
    table = aliases.load("region")
    over = {aliases.normalise_key(k): v for k, v in (overrides or {}).items()}
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    mapped = []
    for u in uniques:
        key = aliases.normalise_key(u)
        mapped.append(over.get(key) or table.lookup(key) or table.lookup(_strip_suffix(key)) or "")
    return _take(mapped, codes, missing="")


def _strip_suffix(key: str) -> str:
    # UCDP writes "Balochistan province", "Sindh province"; the alias table has the bare names
    for suffix in (" province", " division", " territory"):
        if key.endswith(suffix) and key != "islamabad capital territory":
            return key[: -len(suffix)]
    return key


def map_groups(raw: pd.Series) -> pd.Series:
    """Group code of each perpetrator name: alias table, else ``other``; empty -> ``unknown``."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    mapped = [match_group(u) or OTHER_GROUP for u in uniques]
    return _take(mapped, codes, missing=UNKNOWN_GROUP)


def match_group(name: str) -> str | None:
    """Group code of one actor name, trying the dataset spellings in turn.

    ``TTP: Tehreek-i-Taliban Pakistan`` (ACLED) tries the whole name, then each side of the colon;
    ``Baloch Liberation Army (BLA)`` (GTD) and ``Islamic State (Pakistan)`` (ACLED) also try the
    name without the parenthesis and the parenthesis alone.
    """
    table = aliases.load("group")
    tries = [name]
    if ":" in name:
        left, _, right = name.partition(":")
        tries += [left, right]
    more = []
    for t in tries:
        t = t.strip()
        if t.endswith(")") and "(" in t:
            base, _, inner = t[:-1].rpartition("(")
            more += [base.strip(), inner.strip()]
    for t in [*tries, *more]:
        if t.strip():
            code = table.lookup(t)
            if code is not None:
                return code
    return None


def _take(mapped: Sequence[str], codes: np.ndarray, missing: str) -> pd.Series:
    cats = list(dict.fromkeys([*mapped, missing]))
    index = {c: i for i, c in enumerate(cats)}
    lut = np.array([index[m] for m in mapped] + [index[missing]], dtype=np.int32)
    return pd.Series(pd.Categorical.from_codes(lut[codes], categories=cats))


@dataclass(frozen=True, eq=False)
class Assigned:
    """Where each record lands: month/week keys (-1 = not in that panel) and the date rule."""

    month: np.ndarray
    week: np.ndarray
    rule: np.ndarray  # index into DATE_RULES


def assign_periods(ad: Adapted, imprecise: str) -> Assigned:
    """Apply the date rule (see :func:`trends.events.read_events`) to every record."""
    start_m = _dates.month_keys(ad.start)
    end_m = _dates.month_keys(ad.end)
    start_w = _dates.week_keys(ad.start)
    end_w = _dates.week_keys(ad.end)
    month_known = start_m == end_m
    week_known = start_w == end_w
    use_start = ad.start_reported & (imprecise == "start")
    in_month = month_known | use_start
    in_week = (month_known & week_known) | use_start
    rule = np.full(ad.n, DATE_RULES.index("annual_only"), dtype=np.int8)
    rule[in_month & ~month_known] = DATE_RULES.index("month_from_start")
    rule[month_known & ~in_week] = DATE_RULES.index("month_only")
    rule[month_known & in_week & ~week_known] = DATE_RULES.index("week_from_start")
    rule[month_known & week_known] = DATE_RULES.index("exact")
    return Assigned(month=np.where(in_month, start_m, -1), week=np.where(in_week, start_w, -1),
                    rule=rule)


def aggregate(
    keys: np.ndarray,
    period_keys: np.ndarray,
    region: pd.Series,
    group: pd.Series,
    measures: Mapping[str, np.ndarray],
    derived: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """Wide table (key, region, group) -> measures over the counted events, zero-filled.

    ``keys`` is the period key of each counted event; ``period_keys`` the covered periods. Every
    (region, group) pair seen at least once gets a row for every covered period; a period with no
    event is 0 (event data record every event in their coverage). A measure is NaN where events
    happened but none had the value reported (e.g. GTD ``nkill`` blank).
    """
    df = pd.DataFrame({"key": keys, "region": np.asarray(region, dtype=object),
                       "group": np.asarray(group, dtype=object)})
    names = list(measures)
    for m in names:
        df[m] = measures[m]
    fine = df.groupby(["key", "region", "group"], sort=False, observed=True)[names].sum(min_count=1)
    fine = fine.reset_index()
    parts = [fine[fine["region"] != ""]]
    for code, comps in derived.items():
        sub = fine[fine["region"].isin([*comps, code])]
        if len(sub) and set(sub["region"]) != {code}:
            sub = sub.groupby(["key", "group"], sort=False)[names].sum(min_count=1).reset_index()
            parts.append(sub.assign(region=code))
    nat = fine.groupby(["key", "group"], sort=False)[names].sum(min_count=1).reset_index()
    parts.append(nat.assign(region=NATIONAL))
    by_region = pd.concat(parts, ignore_index=True)
    all_groups = (by_region.groupby(["key", "region"], sort=False)[names].sum(min_count=1)
                  .reset_index().assign(group=ALL_GROUPS))
    out = pd.concat([by_region, all_groups], ignore_index=True)
    pairs = out[["region", "group"]].drop_duplicates()
    pairs = pd.concat([pairs, pd.DataFrame({"region": [NATIONAL], "group": [ALL_GROUPS]})])
    pairs = pairs.drop_duplicates().sort_values(["region", "group"])
    full = pd.MultiIndex.from_tuples(
        [(k, r, g) for r, g in pairs.itertuples(index=False) for k in period_keys],
        names=["key", "region", "group"],
    )
    out = out.set_index(["key", "region", "group"])
    out = out[out.index.get_level_values("key").isin(period_keys)]
    return out.reindex(full, fill_value=0.0).reset_index()


def to_long(wide: pd.DataFrame, labels: np.ndarray, period_col: str, source: str,
            url: str) -> pd.DataFrame:
    """Long panel in :data:`~trends.schema.PANEL_COLUMNS` order (``period_col`` first)."""
    names = [c for c in wide.columns if c not in ("key", "region", "group")]
    long = wide.melt(id_vars=["key", "region", "group"], value_vars=names,
                     var_name="measure", value_name="value")
    uniq, inv = np.unique(long["key"].to_numpy(), return_inverse=True)
    long[period_col] = labels(uniq)[inv] if callable(labels) else labels[inv]
    long["source"] = source
    long["url"] = url
    cols = [period_col, *PANEL_COLUMNS[1:]]
    long = long[cols].sort_values([period_col, "region", "group", "measure"], kind="stable")
    long["value"] = long["value"].astype("float64")
    for c in cols:
        if c != "value":
            long[c] = long[c].astype(str)
    return long.reset_index(drop=True)
