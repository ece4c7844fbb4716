"""Calendars of period series: frequencies, period parsing, the calendar index, and the one
implementation of the level/slope convention of interruptions and breaks.

Conventions
-----------
* Frequencies are ``"M"`` (months), ``"W"`` (ISO weeks, Monday to Sunday: pandas ``W-SUN``),
  ``"Q"`` and ``"Y"``; periods are :class:`pandas.Period` values.
* An interruption or break at position ``a`` (calendar time ``t``, counted in periods) has the
  columns ``level = 1[t >= a]`` and ``slope = (t - a) 1[t >= a]`` (so 0 before the break *and*
  in its first period; Linden 2015's ``_x_t``). :func:`break_columns` is the only place that
  forms them; :mod:`trends.design`, :mod:`trends.robust.problem` and
  :class:`trends.robust.engine.BreakColumns` all use it.

Examples
--------
>>> import numpy as np
>>> to_period("2021-08", "M")
Period('2021-08', 'M')
>>> break_columns(np.arange(1.0, 6.0), np.array([[3.0]]), (("level", "slope"),))[0]
array([[0., 0., 1., 1., 1.],
       [0., 0., 0., 1., 2.]])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from trends import dates as _dates
from trends.errors import SpecificationError

__all__ = [
    "FREQUENCIES", "PERIODS_PER_YEAR", "normalise_freq", "infer_freq", "to_period",
    "to_periods", "calendar_index", "break_columns",
]

#: canonical frequency code -> pandas Period frequency
FREQUENCIES: dict[str, str] = {"M": "M", "W": "W-SUN", "Q": "Q-DEC", "Y": "Y-DEC"}
#: periods per calendar year (the default Fourier period); weekly = 365.2425 / 7 (ISO weeks)
PERIODS_PER_YEAR: dict[str, float] = {"M": 12.0, "W": 365.2425 / 7.0, "Q": 4.0, "Y": 1.0}

_FREQ_ALIASES: dict[str, str] = {
    "m": "M", "ms": "M", "me": "M", "month": "M", "monthly": "M",
    "w": "W", "w-mon": "W", "w-sun": "W", "week": "W", "weekly": "W", "iso-week": "W",
    "q": "Q", "qs": "Q", "qe": "Q", "q-dec": "Q", "quarter": "Q", "quarterly": "Q",
    "y": "Y", "a": "Y", "ys": "Y", "ye": "Y", "y-dec": "Y", "a-dec": "Y", "year": "Y",
    "annual": "Y", "yearly": "Y",
}

# --------------------------------------------------------------------------- frequencies
def normalise_freq(freq: str) -> str:
    """Return the canonical frequency code (``M``, ``W``, ``Q``, ``Y``) for ``freq``.

    Parameters
    ----------
    freq
        E.g. ``"M"``, ``"MS"``, ``"monthly"``, ``"W"``, ``"W-MON"``, ``"weekly"``, ``"Q"``,
        ``"quarterly"``, ``"Y"``, ``"A"``, ``"annual"``.

    Returns
    -------
    str
        ``"M"``, ``"W"``, ``"Q"`` or ``"Y"``.

    Raises
    ------
    SpecificationError
        For an unknown frequency.

    Examples
    --------
    >>> normalise_freq("monthly"), normalise_freq("W-MON"), normalise_freq("A")
    ('M', 'W', 'Y')
    """
    if not isinstance(freq, str) or freq.strip().lower() not in _FREQ_ALIASES:
        raise SpecificationError(
            f"unknown frequency {freq!r}; expected one of monthly ('M'), weekly ('W', ISO "
            "weeks), quarterly ('Q') or annual ('Y')"
        )
    return _FREQ_ALIASES[freq.strip().lower()]


def _freq_of_period_dtype(dtype: pd.PeriodDtype) -> str:
    for code, pfreq in FREQUENCIES.items():
        if pd.PeriodDtype(pfreq) == dtype:
            return code
    name = str(dtype)
    raise SpecificationError(
        f"Period frequency {name!r} is not supported; expected M, W-SUN (ISO week), Q-DEC or Y-DEC"
    )


def infer_freq(values: pd.Series) -> str:
    """Infer the canonical frequency of a date column.

    Period dtype: its own frequency. Integers: annual (years). Strings: ``YYYY`` annual,
    ``YYYY-Qn`` quarterly, ``YYYY-Www`` weekly, otherwise monthly. Datetimes: from the median
    spacing of consecutive distinct dates (about 7 days weekly, 28-31 monthly, 89-92 quarterly,
    365-366 annual); a single date is taken as monthly.

    Parameters
    ----------
    values
        The date column.

    Returns
    -------
    str
        Canonical frequency code.

    Examples
    --------
    >>> import pandas as pd
    >>> infer_freq(pd.Series(["2021Q1", "2021Q2"])), infer_freq(pd.Series([2019, 2020]))
    ('Q', 'Y')
    """
    s = pd.Series(values).dropna()
    if isinstance(s.dtype, pd.PeriodDtype):
        return _freq_of_period_dtype(s.dtype)
    if pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return "Y"
    if pd.api.types.is_float_dtype(s.dtype):
        if len(s) and np.all(np.mod(s.to_numpy(), 1) == 0):
            return "Y"
        try:  # R ts decimal time (trends.dates)
            return _dates.infer_decimal_freq(s)
        except _dates.DateError as exc:
            raise SpecificationError(
                f"non-integer numeric dates cannot be read as calendar periods: {exc.reason}; "
                f"expected {exc.expected}") from None
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        uniq = np.unique(s.to_numpy(dtype="datetime64[ns]"))
        if len(uniq) < 2:
            return "M"
        days = float(np.median(np.diff(uniq).astype("timedelta64[s]").astype(np.int64))) / 86400
        for code, (lo, hi) in {"W": (6.5, 7.5), "M": (27.5, 31.5), "Q": (88.5, 92.5),
                               "Y": (364.5, 366.5)}.items():
            if lo <= days <= hi:
                return code
        raise SpecificationError(
            f"cannot infer the frequency of the dates (median spacing {days:g} days); "
            "pass freq='M', 'W', 'Q' or 'Y'"
        )
    first = next((v for v in s if not isinstance(v, str) or v.strip()), None)
    if isinstance(first, pd.Period):
        return _freq_of_period_dtype(pd.PeriodDtype(first.freq))
    text = str(first).strip() if first is not None else ""
    if re.fullmatch(r"\d{4}", text):
        return "Y"
    if re.fullmatch(r"\d{4}-?[Qq][1-4]", text):
        return "Q"
    if re.fullmatch(r"\d{4}-?W\d{1,2}(-?\d)?", text):
        return "W"
    return "M"


_ISO_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})(?:-?([1-7]))?")
_QUARTER = re.compile(r"(\d{4})-?[Qq]([1-4])")


def to_period(value: Any, freq: str, *, what: str = "date") -> pd.Period:
    """Convert one date-like value to a :class:`pandas.Period` of canonical frequency ``freq``.

    Accepts a Period (of the same or a finer frequency lying within one target period), a
    datetime/Timestamp, a string (``"2021-08"``, ``"2021-08-15"``, ``"2021Q3"``, ``"2021-W05"``,
    ``"2021"``) or, for annual data only, an integer year.

    Parameters
    ----------
    value
        The date.
    freq
        Target frequency (see :func:`normalise_freq`).
    what
        How the value is named in an error message.

    Returns
    -------
    pandas.Period

    Raises
    ------
    SpecificationError
        For a value that is not a date of that frequency.

    Examples
    --------
    >>> to_period("2021-08-15", "M"), to_period("2021-W05", "W").start_time.date()
    (Period('2021-08', 'M'), datetime.date(2021, 2, 1))
    """
    code = normalise_freq(freq)
    pfreq = FREQUENCIES[code]
    try:
        if isinstance(value, pd.Period):
            start = pd.Period(value.start_time, pfreq)
            if pd.Period(value.end_time, pfreq) != start:
                raise ValueError("spans several periods")
            return start
        if isinstance(value, (bool, np.bool_)):
            raise ValueError("boolean")
        if isinstance(value, (float, np.floating)) and (
                code in _dates.DECIMAL_FREQUENCY and code != "Y" or not float(value).is_integer()):
            return _dates.from_decimal(float(value), code)  # R ts decimal time
        if isinstance(value, (int, np.integer)) or (
            isinstance(value, (float, np.floating)) and float(value).is_integer()
        ):
            if code != "Y":
                raise ValueError("integer dates are only read as years (annual data)")
            return pd.Period(year=int(value), freq=pfreq)
        if isinstance(value, str):
            text = value.strip()
            m = _ISO_WEEK.fullmatch(text)
            if m:
                monday = pd.Timestamp.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
                return pd.Period(monday, pfreq) if code == "W" else _fail(code)
            m = _QUARTER.fullmatch(text)
            if m:
                q = pd.Period(f"{m.group(1)}Q{m.group(2)}", "Q-DEC")
                return to_period(q, code, what=what)
            if code == "Y" and re.fullmatch(r"\d{4}", text):
                return pd.Period(year=int(text), freq=pfreq)
            if not re.fullmatch(r"\d{4}-\d{1,2}(-\d{1,2})?([ T].*)?", text) and not re.fullmatch(
                r"\d{4}\d{2}", text
            ):
                return _dates.parse_text(text, code)  # month names, R decimal time, ...
            if re.fullmatch(r"\d{4}-\d{1,2}", text) and code in {"W"}:
                raise ValueError("a month is not a week")
            return pd.Period(pd.Timestamp(text), pfreq)
        if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "year"):
            ts = pd.Timestamp(value)
            if ts is pd.NaT:
                raise ValueError("missing")
            return pd.Period(ts, pfreq)
    except SpecificationError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        raise SpecificationError(
            f"{what} {value!r} is not a valid {_FREQ_WORD[code]} period ({exc}); expected e.g. "
            f"{_FREQ_EXAMPLE[code]}"
        ) from None
    raise SpecificationError(
        f"{what} {value!r} is not a valid {_FREQ_WORD[code]} period; expected e.g. "
        f"{_FREQ_EXAMPLE[code]}"
    )


def _fail(code: str) -> pd.Period:
    raise ValueError(f"an ISO week is not a {_FREQ_WORD[code]} period")


_FREQ_WORD = {"M": "monthly", "W": "weekly", "Q": "quarterly", "Y": "annual"}
_FREQ_EXAMPLE = {"M": "'2021-08'", "W": "'2021-08-02' or '2021-W31'", "Q": "'2021Q3'",
                 "Y": "2021"}


def to_periods(
    values: Sequence[Any] | pd.Series, freq: str, *, column: str = "date"
) -> pd.PeriodIndex:
    """Convert a date column to a :class:`pandas.PeriodIndex` of canonical frequency ``freq``.

    Parameters
    ----------
    values
        The dates (see :func:`to_period` for what is accepted).
    freq
        Target frequency.
    column
        Column name for error messages.

    Returns
    -------
    pandas.PeriodIndex

    Examples
    --------
    >>> list(to_periods(["2021-01", "2021-02-10"], "M").astype(str))
    ['2021-01', '2021-02']

    Raises
    ------
    SpecificationError
        On a missing or unreadable date, naming the row (0-based position) and value.
    """
    code = normalise_freq(freq)
    s = pd.Series(values)
    if isinstance(s.dtype, pd.PeriodDtype) and _freq_of_period_dtype(s.dtype) == code:
        if s.isna().any():
            pos = int(np.flatnonzero(s.isna().to_numpy())[0])
            raise SpecificationError(f"column '{column}' has a missing date at row {pos}")
        return pd.PeriodIndex(s.array, freq=FREQUENCIES[code])
    out = []
    for pos, v in enumerate(s.tolist()):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            raise SpecificationError(f"column '{column}' has a missing date at row {pos}")
        out.append(to_period(v, code, what=f"column '{column}' row {pos}: date"))
    return pd.PeriodIndex(out, freq=FREQUENCIES[code])


def calendar_index(first: pd.Period, last: pd.Period) -> pd.PeriodIndex:
    """Every period from ``first`` to ``last`` inclusive (missing periods included).

    Parameters
    ----------
    first, last
        Periods of one frequency.

    Returns
    -------
    pandas.PeriodIndex

    Examples
    --------
    >>> import pandas as pd
    >>> len(calendar_index(pd.Period("2021-01", "M"), pd.Period("2021-12", "M")))
    12
    """
    return pd.period_range(first, last, freq=first.freq)


# --------------------------------------------------------------------------- level and slope
def break_columns(t: np.ndarray, at: np.ndarray, changes: Sequence[Sequence[str]],
                  out: np.ndarray | None = None) -> np.ndarray:
    """Level and slope columns of breaks at many placements.

    Parameters
    ----------
    t
        Time position of each observation (``n``).
    at
        ``B x k`` break positions (one row per placement, one column per break).
    changes
        For each of the ``k`` breaks, which of ``"level"`` and ``"slope"`` it changes, in
        column order.
    out
        Optional ``B x m x n`` float array to fill.

    Returns
    -------
    ndarray
        ``B x m x n``: for each placement, ``level = 1[t >= a]`` and
        ``slope = max(t - a, 0)`` per break, in the order of ``changes``.

    Examples
    --------
    >>> import numpy as np
    >>> break_columns(np.arange(4.0), np.array([[1.0], [2.0]]), (("slope",),))[:, 0]
    array([[0., 0., 1., 2.],
           [0., 0., 0., 1.]])
    """
    at = np.asarray(at)
    tt = np.asarray(t, dtype=float)[None, :]
    B, n = at.shape[0], tt.shape[1]
    m = sum(len(ch) for ch in changes)
    if out is None:
        out = np.empty((B, m, n))
    i = 0
    for j, ch in enumerate(changes):
        b = at[:, j].astype(float)[:, None]
        for c in ch:
            if c == "level":
                np.greater_equal(tt, b, out=out[:, i], casting="unsafe")
            elif c == "slope":
                np.subtract(tt, b, out=out[:, i])
                np.maximum(out[:, i], 0.0, out=out[:, i])
            else:
                raise SpecificationError(
                    f"break changes must be 'level' and/or 'slope' (saw {c!r})")
            i += 1
    return out
