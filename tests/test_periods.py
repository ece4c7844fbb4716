"""Period spellings: accepted forms, canonical labels, and every rejection path."""

from __future__ import annotations

import datetime as dt

import pytest

from trends.errors import InputError
from trends.periods import Period, default_horizon, month_range, parse_period, try_parse_period

H = "2030-12"  # fixed horizon: tests must not depend on today's date


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2022-01", "2022-01"), ("2022-1", "2022-01"), ("2022/01", "2022-01"),
        ("2022.01", "2022-01"), ("202201", "2022-01"), ("01/2022", "2022-01"),
        ("1-2022", "2022-01"), ("Jan 2022", "2022-01"), ("January 2022", "2022-01"),
        ("January-22", "2022-01"), ("Jan-22", "2022-01"), ("jan. 2022", "2022-01"),
        ("2022 Jan", "2022-01"), ("January, 2022", "2022-01"), ("JUL 2022", "2022-07"),
        ("Sept 2019", "2019-09"), ("December\u20132023", "2023-12"), ("2022-01-01", "2022-01"),
        (" 2022-03 ", "2022-03"), ("\ufeff2022-03", "2022-03"), ("FY2009-10", "FY2009-10"),
        ("fy 2021-2022", "FY2021-22"),
        ("2022-Q1", "2022-Q1"), ("2022Q4", "2022-Q4"), ("Q1 2022", "2022-Q1"),
        ("q2-2022", "2022-Q2"), ("Q3/22", "2022-Q3"), ("1Q2022", "2022-Q1"),
        ("2022-H1", "2022-H1"), ("H2 2022", "2022-H2"), ("2022h2", "2022-H2"),
        ("2022", "2022"), (2022, "2022"), (2022.0, "2022"),
        (dt.date(2020, 3, 1), "2020-03"), (dt.datetime(2020, 3, 1), "2020-03"),
    ],
)
def test_accepted_spellings(text, label):
    assert parse_period(text, horizon=H).label == label


@pytest.mark.parametrize("text", ["2009-10", "2011-12", "2009/10", "2021-22", "2021 - 22"])
def test_yyyy_yy_next_year_is_ambiguous_unless_a_rule_says(text):
    """Issue 15: ``YYYY-YY`` with ``YY`` the next year is a month or a fiscal year: refused."""
    for rule in ("refuse", "auto"):  # one cell alone cannot settle it
        with pytest.raises(InputError, match=r"ambiguous period.*fiscal year.*yyyy_yy"):
            parse_period(text, horizon=H, yyyy_yy=rule)
    fiscal = parse_period(text, horizon=H, yyyy_yy="fiscal")
    y = int(text[:4])
    assert (fiscal.freq, fiscal.start, fiscal.end) == ("F", f"{y}-07", f"{y + 1}-06")
    assert len(fiscal.months()) == 12 and fiscal.label == f"FY{y}-{(y + 1) % 100:02d}"
    if int(text[-2:]) <= 12:
        assert parse_period(text, horizon=H, yyyy_yy="month").label == f"{y}-{text[-2:]}"
    else:
        with pytest.raises(InputError, match="out of range"):
            parse_period(text, horizon=H, yyyy_yy="month")


@pytest.mark.parametrize("text", ["2009-11", "2010-10", "2022-01", "2009-10-01", "Oct 2009"])
def test_months_that_are_not_next_year_stay_months(text):
    assert parse_period(text, horizon=H).freq == "M"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2021-13", "month 13 out of range"), ("2021-00", "month 0 out of range"),
        ("13/2021", "month 13"), ("2022-Q5", "quarter 5"), ("Q0 2022", "quarter 0"),
        ("H3 2022", "half-year 3"), ("2031-01", "future"), ("Jan 2099", "future"),
        ("1950", "before 1970"), ("FY2022", "unrecognised"), ("2022-01-15", "unrecognised"),
        ("31/02/2021", "unrecognised"), ("", "empty"), ("   ", "empty"),
        ("sometime in spring", "unrecognised"), ("Janury 2022", "unrecognised"),
        (dt.date(2020, 3, 2), "first day"), (dt.datetime(2020, 3, 1, 12), "first day"),
        (True, "not a period"),
    ],
)
def test_rejections_name_location_value_and_expectation(text, message):
    with pytest.raises(InputError) as info:
        parse_period(text, horizon=H, path="f.csv", line=7)
    err = info.value
    assert message in err.message
    assert (err.path, err.line, err.field) == ("f.csv", 7, "period")
    assert err.value == text
    assert err.expected
    assert str(err).startswith("f.csv:7: field 'period':")


def test_horizon_is_inclusive_and_configurable():
    assert parse_period("2030-12", horizon=H).label == "2030-12"
    assert parse_period("2030", horizon=H).label == "2030"
    with pytest.raises(InputError):
        parse_period("2031", horizon=H)
    assert parse_period("2031-01", horizon=Period(2031, "Y")).label == "2031-01"
    assert parse_period("1960", horizon=H, min_year=1900).label == "1960"


def test_default_horizon_is_december_of_next_year():
    assert default_horizon(dt.date(2024, 2, 29)) == Period(2025, "M", 12)
    year = dt.date.today().year
    assert parse_period(f"{year + 1}-12").label == f"{year + 1}-12"
    assert try_parse_period(f"{year + 2}-01") is None


def test_period_geometry():
    q = Period(2022, "Q", 3)
    assert (q.start, q.end, q.n_months) == ("2022-07", "2022-09", 3)
    assert q.months() == ["2022-07", "2022-08", "2022-09"]
    h = Period(2022, "H", 2)
    assert (h.start, h.end) == ("2022-07", "2022-12")
    y = Period(2022, "Y")
    assert (y.start, y.end, len(y.months())) == ("2022-01", "2022-12", 12)
    assert Period(2022, "M", 2).is_month and not q.is_month
    assert str(Period(2022, "M", 2)) == "2022-02"
    with pytest.raises(ValueError, match="out of range"):
        Period(2022, "M", 13)
    with pytest.raises(ValueError, match="frequency"):
        Period(2022, "W", 1)  # type: ignore[arg-type]


def test_month_range_crosses_years_and_is_inclusive():
    assert month_range("2021-11", "2022-02") == ["2021-11", "2021-12", "2022-01", "2022-02"]
    assert month_range("2022-05", "2022-05") == ["2022-05"]
    assert month_range("2022-05", "2022-04") == []
    assert len(month_range("2019-01", "2023-12")) == 60
