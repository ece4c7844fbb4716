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
from trends.calendar import (  # moved to trends.calendar; re-exported here
    _FREQ_ALIASES,  # noqa: F401
    _FREQ_EXAMPLE,  # noqa: F401
    _FREQ_WORD,
    FREQUENCIES,
    PERIODS_PER_YEAR,
    _fail,  # noqa: F401
    _freq_of_period_dtype,  # noqa: F401
    break_columns,
    calendar_index,
    infer_freq,
    normalise_freq,
    to_period,
    to_periods,
)
from trends.errors import SpecificationError
from trends.families import FAMILIES as _FAMILY_REGISTRY
from trends.families import get_family

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

#: minimum number of used observations in each segment (pre-period and after each interruption)
MIN_SEGMENT_POINTS = 3

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


# --------------------------------------------------------------------------- specification
def parse_changes(
    changes: str | Mapping[str, str], names: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """Resolve ``changes`` to a tuple of ``"level"``/``"slope"`` per interruption name.

    ``changes`` is ``"level"``, ``"slope"``, ``"level+slope"`` (all interruptions) or a dict
    ``{name: one of those}``; interruptions missing from the dict get ``"level+slope"``.

    Parameters
    ----------
    changes
        The changes, for all interruptions or by name.
    names
        Interruption names.

    Returns
    -------
    dict
        Name -> ``("level",)``, ``("slope",)`` or ``("level", "slope")``.

    Examples
    --------
    >>> parse_changes({"a": "level"}, ["a", "b"])
    {'a': ('level',), 'b': ('level', 'slope')}
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

    Parameters
    ----------
    seasonality
        The specification.
    freq
        Canonical frequency of the data (month dummies need monthly or weekly data).

    Returns
    -------
    tuple or None

    Examples
    --------
    >>> parse_seasonality("fourier:2", "M")
    ('fourier', 2, 12.0)
    >>> parse_seasonality("none", "M") is None
    True
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
    interruption's first period. ``level = (t >= t_i)``; ``slope = max(t - t_i, 0)``
    (:func:`trends.calendar.break_columns`).

    Parameters
    ----------
    t
        Calendar time index.
    t_interruptions
        Interruption name -> index of its first period.
    changes
        Interruption name -> the changes it has (``("level", "slope")``, ...).

    Returns
    -------
    dict
        Term name (``level[NAME]``, ``slope[NAME]``) -> column.

    Examples
    --------
    >>> import numpy as np
    >>> cols = interruption_columns(np.arange(1, 5), {"x": 3}, {"x": ("slope",)})
    >>> cols["slope[x]"]
    array([0., 0., 0., 1.])
    """
    cols: dict[str, np.ndarray] = {}
    for name, ti in t_interruptions.items():
        ch = [c for c in ("level", "slope") if c in changes[name]]
        block = break_columns(t, np.array([[ti]]), (tuple(ch),))[0]
        for c, col in zip(ch, block, strict=True):
            cols[f"{c}[{name}]"] = col
    return cols


def seasonal_columns(
    periods: pd.PeriodIndex, season: tuple[str, int, float] | None
) -> dict[str, np.ndarray]:
    """Seasonal columns for ``periods`` (see the module docstring for names and phase).

    Parameters
    ----------
    periods
        The calendar.
    season
        Output of :func:`parse_seasonality`.

    Returns
    -------
    dict
        Term name -> column.

    Examples
    --------
    >>> import pandas as pd
    >>> cols = seasonal_columns(pd.period_range("2021-01", periods=3, freq="M"), ("month", 0, 0))
    >>> cols["month[2]"]
    array([0., 1., 0.])
    """
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
#: family names (kept for compatibility; the registry is :data:`trends.families.FAMILIES`)
FAMILIES: tuple[str, ...] = tuple(_FAMILY_REGISTRY)
COUNT_FAMILIES: frozenset[str] = frozenset(n for n, f in _FAMILY_REGISTRY.items() if f.counts)


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

    Parameters
    ----------
    data, outcome, date, interruptions, changes, family, offset, seasonality, covariates
        As for :class:`trends.ITS`.
    group, treated, control, freq
        As for :class:`trends.ITS`.

    Returns
    -------
    Design

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"m": pd.period_range("2020-01", periods=12, freq="M"),
    ...                    "y": [3.0, 4, 3, 5, 4, 6, 2, 3, 2, 4, 3, 5]})
    >>> build_design(df, outcome="y", date="m", interruptions={"x": "2020-07"}).terms
    ['intercept', 'trend', 'level[x]', 'slope[x]']

    Raises
    ------
    SpecificationError
        On any invalid specification, with a message saying what was expected.
    """
    if not isinstance(data, pd.DataFrame):
        raise SpecificationError(f"data must be a pandas DataFrame (saw {type(data).__name__})")
    if isinstance(date, (list, tuple)):  # separate year and month/quarter/week columns
        data, date = _combined_date(data, date, freq)
    fam = get_family(family)
    family = fam.name
    _require_column(data, outcome, "outcome")
    _require_column(data, date, "date")
    assert isinstance(date, str)  # _require_column refuses anything else
    if offset is not None:
        _require_column(data, offset, "offset")
        if not fam.offsets_allowed:
            raise SpecificationError(
                "an offset needs a log-link count family ("
                + ", ".join(n for n, f in _FAMILY_REGISTRY.items() if f.offsets_allowed)
                + f"); for a {family} model divide the outcome by the exposure instead"
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
    for nm in names:
        if not isinstance(nm, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", nm):
            raise SpecificationError(
                f"interruption name {nm!r} is not valid; use letters, digits, '_', '-' or '.'"
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

    fam.check_outcome(y_full[used], periods_full[used], outcome)

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
