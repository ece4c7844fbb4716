"""UCDP Georeferenced Event Dataset (GED) and UCDP Candidate events, in UCDP's own CSV layout.

One row is one event of organised violence. ``type_of_violence``: 1 state-based conflict
(``side_a`` is a government), 2 non-state conflict (two organised non-state groups), 3 one-sided
violence (``side_a`` attacks ``Civilians``). Deaths: ``best`` (the UCDP estimate), ``low``,
``high``, and ``deaths_civilians``. Dates: ``date_start`` and ``date_end`` bound the event;
``date_prec`` (1 exact day ... 5 only a longer period) agrees with that range, which is what the
date rule uses.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from trends.errors import InputError

from . import _parse
from ._core import Adapted, Coverage
from ._io import read_columns, record_line

FORMAT = "ucdp-ged"
URL = "https://ucdp.uu.se/downloads/"
#: First year of UCDP GED.
FIRST_YEAR = 1989
REQUIRED = ("id", "year", "type_of_violence", "side_a", "side_b", "country", "adm_1",
            "date_start", "date_end", "best", "low", "high")
OPTIONAL = ("country_id", "date_prec", "deaths_civilians")
_INTS = {"id": pa.int64(), "year": pa.int64(), "type_of_violence": pa.int64(), "country_id": pa.int64(),
         "date_prec": pa.int64()}
_COUNTS = ("best", "low", "high", "deaths_civilians")


@dataclass(frozen=True)
class GedRule:
    """Which GED events count as militant attacks.

    Default: state-based events with a non-state side (so interstate events such as India -
    Pakistan are left out) and one-sided violence by a non-state actor (so one-sided violence by
    a government is left out). Non-state conflict (type 2) is left out by default.

    GED does not record who initiated a state-based event: security-force operations and
    (US) drone strikes against a non-state group count too. Leave them out with
    ``exclude_side_a=("Government of United States of America",)`` or similar.

    Attributes
    ----------
    types
        ``type_of_violence`` codes that may count (1, 2, 3).
    exclude_side_a
        ``side_a`` names (exact, case-insensitive) whose events never count.
    """

    types: tuple[int, ...] = (1, 3)
    exclude_side_a: tuple[str, ...] = ()

    def describe(self) -> str:
        """One-line statement of the rule for reports."""
        parts = {1: "state-based events with a non-state side (interstate left out)",
                 2: "non-state conflict events",
                 3: "one-sided violence by non-state actors (by governments left out)"}
        text = "; ".join(parts[t] for t in sorted(self.types))
        if self.exclude_side_a:
            text += "; not counting side_a in " + ", ".join(self.exclude_side_a)
        return f"UCDP GED attacks = {text}"


def _is_government(names: pd.Categorical) -> np.ndarray:
    return _parse.per_category(names, lambda c: str(c).startswith("Government of"), False)


def source_label(path: Path) -> str:
    """``UCDP GED 22.1`` from file names like ``ged221``, ``GEDEvent_v22_1``; candidate
    releases (``GEDEvent_v23_0_1``) become ``UCDP Candidate 23.0.1``."""
    name = path.name.lower()
    m = re.search(r"gedevent_v(\d{2})_(\d+)(?:_(\d+))?", name)
    if m:
        if m[2] == "0" and m[3]:
            return f"UCDP Candidate {m[1]}.0.{m[3]}"
        return f"UCDP GED {m[1]}.{m[2]}"
    m = re.search(r"ged(\d{2})(\d)(?!\d)", name)
    if m:
        return f"UCDP GED {m[1]}.{m[2]}"
    if "candidate" in name:
        return "UCDP Candidate"
    return "UCDP GED"


def read(path: Path, country: str | None, rule: GedRule, names: list[str]) -> Adapted:
    """Read one GED CSV export into an :class:`Adapted` record."""
    cols = [*REQUIRED, *[c for c in OPTIONAL if c in names]]
    types = {c: t for c, t in _INTS.items() if c in cols}
    types.update({c: pa.float64() for c in _COUNTS if c in cols})
    types.update({c: _parse.CATEGORY for c in ("side_a", "side_b", "adm_1", "country")})
    # '2021-08-03' and '2021-08-03 00:00:00.000' both parse as timestamps, in the reader threads
    types.update({"date_start": pa.timestamp("ms"), "date_end": pa.timestamp("ms")})
    table = read_columns(path, cols, types)
    n = table.num_rows

    start = _parse.timestamps(table, "date_start", path)
    end = _parse.timestamps(table, "date_end", path)
    # UCDP GED starts in 1989; 'year' is the year of date_start
    _parse.check_dates(start, path, "date_start", FIRST_YEAR, _parse.numbers(table, "year"))
    _parse.check_dates(end, path, "date_end", FIRST_YEAR)
    bad = np.flatnonzero(end < start)
    if bad.size:
        i = int(bad[0])
        raise InputError("date_end is before date_start", path=path, line=record_line(path, i),
                         field="date_end", value=str(end[i]),
                         expected=f"a date on or after date_start {start[i]}")
    tov = _parse.integers_in(table, "type_of_violence", path, (1, 2, 3),
                             "type_of_violence 1, 2 or 3")
    measures = {
        "killed": _parse.non_negative(table, "best", path),
        "killed_low": _parse.non_negative(table, "low", path),
        "killed_high": _parse.non_negative(table, "high", path),
    }
    if "deaths_civilians" in cols:
        measures["killed_civilians"] = _parse.non_negative(table, "deaths_civilians", path)

    side_a = _parse.category(table, "side_a")
    side_b = _parse.category(table, "side_b")
    gov_a, gov_b = _is_government(side_a), _is_government(side_b)

    # the attack rule: reason codes index REASONS; 0 = counts
    ruled = np.isin(tov, rule.types)
    code = np.zeros(n, dtype=np.int8)
    code[~ruled] = 1
    code[ruled & (tov == 1) & gov_a & gov_b] = 2
    code[ruled & (tov == 3) & gov_a] = 3
    if rule.exclude_side_a:
        names_out = {s.casefold() for s in rule.exclude_side_a}
        excluded = _parse.per_category(side_a, lambda c: str(c).casefold() in names_out, False)
        code[excluded & (code == 0)] = 4
    reasons = ["", "type_of_violence not in the attack rule",
               "interstate (both sides are governments)", "one-sided violence by a government",
               "side_a excluded by the rule"]

    # perpetrator: the non-state side (type 1: side_b when side_a is a government)
    group = _parse.pick((tov == 1) & gov_a, side_a, side_b)

    country_col = _parse.category(table, "country")
    in_country = _parse.in_country(country_col, country)
    if country is not None and country.strip().isdigit() and "country_id" in cols:
        in_country |= _parse.numbers(table, "country_id") == float(country.strip())

    prec = (_parse.numbers(table, "date_prec") if "date_prec" in cols
            else np.full(n, np.nan))

    def date_text() -> pd.Categorical:
        def render(a: int, b: int, p: int) -> str:
            text = f"{_parse.day_text(a)}/{_parse.day_text(b)}"
            return text + (f" prec {p}" if p >= 0 else "")

        return _parse.combo_text([start.astype(np.int64), end.astype(np.int64),
                                  np.nan_to_num(prec, nan=-1)], render)

    return Adapted(
        path=str(path),
        event_id=table.column("id"),
        country=country_col,
        in_country=in_country,
        start=start, end=end,
        start_reported=np.ones(n, dtype=bool),
        date_text=date_text,
        attack=code == 0,
        reason=pd.Categorical.from_codes(code, categories=pd.Index(reasons, dtype=object)),
        region_raw=_parse.category(table, "adm_1"),
        group_raw=group,
        measures=measures,
        years=_parse.numbers(table, "year"),
    )


def coverage(years: np.ndarray, source: str) -> Coverage:
    """GED releases cover whole calendar years (22.1: 1989-2021): the file's year range.

    Candidate releases are monthly and run to their last event, so the caller uses the event
    dates instead (see :func:`trends.events.read_events`).
    """
    y0, y1 = int(np.nanmin(years)), int(np.nanmax(years))
    return Coverage(_dt.date(y0, 1, 1), _dt.date(y1, 12, 31),
                    basis=f"{source}: whole calendar years {y0}-{y1} of the 'year' column")
