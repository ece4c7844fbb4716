"""Column parsers shared by the adapters: dates and numbers, raising located InputErrors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from trends.errors import InputError

from ._io import record_line

#: Arrow type of low-cardinality text columns (names, places): parsed straight to categories.
CATEGORY = pa.dictionary(pa.int32(), pa.string())


def category(table: pa.Table, name: str) -> pd.Categorical:
    """A dictionary-encoded column as a :class:`pandas.Categorical` (missing = code -1).

    Cheap for a million rows: only the dictionary (the distinct names) is turned into Python
    strings; the codes stay an integer array.
    """
    col = table.column(name)
    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col)
    col = col.unify_dictionaries()
    if col.num_chunks == 0:
        return pd.Categorical([], categories=[])
    cats = col.chunk(0).dictionary.to_pylist()
    codes = pa.chunked_array([c.indices for c in col.chunks], type=pa.int32())
    codes = pc.fill_null(codes, -1).to_numpy().astype(np.int32)
    # the dictionary may hold one name twice after unification, and never holds nulls
    uniq = list(dict.fromkeys(cats))
    if len(uniq) != len(cats):
        remap = np.array([uniq.index(c) for c in cats] + [-1], dtype=np.int32)
        codes = remap[codes]
        cats = uniq
    return pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object))


def pick(cond: np.ndarray, a: pd.Categorical, b: pd.Categorical) -> pd.Categorical:
    """Elementwise ``b if cond else a`` for two categoricals (union of their categories)."""
    cats = list(dict.fromkeys([*a.categories, *b.categories]))
    index = {c: i for i, c in enumerate(cats)}
    ra = np.array([index[c] for c in a.categories] + [-1], dtype=np.int32)
    rb = np.array([index[c] for c in b.categories] + [-1], dtype=np.int32)
    codes = np.where(cond, rb[b.codes], ra[a.codes])
    return pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object))


def per_category(cat: pd.Categorical, func, missing) -> np.ndarray:
    """``func`` applied to each category, broadcast to the elements (``missing`` for missing)."""
    values = [func(c) for c in cat.categories] + [missing]
    return np.asarray(values)[cat.codes]


def in_country(country_col: pd.Categorical, country: str | None) -> np.ndarray:
    """Rows whose country name equals ``country`` (case and spaces ignored); all if ``None``."""
    if country is None:
        return np.ones(len(country_col), dtype=bool)
    want = country.strip().casefold()
    return per_category(country_col, lambda c: str(c).strip().casefold() == want, False)


def combo_text(parts: Sequence[np.ndarray], render) -> pd.Categorical:
    """Text of each row's combination of integer ``parts``, rendered once per distinct combination.

    Used for the audit's ``date`` column: a million events have a few thousand distinct dates.
    """
    cols = [np.asarray(p, dtype=np.int64) for p in parts]
    key = np.zeros(len(cols[0]), dtype=np.int64)
    lows = []
    for c in cols:  # mixed-radix key of the combination (ranges are small: days, codes)
        lo = int(c.min()) if len(c) else 0
        span = (int(c.max()) - lo + 1) if len(c) else 1
        key = key * span + (c - lo)
        lows.append((lo, span))
    codes, uniq = pd.factorize(key, sort=True)
    labels = []
    for k in uniq.tolist():
        values = []
        for lo, span in reversed(lows):
            k, r = divmod(k, span)
            values.append(r + lo)
        labels.append(render(*reversed(values)))
    return pd.Categorical.from_codes(codes.astype(np.int32),
                                     categories=pd.Index(labels, dtype=object))


def day_text(day_number: int) -> str:
    """``YYYY-MM-DD`` of a day number (days since 1970-01-01)."""
    return str(np.datetime64(int(day_number), "D"))


def numbers(table: pa.Table, name: str) -> np.ndarray:
    """Numeric column as float64 (NaN where empty); the reader already typed it."""
    col = table.column(name)
    return pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)


def dates(
    table: pa.Table,
    name: str,
    path: Path,
    formats: Sequence[str] = ("%Y-%m-%d",),
) -> np.ndarray:
    """Parse a text date column into ``datetime64[D]``, in the first of ``formats`` that fits.

    Only the distinct values are parsed (a million events fall on a few thousand days), with
    pandas' strict parser: arrow's ``strptime`` would silently turn 31 February into 3 March.
    Raises :class:`InputError` at the first empty or unparseable cell.
    """
    cat = category(table, name)
    uniq = pd.Series(cat.categories, dtype=object).str.strip()
    fmt = formats[0]
    if len(formats) > 1 and len(uniq):
        sample = uniq.iloc[:1000]
        fmt = max(formats, key=lambda f: pd.to_datetime(sample, format=f, errors="coerce")
                  .notna().sum())
    parsed = pd.to_datetime(uniq, format=fmt, errors="coerce").to_numpy("datetime64[D]")
    bad_code = np.flatnonzero(np.isnat(parsed))
    bad = cat.codes < 0
    if bad_code.size:
        bad |= np.isin(cat.codes, bad_code)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        value = None if cat.codes[i] < 0 else cat.categories[cat.codes[i]]
        raise InputError(
            "date is missing" if value is None else "date does not parse",
            path=path, line=record_line(path, i), field=name, value=value,
            expected="a date like " + " or ".join(_example(f) for f in formats),
        )
    return parsed[cat.codes]


def timestamps(table: pa.Table, name: str, path: Path) -> np.ndarray:
    """A column the reader parsed as timestamps, as ``datetime64[D]``; empty cells are errors."""
    col = table.column(name)
    missing = pc.is_null(col)
    if pc.any(missing).as_py():
        i = int(pc.index(missing, True).as_py())
        raise InputError("date is missing", path=path, line=record_line(path, i), field=name,
                         expected="a date like 2021-08-15")
    return col.to_numpy().astype("datetime64[D]")


def _example(fmt: str) -> str:
    return pd.Timestamp("2021-08-15").strftime(fmt)


def integers_in(table: pa.Table, name: str, path: Path, allowed: Sequence[int],
                expected: str) -> np.ndarray:
    """Integer codes of column ``name``; a value outside ``allowed`` is an InputError."""
    values = numbers(table, name)
    ok = np.isin(values, np.asarray(allowed, dtype=float))
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise InputError("value out of range", path=path, line=record_line(path, i), field=name,
                         value=table.column(name)[i].as_py(), expected=expected)
    return values.astype(np.int64)


#: Largest count accepted, as for tables (:data:`trends.clean.MAX_COUNT`).
MAX_COUNT = 10**12


def non_negative(table: pa.Table, name: str, path: Path) -> np.ndarray:
    """A count column (NaN = not reported): finite whole numbers from 0 to 10^12, the same
    rule as for tables; anything else (negative, ``inf``, ``12.5``, ``1e308``) is an
    InputError naming the record's line."""
    values = numbers(table, name)
    with np.errstate(invalid="ignore"):
        problems = (("negative count", values < 0),
                    ("count is not a finite number", np.isinf(values)),
                    ("count is not a whole number", np.isfinite(values)
                     & (np.floor(values) != values)),
                    ("count is absurdly large", np.isfinite(values) & (values > MAX_COUNT)))
    for what, bad in problems:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(what, path=path, line=record_line(path, i), field=name,
                             value=table.column(name)[i].as_py(),
                             expected=f"a whole number from 0 to {MAX_COUNT:,} or an empty cell")
    return values


def check_years(years: np.ndarray, path: Path, field: str, first_year: int) -> None:
    """Refuse a year before the dataset's first year or after the current year (also years
    no calendar date can hold); it would widen the coverage window and fabricate months of
    true zeros."""
    import datetime as dt

    last = dt.date.today().year
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(years) & ((years < first_year) | (years > last))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError("year outside the dataset's range", path=path,
                         line=record_line(path, i), field=field, value=f"{years[i]:g}",
                         expected=f"a year from {first_year} (the dataset's first) to {last}")


def check_dates(days: np.ndarray, path: Path, field: str, first_year: int,
                years: np.ndarray | None = None, year_field: str = "year") -> None:
    """Refuse event dates before ``first_year`` or after today, and a ``year`` column that
    disagrees with the date's year (the coverage window is built from them)."""
    import datetime as dt

    today = np.datetime64(dt.date.today(), "D")
    lo = np.datetime64(f"{first_year:04d}-01-01", "D")
    bad = (days < lo) | (days > today)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError("date outside the dataset's range", path=path,
                         line=record_line(path, i), field=field, value=str(days[i]),
                         expected=f"a date from {lo} (the dataset's first year) to today {today}")
    if years is not None:
        date_year = days.astype("datetime64[Y]").astype(np.int64) + 1970
        with np.errstate(invalid="ignore"):
            off = ~np.isnan(years) & (years != date_year)
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise InputError(f"year disagrees with {field} {days[i]}", path=path,
                             line=record_line(path, i), field=year_field,
                             value=f"{years[i]:g}", expected=f"{date_year[i]}")
