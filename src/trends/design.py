"""Segmented-regression design for interrupted time series (ITS).

Conventions (the parametrisation of Stata ``itsa``, Linden 2015):

* The series lives on a regular calendar (monthly by default; weekly, quarterly or annual).
  Periods are :class:`pandas.Period` values; a weekly period is the ISO week, Monday to Sunday
  (pandas frequency ``W-SUN``), so a date anywhere in the week, e.g. a ``W-MON`` stamped
  Monday, maps to the week that starts on that Monday.
* ``trend`` is the calendar time index ``1..n`` counted from the first period of the data.
  It counts *calendar* periods: a missing month is still counted, so the index of the months
  after a gap is unchanged.
* For each interruption NAME at period ``P``:
  ``level[NAME] = 1`` from ``P`` on (``period >= P``), 0 before;
  ``slope[NAME] = t - t_P`` for ``period >= P`` and 0 before, i.e. 0 before the interruption
  *and* 0 in its first period (Linden 2015's ``_x_t`` term).
* Seasonality: ``None``; ``"month"`` dummies ``month[2]..month[12]`` (January is the
  reference; for weekly data the month of the week's Monday); ``"quarter"`` dummies
  ``quarter[2]..quarter[4]``; or ``("fourier", K)`` / ``("fourier", K, period)`` pairs
  ``sin[k]``, ``cos[k]`` = sin/cos(2 pi k x / period), ``k = 1..K``, where ``x`` is the
  period's calendar ordinal plus one (so for monthly data ``x`` is congruent to the month
  number modulo 12, as ``tsModel::harmonic(month, K, 12)`` in Lopez Bernal et al. 2017). The
  default period is the number of periods per year: 12 monthly, 365.2425 / 7 = 52.1775
  weekly, 4 quarterly.
* Controlled ITS (Linden 2015 multiple-group design): with a comparison series, the terms
  ``group``, ``group:trend``, ``group:level[NAME]`` and ``group:slope[NAME]`` are added,
  where ``group`` is 1 for the treated series. ``level``/``slope`` then describe the
  comparison series and the ``group:`` terms the treated-minus-comparison differences.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trends import dates as _dates
from trends.errors import SpecificationError

__all__ = [
    "Design",
    "FREQUENCIES",
    "PERIODS_PER_YEAR",
    "MIN_SEGMENT_POINTS",
    "normalise_freq",
    "infer_freq",
    "to_periods",
    "to_period",
    "parse_changes",
    "parse_seasonality",
    "seasonal_columns",
    "calendar_index",
    "interruption_columns",
]

#: canonical frequency code -> pandas Period frequency
FREQUENCIES: dict[str, str] = {"M": "M", "W": "W-SUN", "Q": "Q-DEC", "Y": "Y-DEC"}
#: periods per calendar year (the default Fourier period); weekly = 365.2425 / 7 (ISO weeks)
PERIODS_PER_YEAR: dict[str, float] = {"M": 12.0, "W": 365.2425 / 7.0, "Q": 4.0, "Y": 1.0}
#: minimum number of used observations in each segment (pre-period and after each interruption)
MIN_SEGMENT_POINTS = 3

_FREQ_ALIASES: dict[str, str] = {
    "m": "M", "ms": "M", "me": "M", "month": "M", "monthly": "M",
    "w": "W", "w-mon": "W", "w-sun": "W", "week": "W", "weekly": "W", "iso-week": "W",
    "q": "Q", "qs": "Q", "qe": "Q", "q-dec": "Q", "quarter": "Q", "quarterly": "Q",
    "y": "Y", "a": "Y", "ys": "Y", "ye": "Y", "y-dec": "Y", "a-dec": "Y", "year": "Y",
    "annual": "Y", "yearly": "Y",
}
_CHANGE_WORDS = {"level": ("level",), "slope": ("slope",), "level+slope": ("level", "slope"),
                 "slope+level": ("level", "slope"), "both": ("level", "slope")}


@dataclass(frozen=True)
class Design:
    """A built segmented-regression design.

    Attributes
    ----------
    y
        Outcome at the used rows (float ndarray).
    X
        Design matrix at the used rows: a DataFrame whose columns are the term names and whose
        index is the calendar period of each used row.
    offset
        Log offset at the used rows (``log`` of the offset column), or ``None``.
    periods
        The full calendar index: every period from the first to the last of the data (for a
        controlled ITS, this grid repeated for each series, treated series first).
    used
        Boolean mask over ``periods``: rows with an observed outcome (and offset/covariates)
        that enter the estimation.
    family
        The model family.
    terms
        The term names, in column order.
    X_full
        The design over the whole calendar grid (rows with missing covariates are NaN).
    y_full
        Outcome over the grid, NaN where missing.
    offset_full
        Log offset over the grid, or ``None``.
    unit
        For a controlled ITS, the group value of each grid row; else ``None``.
    treated
        Boolean over the grid rows: True for the treated series (all rows for a single series).
    freq
        Canonical frequency code: ``"M"``, ``"W"``, ``"Q"`` or ``"Y"``.
    interruptions
        Interruption name -> period.
    changes
        Interruption name -> tuple of ``"level"``/``"slope"``.
    """

    y: np.ndarray
    X: pd.DataFrame
    offset: np.ndarray | None
    periods: pd.PeriodIndex
    used: np.ndarray
    family: str
    terms: list[str]
    X_full: pd.DataFrame = field(repr=False)
    y_full: np.ndarray = field(repr=False)
    offset_full: np.ndarray | None = field(repr=False)
    unit: np.ndarray | None = field(repr=False)
    treated: np.ndarray = field(repr=False)
    freq: str = "M"
    interruptions: dict[str, pd.Period] = field(default_factory=dict)
    changes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def nobs(self) -> int:
        """Number of used rows."""
        return int(self.used.sum())

    @property
    def interruption_terms(self) -> list[str]:
        """Terms that the counterfactual sets to zero (all level/slope terms of the effect)."""
        prefix = "group:" if self.unit is not None else ""
        return [t for t in self.terms
                if t.startswith((prefix + "level[", prefix + "slope["))]


# --------------------------------------------------------------------------- frequencies
def normalise_freq(freq: str) -> str:
    """Return the canonical frequency code (``M``, ``W``, ``Q``, ``Y``) for ``freq``.

    Accepts e.g. ``"M"``, ``"MS"``, ``"monthly"``, ``"W"``, ``"W-MON"``, ``"weekly"``,
    ``"Q"``, ``"quarterly"``, ``"Y"``, ``"A"``, ``"annual"``.
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
    """Every period from ``first`` to ``last`` inclusive."""
    return pd.period_range(first, last, freq=first.freq)


# --------------------------------------------------------------------------- specification
def parse_changes(
    changes: str | Mapping[str, str], names: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """Resolve ``changes`` to a tuple of ``"level"``/``"slope"`` per interruption name.

    ``changes`` is ``"level"``, ``"slope"``, ``"level+slope"`` (all interruptions) or a dict
    ``{name: one of those}``; interruptions missing from the dict get ``"level+slope"``.
    """
    def one(word: object, who: str) -> tuple[str, ...]:
        key = word.strip().lower().replace(" ", "") if isinstance(word, str) else None
        if key not in _CHANGE_WORDS:
            raise SpecificationError(
                f"changes{who} = {word!r} is not valid; expected 'level', 'slope' or 'level+slope'"
            )
        return _CHANGE_WORDS[key]

    if isinstance(changes, Mapping):
        unknown = sorted(set(changes) - set(names))
        if unknown:
            raise SpecificationError(
                f"changes names unknown interruption(s) {unknown}; interruptions are {list(names)}"
            )
        return {n: one(changes.get(n, "level+slope"), f"[{n!r}]") for n in names}
    word = one(changes, "")
    return {n: word for n in names}


def parse_seasonality(seasonality: Any, freq: str) -> tuple[str, int, float] | None:
    """Validate ``seasonality``; return ``None``, ``("month", 0, 0)``, ``("quarter", 0, 0)`` or
    ``("fourier", K, period)``.

    Strings ``"none"``, ``"month"``, ``"quarter"``, ``"fourier:K"`` and ``"fourier:K:PERIOD"``
    are accepted as well as the tuple forms.
    """
    s = seasonality
    if s is None or (isinstance(s, str) and s.strip().lower() in {"", "none"}):
        return None
    if isinstance(s, str) and s.strip().lower().startswith("fourier"):
        parts = s.strip().split(":")
        try:
            s = ("fourier", *[float(p) if "." in p else int(p) for p in parts[1:]])
        except ValueError:
            raise SpecificationError(
                f"seasonality {seasonality!r} is not valid; expected 'fourier:K' or "
                "'fourier:K:PERIOD'"
            ) from None
    if isinstance(s, str):
        key = s.strip().lower()
        if key in {"month", "months", "monthly"}:
            if freq not in {"M", "W"}:
                raise SpecificationError(
                    f"month dummies need monthly or weekly data; these data are {_FREQ_WORD[freq]}"
                )
            return ("month", 0, 0.0)
        if key in {"quarter", "quarters", "quarterly"}:
            if freq not in {"M", "Q", "W"}:
                raise SpecificationError(
                    f"quarter dummies need monthly, weekly or quarterly data; these data are "
                    f"{_FREQ_WORD[freq]}"
                )
            return ("quarter", 0, 0.0)
        raise SpecificationError(
            f"seasonality {seasonality!r} is not valid; expected None, 'month', 'quarter' or "
            "('fourier', K) / ('fourier', K, period)"
        )
    if isinstance(s, (tuple, list)) and len(s) in (2, 3) and str(s[0]).lower() == "fourier":
        k = s[1]
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < 1:
            raise SpecificationError(f"Fourier K must be a positive integer (saw {k!r})")
        period = float(s[2]) if len(s) == 3 else PERIODS_PER_YEAR[freq]
        if not np.isfinite(period) or period <= 1:
            raise SpecificationError(
                f"the Fourier period must be > 1 period (saw {period:g}); annual data need an "
                "explicit ('fourier', K, period)"
            )
        if 2 * int(k) >= period:
            raise SpecificationError(
                f"Fourier K={k} is too large for period {period:g}: need 2K < period "
                f"(K <= {math.ceil(period / 2) - 1})"
            )
        return ("fourier", int(k), period)
    raise SpecificationError(
        f"seasonality {seasonality!r} is not valid; expected None, 'month', 'quarter' or "
        "('fourier', K) / ('fourier', K, period)"
    )


# --------------------------------------------------------------------------- columns
def interruption_columns(
    t: np.ndarray, t_interruptions: Mapping[str, int], changes: Mapping[str, tuple[str, ...]]
) -> dict[str, np.ndarray]:
    """Level and slope columns for each interruption.

    ``t`` is the calendar time index (1..n), ``t_interruptions`` the index of each
    interruption's first period. ``level = (t >= t_i)``; ``slope = max(t - t_i, 0)``.
    """
    cols: dict[str, np.ndarray] = {}
    for name, ti in t_interruptions.items():
        if "level" in changes[name]:
            cols[f"level[{name}]"] = (t >= ti).astype(float)
        if "slope" in changes[name]:
            cols[f"slope[{name}]"] = np.where(t >= ti, t - ti, 0).astype(float)
    return cols


def seasonal_columns(
    periods: pd.PeriodIndex, season: tuple[str, int, float] | None
) -> dict[str, np.ndarray]:
    """Seasonal columns for ``periods`` (see the module docstring for names and phase)."""
    if season is None:
        return {}
    kind, k, period = season
    if kind == "month":
        month = np.asarray(periods.start_time.month)
        return {f"month[{m}]": (month == m).astype(float) for m in range(2, 13)}
    if kind == "quarter":
        quarter = np.asarray(periods.start_time.quarter)
        return {f"quarter[{q}]": (quarter == q).astype(float) for q in range(2, 5)}
    # reduce modulo the period first: same values mathematically, less rounding in sin/cos
    x = np.mod(np.asarray(periods.asi8, dtype=float), period) + 1.0
    cols: dict[str, np.ndarray] = {}
    for j in range(1, k + 1):
        cols[f"sin[{j}]"] = np.sin(2.0 * np.pi * j * x / period)
        cols[f"cos[{j}]"] = np.cos(2.0 * np.pi * j * x / period)
    return cols


# --------------------------------------------------------------------------- building
FAMILIES: tuple[str, ...] = ("gaussian", "poisson", "negbin", "quasipoisson")
COUNT_FAMILIES: frozenset[str] = frozenset({"poisson", "negbin", "quasipoisson"})


def _did_you_mean(name: str, options: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _require_column(df: pd.DataFrame, col: Any, role: str) -> None:
    if not isinstance(col, str) or col not in df.columns:
        raise SpecificationError(
            f"{role} column {col!r} is not in the data (columns: {list(map(str, df.columns))})"
            + _did_you_mean(str(col), list(map(str, df.columns)))
        )


def _numeric(df: pd.DataFrame, col: str, role: str) -> np.ndarray:
    s = df[col]
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=float)
    conv = pd.to_numeric(s, errors="coerce")
    bad = conv.isna() & s.notna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise SpecificationError(
            f"{role} column '{col}' has a non-numeric value {s.iloc[pos]!r} at row {pos}; "
            "expected a number (leave missing values empty)"
        )
    return conv.to_numpy(dtype=float, na_value=np.nan)


def _check_order(periods: pd.PeriodIndex, column: str, who: str) -> None:
    ords = periods.asi8
    if len(ords) < 2:
        return
    d = np.diff(ords)
    if (d == 0).any():
        pos = int(np.flatnonzero(d == 0)[0]) + 1
        raise SpecificationError(
            f"duplicate date {periods[pos]} in column '{column}'{who} (rows {pos - 1} and {pos}); "
            "expected one row per period"
        )
    if (d < 0).any():
        pos = int(np.flatnonzero(d < 0)[0]) + 1
        raise SpecificationError(
            f"dates in column '{column}'{who} are not in increasing order: {periods[pos]} at row "
            f"{pos} follows {periods[pos - 1]}; sort the data by date"
        )


def _collinear_terms(X: np.ndarray, names: Sequence[str]) -> list[str]:
    """Names of columns that add nothing to the span of the columns before them."""
    bad: list[str] = []
    keep: list[int] = []
    scale = np.maximum(np.abs(X).max(axis=0), 1.0)
    Xs = X / scale
    for j in range(X.shape[1]):
        trial = keep + [j]
        if np.linalg.matrix_rank(Xs[:, trial]) == len(trial):
            keep = trial
        else:
            bad.append(names[j])
    return bad


def _combined_date(data: pd.DataFrame, columns: Sequence[str],
                   freq: str | None) -> tuple[pd.DataFrame, str]:
    try:
        periods, _ = _dates.combine_columns(data, columns, freq)
    except _dates.DateError as exc:
        where = f" at row {exc.pos}" if exc.pos is not None else ""
        raise SpecificationError(
            f"date columns {list(columns)}: {exc.reason}{where} (saw {exc.value!r}); expected "
            f"{exc.expected}") from None
    name = _dates.combined_name(data, columns)
    return data.assign(**{name: periods}), name


def build_design(
    data: pd.DataFrame,
    *,
    outcome: str,
    date: str | Sequence[str],
    interruptions: Mapping[str, Any],
    changes: str | Mapping[str, str] = "level+slope",
    family: str = "gaussian",
    offset: str | None = None,
    seasonality: Any = None,
    covariates: Sequence[str] | None = None,
    group: str | None = None,
    treated: Any = None,
    control: Any = None,
    freq: str | None = None,
) -> Design:
    """Validate a specification and build its :class:`Design` (see :class:`trends.ITS`).

    Raises
    ------
    SpecificationError
        On any invalid specification, with a message saying what was expected.
    """
    if not isinstance(data, pd.DataFrame):
        raise SpecificationError(f"data must be a pandas DataFrame (saw {type(data).__name__})")
    if isinstance(date, (list, tuple)):  # separate year and month/quarter/week columns
        data, date = _combined_date(data, date, freq)
    if not isinstance(family, str) or family.lower() not in FAMILIES:
        raise SpecificationError(
            f"family {family!r} is not valid; expected one of {list(FAMILIES)}"
        )
    family = family.lower()
    _require_column(data, outcome, "outcome")
    _require_column(data, date, "date")
    if offset is not None:
        _require_column(data, offset, "offset")
        if family == "gaussian":
            raise SpecificationError(
                "an offset needs a log-link count family (poisson, negbin, quasipoisson); for a "
                "gaussian model divide the outcome by the exposure instead"
            )
    if covariates is None:
        covariates = []
    elif isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates)
    for c in covariates:
        _require_column(data, c, "covariate")
    if len(set(covariates)) != len(covariates):
        raise SpecificationError(f"covariates are listed more than once: {covariates}")
    if not isinstance(interruptions, Mapping):
        raise SpecificationError(
            "interruptions must be a dict {name: date}, e.g. {'takeover': '2021-08'}"
        )
    names = list(interruptions)
    for n in names:
        if not isinstance(n, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", n):
            raise SpecificationError(
                f"interruption name {n!r} is not valid; use letters, digits, '_', '-' or '.'"
            )

    # ---- frequency and periods
    df = data
    if group is not None:
        _require_column(df, group, "group")
        if treated is None:
            raise SpecificationError(
                f"a controlled ITS needs treated=<value of '{group}' for the treated series>"
            )
        values = df[group]
        present = set(values.dropna().tolist())
        if treated not in present:
            raise SpecificationError(
                f"treated={treated!r} does not occur in column '{group}'"
                + _did_you_mean(str(treated), sorted(map(str, present)))
            )
        if control is None:
            controls = sorted((v for v in present if v != treated), key=str)
        else:
            controls = list(control) if isinstance(control, (list, tuple, set)) else [control]
            missing = [c for c in controls if c not in present]
            if missing:
                raise SpecificationError(
                    f"control value(s) {missing} do not occur in column '{group}'"
                )
            if treated in controls:
                raise SpecificationError(f"treated={treated!r} is also listed as a control")
        if not controls:
            raise SpecificationError(
                f"column '{group}' has no comparison series besides {treated!r}"
            )
        units = [treated, *controls]
        df = df[values.isin(units)]
    elif treated is not None or control is not None:
        raise SpecificationError("treated=/control= need group=<column identifying the series>")
    else:
        units = [None]

    code = normalise_freq(freq) if freq is not None else infer_freq(df[date])
    pfreq = FREQUENCIES[code]
    periods = to_periods(df[date], code, column=date)
    if len(periods) == 0:
        raise SpecificationError("the data have no rows")

    y_all = _numeric(df, outcome, "outcome")
    off_all = _numeric(df, offset, "offset") if offset is not None else None
    cov_all = {c: _numeric(df, c, "covariate") for c in covariates}
    if off_all is not None:
        bad = np.isfinite(off_all) & (off_all <= 0)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise SpecificationError(
                f"offset column '{offset}' must be positive (it enters as log({offset})); saw "
                f"{off_all[pos]:g} at {periods[pos]}"
            )

    first, last = periods.min(), periods.max()
    grid = calendar_index(first, last)
    n = len(grid)
    t = np.arange(1, n + 1, dtype=float)

    # ---- interruptions
    ipers: dict[str, pd.Period] = {}
    for n_, v in interruptions.items():
        p = to_period(v, code, what=f"interruption '{n_}'")
        if p <= first or p > last:
            raise SpecificationError(
                f"interruption '{n_}' ({p}) is outside the data ({first} to {last}); it must be "
                f"after the first period and no later than the last"
            )
        ipers[n_] = p
    seen: dict[pd.Period, str] = {}
    for n_, p in ipers.items():
        if p in seen:
            raise SpecificationError(
                f"interruptions '{seen[p]}' and '{n_}' are both at {p}; give each a distinct date"
            )
        seen[p] = n_
    chg = parse_changes(changes, names)
    season = parse_seasonality(seasonality, code)
    t_int = {n_: int(p.ordinal - first.ordinal) + 1 for n_, p in ipers.items()}

    # ---- per-unit grids
    unit_col = df[group].to_numpy() if group is not None else None
    blocks_y, blocks_off, blocks_cov, block_unit = [], [], [], []
    for u in units:
        mask = np.ones(len(df), bool) if u is None else (unit_col == u)
        pu = periods[mask]
        _check_order(pu, date, "" if u is None else f" for {group}={u!r}")
        pos = (pu.asi8 - first.ordinal).astype(int)
        yb = np.full(n, np.nan)
        yb[pos] = y_all[mask]
        blocks_y.append(yb)
        if off_all is not None:
            ob = np.full(n, np.nan)
            ob[pos] = off_all[mask]
            blocks_off.append(ob)
        cb = {}
        for c in covariates:
            arr = np.full(n, np.nan)
            arr[pos] = cov_all[c][mask]
            cb[c] = arr
        blocks_cov.append(cb)
        block_unit.append(np.full(n, u, dtype=object))

    k_units = len(units)
    y_full = np.concatenate(blocks_y)
    off_full = np.log(np.concatenate(blocks_off)) if off_all is not None else None
    periods_full = pd.PeriodIndex(np.tile(np.asarray(grid), k_units), freq=pfreq, name="period")
    t_full = np.tile(t, k_units)
    z = np.concatenate([np.full(n, 1.0 if i == 0 else 0.0) for i in range(k_units)])

    cols: dict[str, np.ndarray] = {"intercept": np.ones(n * k_units), "trend": t_full}
    icols = interruption_columns(t_full, t_int, chg)
    cols.update(icols)
    if group is not None:
        cols["group"] = z
        cols["group:trend"] = z * t_full
        for name, arr in icols.items():
            cols[f"group:{name}"] = z * arr
    cols.update(seasonal_columns(periods_full, season))
    for c in covariates:
        if c in cols:
            raise SpecificationError(
                f"covariate '{c}' has the same name as a model term; rename it"
            )
        cols[c] = np.concatenate([b[c] for b in blocks_cov])
    X_full = pd.DataFrame(cols, index=periods_full)
    terms = list(X_full.columns)

    used = np.isfinite(y_full)
    if off_full is not None:
        used &= np.isfinite(off_full)
    for c in covariates:
        used &= np.isfinite(X_full[c].to_numpy())
    if used.sum() == 0:
        raise SpecificationError(f"outcome column '{outcome}' has no usable (non-missing) values")

    if family in COUNT_FAMILIES:
        yu = y_full[used]
        pu = periods_full[used]
        bad = (yu < 0) | (yu != np.floor(yu))
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            raise SpecificationError(
                f"family '{family}' needs non-negative integer counts; outcome '{outcome}' is "
                f"{yu[j]:g} at {pu[j]}"
            )

    # ---- enough points per segment (per series)
    bounds = sorted(ipers.items(), key=lambda kv: kv[1])
    for i, u in enumerate(units):
        ub = used[i * n:(i + 1) * n]
        starts = [("pre-interruption", first)] + [(f"after '{nm}'", p) for nm, p in bounds]
        for j, (label, start) in enumerate(starts):
            lo = int(start.ordinal - first.ordinal)
            hi = int(bounds[j][1].ordinal - first.ordinal) if j < len(bounds) else n
            k = int(ub[lo:hi].sum())
            if k < MIN_SEGMENT_POINTS:
                end = grid[hi - 1]
                who = "" if u is None else f" of {group}={u!r}"
                raise SpecificationError(
                    f"segment {label}{who} ({start} to {end}) has {k} used observation(s); at "
                    f"least {MIN_SEGMENT_POINTS} are needed per segment"
                )

    Xu = X_full.to_numpy()[used]
    if Xu.shape[0] <= Xu.shape[1]:
        raise SpecificationError(
            f"{Xu.shape[0]} used observations for {Xu.shape[1]} terms; need more observations "
            "than terms"
        )
    bad_terms = _collinear_terms(Xu, terms)
    if bad_terms:
        raise SpecificationError(
            f"the design is rank deficient: term(s) {bad_terms} are collinear with earlier terms "
            "at the used observations (check interruptions, seasonality and covariates)"
        )

    X = X_full.iloc[np.flatnonzero(used)]
    return Design(
        y=y_full[used].copy(),
        X=X,
        offset=None if off_full is None else off_full[used].copy(),
        periods=periods_full,
        used=used,
        family=family,
        terms=terms,
        X_full=X_full,
        y_full=y_full,
        offset_full=off_full,
        unit=None if group is None else np.concatenate(block_unit),
        treated=z.astype(bool),
        freq=code,
        interruptions=ipers,
        changes=chg,
    )
