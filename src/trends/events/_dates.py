"""Vectorised calendar keys: months and ISO 8601 weeks as integers, labels on unique values only.

A month key is the number of months since 1970-01; a week key is the day number (days since
1970-01-01) of the week's Monday. ISO weeks run Monday to Sunday and belong to the ISO year of
their Thursday, so 2021-01-01 (a Friday) is in ``2020-W53``.
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def month_keys(days: np.ndarray) -> np.ndarray:
    """Month key of each ``datetime64[D]`` value.

    Large arrays go through a lookup table over their day range (a gather is much cheaper than
    numpy's calendar conversion of every element).
    """
    d = np.asarray(days).astype("datetime64[D]").astype(np.int64)
    if d.size < 4096:
        return d.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    lo, hi = int(d.min()), int(d.max())
    lut = np.arange(lo, hi + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return lut[d - lo]


def week_keys(days: np.ndarray) -> np.ndarray:
    """Week key (day number of the ISO week's Monday) of each ``datetime64[D]`` value."""
    d = days.astype("datetime64[D]").astype(np.int64)
    return d - (d + 3) % 7  # 1970-01-01 was a Thursday: (d + 3) % 7 is 0 on Mondays


def month_labels(keys: np.ndarray) -> np.ndarray:
    """``YYYY-MM`` label of each month key."""
    return np.datetime_as_string(np.asarray(keys, dtype=np.int64).astype("datetime64[M]"))


def week_labels(keys: np.ndarray) -> np.ndarray:
    """ISO week label ``YYYY-Www`` of each week key."""
    keys = np.asarray(keys, dtype=np.int64)
    uniq, inv = np.unique(keys, return_inverse=True)
    thursday = (uniq + 3).astype("datetime64[D]")
    year = thursday.astype("datetime64[Y]")
    week = (thursday - year.astype("datetime64[D]")).astype(np.int64) // 7 + 1
    years = year.astype(np.int64) + 1970
    labels = np.array([f"{y:04d}-W{w:02d}" for y, w in zip(years, week, strict=True)], dtype=object)
    return labels[inv]


def week_start(labels: pd.Series | list[str] | str) -> pd.Series | pd.Timestamp:
    """Monday (a :class:`pandas.Timestamp`) of ISO week labels such as ``2021-W35``.

    Use it to give the weekly panel a date column for time-series models.

    Examples
    --------
    >>> week_start("2021-W35")
    Timestamp('2021-08-30 00:00:00')
    """
    if isinstance(labels, str):
        m = _WEEK_RE.match(labels)
        if not m:
            raise ValueError(f"not an ISO week label: {labels!r}; expected e.g. '2021-W35'")
        return pd.Timestamp(_dt.date.fromisocalendar(int(m[1]), int(m[2]), 1))
    s = pd.Series(labels)
    return pd.to_datetime(s.astype(str) + "-1", format="%G-W%V-%u")


def days(value: _dt.date | str | pd.Timestamp) -> int:
    """Day number (days since 1970-01-01) of a date."""
    return int(np.datetime64(pd.Timestamp(value).date(), "D").astype(np.int64))
