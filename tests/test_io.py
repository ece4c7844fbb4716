"""Readers: encodings, delimiters, long and wide layouts, Excel, folders, and every refusal."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from trends.errors import InputError
from trends.io import (
    LOCATION_COLUMNS,
    RAW_COLUMNS,
    decode_bytes,
    expand_inputs,
    read_inputs,
    read_table,
)

FIX = Path(__file__).parent / "fixtures" / "clean"
HEADER = "source_org,period,region,group,measure,value,url,quote"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def raises(path, match: str, *, line=None, field=None, **kwargs) -> InputError:
    with pytest.raises(InputError, match=match) as info:
        read_table(path, **kwargs)
    err = info.value
    assert err.path is not None and Path(err.path).name == Path(path).name
    assert err.line == line
    assert err.field == field
    assert err.expected
    return err


# --------------------------------------------------------------------------- long tables


def test_long_table_keeps_text_and_locations():
    df = read_table(FIX / "long_basic.csv")
    assert list(df.columns) == [*LOCATION_COLUMNS, *RAW_COLUMNS]
    assert len(df) == 8
    assert df["line"].tolist() == list(range(2, 10))
    assert set(df["field"]) == {"value"}
    assert df.loc[3, "value"] == "1,234"  # nothing interpreted here
    assert df.loc[5, "value"] == "\u2014"
    assert df.loc[0, "flag"] == "" and df.loc[0, "published"] == ""


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", "Balochistan \u2013 x"),
        ("utf-8-sig", "Balochistan \u2013 x"),
        ("cp1252", "Balochistan \u2013 \u201cx\u201d"),
        ("latin-1", "Balochist\u00e1n \u0081"),  # 0x81 is undefined in cp1252
        ("utf-16", "Balochistan \u2013 x"),  # with BOM
    ],
)
def test_encodings(tmp_path, encoding, text):
    p = write(tmp_path / "t.csv", f"{HEADER}\nPICSS,2022-01,national,all,attacks,3,u,{text}\n",
              encoding)
    df = read_table(p)
    assert df.loc[0, "quote"] == text
    assert df.loc[0, "source_org"] == "PICSS"  # the BOM does not stick to the first column


def test_decode_reports_encoding():
    assert decode_bytes("a,b\n1,2\n".encode("utf-8-sig"), "x")[1] == "utf-8-sig"
    assert decode_bytes(b"a,b\n\x93x\x94,2\n", "x")[1] == "cp1252"
    assert decode_bytes(b"a,b\n\x81,2\n", "x")[1] == "latin-1"


@pytest.mark.parametrize("delim", [",", ";", "\t"])
def test_delimiters(tmp_path, delim):
    rows = [HEADER.split(","), ["PIPS", "2022-01", "KP", "all", "attacks", "1,234", "u", "q"]]
    if delim == ",":
        rows[1][5] = '"1,234"'
    p = write(tmp_path / "t.txt", "\n".join(delim.join(r) for r in rows) + "\n")
    df = read_table(p)
    assert df.loc[0, "value"] == "1,234"
    assert df.loc[0, "region"] == "KP"


def test_physical_line_numbers_with_quoted_newlines_blank_lines_and_crlf(tmp_path):
    text = (f"{HEADER}\r\n\r\nPIPS,2022-01,KP,all,attacks,3,u,\"a\r\nb\r\nc\"\r\n"
            "PIPS,2022-02,KP,all,attacks,4,u,q\r\n,,,,,,,\r\n")
    df = read_table(write(tmp_path / "t.csv", text))
    assert df["line"].tolist() == [3, 6]
    assert df.loc[0, "quote"] == "a\r\nb\r\nc"


def test_column_aliases_and_extra_columns(tmp_path):
    p = write(tmp_path / "t.csv", "Source,Month,Province,Group,Measure,Value,Comment\n"
              "PIPS,2022-01,KP,all,attacks,3,hello\n")
    df = read_table(p)
    assert (df.loc[0, "source_org"], df.loc[0, "period"], df.loc[0, "region"]) == (
        "PIPS", "2022-01", "KP")


def test_preamble_sets_constants(tmp_path):
    p = write(tmp_path / "t.csv", "# source_org: PIPS\n# a free comment\n"
              "period,region,group,measure,value\n2022-01,KP,all,attacks,3\n")
    df = read_table(p)
    assert df.loc[0, "source_org"] == "PIPS"
    assert df.loc[0, "line"] == 4


def test_defaults_fill_missing_columns(tmp_path):
    p = write(tmp_path / "t.csv", "period,region,group,measure,value\n2022-01,KP,all,attacks,3\n")
    assert read_table(p, defaults={"source_org": "X"}).loc[0, "source_org"] == "X"


# --------------------------------------------------------------------------- wide tables


def test_wide_regions_by_month():
    df = read_table(FIX / "wide_regions_by_month.csv")
    assert len(df) == 11  # the blank Sindh/March cell is layout, not a row
    assert set(df["source_org"]) == {"PIPS"} and set(df["measure"]) == {"attacks"}
    assert set(df["group"]) == {"all"}
    kp = df[df["region"] == "Khyber Pakhtunkhwa"]
    assert kp["period"].tolist() == ["Jan 2019", "Feb 2019", "Mar 2019"]
    assert kp["field"].tolist() == ["Jan 2019", "Feb 2019", "Mar 2019"]
    assert kp["line"].tolist() == [5, 5, 5]
    assert df[df["region"] == "Total"]["value"].tolist() == ["25", "20", "7"]


def test_wide_months_by_measure_semicolon():
    df = read_table(FIX / "wide_months_by_measure.csv")
    assert set(df["region"]) == {"national"}
    assert df[df["period"] == "2022-03"]["measure"].tolist() == ["attacks", "killed", "injured"]
    assert df[df["period"] == "Total"]["value"].tolist() == ["63", "182"]


def test_wide_total_column_is_marked():
    df = read_table(FIX / "wide_total_column.tsv")
    tot = df[df["role"] == "total_column"]
    assert tot["value"].tolist() == ["7", "5"]
    assert set(tot["period"]) == {""}
    assert set(df["source_org"]) == {"CRSS"}


def test_wide_rows_are_regions_without_header(tmp_path):
    p = write(tmp_path / "t.csv", "# source_org: PICSS\n# period: 2022-01\n"
              ",attacks,killed\nBalochistan,3,4\nSindh,1,0\n")
    df = read_table(p)
    assert df["region"].tolist() == ["Balochistan", "Balochistan", "Sindh", "Sindh"]
    assert df["measure"].tolist() == ["attacks", "killed", "attacks", "killed"]


def test_wide_months_by_region(tmp_path):
    p = write(tmp_path / "t.csv", "# source_org: PICSS\n# measure: attacks\n"
              "month,KP,Balochistan,Total\n2022-01,3,4,7\n")
    df = read_table(p)
    assert df["region"].tolist() == ["KP", "Balochistan", "Total"]
    assert set(df["role"]) == {""}


def test_xlsx_merged_year_over_months(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["# source_org: PIPS"])
    ws.append(["# measure: attacks"])
    ws.append(["Province", "2019", None, None])
    ws.append([None, "Jan", "Feb", "Mar"])
    ws.append(["Balochistan", 11, 9.0, "7"])
    ws.append(["Sindh", 3, None, 1])
    ws.merge_cells("B3:D3")
    ws.merge_cells("A3:A4")
    p = tmp_path / "t.xlsx"
    wb.save(p)
    df = read_table(p)
    assert df["period"].tolist() == ["2019 Jan", "2019 Feb", "2019 Mar", "2019 Jan", "2019 Mar"]
    assert df["value"].tolist() == ["11", "9", "7", "3", "1"]
    assert df["line"].tolist() == [5, 5, 5, 6, 6]


def test_xlsx_long_with_date_cells(tmp_path):
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(["PICSS", dt.datetime(2022, 1, 1), "national", "all", "attacks", 24, "u", "q"])
    p = tmp_path / "t.xlsx"
    wb.save(p)
    df = read_table(p)
    assert df.loc[0, "period"] == "2022-01-01" and df.loc[0, "value"] == "24"


# --------------------------------------------------------------------------- folders


def test_folder_expansion_sorted_deduplicated_and_filtered(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    for name in ("b.csv", "a.tsv", "c.xlsx", "README.md", ".hidden.csv", "notes.json"):
        (d / name).write_text("x", encoding="utf-8")
    got = expand_inputs([d, d / "b.csv"])
    assert [Path(p).name for p, _ in got] == ["a.tsv", "b.csv", "c.xlsx"]
    got_rel = expand_inputs([d], base=tmp_path)
    assert [lab for _, lab in got_rel] == ["in/a.tsv", "in/b.csv", "in/c.xlsx"]


def test_read_inputs_is_independent_of_input_order(tmp_path):
    a = write(tmp_path / "a.csv", f"{HEADER}\nPIPS,2022-01,KP,all,attacks,3,u,q\n")
    b = write(tmp_path / "b.csv", f"{HEADER}\nPIPS,2022-02,KP,all,attacks,4,u,q\n")
    assert read_inputs([b, a]).equals(read_inputs([a, b]))


# --------------------------------------------------------------------------- refusals


def test_nonexistent_path(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        expand_inputs([tmp_path / "nope.csv"])
    raises(tmp_path / "nope.csv", "no such file")


def test_directory_given_as_a_file(tmp_path):
    raises(tmp_path, "folder, not a file")


@pytest.mark.parametrize("names", [(), ("README.md", "notes.txt.bak")])
def test_folder_without_tables(tmp_path, names):
    d = tmp_path / "docs"
    d.mkdir()
    for n in names:
        (d / n).write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="no tables") as info:
        read_inputs([d])
    assert info.value.expected


def test_no_inputs():
    with pytest.raises(InputError, match="no input"):
        expand_inputs([])


@pytest.mark.parametrize(
    ("fixture", "match", "line", "field"),
    [
        ("bad_empty.csv", "empty", 1, None),
        ("bad_header_only.csv", "header only", 1, None),
        ("bad_missing_measure.csv", "missing required column", 1, "measure"),
        ("bad_duplicated_column.csv", "duplicated column", 1, "value"),
        ("bad_ragged_short.csv", "5 fields but the header has 6", 3, None),
        ("bad_ragged_long.csv", "7 fields but the header has 6", 2, "column 7"),
        ("bad_binary.csv", "binary", None, None),
        ("bad_wide_mixed.csv", "mix kinds", 1, None),
        ("bad_wide_header.csv", "not a period, measure, region or group", 3, "Janary 2022"),
    ],
)
def test_refusals(fixture, match, line, field):
    raises(FIX / fixture, match, line=line, field=field)


def test_blank_only_file(tmp_path):
    raises(write(tmp_path / "t.csv", "\n  \n\t\n"), "empty", line=1)


def test_comments_only_file(tmp_path):
    raises(write(tmp_path / "t.csv", "# source_org: PIPS\n"), "no header", line=1)


def test_control_characters_are_binary(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes(b"a,b\n" + bytes(range(1, 9)) * 4 + b"\n")
    raises(p, "binary")


def test_column_with_values_but_no_header(tmp_path):
    raises(write(tmp_path / "t.csv", f"{HEADER},\nPIPS,2022-01,KP,all,attacks,3,u,q,9\n"),
           "no header", line=1, field="column 9")


def test_wide_table_without_source(tmp_path):
    raises(write(tmp_path / "t.csv", "region,2022-01\nKP,3\n"), "does not say its source_org",
           line=1, field="source_org")


def test_wide_unknown_first_column(tmp_path):
    raises(write(tmp_path / "t.csv", "# source_org: X\n# measure: attacks\n"
                 ",2022-01\nsomewhere,3\n"), "cannot tell", line=3, field="column 1")


def test_wide_rows_and_columns_same_kind(tmp_path):
    raises(write(tmp_path / "t.csv", "# source_org: X\nregion,KP,Sindh\nBalochistan,1,2\n"),
           "both regions", line=2, field="region")


def test_xls_and_fake_xlsx(tmp_path):
    raises(write(tmp_path / "t.xls", "x"), r"\.xls")
    raises(write(tmp_path / "t.xlsx", f"{HEADER}\n"), "not a readable .xlsx")
    (tmp_path / "e.xlsx").write_bytes(b"")
    raises(tmp_path / "e.xlsx", "empty", line=1)


def test_unknown_format(tmp_path):
    with pytest.raises(InputError, match="unknown table format"):
        read_table(FIX / "long_basic.csv", format="json")


def test_forced_long_format_reports_missing_columns():
    raises(FIX / "wide_regions_by_month.csv", "missing required column", line=4,
           field="period", format="long")


def test_unterminated_quote_is_refused_where_it_opens(tmp_path):
    p = write(tmp_path / "t.csv", f"{HEADER}\nPIPS,2022-01,KP,all,attacks,3,u,\"never closed\n"
              "PIPS,2022-02,KP,all,attacks,4,u,q\n")
    raises(p, "never closed", line=2)


def test_wide_cells_remember_their_header_line():
    df = read_table(FIX / "wide_regions_by_month.csv")
    assert set(df["header_line"]) == {4} and set(df["from_header"]) == {"period"}
    long = read_table(FIX / "long_basic.csv")
    assert set(long["from_header"]) == {""}
