"""Dates as people export them (:mod:`trends.dates`): every spelling gives the same model as ISO
text, in ``trends.ITS`` and on the command line; errors name 1-based file lines.

The series are simulated here (seeded): they only need to be the same under every spelling.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trends
from trends.cli import main
from trends.dates import DateError, combine_columns, from_decimal, infer_decimal_freq, parse_text
from trends.errors import SpecificationError


# --------------------------------------------------------------------------- single values
@pytest.mark.parametrize(("text", "code", "expected"), [
    ("Jan 2022", "M", "2022-01"), ("January 2022", "M", "2022-01"), ("jan. 2022", "M", "2022-01"),
    ("January, 2022", "M", "2022-01"), ("2022 Jan", "M", "2022-01"), ("Sep-2022", "M", "2022-09"),
    ("2022-Sept", "M", "2022-09"), ("2022M01", "M", "2022-01"), ("2022m7", "M", "2022-07"),
    ("Aug 2022", "Q", "2022Q3"), ("Dec 2022", "Y", "2022"),
    ("1983.083333", "M", "1983-02"), ("1983.0", "Y", "1983"), ("1983.0", "M", "1983-01"),
    ("1983.916667", "M", "1983-12"), ("1983.25", "Q", "1983Q2"), ("1983.75", "Q", "1983Q4"),
])
def test_parse_text(text, code, expected):
    assert str(parse_text(text, code)) == expected


@pytest.mark.parametrize(("text", "code", "reason"), [
    ("Jan-22", "M", "two-digit year is ambiguous"),
    ("01/02/2022", "M", "day/month order is ambiguous"),
    ("1983.04", "M", "not on the grid of frequency 12"),
    ("1983.1", "Q", "not on the grid of frequency 4"),
    ("2022M13", "M", "month 13 out of range"),
    ("Jan 2022", "W", "a month is not a week"),
    ("2021.5", "W", "frequency 52 does not map to ISO weeks"),
    ("Febr 2022", "M", "unrecognised date text"),
])
def test_parse_text_refuses(text, code, reason):
    with pytest.raises(DateError, match=reason):
        parse_text(text, code)


def test_decimal_time_round_trip_and_inference():
    # R: time(ts(1:36, start = c(1983, 1), frequency = 12)) printed with 6 decimals
    months = pd.period_range("1983-01", periods=36, freq="M")
    t = np.round(1983 + np.arange(36) / 12, 6)
    assert [from_decimal(x, "M") for x in t] == list(months)
    assert infer_decimal_freq(t) == "M"
    assert infer_decimal_freq(1960 + np.arange(10) / 4) == "Q"
    assert infer_decimal_freq(np.arange(1871.0, 1971.0)) == "Y"
    with pytest.raises(DateError, match="one decimal time"):
        infer_decimal_freq([1983.5])
    with pytest.raises(DateError, match="not 1/12, 1/4 or 1"):
        infer_decimal_freq([1983.0, 1983.1, 1983.2])


def test_combine_columns_each_kind():
    df = pd.DataFrame({"year": [2021, 2021, 2022], "month": ["11", "Dec", "January"],
                       "quarter": ["3", "Q4", "1"], "week": [52, 53, 1], "n": [1, 2, 3]})
    assert combine_columns(df, ["year", "month"])[0].astype(str).tolist() == [
        "2021-11", "2021-12", "2022-01"]
    assert combine_columns(df, ["year", "quarter"])[0].astype(str).tolist() == [
        "2021Q3", "2021Q4", "2022Q1"]
    with pytest.raises(DateError, match="not an ISO week of 2021") as err:
        combine_columns(df, ["year", "week"])  # 2021 has 52 ISO weeks
    assert err.value.pos == 1 and err.value.column == "week"
    weeks, code = combine_columns(df.iloc[[0, 2]], ["year", "n"], freq="W")
    assert code == "W" and weeks.iloc[0] == pd.Period("2021-01-04", "W-SUN")
    with pytest.raises(DateError, match="cannot tell whether column 'n'"):
        combine_columns(df, ["year", "n"])
    with pytest.raises(DateError, match="not a month") as err:
        combine_columns(df.assign(month=["11", "13", "1"]), ["year", "month"])
    assert err.value.pos == 1


# --------------------------------------------------------------------------- models
def _monthly(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    months = pd.period_range("2017-01", periods=n, freq="M")
    t = np.arange(n)
    mu = np.exp(2.5 + 0.01 * t + 0.4 * (months >= pd.Period("2020-03", "M")))
    return pd.DataFrame({
        "iso": months.strftime("%Y-%m"), "name": months.strftime("%b %Y"),
        "decimal": np.round(2017 + t / 12, 6), "year": months.year, "month": months.month,
        "y": rng.poisson(mu)})


@pytest.mark.parametrize(("date", "when"), [
    ("name", "Mar 2020"), ("decimal", "2020.166667"), (["year", "month"], "March 2020"),
    ("iso", "2020M03"),
])
def test_its_same_model_under_every_monthly_spelling(date, when):
    df = _monthly()
    ref = trends.ITS(df, outcome="y", date="iso", interruptions={"x": "2020-03"},
                     family="poisson").fit()
    res = trends.ITS(df, outcome="y", date=date, interruptions={"x": when},
                     family="poisson").fit()
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-10)
    assert res.terms == ref.terms


def test_its_quarterly_and_weekly_columns():
    rng = np.random.default_rng(3)
    q = pd.period_range("2010Q1", periods=40, freq="Q-DEC")
    y = rng.poisson(20, 40)
    df = pd.DataFrame({"iso": q.strftime("%YQ%q"), "year": q.year, "quarter": q.quarter,
                       "decimal": 2010 + np.arange(40) / 4, "y": y})
    ref = trends.ITS(df, outcome="y", date="iso", interruptions={"x": "2015Q1"},
                     family="poisson").fit()
    for date, when in ((["year", "quarter"], "2015Q1"), ("decimal", "2015.0")):
        res = trends.ITS(df, outcome="y", date=date, interruptions={"x": when},
                         family="poisson").fit()
        np.testing.assert_allclose(res.params, ref.params, rtol=1e-10)
    w = pd.period_range("2020-01-06", periods=80, freq="W-SUN")
    iso = w.start_time.isocalendar()
    dw = pd.DataFrame({"iso": [f"{a}-W{b:02d}" for a, b in zip(iso.year, iso.week, strict=False)],
                       "year": iso.year.to_numpy(), "week": iso.week.to_numpy(),
                       "y": rng.poisson(9, 80)})
    ref = trends.ITS(dw, outcome="y", date="iso", interruptions={"x": "2020-W40"},
                     family="poisson").fit()
    res = trends.ITS(dw, outcome="y", date=("year", "week"), interruptions={"x": "2020-W40"},
                     family="poisson").fit()
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-10)


def test_its_combined_columns_errors():
    df = _monthly()
    with pytest.raises(SpecificationError, match=r"not a month at row 4 \(saw 14\)"):
        trends.ITS(df.assign(month=df["month"].where(df.index != 4, 14)), outcome="y",
                   date=["year", "month"], interruptions={"x": "2020-03"})
    with pytest.raises(SpecificationError, match="date column 'mon' is not in the data"):
        trends.ITS(df, outcome="y", date=["year", "mon"], interruptions={"x": "2020-03"})


# --------------------------------------------------------------------------- command line
def _fit(tmp_path: Path, csv: Path, *args: str) -> pd.DataFrame:
    out = tmp_path / "out"
    assert main(["fit", str(csv), "--outcome", "y", "--family", "poisson", "--out", str(out),
                 *args]) == 0
    return pd.read_csv(out / "table.csv")


def test_cli_every_spelling_gives_the_iso_table(tmp_path):
    df = _monthly()
    csv = tmp_path / "s.csv"
    df.to_csv(csv, index=False)
    ref = _fit(tmp_path, csv, "--date", "iso", "--interruption", "x=2020-03")
    for argv in (["--date", "name", "--interruption", "x=Mar 2020"],
                 ["--date", "decimal", "--interruption", "x=2020.166667"],
                 ["--date", "decimal", "--freq", "M", "--interruption", "x=2020-03"],
                 ["--date", "year,month", "--interruption", "x=2020-03"],
                 ["--date", "year, month", "--interruption", "x=March 2020",
                  "--start", "Jan 2017"]):
        pd.testing.assert_frame_equal(_fit(tmp_path, csv, *argv), ref, check_exact=False,
                                      rtol=1e-9)


def test_cli_decimal_time_needs_a_frequency_for_one_period(tmp_path, capsys):
    csv = tmp_path / "one.csv"
    csv.write_text("t,y\n1983.5,3\n")
    assert main(["fit", str(csv), "--outcome", "y", "--date", "t", "--interruption", "x=1983",
                 "--out", str(tmp_path / "o")]) == 2
    assert "non-integer numeric dates" in capsys.readouterr().err


def test_cli_date_errors_name_file_lines(tmp_path, capsys):
    df = _monthly(40)
    text = df.to_csv(index=False).splitlines()
    # a blank line after the header: data row 5 (0-based) is on physical line 8
    bad = list(text)
    bad.insert(1, "")
    row = bad[7].split(",")
    row[list(df.columns).index("name")] = "Jun-17"
    bad[7] = ",".join(row)
    csv = tmp_path / "bad.csv"
    csv.write_text("\n".join(bad) + "\n")
    assert main(["fit", str(csv), "--outcome", "y", "--date", "name", "--interruption",
                 "x=2019-01", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{csv}:8: field 'name': month name with a two-digit year is ambiguous" in err
    assert "(saw 'Jun-17')" in err
    # separate columns: the bad month is named at its line
    rows = list(text)
    cells = rows[3].split(",")
    cells[list(df.columns).index("month")] = "0"
    rows[3] = ",".join(cells)
    csv.write_text("\n".join(rows) + "\n")
    assert main(["fit", str(csv), "--outcome", "y", "--date", "year,month", "--interruption",
                 "x=2019-01", "--out", str(tmp_path / "o")]) == 2
    assert f"{csv}:4: field 'month': not a month (saw '0')" in capsys.readouterr().err
    # a duplicated month names both lines
    dup = list(text)
    dup[5] = dup[4]
    csv.write_text("\n".join(dup) + "\n")
    assert main(["fit", str(csv), "--outcome", "y", "--date", "iso", "--interruption",
                 "x=2019-01", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{csv}:6: field 'iso': duplicate date: 2017-04 follows 2017-04 on line 5" in err
    # a missing date column is named at the header
    assert main(["fit", str(csv), "--outcome", "y", "--date", "year,mon", "--interruption",
                 "x=2019-01", "--out", str(tmp_path / "o")]) == 2
    assert f"{csv}:1: field 'mon': date column not in the file" in capsys.readouterr().err


def test_cli_robust_reads_the_same_spellings(tmp_path):
    df = _monthly(36)
    csv = tmp_path / "s.csv"
    df.to_csv(csv, index=False)
    grids = []
    for date, when in (("iso", "2018-06"), ("year,month", "Jun 2018")):
        out = tmp_path / date.replace(",", "_")
        assert main(["robust", str(csv), "--outcome", "y", "--date", date, "--interruption",
                     f"x={when}", "--family", "poisson", "--out", str(out)]) == 0
        grids.append(pd.read_csv(out / "grid.csv"))
    pd.testing.assert_frame_equal(grids[0], grids[1])


def test_cli_value_errors_name_file_lines(tmp_path, capsys):
    """Outcome, offset and covariate text is refused at its 1-based file line (after --select,
    which keeps each row's place in the file)."""
    lines = ["series,month,y,pop,x"]
    for s in ("a", "b"):
        for m in range(1, 13):
            lines.append(f"{s},2020-{m:02d},{m},{1000 + m},{m % 3}")
    lines[20] = lines[20].replace(",8,1008,", ",8,n/a?,")  # b, 2020-08: line 21
    csv = tmp_path / "v.csv"
    csv.write_text("\n".join(lines) + "\n")
    base = ["fit", str(csv), "--outcome", "y", "--date", "month", "--interruption", "i=2020-06",
            "--select", "series=b", "--out", str(tmp_path / "o")]
    assert main([*base, "--family", "poisson", "--offset", "pop"]) == 2
    assert f"{csv}:21: field 'pop': not a number (saw 'n/a?')" in capsys.readouterr().err
    other = [a if a != "series=b" else "series=a" for a in base]
    assert main([*other, "--family", "poisson", "--offset", "pop"]) == 0  # the bad row is b's
