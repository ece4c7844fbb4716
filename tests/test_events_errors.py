"""Every rejection of the event adapters: InputError naming file, line, field and value."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from trends import events as ev
from trends.errors import InputError

FIX = Path(__file__).parent / "fixtures" / "events"
GED, ACLED, GTD = FIX / "ged_small.csv", FIX / "acled_small.csv", FIX / "gtd_small.csv"


def edited(tmp_path: Path, src: Path, record: int, column: str, value: str,
           name: str | None = None) -> Path:
    """Copy of ``src`` with data record ``record`` (1-based) changed in ``column``."""
    rows = list(csv.reader(src.open(newline="", encoding="utf-8")))
    rows[record][rows[0].index(column)] = value
    out = tmp_path / (name or src.name)
    with out.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return out


def without(tmp_path: Path, src: Path, column: str) -> Path:
    rows = list(csv.reader(src.open(newline="", encoding="utf-8")))
    i = rows[0].index(column)
    out = tmp_path / src.name
    with out.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([r[:i] + r[i + 1:] for r in rows])
    return out


def check(exc: InputError, path: Path | None, line: int | None, field: str | None) -> None:
    assert (exc.path, exc.line, exc.field) == (None if path is None else str(path), line, field)
    text = str(exc)
    if path is not None:
        assert text.startswith(f"{path}:" + (f"{line}:" if line else ""))


# --- arguments --------------------------------------------------------------------------------

def test_unknown_format():
    with pytest.raises(InputError, match="unknown event format 'ucdp'") as e:
        ev.read_events(GED, "ucdp")
    assert e.value.field == "format" and "ucdp-ged or acled or gtd" in str(e.value)


def test_unknown_imprecise_rule():
    with pytest.raises(InputError, match="imprecise") as e:
        ev.read_events(GED, "ucdp-ged", imprecise="middle")  # type: ignore[arg-type]
    assert e.value.value == "middle"


def test_rule_of_another_dataset():
    with pytest.raises(InputError, match="GtdRule does not apply to format 'acled'"):
        ev.read_events(ACLED, "acled", rule=ev.GtdRule())


def test_no_inputs():
    with pytest.raises(InputError, match="no input files"):
        ev.read_events([], "gtd")


def test_folder_without_csv(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="folder holds no .csv file"):
        ev.read_events(tmp_path, "gtd")


def test_folder_is_read(tmp_path):
    (tmp_path / "gtd.csv").write_bytes(GTD.read_bytes())
    assert ev.read_events(tmp_path, "gtd").records == 10


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError):
        ev.read_events(tmp_path / "nope.csv", "gtd")


@pytest.mark.parametrize("given", [("2021-01-01", "not a date"), ("2021-06-01", "2021-01-01")])
def test_bad_coverage(given):
    with pytest.raises(InputError, match="coverage") as e:
        ev.read_events(GED, "ucdp-ged", coverage=given)
    assert e.value.field == "coverage"


# --- file-level -------------------------------------------------------------------------------

def test_empty_file(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_text("")
    with pytest.raises(InputError, match="file is empty") as e:
        ev.read_events(p, "ucdp-ged")
    check(e.value, p, 1, None)


def test_binary_file(tmp_path):
    p = tmp_path / "garbage.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    with pytest.raises(InputError, match="binary"):
        ev.read_events(p, "gtd")


def test_header_not_utf8(tmp_path):
    p = tmp_path / "latin1.csv"
    p.write_bytes("eventid,iyear,provstate,caf\xe9\n".encode("latin-1") + b"1,2019,x,y\n")
    with pytest.raises(InputError, match="not UTF-8"):
        ev.read_events(p, "gtd")


def test_duplicated_column(tmp_path):
    p = tmp_path / "dup.csv"
    lines = GTD.read_text().splitlines()
    p.write_text(lines[0] + ",nkill\n" + "\n".join(line + ",1" for line in lines[1:]) + "\n")
    with pytest.raises(InputError, match="duplicated column") as e:
        ev.read_events(p, "gtd")
    check(e.value, p, 1, "nkill")


@pytest.mark.parametrize(("src", "fmt", "column"), [
    (GED, "ucdp-ged", "best"), (GED, "ucdp-ged", "date_start"), (ACLED, "acled", "inter1"),
    (ACLED, "acled", "event_date"), (GTD, "gtd", "iday"), (GTD, "gtd", "gname"),
])
def test_missing_required_column(tmp_path, src, fmt, column):
    p = without(tmp_path, src, column)
    with pytest.raises(InputError, match=f"missing required column {column} for format") as e:
        ev.read_events(p, fmt)
    check(e.value, p, 1, column)


def test_header_only(tmp_path):
    p = tmp_path / "header.csv"
    p.write_text(GTD.read_text().splitlines()[0] + "\n")
    with pytest.raises(InputError, match="header but no data rows") as e:
        ev.read_events(p, "gtd")
    check(e.value, p, 2, None)


def test_ragged_row(tmp_path):
    p = tmp_path / "ragged.csv"
    text = ACLED.read_text().splitlines()
    text[3] = text[3] + ",extra,fields"
    p.write_text("\n".join(text) + "\n")
    with pytest.raises(InputError, match="row has 33 fields") as e:
        ev.read_events(p, "acled")
    check(e.value, p, 4, None)
    assert "31 fields as in the header" in str(e.value)


def test_unbalanced_quote(tmp_path):
    p = tmp_path / "quote.csv"
    text = GTD.read_text()
    p.write_text(text + '202201010001,2022,1,1,"unterminated\n')
    with pytest.raises(InputError) as e:
        ev.read_events(p, "gtd")
    assert e.value.path == str(p)


def test_no_events_for_country():
    with pytest.raises(InputError, match="no events for country 'Pakistn'") as e:
        ev.read_events(GTD, "gtd", country="Pakistn")
    assert "Pakistan" in str(e.value) and e.value.field == "country"


def test_mixed_releases(tmp_path):
    a = tmp_path / "ged221.csv"
    b = tmp_path / "ged231.csv"
    a.write_bytes(GED.read_bytes())
    b.write_bytes(GED.read_bytes())
    with pytest.raises(InputError, match="different releases: UCDP GED 22.1, UCDP GED 23.1"):
        ev.read_events([a, b], "ucdp-ged")


# --- cell-level: the line is the physical line of the record -----------------------------------

@pytest.mark.parametrize(("record", "line"), [(3, 4), (20, 23)])  # record 20 follows a 3-line one
def test_ged_bad_date(tmp_path, record, line):
    p = edited(tmp_path, GED, record, "date_start", "2021-13-01 00:00:00.000")
    with pytest.raises(InputError, match="date does not parse") as e:
        ev.read_events(p, "ucdp-ged")
    check(e.value, p, line, "date_start")
    assert e.value.value == "2021-13-01 00:00:00.000"


def test_ged_missing_date(tmp_path):
    p = edited(tmp_path, GED, 5, "date_end", "")
    with pytest.raises(InputError, match="date is missing") as e:
        ev.read_events(p, "ucdp-ged")
    check(e.value, p, 6, "date_end")


def test_ged_end_before_start(tmp_path):
    p = edited(tmp_path, GED, 2, "date_end", "2019-12-31 00:00:00.000")
    with pytest.raises(InputError, match="date_end is before date_start") as e:
        ev.read_events(p, "ucdp-ged")
    check(e.value, p, 3, "date_end")


def test_ged_type_of_violence(tmp_path):
    p = edited(tmp_path, GED, 4, "type_of_violence", "4")
    with pytest.raises(InputError, match="value out of range") as e:
        ev.read_events(p, "ucdp-ged")
    check(e.value, p, 5, "type_of_violence")
    assert "1, 2 or 3" in str(e.value)


def test_ged_text_in_count(tmp_path):
    p = edited(tmp_path, GED, 7, "best", "n/a")
    with pytest.raises(InputError, match="value is not a number") as e:
        ev.read_events(p, "ucdp-ged")
    check(e.value, p, 8, "best")
    assert e.value.value == "n/a"


def test_ged_negative_count(tmp_path):
    p = edited(tmp_path, GED, 8, "high", "-3")
    with pytest.raises(InputError, match="negative count") as e:
        ev.read_events(p, "ucdp-ged")
    check(e.value, p, 9, "high")


def test_acled_bad_date(tmp_path):
    p = edited(tmp_path, ACLED, 6, "event_date", "31 February 2021")
    with pytest.raises(InputError, match="date does not parse") as e:
        ev.read_events(p, "acled")
    check(e.value, p, 7, "event_date")


def test_acled_unknown_actor_type(tmp_path):
    p = edited(tmp_path, ACLED, 2, "inter2", "Aliens")
    with pytest.raises(InputError, match="unknown actor type") as e:
        ev.read_events(p, "acled")
    check(e.value, p, 3, "inter2")
    assert e.value.value == "Aliens"


def test_acled_time_precision(tmp_path):
    p = edited(tmp_path, ACLED, 9, "time_precision", "5")
    with pytest.raises(InputError, match="value out of range") as e:
        ev.read_events(p, "acled")
    check(e.value, p, 10, "time_precision")


def test_acled_text_fatalities(tmp_path):
    p = edited(tmp_path, ACLED, 1, "fatalities", "several")
    with pytest.raises(InputError, match="value is not a number") as e:
        ev.read_events(p, "acled")
    check(e.value, p, 2, "fatalities")


@pytest.mark.parametrize(("column", "value", "message"), [
    ("imonth", "13", "value out of range"), ("iday", "32", "value out of range"),
    ("iday", "-1", "value out of range"), ("nkill", "-2", "negative count"),
    ("iyear", "", "year is missing"), ("iyear", "2019.5", "value is not a number"),
])
def test_gtd_bad_cell(tmp_path, column, value, message):
    p = edited(tmp_path, GTD, 4, column, value)
    with pytest.raises(InputError, match=message) as e:
        ev.read_events(p, "gtd")
    check(e.value, p, 5, column)


def test_gtd_no_such_day(tmp_path):
    p = edited(tmp_path, GTD, 3, "iday", "30")  # record 3 is 2019-02 (day unknown) -> 30 Feb
    with pytest.raises(InputError, match="no such day in this month") as e:
        ev.read_events(p, "gtd")
    check(e.value, p, 4, "iday")
    assert "2019-02" in str(e.value)


# --- outputs and the command line ----------------------------------------------------------------

def test_output_folder_is_a_file(tmp_path):
    target = tmp_path / "out"
    target.write_text("not a folder")
    with pytest.raises(NotADirectoryError):
        ev.write_outputs(ev.read_events(GTD, "gtd"), target)
    assert target.read_text() == "not a folder"


def test_failed_run_keeps_earlier_outputs(tmp_path):
    out = tmp_path / "out"
    ev.run_clean([str(GTD)], "gtd", str(out), "Pakistan")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = edited(tmp_path, GTD, 1, "imonth", "13")
    with pytest.raises(InputError):
        ev.run_clean([str(bad)], "gtd", str(out), "Pakistan")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_cli_reports_one_line(tmp_path, capsys):
    cli = pytest.importorskip("trends.cli")
    bad = edited(tmp_path, GED, 3, "best", "many")
    try:
        status = cli.main(["clean", "--format", "ucdp-ged", str(bad), "--out",
                           str(tmp_path / "o")])
    except SystemExit as exc:
        pytest.skip(f"trends clean does not accept --format ucdp-ged yet ({exc})")
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{bad}:4: field 'best': value is not a number (saw 'many')" in err
    assert not (tmp_path / "o" / "panel.csv").exists()


def test_ged_impossible_day(tmp_path):
    p = edited(tmp_path, GED, 7, "date_start", "2020-02-30 00:00:00.000")
    with pytest.raises(InputError, match="date does not parse") as e:
        ev.read_events(p, "ucdp-ged")
    check(e.value, p, 8, "date_start")
