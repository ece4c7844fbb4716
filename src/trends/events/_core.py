"""The dataset-independent part: coverage, date rule, region/group mapping and aggregation.

Each adapter (:mod:`.ged`, :mod:`.acled`, :mod:`.gtd`) turns its file into an :class:`Adapted`
record of plain arrays (one entry per data record of the file); everything below works on those
arrays, vectorised, so the three datasets share one set of rules.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from trends import aliases
from trends.schema import ALL_GROUPS, NATIONAL

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
    event_id: pa.ChunkedArray
    country: pd.Categorical
    in_country: np.ndarray          # bool
    start: np.ndarray               # datetime64[D]: earliest possible date
    end: np.ndarray                 # datetime64[D]: latest possible date
    start_reported: np.ndarray      # bool: start is a date the dataset reports (not a bound)
    date_text: Callable[[], pd.Categorical]  # the raw date fields, for the audit (lazily)
    attack: np.ndarray              # bool: counts as a militant attack under the rule
    reason: pd.Categorical          # why an in-country event is not an attack ("" if it is)
    region_raw: pd.Categorical
    group_raw: pd.Categorical
    measures: dict[str, np.ndarray] # float64, NaN = not known
    years: np.ndarray               # int64: year of every record (for the coverage)
    lines: np.ndarray | None = None # physical line of each record, filled in by the reader
    region_overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of data records."""
        return len(self.in_country)


def map_regions(raw: pd.Categorical, overrides: Mapping[str, str] | None = None
                ) -> pd.Categorical:
    """Region code of each raw admin-1 name ('' where empty or not in the alias table)."""
    table = aliases.load("region")
    over = {aliases.normalise_key(k): v for k, v in (overrides or {}).items()}

    def one(name: str) -> str:
        key = aliases.normalise_key(name)
        return over.get(key) or table.lookup(key) or table.lookup(_strip_suffix(key)) or ""

    return _recode(raw, one, missing="")


def _strip_suffix(key: str) -> str:
    # UCDP writes "Balochistan province", "Sindh province"; the alias table has the bare names
    for suffix in (" province", " division", " territory"):
        if key.endswith(suffix) and key != "islamabad capital territory":
            return key[: -len(suffix)]
    return key


def map_groups(raw: pd.Categorical) -> pd.Categorical:
    """Group code of each perpetrator name: alias table, else ``other``; empty -> ``unknown``."""
    return _recode(raw, lambda name: match_group(name) or OTHER_GROUP, missing=UNKNOWN_GROUP)


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


def _recode(raw: pd.Categorical, func, missing: str) -> pd.Categorical:
    mapped = [func(c) if str(c).strip() else missing for c in raw.categories]
    cats = sorted(set(mapped) | {missing})
    index = {c: i for i, c in enumerate(cats)}
    lut = np.array([index[m] for m in mapped] + [index[missing]], dtype=np.int32)
    return pd.Categorical.from_codes(lut[raw.codes], categories=pd.Index(cats, dtype=object))


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


def build_panel(
    keys: np.ndarray,
    period_keys: np.ndarray,
    period_labels: np.ndarray,
    period_col: str,
    region: pd.Categorical,
    group: pd.Categorical,
    measures: Mapping[str, np.ndarray],
    derived: Mapping[str, Sequence[str]],
    source: str,
    url: str,
    step: int = 1,
) -> pd.DataFrame:
    """Long panel (``period_col`` then :data:`~trends.schema.PANEL_COLUMNS[1:]`) of counted events.

    ``keys`` is the period key of each counted event (all in ``period_keys``, the covered
    periods, sorted). Every (region, group) pair seen at least once gets a row for every covered
    period and measure; a period with no event is 0 (event data record every event in their
    coverage). A measure is NaN where events happened but none had the value reported (e.g. GTD
    ``nkill`` blank). ``region`` code ``""`` (unmapped) counts in ``national`` only.

    Sums are dense ``bincount`` cubes period x region x group, so the cost is one pass over the
    events plus the size of the output.
    """
    n_p = len(period_keys)
    pos = period_positions(period_keys, keys, step)
    rcats = list(region.categories)
    gcats = list(group.categories)
    n_r, n_g = len(rcats), len(gcats)
    cell = (pos * n_r + region.codes.astype(np.int64)) * n_g + group.codes.astype(np.int64)
    size = n_p * n_r * n_g
    count = np.bincount(cell, minlength=size).reshape(n_p, n_r, n_g).astype(np.float64)

    # region axis: mapped regions, derived regions, national (all events incl. unmapped)
    mapped = [i for i, r in enumerate(rcats) if r != ""]
    out_regions = [rcats[i] for i in mapped]
    combos: list[list[int]] = [[i] for i in mapped]
    for code, comps in derived.items():
        members = [rcats.index(r) for r in (*comps, code) if r in rcats]
        if members and not (len(members) == 1 and rcats[members[0]] == code):
            if code in out_regions:  # a region both given directly and derived: derived wins
                k = out_regions.index(code)
                del out_regions[k], combos[k]
            out_regions.append(code)
            combos.append(members)
    out_regions.append(NATIONAL)
    combos.append(list(range(n_r)))

    def regions_of(cube: np.ndarray) -> np.ndarray:  # (P, R, G) -> (P, R', G+1 with 'all')
        by_r = np.stack([cube[:, c, :].sum(axis=1) for c in combos], axis=1)
        return np.concatenate([by_r, by_r.sum(axis=2, keepdims=True)], axis=2)

    out_groups = [*gcats, ALL_GROUPS]
    n_events = regions_of(count)
    seen = n_events.sum(axis=0) > 0  # (R', G'): pairs with at least one event
    seen[out_regions.index(NATIONAL), -1] = True
    names = sorted(measures)
    values = {}
    for m in names:
        v = np.asarray(measures[m], dtype=np.float64)
        known = ~np.isnan(v)
        tot = np.bincount(cell[known], weights=v[known], minlength=size).reshape(n_p, n_r, n_g)
        k = np.bincount(cell[known], minlength=size).reshape(n_p, n_r, n_g).astype(np.float64)
        tot, k = regions_of(tot), regions_of(k)
        values[m] = np.where((n_events > 0) & (k == 0), np.nan, tot)

    # output order: period, region, group, measure (alphabetical codes, as sort_values would)
    r_order = np.argsort(np.array(out_regions, dtype=object), kind="stable")
    g_order = np.argsort(np.array(out_groups, dtype=object), kind="stable")
    pairs = [(r, g) for r in r_order for g in g_order if seen[r, g]]
    pr = np.array([r for r, _ in pairs], dtype=np.int64)
    pg = np.array([g for _, g in pairs], dtype=np.int64)
    n_q, n_m = len(pairs), len(names)
    cube = np.stack([values[m][:, pr, pg] for m in names], axis=2)  # (P, Q, M)
    n = n_p * n_q * n_m
    # label columns: small arrays of distinct strings, expanded by (arrow) take
    def expand(labels: Sequence[str], codes: np.ndarray) -> pd.Series:
        return pd.Series(pd.array(list(labels), dtype="str").take(codes))

    q = np.arange(n_q)
    frame = pd.DataFrame({
        period_col: expand(list(period_labels), np.repeat(np.arange(n_p), n_q * n_m)),
        "region": expand(np.array(out_regions, dtype=object)[pr].tolist(),
                         np.tile(np.repeat(q, n_m), n_p)),
        "group": expand(np.array(out_groups, dtype=object)[pg].tolist(),
                        np.tile(np.repeat(q, n_m), n_p)),
        "measure": expand(names, np.tile(np.arange(n_m), n_p * n_q)),
        "source": expand([source], np.zeros(n, dtype=np.int64)),
        "value": cube.reshape(-1),
        "url": expand([url], np.zeros(n, dtype=np.int64)),
    })
    return frame


def period_positions(period_keys: np.ndarray, keys: np.ndarray, step: int) -> np.ndarray:
    """Index of each key in the sorted ``period_keys`` (spaced ``step`` apart, maybe with gaps).

    A lookup table over the key range: one vectorised take instead of a binary search.
    """
    if len(keys) == 0 or len(period_keys) == 0:
        return np.zeros(len(keys), dtype=np.int64)
    first = int(period_keys[0])
    lut = np.full((int(period_keys[-1]) - first) // step + 1, -1, dtype=np.int64)
    lut[(period_keys - first) // step] = np.arange(len(period_keys))
    return lut[(keys - first) // step]
