"""ACLED (Armed Conflict Location & Event Data) exports, in ACLED's own CSV layout.

One row is one event. ``event_type`` is one of Battles, Explosions/Remote violence, Violence
against civilians, Protests, Riots, Strategic developments. ``inter1``/``inter2`` give the actor
type: 1 state forces, 2 rebel group, 3 political militia, 4 identity militia, 5 rioters,
6 protesters, 7 civilians, 8 external/other forces (numeric in older exports, the names in newer
ones; both are read). ``time_precision`` 1 = day known, 2 = week known (``event_date`` inside it),
3 = only the month known (``event_date`` inside it). ``event_date`` is ``2021-08-15`` (API) or
``15 August 2021`` (export tool). ``fatalities`` is ACLED's (conservative) estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from trends.errors import InputError

from . import _parse
from ._core import Adapted, Coverage
from ._io import read_columns, record_line

FORMAT = "acled"
SOURCE = "ACLED"
URL = "https://acleddata.com/data-export-tool/"
#: First year of any ACLED coverage.
FIRST_YEAR = 1997
REQUIRED = ("event_id_cnty", "event_date", "year", "event_type", "actor1", "inter1", "actor2",
            "inter2", "country", "admin1", "fatalities")
OPTIONAL = ("time_precision", "sub_event_type")
DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d/%m/%Y")
#: ACLED actor-type names (newer exports) -> the numeric codes of older exports.
INTER_NAMES = {
    "state forces": 1, "rebel group": 2, "political militia": 3, "identity militia": 4,
    "rioters": 5, "protesters": 6, "civilians": 7, "external/other forces": 8,
}
#: ACLED writes Khyber Pakhtunkhwa by today's boundaries, i.e. with the former FATA merged in.
REGION_OVERRIDES = {"Khyber Pakhtunkhwa": "khyber_pakhtunkhwa_incl_ex_fata"}


@dataclass(frozen=True)
class AcledRule:
    """Which ACLED events count as militant attacks.

    Default: political-violence events (``event_types``) in which a non-state armed actor
    (``actor_types``: rebel group, political militia, identity militia) is the perpetrator:
    ``actor1`` for Explosions/Remote violence and Violence against civilians, either actor for
    Battles (ACLED does not record who attacked in a battle). So air/drone strikes by state
    forces and state violence against civilians are left out.
    """

    event_types: tuple[str, ...] = ("Battles", "Explosions/Remote violence",
                                    "Violence against civilians")
    actor_types: tuple[int, ...] = (2, 3, 4)

    def describe(self) -> str:
        """One-line statement of the rule for reports."""
        return (f"ACLED attacks = event_type in {', '.join(self.event_types)} with a non-state "
                f"armed actor (inter {', '.join(map(str, self.actor_types))}) as actor1 (either "
                "actor for Battles)")


def _inter_code(value: str) -> int:
    key = str(value).strip().casefold()
    if key in INTER_NAMES:
        return INTER_NAMES[key]
    try:
        code = float(key)
    except ValueError:
        return -1
    return int(code) if code.is_integer() and 0 <= code <= 8 else -1


def _inter(table: pa.Table, name: str, path: Path) -> np.ndarray:
    cat = _parse.category(table, name)
    codes = _parse.per_category(cat, _inter_code, 0)  # empty: no actor type (0)
    bad = codes < 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError("unknown actor type", path=path, line=record_line(path, i), field=name,
                         value=cat[i],
                         expected="0-8 or an ACLED actor type such as 'Rebel group'")
    return codes.astype(np.int64)


def read(path: Path, country: str | None, rule: AcledRule, names: list[str]) -> Adapted:
    """Read one ACLED CSV export into an :class:`Adapted` record."""
    cols = [*REQUIRED, *[c for c in OPTIONAL if c in names]]
    types = {"year": pa.int64(), "fatalities": pa.float64()}
    if "time_precision" in cols:
        types["time_precision"] = pa.int64()
    types.update({c: _parse.CATEGORY for c in ("event_date", "event_type", "actor1", "actor2",
                                               "inter1", "inter2", "country", "admin1")})
    table = read_columns(path, cols, types)
    n = table.num_rows

    day = _parse.dates(table, "event_date", path, DATE_FORMATS)
    # ACLED's earliest coverage (Africa) starts in 1997; 'year' is the event date's year
    _parse.check_dates(day, path, "event_date", FIRST_YEAR, _parse.numbers(table, "year"))
    precision = (_parse.integers_in(table, "time_precision", path, (1, 2, 3),
                                    "time_precision 1, 2 or 3")
                 if "time_precision" in cols else np.ones(n, dtype=np.int64))
    # precision 1 and 2: ACLED's date (inside the reported week for 2) is used as the date;
    # precision 3: only the month is reported, so the event spans its month (monthly panel only)
    month_start = day.astype("datetime64[M]").astype("datetime64[D]")
    month_end = (day.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    start = np.where(precision == 3, month_start, day)
    end = np.where(precision == 3, month_end, day)

    etype = _parse.category(table, "event_type")
    inter1, inter2 = _inter(table, "inter1", path), _inter(table, "inter2", path)
    armed1, armed2 = np.isin(inter1, rule.actor_types), np.isin(inter2, rule.actor_types)
    types_in = set(rule.event_types)
    is_battle = _parse.per_category(etype, lambda c: c == "Battles", False)
    typed = _parse.per_category(etype, lambda c: c in types_in, False)
    code = np.zeros(n, dtype=np.int8)
    code[~typed] = 1
    code[typed & ~np.where(is_battle, armed1 | armed2, armed1)] = 2
    reasons = ["", "event_type not in the attack rule",
               "no non-state armed actor as perpetrator"]
    group = _parse.pick(~armed1 & armed2, _parse.category(table, "actor1"),
                        _parse.category(table, "actor2"))

    country_col = _parse.category(table, "country")
    in_country = _parse.in_country(country_col, country)

    def date_text() -> pd.Categorical:
        dates = _parse.category(table, "event_date")
        names = list(dates.categories)
        return _parse.combo_text([dates.codes, precision], lambda d, p: (
            names[d] if d >= 0 else "") + (f" tp {p}" if "time_precision" in cols else ""))

    return Adapted(
        path=str(path),
        event_id=table.column("event_id_cnty"),
        country=country_col,
        in_country=in_country,
        start=start, end=end,
        start_reported=precision != 3,
        date_text=date_text,
        attack=code == 0,
        reason=pd.Categorical.from_codes(code, categories=pd.Index(reasons, dtype=object)),
        region_raw=_parse.category(table, "admin1"),
        group_raw=group,
        measures={"killed": _parse.non_negative(table, "fatalities", path)},
        years=_parse.numbers(table, "year"),
        region_overrides=REGION_OVERRIDES,
    )


def coverage(start: np.ndarray, end: np.ndarray) -> Coverage:
    """ACLED is updated weekly: coverage runs from the first to the last event date in the file.

    ACLED's Pakistan coverage starts in 2010 (ACLED's own statement); a file exported mid-week
    ends part-way through its last ISO week, which is then partial.
    """
    first = pd.Timestamp(start.min()).date()
    last = pd.Timestamp(end.max()).date()
    return Coverage(first, last, basis="ACLED: first to last event date in the file")

