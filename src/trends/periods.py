"""Reporting periods: months, quarters, half-years and years as reports print them.

:func:`parse_period` turns the spellings found in security reports and spreadsheets into a
:class:`Period`. Accepted forms (case-insensitive, stray whitespace ignored)::

    month    2022-01  2022/1  2022.01  01/2022  1-2022  Jan 2022  January 2022  Jan-22
             January-22  Jan. 2022  2022 Jan  January, 2022  2022-01-01 (day 1 only)
    quarter  2022-Q1  2022Q1  Q1 2022  Q1-2022  Q1/22  1Q2022
    half     2022-H1  2022H1  H1 2022  H1-2022
    year     2022
    fiscal   FY2009-10  FY 2021-22  (July to June, as Pakistan's fiscal year runs)

``YYYY-YY`` with ``YY`` the next year (``2009-10``, ``2021-22``, also ``2009/10``) is how
Pakistani reports print fiscal years, and ``2009-10`` is also the canonical spelling of October
2009: such a period is refused as ambiguous unless the rule ``yyyy_yy`` (``--rules`` or a
vocabulary's ``rules.json``) says ``"month"`` (read ``2009-10`` as October 2009; ``2021-22``
stays an impossible month) or ``"fiscal"`` (read it as the fiscal year July 2009 to June 2010,
like ``FY2009-10``). The default ``"auto"`` of :func:`trends.clean.clean` reads them as months
in a file that also writes months ``YYYY-MM`` that cannot be fiscal years (``2009-03``), and
refuses them otherwise; :func:`parse_period` alone treats ``"auto"`` as ``"refuse"`` (it sees
one cell). ``FY2022`` alone is rejected: which fiscal year it names is a convention.

A two-digit year ``yy`` means ``20yy``. Anything else, month 00 or 13, quarter 5, half 3, a
year before ``min_year`` or a period that starts after the ``horizon`` is rejected with an
:class:`~trends.errors.InputError` that names the value and the accepted forms.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Literal

from trends.errors import InputError

Freq = Literal["M", "Q", "H", "Y", "F"]
#: How a ``YYYY-YY`` spelling whose ``YY`` is the next year is read (rule ``yyyy_yy``).
YyyyYy = Literal["auto", "refuse", "month", "fiscal"]
YYYY_YY_CHOICES: tuple[str, ...] = ("auto", "refuse", "month", "fiscal")
#: First calendar month of a fiscal year (Pakistan: July to June).
FISCAL_START = 7

#: Shown in error messages: what :func:`parse_period` accepts.
EXPECTED = (
    "a month (2022-01, Jan 2022, January-22, 01/2022), quarter (2022-Q1, Q1 2022), "
    "half-year (2022-H1, H1 2022) or year (2022)"
)
#: Earliest accepted year unless the caller says otherwise.
MIN_YEAR = 1970

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}
_N_SUB = {"M": 12, "Q": 4, "H": 2, "Y": 1, "F": 1}
_SEP = r"\s*[-/.,_ ]\s*"

_MON = "|".join(sorted(_MONTHS, key=len, reverse=True))
_PATTERNS: list[tuple[re.Pattern[str], Freq, str]] = [
    # (regex, freq, group order): "ys" = year then sub-period, "sy" = sub-period then year
    (re.compile(rf"^(\d{{4}}){_SEP}(\d{{1,2}})$"), "M", "ys"),
    (re.compile(r"^(\d{4})(\d{2})$"), "M", "ys"),  # 202201 (compact month)
    (re.compile(r"^(\d{4})-(\d{2})-01(?:[T ]00:00(?::00)?)?$"), "M", "ys"),
    (re.compile(rf"^(\d{{1,2}}){_SEP}(\d{{4}})$"), "M", "sy"),
    (re.compile(rf"^({_MON})\.?(?:{_SEP}|\s*)(\d{{4}}|\d{{2}})$"), "M", "sy"),
    (re.compile(rf"^(\d{{4}}){_SEP}({_MON})\.?$"), "M", "ys"),
    (re.compile(rf"^(\d{{4}})(?:{_SEP})?q([0-9])$"), "Q", "ys"),
    (re.compile(rf"^q([0-9])(?:{_SEP})?(\d{{4}}|\d{{2}})$"), "Q", "sy"),
    (re.compile(r"^([0-9])q\s*(\d{4}|\d{2})$"), "Q", "sy"),
    (re.compile(rf"^(\d{{4}})(?:{_SEP})?h([0-9])$"), "H", "ys"),
    (re.compile(rf"^h([0-9])(?:{_SEP})?(\d{{4}}|\d{{2}})$"), "H", "sy"),
    (re.compile(r"^(\d{4})$"), "Y", "y"),
]
_FISCAL = re.compile(r"^fy\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")
#: ``2009-10``, ``2009/10``: a month or a fiscal year (when the second number is next year)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YYYY_YY = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, quarter, half-year or year.

    Parameters
    ----------
    year
        Calendar year.
    freq
        ``"M"`` month, ``"Q"`` quarter, ``"H"`` half-year, ``"Y"`` year or ``"F"`` fiscal
        year (July of ``year`` to June of ``year + 1``).
    sub
        Month (1-12), quarter (1-4) or half (1-2); 1 for a year or fiscal year.
    """

    year: int
    freq: Freq
    sub: int = 1

    def __post_init__(self) -> None:
        if self.freq not in _N_SUB:
            raise ValueError(f"unknown period frequency {self.freq!r}")
        if not 1 <= self.sub <= _N_SUB[self.freq]:
            raise ValueError(f"{self.freq} sub-period {self.sub} out of range")

    @property
    def label(self) -> str:
        """Canonical spelling: ``2022-01``, ``2022-Q1``, ``2022-H1``, ``2022`` or ``FY2022-23``."""
        if self.freq == "F":
            return f"FY{self.year:04d}-{(self.year + 1) % 100:02d}"
        if self.freq == "M":
            return f"{self.year:04d}-{self.sub:02d}"
        if self.freq == "Y":
            return f"{self.year:04d}"
        return f"{self.year:04d}-{self.freq}{self.sub}"

    @property
    def is_month(self) -> bool:
        """True for a single calendar month."""
        return self.freq == "M"

    @property
    def first_month(self) -> int:
        """Calendar month (1-12) in which the period starts."""
        if self.freq == "F":
            return FISCAL_START
        width = 12 // _N_SUB[self.freq]
        return (self.sub - 1) * width + 1

    @property
    def n_months(self) -> int:
        """Number of calendar months the period covers."""
        return 12 if self.freq == "F" else 12 // _N_SUB[self.freq]

    @property
    def start(self) -> str:
        """First month as ``YYYY-MM``."""
        return f"{self.year:04d}-{self.first_month:02d}"

    @property
    def end(self) -> str:
        """Last month as ``YYYY-MM``."""
        return self.months()[-1]

    def months(self) -> list[str]:
        """Every month the period covers, as ``YYYY-MM`` strings."""
        first = self.year * 12 + self.first_month - 1
        return [f"{k // 12:04d}-{k % 12 + 1:02d}" for k in range(first, first + self.n_months)]

    def __str__(self) -> str:
        return self.label


def default_horizon(today: _dt.date | None = None) -> Period:
    """The latest acceptable period by default: December of next year.

    A published figure cannot describe a period that has not started; one year of slack
    allows for clock skew and forward-dated filenames.
    """
    today = today or _dt.date.today()
    return Period(today.year + 1, "M", 12)


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _match(text: str) -> tuple[int, Freq, int] | None:
    m = _FISCAL.match(text)
    if m:
        start, end = int(m.group(1)), int(m.group(2))
        if end % (100 if len(m.group(2)) == 2 else 10**4) == (start + 1) % (
                100 if len(m.group(2)) == 2 else 10**4):
            return start, "F", 1
        return None
    for pattern, freq, order in _PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        if order == "y":
            return int(m.group(1)), freq, 1
        a, b = m.group(1), m.group(2)
        year_s, sub_s = (a, b) if order == "ys" else (b, a)
        sub = _MONTHS[sub_s] if sub_s in _MONTHS else int(sub_s)
        return _year(year_s), freq, sub
    return None


def parse_period(
    value: object,
    *,
    horizon: Period | str | None = None,
    min_year: int = MIN_YEAR,
    path: str | None = None,
    line: int | None = None,
    field: str | None = "period",
    yyyy_yy: str = "refuse",
) -> Period:
    """Parse one period spelling (see the module docstring for the accepted forms).

    Parameters
    ----------
    value
        The cell as read: a string, an ``int`` year, or a ``datetime``/``date``/``Timestamp``
        on the first day of a month (Excel month cells).
    horizon
        Latest acceptable period (a :class:`Period` or its label); periods starting after its
        last month are rejected. ``None`` means :func:`default_horizon`.
    min_year
        Earliest acceptable year.
    path, line, field
        Location used in the error message.
    yyyy_yy
        How ``YYYY-YY`` with ``YY`` the next year (``2009-10``, ``2021-22``) is read:
        ``"refuse"`` (ambiguous: month or fiscal year?; ``"auto"`` is the same for one cell),
        ``"month"`` or ``"fiscal"``.

    Returns
    -------
    Period

    Raises
    ------
    InputError
        If the value is not a recognised spelling, is out of range or lies beyond the horizon.
    """

    def fail(message: str, expected: str = EXPECTED) -> InputError:
        return InputError(message, path=path, line=line, field=field, value=value,
                          expected=expected)

    if isinstance(value, bool):
        raise fail("not a period")
    if isinstance(value, _dt.datetime | _dt.date):  # pandas Timestamp is a datetime
        if value.day != 1 or (isinstance(value, _dt.datetime) and value.time() != _dt.time()):
            raise fail("a date that is not the first day of a month is not a reporting period")
        parsed: tuple[int, Freq, int] | None = (value.year, "M", value.month)
    elif isinstance(value, int):
        parsed = (value, "Y", 1)
    elif isinstance(value, float) and value.is_integer():
        parsed = (int(value), "Y", 1)
    else:
        text = re.sub(r"\s+", " ", str(value).replace("\ufeff", "")).strip().casefold()
        text = text.replace("\u2013", "-").replace("\u2014", "-")
        if not text:
            raise fail("empty period")
        ambiguous = _YYYY_YY.match(text)
        if ambiguous and int(ambiguous.group(2)) == (int(ambiguous.group(1)) + 1) % 100:
            if yyyy_yy not in YYYY_YY_CHOICES:
                raise ValueError(f"yyyy_yy must be one of {YYYY_YY_CHOICES}, not {yyyy_yy!r}")
            if yyyy_yy in ("refuse", "auto"):
                raise fail("ambiguous period: a month or a fiscal year (July-June)?",
                           "an unambiguous period (e.g. 2009-10-01 or Oct 2009 for a month, "
                           "FY2009-10 for a fiscal year), or the rule \"yyyy_yy\": \"month\" "
                           "or \"fiscal\" in --rules")
            if yyyy_yy == "fiscal":
                text = f"fy{text}"
        parsed = _match(text)
    if parsed is None:
        if isinstance(value, str) and _ISO_DATE.match(text):
            raise fail("unrecognised period: a date, not a reporting period (weekly dates, "
                       "ISO dates seven days apart, or daily ones)",
                       EXPECTED + "; sum weekly or daily figures to months first, or fit "
                       "the weekly series itself with trends fit --freq W")
        raise fail("unrecognised period")
    year, freq, sub = parsed
    if not 1 <= sub <= _N_SUB[freq]:
        kind = {"M": "month", "Q": "quarter", "H": "half-year"}[freq]
        raise fail(f"{kind} {sub} out of range", f"{kind} 1-{_N_SUB[freq]}")
    if year < min_year:
        raise fail(f"year {year} is before {min_year}", f"a year from {min_year} on")
    period = Period(year, freq, sub)
    limit = default_horizon() if horizon is None else horizon
    if isinstance(limit, str):
        limit = parse_period(limit, horizon=Period(9999, "Y"), min_year=0, yyyy_yy="month")
    if period.start > limit.end:
        raise fail(f"period lies in the future (after {limit.end})",
                   f"a period up to {limit.end}")
    return period


def is_yyyy_mm_month(value: object) -> bool:
    """True for a ``YYYY-MM``/``YYYY/MM`` month that cannot be a fiscal year (``2009-03``).

    A file writing such months uses the ``YYYY-MM`` spelling, so its ``2009-10`` is October
    2009 (rule ``yyyy_yy: "auto"``).
    """
    m = _YYYY_YY.match(str(value).strip())
    return bool(m) and 1 <= int(m.group(2)) <= 12 and (  # type: ignore[union-attr]
        int(m.group(2)) != (int(m.group(1)) + 1) % 100)  # type: ignore[union-attr]


def try_parse_period(value: object, **kwargs: object) -> Period | None:
    """:func:`parse_period`, returning ``None`` instead of raising (for header detection)."""
    try:
        return parse_period(value, **kwargs)  # type: ignore[arg-type]
    except InputError:
        return None


def month_range(start: str, end: str) -> list[str]:
    """All months from ``start`` to ``end`` inclusive (``YYYY-MM`` strings)."""
    y0, m0 = map(int, start.split("-"))
    y1, m1 = map(int, end.split("-"))
    out = []
    y, m = y0, m0
    while (y, m) <= (y1, m1):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
