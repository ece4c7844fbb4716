"""Global Terrorism Database (GTD, START) exports, in GTD's own CSV layout.

One row is one incident of terrorism by a non-state actor (``eventid`` like ``202108150001``).
Date fields ``iyear``, ``imonth``, ``iday``; ``imonth`` or ``iday`` 0 means unknown. Perpetrator
``gname`` (``Unknown`` when not identified); deaths ``nkill`` (incl. perpetrators), injuries
``nwound``; an empty cell is not known. ``doubtterr`` 1 flags incidents GTD doubts are terrorism.
GTD has no data for 1993 (lost and never recovered), so 1993 is a coverage gap, not zeros.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from trends.errors import InputError

from . import _parse
from ._core import Adapted, Coverage
from ._io import read_columns, record_line

FORMAT = "gtd"
SOURCE = "GTD"
URL = "https://www.start.umd.edu/gtd/"
#: First year of the GTD.
FIRST_YEAR = 1970
REQUIRED = ("eventid", "iyear", "imonth", "iday", "country_txt", "provstate", "gname", "nkill",
            "nwound")
OPTIONAL = ("doubtterr", "attacktype1_txt")
#: GTD has no incidents for 1993: the data were lost.
GAP_1993 = (_dt.date(1993, 1, 1), _dt.date(1993, 12, 31))


@dataclass(frozen=True)
class GtdRule:
    """Which GTD incidents count as militant attacks.

    Every GTD incident is by definition an attack by a non-state actor, so all count (GTD's own
    default, which includes attempted attacks). ``exclude_doubtful=True`` leaves out incidents
    with ``doubtterr == 1``.
    """

    exclude_doubtful: bool = False

    def describe(self) -> str:
        """One-line statement of the rule for reports."""
        return "GTD attacks = every incident" + (
            " except doubtterr == 1" if self.exclude_doubtful else " (incl. doubtterr == 1)")


def read(path: Path, country: str | None, rule: GtdRule, names: list[str]) -> Adapted:
    """Read one GTD CSV export into an :class:`Adapted` record."""
    cols = [*REQUIRED, *[c for c in OPTIONAL if c in names]]
    types = {"eventid": pa.int64(), "iyear": pa.int64(), "imonth": pa.int64(), "iday": pa.int64(),
             "nkill": pa.float64(), "nwound": pa.float64()}
    if "doubtterr" in cols:
        types["doubtterr"] = pa.float64()
    types.update({c: _parse.CATEGORY for c in ("country_txt", "provstate", "gname")})
    table = read_columns(path, cols, types)
    n = table.num_rows

    year = _parse.numbers(table, "iyear")
    missing = np.isnan(year)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise InputError("year is missing", path=path, line=record_line(path, i), field="iyear",
                         expected="a year such as 2021")
    _parse.check_years(year, path, "iyear", FIRST_YEAR)  # also years no date can hold
    month = _parse.integers_in(table, "imonth", path, range(0, 13), "0 (unknown) or 1-12")
    day = _parse.integers_in(table, "iday", path, range(0, 32), "0 (unknown) or 1-31")
    y = year.astype(np.int64)
    month_start = _month_start(y, np.maximum(month, 1))
    month_end = (month_start.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    exact = month_start + (np.maximum(day, 1) - 1).astype("timedelta64[D]")
    bad = (day > 0) & (month > 0) & (exact > month_end)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError("no such day in this month", path=path, line=record_line(path, i),
                         field="iday", value=int(day[i]),
                         expected=f"a day of {int(y[i])}-{int(month[i]):02d} or 0 (unknown)")
    year_start = _month_start(y, np.ones_like(y))
    year_end = _month_start(y + 1, np.ones_like(y)) - 1
    known_day = (month > 0) & (day > 0)
    start = np.where(month == 0, year_start, np.where(day == 0, month_start, exact))
    end = np.where(month == 0, year_end, np.where(day == 0, month_end, exact))
    _parse.check_dates(start, path, "iyear", FIRST_YEAR)  # not after today

    code = np.zeros(n, dtype=np.int8)
    if rule.exclude_doubtful and "doubtterr" in cols:
        code[_parse.numbers(table, "doubtterr") == 1] = 1
    reasons = ["", "doubtterr == 1 (doubtful terrorism)"]

    country_col = _parse.category(table, "country_txt")
    in_country = _parse.in_country(country_col, country)

    def date_text() -> pd.Categorical:
        return _parse.combo_text([y, month, day], lambda a, b, c: f"{a}-{b:02d}-{c:02d}")

    return Adapted(
        path=str(path),
        event_id=table.column("eventid"),
        country=country_col,
        in_country=in_country,
        start=start, end=end,
        start_reported=known_day,
        date_text=date_text,
        attack=code == 0,
        reason=pd.Categorical.from_codes(code, categories=pd.Index(reasons, dtype=object)),
        region_raw=_parse.category(table, "provstate"),
        group_raw=_parse.category(table, "gname"),
        measures={"killed": _parse.non_negative(table, "nkill", path),
                  "injured": _parse.non_negative(table, "nwound", path)},
        years=year,
    )


def _month_start(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    return ((year - 1970) * 12 + (month - 1)).astype("datetime64[M]").astype("datetime64[D]")


def coverage(years: np.ndarray) -> Coverage:
    """GTD releases cover whole calendar years; 1993 is a gap (no GTD data exist for it)."""
    y0, y1 = int(np.nanmin(years)), int(np.nanmax(years))
    gaps = (GAP_1993,) if y0 <= 1993 <= y1 else ()
    return Coverage(_dt.date(y0, 1, 1), _dt.date(y1, 12, 31), gaps=gaps,
                    basis=f"GTD: whole calendar years {y0}-{y1} of 'iyear'"
                    + ("; 1993 was lost" if gaps else ""))
