"""Dates as people export them: the one place that reads model date columns beyond ISO text.

:func:`trends.design.to_period` reads ISO spellings (``2021-08``, ``2021-08-15``, ``2021Q3``,
``2021-W31``, ``2021``); this module adds the spellings spreadsheets, statistical offices and R
write, for date columns and interruption dates alike:

==============================  =========================================================
spelling                        read as
==============================  =========================================================
``Jan 2022``, ``January 2022``  that month (also ``Jan. 2022``, ``January, 2022``,
``2022 Jan``, ``Jan-2022``      ``2022-Jan``); a month name needs a four-digit year:
                                ``Jan-22`` is refused as ambiguous (22 January?)
``2022M01``, ``2022m1``         that month (Eurostat/Stata style)
``1983.083333`` (R ``ts``)      decimal time ``year + (period - 1) / frequency``: monthly
                                (frequency 12), quarterly (4) or annual (1); the frequency
                                is given (``freq``) or inferred from the spacing of the
                                column's values (1/12, 1/4 or 1)
separate columns                ``year`` with ``month`` (1-12 or a month name), ``quarter``
                                (1-4 or ``Q1``) or ``week`` (ISO week 1-53) columns:
                                :func:`combine_columns`, ``trends fit --date year,month``
==============================  =========================================================

Numeric day/month orders (``01/02/2022``) are refused: they are ambiguous.

Functions raise :class:`DateError` (a :class:`ValueError`) carrying the row position, the column,
the value and what was expected; callers turn it into a message naming a file line
(:func:`trends.commands.fit.read_series`) or a data row (:func:`trends.design.build_design`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

# one table of month names for report periods (trends.periods) and date columns (here)
from trends.periods import _MON, _MONTHS

__all__ = ["DateError", "parse_text", "from_decimal", "infer_decimal_freq", "parse_column",
           "combine_columns", "second_kind", "DECIMAL_FREQUENCY"]

#: Observations per year of R ``ts`` decimal time, by canonical frequency code.
DECIMAL_FREQUENCY: dict[str, int] = {"M": 12, "Q": 4, "Y": 1}
_PFREQ = {"M": "M", "W": "W-SUN", "Q": "Q-DEC", "Y": "Y-DEC"}

_SEP = r"\s*[-/.,_ ]\s*"
_NAME_YEAR = re.compile(rf"({_MON})\.?(?:{_SEP}|\s*)(\d{{4}}|\d{{2}})", re.I)
_YEAR_NAME = re.compile(rf"(\d{{4}}){_SEP}({_MON})\.?", re.I)
_YEAR_M = re.compile(r"(\d{4})[mM](\d{1,2})")
_DECIMAL = re.compile(r"[+]?\d{3,4}\.\d+")

#: Names of a second date column that say what it holds (normalised: lower case).
_SECOND = {
    "month": "M", "months": "M", "mon": "M", "m": "M", "month_of_year": "M",
    "quarter": "Q", "qtr": "Q", "q": "Q", "quarters": "Q",
    "week": "W", "weeks": "W", "wk": "W", "w": "W", "isoweek": "W", "iso_week": "W",
    "week_of_year": "W",
}
_EXPECTED_SECOND = {"M": "a month 1-12 or a month name (Jan, January)",
                    "Q": "a quarter 1-4 (or Q1-Q4)", "W": "an ISO week 1-53 of that year"}


class DateError(ValueError):
    """A date that cannot be read.

    Attributes
    ----------
    reason
        What is wrong.
    pos
        0-based row position in the column (``None`` for a single value).
    column
        The column concerned (``None`` for a single value).
    value
        The value as seen.
    expected
        What would have been accepted.

    Parameters
    ----------
    reason, value, expected, pos, column
        As the attributes.

    Examples
    --------
    >>> e = DateError("missing date", value="", expected="a date in every row")
    >>> e.at(3, "month").pos, str(e)
    (3, 'missing date')
    """

    def __init__(self, reason: str, *, value: object = None, expected: str = "",
                 pos: int | None = None, column: str | None = None) -> None:
        self.reason, self.value, self.expected = reason, value, expected
        self.pos, self.column = pos, column
        super().__init__(reason)

    def at(self, pos: int, column: str) -> DateError:
        """This error located at row ``pos`` of ``column``."""
        return DateError(self.reason, value=self.value, expected=self.expected, pos=pos,
                         column=column)


def _period(year: int, sub: int, code: str) -> pd.Period:
    if code == "M":
        return pd.Period(year=year, month=sub, freq="M")
    if code == "Q":
        return pd.Period(year=year, quarter=sub, freq="Q-DEC")
    if code == "Y":
        return pd.Period(year=year, freq="Y-DEC")
    monday = pd.Timestamp.fromisocalendar(year, sub, 1)
    return pd.Period(monday, "W-SUN")


def _coarsen(p: pd.Period, code: str, value: object) -> pd.Period:
    """``p`` (a month) as a period of ``code``; a month is not a week."""
    if code == "W":
        raise DateError("a month is not a week", value=value,
                        expected="a weekly date (2021-08-02 or 2021-W31)")
    return p.asfreq(_PFREQ[code], how="start")


def parse_text(text: str, code: str) -> pd.Period:
    """Read one date text beyond ISO (month names, ``2022M01``, R decimal time).

    Parameters
    ----------
    text
        The date as written.
    code
        Canonical frequency of the result: ``"M"``, ``"W"``, ``"Q"`` or ``"Y"``.

    Returns
    -------
    pandas.Period

    Raises
    ------
    DateError
        An unrecognised or ambiguous spelling.

    Examples
    --------
    >>> parse_text("Jan 2022", "M")
    Period('2022-01', 'M')
    >>> parse_text("1983.083333", "M")
    Period('1983-02', 'M')
    """
    s = re.sub(r"\s+", " ", str(text)).strip()
    m = _NAME_YEAR.fullmatch(s)
    if m:
        if len(m.group(2)) == 2:
            raise DateError("month name with a two-digit year is ambiguous (a day of the month?)",
                            value=text, expected=f"a four-digit year, e.g. "
                            f"'{m.group(1).title()} 20{m.group(2)}'")
        return _coarsen(_period(int(m.group(2)), _MONTHS[m.group(1).lower()], "M"), code, text)
    m = _YEAR_NAME.fullmatch(s)
    if m:
        return _coarsen(_period(int(m.group(1)), _MONTHS[m.group(2).lower()], "M"), code, text)
    m = _YEAR_M.fullmatch(s)
    if m:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise DateError(f"month {month} out of range", value=text, expected="month 1-12")
        return _coarsen(_period(int(m.group(1)), month, "M"), code, text)
    if _DECIMAL.fullmatch(s):
        return from_decimal(float(s), code, value=text)
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", s):
        raise DateError("day/month order is ambiguous", value=text,
                        expected="an ISO date (2022-01-31) or a month (2022-01, Jan 2022)")
    raise DateError("unrecognised date text", value=text,
                    expected="2021-08, 2021-08-15, Aug 2021, 2021Q3, 2021-W31, 2021 or R "
                    "decimal time such as 2021.583")


def from_decimal(x: float, code: str, *, value: object = None) -> pd.Period:
    """The period of R ``ts`` decimal time ``x`` (``year + (period - 1) / frequency``).

    ``x`` must lie on the grid of the frequency to within 0.1 % of a period (R prints
    ``1983.083333`` for February 1983).

    Parameters
    ----------
    x
        The decimal time.
    code
        ``"M"``, ``"Q"`` or ``"Y"``.
    value
        The value as written (for the message).

    Returns
    -------
    pandas.Period

    Examples
    --------
    >>> from_decimal(1983.083333, "M")
    Period('1983-02', 'M')

    Raises
    ------
    DateError
        For weekly data (R's frequency 52 does not map to calendar weeks) or a value off the
        grid.
    """
    shown = x if value is None else value
    if code not in DECIMAL_FREQUENCY:
        raise DateError("R decimal time is read for monthly, quarterly or annual data only "
                        "(frequency 52 does not map to ISO weeks)", value=shown,
                        expected="weekly dates such as 2021-08-02 or 2021-W31")
    f = DECIMAL_FREQUENCY[code]
    if not np.isfinite(x):
        raise DateError("not a finite number", value=shown, expected="a decimal time")
    k = x * f
    n = round(k)
    if abs(k - n) > 1e-3:
        raise DateError(f"decimal time is not on the grid of frequency {f}", value=shown,
                        expected=f"year + (period - 1)/{f}, e.g. "
                        + {"M": "1983.083333 for 1983-02", "Q": "1983.25 for 1983Q2",
                           "Y": "1983"}[code])
    year, sub = divmod(int(n), f)
    return _period(year, sub + 1, code)


def infer_decimal_freq(values: Sequence[float] | pd.Series) -> str:
    """Frequency code of an R decimal-time column, from the spacing of its values.

    The median spacing of consecutive distinct values must be 1/12 (monthly), 1/4 (quarterly)
    or 1 (annual), to within 0.1 % of a period.

    Parameters
    ----------
    values
        The decimal times.

    Returns
    -------
    str
        ``"M"``, ``"Q"`` or ``"Y"``.

    Examples
    --------
    >>> infer_decimal_freq([1983.0, 1983.25, 1983.5])
    'Q'

    Raises
    ------
    DateError
        Fewer than two distinct values, or another spacing.
    """
    v = np.unique(np.asarray(pd.Series(values).dropna(), dtype=float))
    if len(v) < 2:
        raise DateError("cannot infer the frequency of one decimal time", expected="freq "
                        "given (M, Q or Y)")
    step = float(np.median(np.diff(v)))
    for code, f in DECIMAL_FREQUENCY.items():
        if abs(step * f - 1) < 1e-3:
            return code
    raise DateError(f"decimal times are {step:.6g} years apart, not 1/12, 1/4 or 1",
                    expected="R ts decimal time of monthly, quarterly or annual data, or freq "
                    "given")


def parse_column(values: pd.Series, freq: str | None = None, *,
                 column: str = "date") -> tuple[pd.Series, str]:
    """Read a whole date column; returns the periods (a Period-dtype Series) and their code.

    Each value is read by :func:`trends.design.to_period` (ISO spellings, datetimes, years)
    and, beyond that, by :func:`parse_text`; a float column of non-whole numbers is R decimal
    time.

    Parameters
    ----------
    values
        The column.
    freq
        Frequency (default: inferred).
    column
        Column name (for messages).

    Returns
    -------
    periods : pandas.Series
        Period dtype, named ``column``.
    code : str
        The canonical frequency code.

    Examples
    --------
    >>> import pandas as pd
    >>> periods, code = parse_column(pd.Series(["2021-01", "Feb 2021"]))
    >>> periods.astype(str).tolist(), code
    (['2021-01', '2021-02'], 'M')

    Raises
    ------
    DateError
        At the first missing or unreadable date, with its row position.
    """
    from trends.design import infer_freq, normalise_freq, to_period
    from trends.errors import SpecificationError

    s = pd.Series(values).reset_index(drop=True)
    missing = s.isna() | s.astype(str).str.strip().eq("")
    if missing.any():
        pos = int(np.flatnonzero(missing.to_numpy())[0])
        raise DateError("missing date", value="", expected="a date in every row",
                        pos=pos, column=column)
    if freq is not None:
        code = normalise_freq(freq)
    else:
        text = s.astype(str).str.strip()
        if not pd.api.types.is_numeric_dtype(s.dtype) and text.str.fullmatch(
                _DECIMAL.pattern).all():
            s = text.astype(float)  # decimal time written as text
        try:
            code = infer_freq(s)
        except SpecificationError as exc:
            raise DateError(str(exc), column=column) from None
    out = []
    for pos, v in enumerate(s.tolist()):
        try:
            out.append(to_period(v, code, what=f"column '{column}' date"))
        except SpecificationError as exc:
            cause = exc.__context__ if isinstance(exc.__context__, DateError) else None
            raise DateError(cause.reason if cause else str(exc), value=v,
                            expected=cause.expected if cause else "", pos=pos,
                            column=column) from None
    return pd.Series(pd.PeriodIndex(out, freq=_PFREQ[code]), name=column), code


def second_kind(name: str, freq: str | None = None) -> str:
    """What the second of two date columns holds (``"M"``, ``"Q"`` or ``"W"``), from its name
    (``month``, ``quarter``, ``week``, ...) or, failing that, from ``freq``.

    Parameters
    ----------
    name
        The column name.
    freq
        Frequency to fall back on.

    Returns
    -------
    str

    Examples
    --------
    >>> second_kind("Quarter"), second_kind("period", freq="W")
    ('Q', 'W')
    """
    key = name.strip().lower()
    if key in _SECOND:
        return _SECOND[key]
    if freq is not None:
        from trends.design import normalise_freq

        code = normalise_freq(freq)
        if code in ("M", "Q", "W"):
            return code
    raise DateError(f"cannot tell whether column '{name}' holds months, quarters or weeks",
                    value=name, expected="a column named month, quarter or week, or freq "
                    "given (M, Q or W)")


def _whole(v: object) -> int | None:
    try:
        f = float(str(v).strip())
    except ValueError:
        return None
    return int(f) if np.isfinite(f) and f.is_integer() else None


def combine_columns(df: pd.DataFrame, columns: Sequence[str],
                    freq: str | None = None) -> tuple[pd.Series, str]:
    """Periods from a year column and a month, quarter or ISO-week column.

    Parameters
    ----------
    df
        The data.
    columns
        ``(year_column, second_column)``; what the second holds is read from its name
        (:func:`second_kind`) or from ``freq``.
    freq
        ``"M"``, ``"Q"`` or ``"W"`` when the second column's name does not say.

    Returns
    -------
    (periods, code)
        A Period-dtype Series aligned with ``df`` and its frequency code.

    Raises
    ------
    DateError
        A missing column (``pos=None``) or the first unreadable row.

    Examples
    --------
    >>> df = pd.DataFrame({"year": [2021, 2021], "month": ["Dec", "11"]})
    >>> combine_columns(df, ["year", "month"])[0].tolist()
    [Period('2021-12', 'M'), Period('2021-11', 'M')]
    """
    cols = list(columns)
    if len(cols) != 2:
        raise DateError("separate date columns are a year and a month, quarter or week column",
                        value=",".join(map(str, cols)), expected="e.g. year,month")
    for c in cols:
        if c not in df.columns:
            raise DateError(f"date column '{c}' is not in the data", value=c,
                            expected="one of " + ", ".join(map(str, df.columns)), column=c)
    ycol, scol = cols
    code = second_kind(scol, freq)
    out = []
    for pos, (y, v) in enumerate(zip(df[ycol].tolist(), df[scol].tolist(), strict=True)):
        year = _whole(y)
        if year is None or not 1 <= year <= 9999:
            raise DateError("not a year", value=y, expected="a four-digit year", pos=pos,
                            column=ycol)
        text = str(v).strip()
        sub = _whole(v)
        if sub is None and code == "M":
            sub = _MONTHS.get(text.lower().rstrip("."))
        if sub is None and code == "Q":
            m = re.fullmatch(r"[qQ]([1-4])", text)
            sub = int(m.group(1)) if m else None
        top = {"M": 12, "Q": 4, "W": 53}[code]
        ok = sub is not None and 1 <= sub <= top
        if ok and code == "W":
            ok = sub <= pd.Timestamp(year=year, month=12, day=28).isocalendar()[1]
        if not ok:
            raise DateError({"M": "not a month", "Q": "not a quarter",
                             "W": f"not an ISO week of {year}"}[code], value=v,
                            expected=_EXPECTED_SECOND[code], pos=pos, column=scol)
        out.append(_period(year, int(sub), code))  # type: ignore[arg-type]
    return pd.Series(pd.PeriodIndex(out, freq=_PFREQ[code]), index=df.index), code


def combined_name(df: pd.DataFrame, columns: Sequence[str]) -> str:
    """Name of the column holding periods combined from ``columns`` (``period`` if free)."""
    return "period" if "period" not in df.columns else "_".join(map(str, columns))


def line_of(path: Any, pos: int) -> int | None:
    """1-based physical line of data row ``pos`` of the CSV at ``path`` (header = line 1).

    Blank lines are skipped as :func:`pandas.read_csv` skips them and quoted fields may span
    lines. ``None`` when the file cannot be re-read (a pipe, say).
    """
    import csv
    import io
    from pathlib import Path

    try:
        p = Path(path)
        if not p.is_file():
            return None
        text = p.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    prev, k = 0, -1  # k = -1: the header is still to come
    try:
        for record in reader:
            start, prev = prev + 1, reader.line_num
            if not any(c.strip() for c in record):
                continue
            if k == pos:
                return start
            k += 1
    except csv.Error:
        return None
    return None


def _located(exc: DateError, path: Any, index: pd.Index) -> Any:
    from trends.errors import InputError

    line = None
    if exc.pos is not None:
        pos = int(index[exc.pos])
        line = line_of(path, pos) or pos + 2  # header = line 1
    return InputError(exc.reason, path=path, line=line, field=exc.column,
                      value=exc.value, expected=exc.expected or None)


def frame_dates(df: pd.DataFrame, spec: str, freq: str | None,
                path: Any) -> tuple[pd.DataFrame, str]:
    """The date column(s) of a file's rows read as periods (``trends fit``/``robust``).

    ``spec`` is one column name or ``year,month`` (``year,quarter``, ``year,week``). The
    index of ``df`` holds each row's 0-based data-row position in the file, so errors name
    the 1-based file line (header = line 1).

    Returns
    -------
    (frame, column)
        A copy of ``df`` whose ``column`` holds Periods (the original column, or a new
        ``period`` column combined from two).

    Raises
    ------
    InputError
        A missing column (at the header line) or the first unreadable date.
    """
    from trends.errors import InputError

    cols = [c.strip() for c in spec.split(",")] if "," in spec else [spec]
    for c in cols:
        if c not in df.columns:
            raise InputError("date column not in the file", path=path, line=1, field=c,
                             expected="one of " + ", ".join(map(str, df.columns)))
    try:
        if len(cols) == 1:
            periods, _ = parse_column(df[cols[0]], freq, column=cols[0])
            periods.index = df.index
            name = cols[0]
        else:
            periods, _ = combine_columns(df, cols, freq)
            name = combined_name(df, cols)
    except DateError as exc:
        raise _located(exc, path, df.index) from None
    return df.assign(**{name: periods}), name


def check_order(df: pd.DataFrame, column: str, path: Any) -> None:
    """Refuse a duplicated or decreasing period of ``df[column]``, naming both file lines."""
    from trends.errors import InputError

    ords = pd.PeriodIndex(df[column]).asi8
    d = np.diff(ords)
    bad = np.flatnonzero(d <= 0)
    if not len(bad):
        return
    j = int(bad[0]) + 1
    lines = [line_of(path, int(df.index[k])) or int(df.index[k]) + 2 for k in (j - 1, j)]
    what = "duplicate date" if d[j - 1] == 0 else "dates not in increasing order"
    raise InputError(f"{what}: {df[column].iloc[j]} follows {df[column].iloc[j - 1]} on line "
                     f"{lines[0]}", path=path, line=lines[1], field=column,
                     expected="one row per period, sorted by date")
