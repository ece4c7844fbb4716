"""Build the bad/messy input catalogue: every committed file in this folder and ``catalogue.csv``.

Run ``python tests/bad_inputs/build.py`` from the project root to re-create the files. The builder
is committed so that the exact bytes of each fixture (encodings, BOM, CRLF, binary garbage) are
documented and reproducible; the tests read the committed files, not this script.

Catalogue columns
-----------------
id
    Short identifier (the pytest id).
file
    File name in this folder, or ``<generated:NAME>`` for a case built at test time (nonexistent
    path, unreadable file, directories, unwritable output folder).
outcome
    ``accept`` or ``refuse``.
field, line, value
    For refusals: the field name, 1-based physical line and (a substring of) the value seen that
    the one-line error message must contain. Empty when not meaningful.
pattern
    For refusals: a case-insensitive regular expression the error message must match (e.g. a
    "did you mean" suggestion). For accepts: a regex that some ``audit.csv`` reason must match.
expected
    For accepts: the sibling ``*.expected.csv`` with the exact panel rows
    (``month,region,group,measure,source,value``; empty value = missing).
raw_rows
    For accepts of long tables: number of raw data rows, which must equal the audit's row count.
audit
    For accepts: ``status=count`` pairs separated by ``;`` (``merged|dropped=1`` sums both).
note
    What the case is about.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
H = "source_org,period,region,group,measure,value,url,quote"
U = "https://example.org/pips/security-report-2022"
U2 = "https://example.org/picss/monthly-2022"
#: Audit reason of a total that disagrees with its parts: the agreed wording ("total row ...
#: differs from sum of parts ...") or the cleaner's "total row: ... sum to N, the total says M".
TOTAL_DIFFERS = r"total row.*(differs from (the )?sum of (its )?parts|sum to \d+, the total says \d+)"

CATALOGUE: list[dict[str, object]] = []


def put(name: str, content: str | bytes, encoding: str = "utf-8") -> None:
    if isinstance(content, str):
        # each fixture cites its own page, so that cleaning several fixtures together meets
        # revisions (other url), never one publication contradicting itself
        stem = Path(name).stem
        content = content.replace(U, f"{U}#{stem}").replace(U2, f"{U2}#{stem}")
    data = content if isinstance(content, bytes) else content.encode(encoding)
    (HERE / name).write_bytes(data)


def lines(*rows: str, header: str = H, end: str = "\n") -> str:
    return end.join([header, *rows]) + end


def expect(name: str, rows: list[tuple]) -> str:
    out = HERE / (Path(name).stem + ".expected.csv")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["month", "region", "group", "measure", "source", "value"])
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    out.write_text(buf.getvalue(), encoding="utf-8")
    return out.name


def accept(cid, name, rows, *, raw_rows=None, audit="", pattern="", note=""):
    CATALOGUE.append(dict(id=cid, file=name, outcome="accept", field="", line="", value="",
                          pattern=pattern, expected=expect(name, rows) if rows is not None else "",
                          raw_rows="" if raw_rows is None else raw_rows, audit=audit, note=note))


def refuse(cid, name, *, field="", line="", value="", pattern="", note=""):
    CATALOGUE.append(dict(id=cid, file=name, outcome="refuse", field=field, line=line, value=value,
                          pattern=pattern, expected="", raw_rows="", audit="", note=note))


def make_xlsx(name: str, rows: list[list[object]], merge: str | None, after=None) -> None:
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Table"
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    if after is not None:
        after(wb, ws)
    fixed = dt.datetime(2024, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps the save time into the zip entries and docProps/core.xml: pin both so
    # that re-running this script reproduces the committed bytes
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", data)
            z.writestr(zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0)), data,
                       compress_type=zipfile.ZIP_DEFLATED)
    (HERE / name).write_bytes(out.getvalue())


def n(month, value, *, region="national", group="all", measure="attacks", source="PIPS"):
    return (month, region, group, measure, source, value)


def build() -> None:
    for old in HERE.glob("*"):
        if old.name not in {"build.py", "harness.py", "README.md", ".gitattributes"} and old.is_file():
            old.unlink()

    # ------------------------------------------------------------------ accepted, messy
    put("a01_baseline.csv", lines(
        f"PIPS,2022-01,national,all,attacks,20,{U},January: 20 attacks",
        f"PIPS,2022-02,national,all,attacks,25,{U},February: 25 attacks",
        f"PIPS,2022-03,national,all,attacks,31,{U},March: 31 attacks",
        f"PIPS,2022-01,national,all,killed,40,{U},January: 40 killed"))
    accept("baseline", "a01_baseline.csv",
           [n("2022-01", 20), n("2022-02", 25), n("2022-03", 31), n("2022-01", 40, measure="killed")],
           raw_rows=4, audit="kept=4", note="a clean long table (control case)")

    put("a02_thousands_separators.csv", lines(
        f'PIPS,2022-01,national,all,killed,"1,234",{U},x',
        f'PIPS,2022-02,national,all,killed,"12,345",{U},x',
        f'PIPS,2022-03,national,all,killed,"2,001",{U},x',
        f"PIPS,2022-04,national,all,killed,999,{U},x"))
    accept("thousands_separators", "a02_thousands_separators.csv",
           [n("2022-01", 1234, measure="killed"), n("2022-02", 12345, measure="killed"),
            n("2022-03", 2001, measure="killed"), n("2022-04", 999, measure="killed")],
           raw_rows=4, audit="kept=4", note='numbers written "1,234" (quoted in a comma CSV)')

    put("a03_missing_markers.csv", lines(
        f"PIPS,2022-01,national,all,attacks,\u2014,{U},em dash",
        f"PIPS,2022-02,national,all,attacks,-,{U},hyphen",
        f"PIPS,2022-03,national,all,attacks,n/a,{U},n/a",
        f"PIPS,2022-04,national,all,attacks,,{U},empty",
        f"PIPS,2022-05,national,all,attacks,0,{U},a real zero",
        f"PIPS,2022-06,national,all,attacks,\u2013,{U},en dash"))
    accept("missing_markers", "a03_missing_markers.csv",
           [n("2022-01", None), n("2022-02", None), n("2022-03", None), n("2022-04", None),
            n("2022-05", 0), n("2022-06", None)],
           raw_rows=6, audit="kept=1;missing=5", pattern="missing.*gap row",
           note="em dash, hyphen, n/a, empty and en dash are missing: each month is a gap row of the "
                "panel (empty value, flag 'missing'; issue 15: never dropped, never 0); 0 stays 0; "
                "the audit says why each missing cell has no value")

    put("a04_footnote_marks.csv", lines(
        f"PIPS,2022-01,national,all,killed,45*,{U},x",
        f"PIPS,2022-02,national,all,killed,46(a),{U},x",
        f"PIPS,2022-03,national,all,killed,47\u2020,{U},x",
        f'PIPS,2022-04,national,all,killed,"1,234*",{U},x',
        f"PIPS,2022-05,national,all,killed,48 (b),{U},x"))
    accept("footnote_marks", "a04_footnote_marks.csv",
           [n("2022-01", 45, measure="killed"), n("2022-02", 46, measure="killed"),
            n("2022-03", 47, measure="killed"), n("2022-04", 1234, measure="killed"),
            n("2022-05", 48, measure="killed")],
           raw_rows=5, audit="kept=5", note="footnote marks 45*, 46(a), 47\u2020, 1,234*, 48 (b)")

    put("a05_bom_utf8.csv", "\ufeff" + lines(
        f"PICSS,2022-01,Khyber Pakhtunkhwa,all,attacks,12,{U2},x",
        f"PICSS,2022-02,Khyber Pakhtunkhwa,all,attacks,14,{U2},x"))
    accept("bom_utf8", "a05_bom_utf8.csv",
           [n("2022-01", 12, region="khyber_pakhtunkhwa", source="PICSS"),
            n("2022-02", 14, region="khyber_pakhtunkhwa", source="PICSS")],
           raw_rows=2, audit="kept=2", note="UTF-8 byte-order mark before the header")

    put("a06_latin1.csv", lines(
        f"PIPS,2022-01,Punjab,all,attacks,3,{U},Rapport: s\u00e9curit\u00e9 \u00e0 Lahore",
        f"PIPS,2022-02,Punjab,all,attacks,4,{U},Ann\u00e9e 2022 \u00bd"), encoding="latin-1")
    accept("latin1", "a06_latin1.csv",
           [n("2022-01", 3, region="punjab"), n("2022-02", 4, region="punjab")],
           raw_rows=2, audit="kept=2", note="Latin-1 bytes (0xE9 ...) that are not valid UTF-8")

    put("a07_cp1252.csv", lines(
        f"PIPS,2022-01,Balochistan,Tehrik\u2013i\u2013Taliban Pakistan,attacks,7,{U},\u201cseven\u201d attacks",
        f"PIPS,2022-02,Balochistan,Tehrik\u2013i\u2013Taliban Pakistan,attacks,9,{U},\u201cnine\u201d \u2013 attacks"),
        encoding="cp1252")
    accept("cp1252", "a07_cp1252.csv",
           [n("2022-01", 7, region="balochistan", group="ttp"),
            n("2022-02", 9, region="balochistan", group="ttp")],
           raw_rows=2, audit="kept=2",
           note="Windows-1252: en dash 0x96 inside the group name and curly quotes 0x93/0x94; "
                "decoding as Latin-1 would turn 0x96 into a control character and miss the alias")

    put("a08_semicolon.csv", lines(
        f"PIPS;2022-01;national;all;killed;1,234;{U};x",
        f"PIPS;2022-02;national;all;killed;56;{U};x",
        f"PIPS;2022-03;national;all;killed;78;{U};x", header=H.replace(",", ";")))
    accept("semicolon", "a08_semicolon.csv",
           [n("2022-01", 1234, measure="killed"), n("2022-02", 56, measure="killed"),
            n("2022-03", 78, measure="killed")],
           raw_rows=3, audit="kept=3", note="semicolon-delimited (with an unquoted 1,234 thousands separator)")

    put("a09_tab_delimited.csv", lines(
        f"PIPS\t2022-01\tSindh\tall\tattacks\t5\t{U}\tx",
        f"PIPS\t2022-02\tSindh\tall\tattacks\t6\t{U}\tx", header=H.replace(",", "\t")))
    accept("tab_delimited_csv", "a09_tab_delimited.csv",
           [n("2022-01", 5, region="sindh"), n("2022-02", 6, region="sindh")],
           raw_rows=2, audit="kept=2", note="tab-delimited content in a .csv file")

    put("a10_tab_delimited.tsv", lines(
        f"PIPS\t2022-03\tSindh\tall\tattacks\t7\t{U}\tx",
        f"PIPS\t2022-04\tSindh\tall\tattacks\t8\t{U}\tx", header=H.replace(",", "\t")))
    accept("tab_delimited_tsv", "a10_tab_delimited.tsv",
           [n("2022-03", 7, region="sindh"), n("2022-04", 8, region="sindh")],
           raw_rows=2, audit="kept=2", note="a .tsv file")

    put("a11_quoted_newlines.csv", lines(
        f'PIPS,2022-01,national,all,attacks,20,{U},"Table 1:\nJanuary, 20 attacks"',
        f'PIPS,2022-02,national,all,attacks,25,{U},"line one\nline two, with comma\n""quoted"" line three"',
        f"PIPS,2022-03,national,all,attacks,31,{U},plain"))
    accept("quoted_newlines", "a11_quoted_newlines.csv",
           [n("2022-01", 20), n("2022-02", 25), n("2022-03", 31)],
           raw_rows=3, audit="kept=3", note="newlines, commas and doubled quotes inside a quoted quote field")

    put("a12_stray_whitespace.csv", lines(
        f"  PICSS , 2022-01 ,  Khyber Pakhtunkhwa  , all ,attacks ,  12 , {U} , x ",
        f"PICSS,2022-02,Khyber\u00a0Pakhtunkhwa,\tall,\tattacks,14\t,{U},x",
        f"PIPS ,2022-03,  Punjab,ALL,Attacks, 3,{U},x",
        header="source_org, period, region, group, measure, value, url, quote"))
    accept("stray_whitespace", "a12_stray_whitespace.csv",
           [n("2022-01", 12, region="khyber_pakhtunkhwa", source="PICSS"),
            n("2022-02", 14, region="khyber_pakhtunkhwa", source="PICSS"),
            n("2022-03", 3, region="punjab")],
           raw_rows=3, audit="kept=3",
           note="spaces, tabs and a no-break space around cells and header names; upper-case codes")

    put("a13_totals_row_matches.csv", lines(
        f"PIPS,2022-01,national,all,attacks,20,{U},x",
        f"PIPS,2022-02,national,all,attacks,25,{U},x",
        f"PIPS,2022-03,national,all,attacks,31,{U},x",
        f"PIPS,Total,national,all,attacks,76,{U},total of the table"))
    accept("totals_row_matches", "a13_totals_row_matches.csv",
           [n("2022-01", 20), n("2022-02", 25), n("2022-03", 31)],
           raw_rows=4, audit="kept=3;merged|dropped=1", pattern="total",
           note="trailing Total row equal to the sum of the months: recognised, not a panel row, audited")

    put("a14_totals_row_differs.csv", lines(
        f"PIPS,2022-01,national,all,attacks,20,{U},x",
        f"PIPS,2022-02,national,all,attacks,25,{U},x",
        f"PIPS,2022-03,national,all,attacks,31,{U},x",
        f"PIPS,Total,national,all,attacks,80,{U},total of the table"))
    accept("totals_row_differs", "a14_totals_row_differs.csv",
           [n("2022-01", 20), n("2022-02", 25), n("2022-03", 31)],
           raw_rows=4, audit="kept=3;merged|dropped=1", pattern=TOTAL_DIFFERS,
           note="Total row 80 but the months sum to 76: not refused, flagged in the audit, not double-counted")

    put("a15_exact_duplicate_rows.csv", lines(
        f"PIPS,2022-01,national,all,attacks,20,{U},x",
        f"PIPS,2022-02,national,all,attacks,25,{U},x",
        f"PIPS,2022-01,national,all,attacks,20,{U},x",
        f"PIPS,2022-03,national,all,attacks,31,{U},x"))
    accept("exact_duplicate_rows", "a15_exact_duplicate_rows.csv",
           [n("2022-01", 20), n("2022-02", 25), n("2022-03", 31)],
           raw_rows=4, audit="kept=3;merged|dropped=1", pattern="duplicate",
           note="an exactly repeated row is merged into one panel row and audited as a duplicate")

    put("a16_conflicting_sources.csv", lines(
        f"PIPS,2022-01,national,all,attacks,20,{U},x",
        f"PICSS,2022-01,national,all,attacks,24,{U2},y",
        f"PIPS,2022-02,national,all,attacks,25,{U},x",
        f"PICSS,2022-02,national,all,attacks,25,{U2},y"))
    accept("conflicting_sources", "a16_conflicting_sources.csv",
           [n("2022-01", 24, source="PICSS"), n("2022-02", 25, source="PICSS"),
            n("2022-01", 20), n("2022-02", 25)],
           raw_rows=4, audit="kept=4", note="two sources disagree on a cell: both kept (source is a panel key)")

    put("a17_month_spellings.csv", lines(
        f"PIPS,Jan 2022,national,all,attacks,1,{U},x",
        f"PIPS,February-22,national,all,attacks,2,{U},x",
        f"PIPS,03/2022,national,all,attacks,3,{U},x",
        f"PIPS,2022-04,national,all,attacks,4,{U},x",
        f"PIPS,May 2022,national,all,attacks,5,{U},x",
        f"PIPS,June-22,national,all,attacks,6,{U},x",
        f"PIPS,JUL 2022,national,all,attacks,7,{U},x"))
    accept("month_spellings", "a17_month_spellings.csv",
           [n(f"2022-{m:02d}", m) for m in range(1, 8)],
           raw_rows=7, audit="kept=7", note="Jan 2022, February-22, 03/2022, 2022-04, May 2022, June-22, JUL 2022")

    put("a18_region_aliases.csv", lines(
        f"PICSS,2022-01,KPK,all,attacks,10,{U},x",
        f"PICSS,2009-06,NWFP,all,attacks,11,{U},x",
        f"PICSS,2022-01,FATA,all,attacks,12,{U},x",
        f"PICSS,2022-01,Baluchistan,all,attacks,13,{U},x",
        f"PICSS,2022-01,ICT,all,attacks,14,{U},x",
        f"PICSS,2022-01,Sind,all,attacks,15,{U},x",
        f"PICSS,2022-01,Gilgit\u2013Baltistan,all,attacks,16,{U},x",
        f"PICSS,2022-01,AJK,all,attacks,17,{U},x",
        f"PICSS,2022-01,Pakistan,all,attacks,18,{U},x",
        f"PICSS,2022-01,Khyber Pakhtunkhwa (incl. merged districts),all,attacks,19,{U},x"))
    accept("region_aliases", "a18_region_aliases.csv",
           [n("2009-06", 11, source="PICSS", region="khyber_pakhtunkhwa"), n("2022-01", 10, source="PICSS", region="khyber_pakhtunkhwa"),
            n("2022-01", 12, source="PICSS", region="ex_fata"), n("2022-01", 13, source="PICSS", region="balochistan"),
            n("2022-01", 14, source="PICSS", region="islamabad"), n("2022-01", 15, source="PICSS", region="sindh"),
            n("2022-01", 16, source="PICSS", region="gilgit_baltistan"), n("2022-01", 17, source="PICSS", region="azad_kashmir"),
            n("2022-01", 18, source="PICSS", region="national"),
            n("2022-01", 19, source="PICSS", region="khyber_pakhtunkhwa_incl_ex_fata")],
           raw_rows=10, audit="kept=10",
           note="KPK, NWFP, FATA, Baluchistan, ICT, Sind, Gilgit\u2013Baltistan (en dash), AJK, Pakistan, KP incl. merged")

    put("a19_group_aliases.csv", lines(
        f"PIPS,2022-01,national,Tehreek-e-Taliban Pakistan,attacks,10,{U},x",
        f"PIPS,2022-01,national,ISKP,attacks,2,{U},x",
        f"PIPS,2022-02,national,Daesh,attacks,3,{U},x",
        f"PIPS,2022-01,national,BLA,attacks,4,{U},x",
        f"PIPS,2022-01,national,Baloch Liberation Front,attacks,5,{U},x",
        f"PIPS,2022-01,national,Unidentified,attacks,6,{U},x",
        f"PIPS,2022-01,national,All groups,attacks,30,{U},x",
        f"PIPS,2022-02,national,TTP,attacks,11,{U},x",
        f'PIPS,2022-03,national,"Religiously inspired militants (TTP, local Taliban, IS-K etc.)",attacks,21,{U},x'))
    accept("group_aliases", "a19_group_aliases.csv",
           [n("2022-01", 10, group="ttp"), n("2022-01", 2, group="isk"), n("2022-02", 3, group="isk"),
            n("2022-01", 4, group="bla"), n("2022-01", 5, group="blf"), n("2022-01", 6, group="unknown"),
            n("2022-01", 30, group="all"), n("2022-02", 11, group="ttp"),
            n("2022-03", 21, group="religiously_inspired")],
           raw_rows=9, audit="kept=9", note="group aliases (TTP spellings, ISKP/Daesh, BLA, BLF, Unidentified, All groups)")

    put("a20_measure_aliases_passthrough.csv", lines(
        f"PIPS,2022-01,national,all,Deaths,40,{U},x",
        f"PIPS,2022-01,national,all,Wounded,60,{U},x",
        f"PIPS,2022-01,national,all,Terrorist attacks,20,{U},x",
        f"PIPS,2022-01,national,all,killed_all,90,{U},x",
        f"PIPS,2022-01,national,all,security_forces_killed_all,15,{U},x"))
    accept("measure_aliases_passthrough", "a20_measure_aliases_passthrough.csv",
           [n("2022-01", 40, measure="killed"), n("2022-01", 60, measure="injured"),
            n("2022-01", 20, measure="attacks"), n("2022-01", 90, measure="killed_all"),
            n("2022-01", 15, measure="security_forces_killed_all")],
           raw_rows=5, audit="kept=5",
           note="measure aliases map to core measures; other snake_case measures (killed_all) pass through")

    put("a21_crlf.csv", lines(
        f"PIPS,2022-01,national,all,attacks,20,{U},x",
        f"PIPS,2022-02,national,all,attacks,25,{U},x", end="\r\n"))
    accept("crlf", "a21_crlf.csv", [n("2022-01", 20), n("2022-02", 25)],
           raw_rows=2, audit="kept=2", note="Windows CRLF line ends")

    put("a22_extra_columns.csv", lines(
        f"PIPS,2022-01,national,all,attacks,20,{U},x,p. 12,checked",
        f"PIPS,2022-02,national,all,attacks,25,{U},x,p. 13,",
        header=H + ",page,notes"))
    accept("extra_columns", "a22_extra_columns.csv", [n("2022-01", 20), n("2022-02", 25)],
           raw_rows=2, audit="kept=2", note="extra columns are allowed and ignored")

    put("a23_shuffled_columns.csv", lines(
        f"20,attacks,national,2022-01,PIPS,all,{U}",
        f"25,attacks,national,2022-02,PIPS,all,{U}",
        header="value,measure,region,period,source_org,group,url"))
    accept("shuffled_columns", "a23_shuffled_columns.csv", [n("2022-01", 20), n("2022-02", 25)],
           raw_rows=2, audit="kept=2", note="columns in another order, no quote column")

    put("a24_excel_windows_export.csv", lines(
        f"PICSS;Jan 2022;Khyber Pakhtunkhwa;all;attacks;12;{U};\u201ctwelve\u201d \u2013 p. 3",
        f"PICSS;Feb 2022;Khyber Pakhtunkhwa;all;attacks;1,001;{U};\u2018a thousand and one\u2019",
        header=H.replace(",", ";"), end="\r\n"), encoding="cp1252")
    accept("excel_windows_export", "a24_excel_windows_export.csv",
           [n("2022-01", 12, region="khyber_pakhtunkhwa", source="PICSS"),
            n("2022-02", 1001, region="khyber_pakhtunkhwa", source="PICSS")],
           raw_rows=2, audit="kept=2", note='Excel "CSV (Windows)" export: cp1252 + semicolons + CRLF')

    put("a25_blank_lines.csv", H + "\n\n" + f"PIPS,2022-01,national,all,attacks,20,{U},x\n"
        + "\n" + f"PIPS,2022-02,national,all,attacks,25,{U},x\n" + ",,,,,,,\n\n\n")
    accept("blank_lines", "a25_blank_lines.csv", [n("2022-01", 20), n("2022-02", 25)],
           audit="kept=2", note="blank lines and an all-empty row (,,,,) are skipped; no panel row")

    put("a26_all_quoted.csv", lines(
        f'"PIPS","2022-01","national","all","attacks","20","{U}","x"',
        f'"PIPS","2022-02","national","all","attacks","25","{U}","y"',
        header=",".join(f'"{h}"' for h in H.split(","))))
    accept("all_quoted", "a26_all_quoted.csv", [n("2022-01", 20), n("2022-02", 25)],
           raw_rows=2, audit="kept=2", note="every field quoted, header included")

    put("a27_no_optional_columns.csv", lines(
        "PIPS,2022-01,national,all,attacks,20", "PIPS,2022-02,national,all,attacks,25",
        header="source_org,period,region,group,measure,value"))
    accept("no_optional_columns", "a27_no_optional_columns.csv", [n("2022-01", 20), n("2022-02", 25)],
           raw_rows=2, audit="kept=2", note="only the required columns (no url, no quote)")

    put("a28_unicode_dashes_and_case.csv", lines(
        f"PICSS,2022-01,khyber pakhtunkhwa,TTP,ATTACKS,5,{U},x",
        f"PIPS,2022-01,EX\u2013FATA,Tehrik\u2011i\u2011Taliban Pakistan,Killed,6,{U},x"))
    accept("unicode_dashes_and_case", "a28_unicode_dashes_and_case.csv",
           [n("2022-01", 5, region="khyber_pakhtunkhwa", group="ttp", source="PICSS"),
            n("2022-01", 6, region="ex_fata", group="ttp", measure="killed")],
           raw_rows=2, audit="kept=2", note="Unicode dashes inside aliases and mixed case")

    put("a29_utf16_bom_tabs.txt", lines(
        f"PIPS\t2022-01\tnational\tall\tattacks\t20\t{U}\tx",
        f"PIPS\t2022-02\tnational\tall\tattacks\t25\t{U}\tx", header=H.replace(",", "\t"),
        end="\r\n").encode("utf-16"))
    accept("utf16_bom_tabs", "a29_utf16_bom_tabs.txt", [n("2022-01", 20), n("2022-02", 25)],
           raw_rows=2, audit="kept=2",
           note='Excel "Unicode text" export: UTF-16 with BOM, tabs, CRLF (the BOM makes the encoding certain)')

    put("a30_revision_published.csv", lines(
        f"PIPS,2022-01,national,all,attacks,20,{U},first report,2022-02-10",
        f"PIPS,2022-02,national,all,attacks,25,{U},x,2022-03-10",
        "PIPS,2022-01,national,all,attacks,22,https://example.org/pips/annual-2022,revised,2023-01-05",
        header=H + ",published"))
    accept("revision_published", "a30_revision_published.csv", [n("2022-01", 22), n("2022-02", 25)],
           raw_rows=3, audit="kept=2;superseded=1", pattern="supersed|revis|later|latest",
           note="one source revises a cell in a later publication (other url): latest publication wins, "
                "the earlier value is audited as superseded (not refused)")

    put("a31_months_like_fiscal_years.csv", lines(
        f"PICSS,2009-10,national,all,attacks,40,{U2},x",
        f"PICSS,2010-11,national,all,attacks,41,{U2},x",
        f"PICSS,2011-12,national,all,attacks,42,{U2},x"))
    refuse("months_like_fiscal_years", "a31_months_like_fiscal_years.csv", field="period", line=2,
           value="2009-10", pattern=r"ambiguous.*fiscal year.*yyyy_yy",
           note="contract change requested by issue 15 (this case was accepted as months before): "
                "2009-10, 2010-11, 2011-12 are how Pakistani reports print fiscal years as well as "
                "canonical months, so in a file writing no other YYYY-MM month they are refused as "
                "ambiguous unless the rule yyyy_yy says \"month\" or \"fiscal\" "
                "(tests/test_hostile_inputs.py runs the rules)")
    put("r46_fiscal_year_next_year.csv", lines(f"PICSS,2021-22,national,all,attacks,263,{U2},FY 2021-22"))
    refuse("fiscal_year_not_a_month", "r46_fiscal_year_next_year.csv", field="period", line=2,
           value="2021-22", pattern=r"ambiguous.*fiscal year",
           note="2021-22 (a fiscal year; no month 22) is named as a possible fiscal year, not only "
                "as a month out of range")

    put("a32_header_case_and_aliases.csv", lines(
        "PICSS,2022-01,Punjab,TTP,attacks,5", "PICSS,2022-02,Punjab,TTP,attacks,6",
        header="Source,MONTH,Province,Perpetrator,Indicator,Count"))
    accept("header_case_and_aliases", "a32_header_case_and_aliases.csv",
           [n("2022-01", 5, region="punjab", group="ttp", source="PICSS"),
            n("2022-02", 6, region="punjab", group="ttp", source="PICSS")],
           raw_rows=2, audit="kept=2", note="header names in other case and other words (Province, Count)")

    put("a33_whole_number_floats.csv", lines(
        f"PIPS,2022-01,national,all,attacks,12.0,{U},x", f"PIPS,2022-02,national,all,attacks,7.00,{U},x"))
    accept("whole_number_floats", "a33_whole_number_floats.csv", [n("2022-01", 12), n("2022-02", 7)],
           raw_rows=2, audit="kept=2", note="12.0 as spreadsheets write whole numbers (12.5 is refused)")

    put("a34_mixed_line_ends.csv",
        H + "\r\n" + f"PIPS,2022-01,national,all,attacks,5,{U},x\r"
        + f"PIPS,2022-02,national,all,attacks,6,{U},x\n" + f"PIPS,2022-03,national,all,attacks,7,{U},x\r\n")
    accept("mixed_line_ends", "a34_mixed_line_ends.csv", [n("2022-01", 5), n("2022-02", 6), n("2022-03", 7)],
           raw_rows=3, audit="kept=3", note="CRLF, CR and LF line ends in one file")

    # wide tables as reports print them ('# key: value' lines above the header give constants)
    put("w01_wide_regions_by_month.csv", lines(
        "Khyber Pakhtunkhwa,10,12,9", 'Balochistan,5,6*,7', "Total,15,18,16",
        header="# source_org: PICSS\n# measure: attacks\n# url: https://example.org/picss/2022\n"
               "region,Jan 2022,Feb 2022,Mar 2022"))
    accept("wide_regions_by_month", "w01_wide_regions_by_month.csv",
           [n(f"2022-0{m}", v, region="khyber_pakhtunkhwa", source="PICSS") for m, v in [(1, 10), (2, 12), (3, 9)]]
           + [n(f"2022-0{m}", v, region="balochistan", source="PICSS") for m, v in [(1, 5), (2, 6), (3, 7)]]
           + [n(f"2022-0{m}", v, source="PICSS") for m, v in [(1, 15), (2, 18), (3, 16)]],
           note="wide: rows = provinces, columns = months; the Total row is the national figure")

    put("w02_wide_months_by_measure.csv", lines(
        "2022-01,5,12,20", "2022-02,6,n/a,21", "2022-03,7,14,22", "Total,18,,63",
        header="# source_org: PICSS\n# region: Balochistan\nperiod,attacks,killed,injured"))
    accept("wide_months_by_measure", "w02_wide_months_by_measure.csv",
           [n(f"2022-0{m}", a, region="balochistan", source="PICSS") for m, a in [(1, 5), (2, 6), (3, 7)]]
           + [n(f"2022-0{m}", k, region="balochistan", measure="killed", source="PICSS")
              for m, k in [(1, 12), (2, None), (3, 14)]]
           + [n(f"2022-0{m}", i, region="balochistan", measure="injured", source="PICSS")
              for m, i in [(1, 20), (2, 21), (3, 22)]],
           audit="kept=8;missing=1;merged|dropped=2", pattern="total",
           note="wide: rows = months, columns = measures, trailing Total row (not a panel row, not "
                "double-counted; its empty killed cell is dropped); killed 2022-02 'n/a' is a gap row")

    months = [f"{m} 2021" for m in "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()]
    kp = list(range(1, 13))
    pj = [2] * 12
    put("w03_wide_total_column.csv", lines(
        "Khyber Pakhtunkhwa," + ",".join(map(str, kp)) + f",{sum(kp)}",
        "Punjab," + ",".join(map(str, pj)) + f",{sum(pj) + 5}",
        header="# source_org: CRSS\n# measure: killed\nprovince," + ",".join(months) + ",Total"))
    accept("wide_total_column", "w03_wide_total_column.csv",
           [n(f"2021-{m:02d}", v, region="khyber_pakhtunkhwa", measure="killed", source="CRSS")
            for m, v in zip(range(1, 13), kp, strict=False)]
           + [n(f"2021-{m:02d}", v, region="punjab", measure="killed", source="CRSS")
              for m, v in zip(range(1, 13), pj, strict=False)],
           audit="merged|dropped=2", pattern=TOTAL_DIFFERS,
           note="wide: 12 months + a Total column; KP's total matches, Punjab's (29 vs 24) is flagged, not refused")

    put("w10_wide_row_and_column_totals.csv", lines(
        "Punjab,1,2,3", "Sindh,3,4,7", "Total,4,6,10",
        header="# source_org: CRSS\n# measure: attacks\nregion,Jan 2022,Feb 2022,Total"))
    accept("wide_row_and_column_totals", "w10_wide_row_and_column_totals.csv",
           [n("2022-01", 1, region="punjab", source="CRSS"), n("2022-02", 2, region="punjab", source="CRSS"),
            n("2022-01", 3, region="sindh", source="CRSS"), n("2022-02", 4, region="sindh", source="CRSS"),
            n("2022-01", 4, source="CRSS"), n("2022-02", 6, source="CRSS")],
           raw_rows=9, audit="kept=6;merged|dropped=3", pattern="total",
           note="a Total row (the national figure) and a Total column over two months (checked, "
                "never a panel value)")

    make_xlsx("x01_excel_merged_header.xlsx", [
        ["# source_org: SATP"], ["# measure: killed"],
        ["Province", "2022", None, None], [None, "Jan", "Feb", "Mar"],
        ["KP", 3, 4, 5], ["Sindh", 1, None, 2]], merge="B3:D3")
    accept("excel_merged_header", "x01_excel_merged_header.xlsx",
           [n("2022-01", 3, region="khyber_pakhtunkhwa", measure="killed", source="SATP"),
            n("2022-02", 4, region="khyber_pakhtunkhwa", measure="killed", source="SATP"),
            n("2022-03", 5, region="khyber_pakhtunkhwa", measure="killed", source="SATP"),
            n("2022-01", 1, region="sindh", measure="killed", source="SATP"),
            n("2022-02", None, region="sindh", measure="killed", source="SATP"),
            n("2022-03", 2, region="sindh", measure="killed", source="SATP")],
           note="Excel: the year merged across its month columns above a row of month names")

    # ------------------------------------------------------------------ refused
    put("r01_empty.csv", b"")
    refuse("empty", "r01_empty.csv", pattern=r"empty|no data|no header", note="zero bytes")

    put("r02_blank_lines_only.csv", "\n\n   \n\t\n")
    refuse("blank_lines_only", "r02_blank_lines_only.csv", pattern=r"empty|no data|no header",
           note="only whitespace and blank lines")

    put("r03_header_only.csv", H + "\n")
    refuse("header_only", "r03_header_only.csv", pattern=r"no data|empty", note="a header and no data rows")

    put("r04_missing_column_measure.csv", lines("PIPS,2022-01,national,all,20",
                                                header="source_org,period,region,group,value"))
    refuse("missing_column_measure", "r04_missing_column_measure.csv", field="measure", line=1,
           pattern="missing|required", note="required column measure absent")

    put("r05_missing_column_value.csv", lines(f"PIPS,2022-01,national,all,attacks,{U}",
                                              header="source_org,period,region,group,measure,url"))
    refuse("missing_column_value", "r05_missing_column_value.csv", field="value", line=1,
           pattern="missing|required", note="required column value absent")

    put("r06_missing_column_period.csv", lines("PIPS,national,all,attacks,20",
                                               header="source_org,region,group,measure,value"))
    refuse("missing_column_period", "r06_missing_column_period.csv", field="period", line=1,
           pattern="missing|required", note="required column period absent")

    put("r07_duplicated_column.csv", lines("PIPS,2022-01,national,all,attacks,20,21",
                                           header="source_org,period,region,group,measure,value,value"))
    refuse("duplicated_column", "r07_duplicated_column.csv", field="value", line=1,
           pattern="duplicat|twice|more than once", note="two columns named value")

    put("r08_unknown_region_typo.csv", lines(
        f"PIPS,2022-01,Balochistan,all,attacks,5,{U},x",
        f"PIPS,2022-02,Balochstan,all,attacks,6,{U},x"))
    refuse("unknown_region_typo", "r08_unknown_region_typo.csv", field="region", line=3,
           value="Balochstan", pattern=r"did you mean.*balochistan", note="typo of a region: did-you-mean")

    put("r09_unknown_region_far.csv", lines(f"PIPS,2022-01,Atlantis,all,attacks,5,{U},x"))
    refuse("unknown_region_far", "r09_unknown_region_far.csv", field="region", line=2,
           value="Atlantis", pattern="unknown|not a known|unrecognised|unrecognized",
           note="a region nothing like any alias")

    put("r10_unknown_measure_kiled.csv", lines(
        f"PIPS,2022-01,national,all,killed,5,{U},x",
        f"PIPS,2022-02,national,all,kiled,6,{U},x"))
    refuse("unknown_measure_kiled", "r10_unknown_measure_kiled.csv", field="measure", line=3,
           value="kiled", pattern=r"did you mean.*killed", note="close typo of a core measure")

    put("r11_unknown_measure_atacks.csv", lines(f"PIPS,2022-01,national,all,atacks,5,{U},x"))
    refuse("unknown_measure_atacks", "r11_unknown_measure_atacks.csv", field="measure", line=2,
           value="atacks", pattern=r"did you mean.*attack", note="close typo of a core measure")

    put("r12_period_month_13.csv", lines(
        f"PIPS,2021-12,national,all,attacks,5,{U},x", f"PIPS,2021-13,national,all,attacks,6,{U},x"))
    refuse("period_month_13", "r12_period_month_13.csv", field="period", line=3, value="2021-13",
           note="month 13")

    put("r13_period_month_00.csv", lines(f"PIPS,2021-00,national,all,attacks,6,{U},x"))
    refuse("period_month_00", "r13_period_month_00.csv", field="period", line=2, value="2021-00",
           note="month 00")

    put("r14_period_31_02.csv", lines(f"PIPS,31/02/2021,national,all,attacks,6,{U},x"))
    refuse("period_31_feb", "r14_period_31_02.csv", field="period", line=2, value="31/02/2021",
           note="31 February")

    put("r15_period_far_future.csv", lines(
        f"PIPS,2022-01,national,all,attacks,5,{U},x", f"PIPS,2022-02,national,all,attacks,5,{U},x",
        f"PIPS,2099-01,national,all,attacks,6,{U},x"))
    refuse("period_far_future", "r15_period_far_future.csv", field="period", line=4, value="2099-01",
           note="a period after the current year + 1")

    put("r16_period_far_future_spelled.csv", lines(f"PIPS,Jan 2099,national,all,attacks,6,{U},x"))
    refuse("period_far_future_spelled", "r16_period_far_future_spelled.csv", field="period", line=2,
           value="Jan 2099", note="future check applies after month spellings are normalised")

    put("r17_period_garbage.csv", lines(f"PIPS,sometime in spring,national,all,attacks,6,{U},x"))
    refuse("period_garbage", "r17_period_garbage.csv", field="period", line=2,
           value="sometime in spring", note="not a period at all")

    put("r18_period_quarter_5.csv", lines(f"PIPS,2021-Q5,national,all,attacks,6,{U},x"))
    refuse("period_quarter_5", "r18_period_quarter_5.csv", field="period", line=2, value="2021-Q5",
           note="quarter 5")

    put("r19_negative_count.csv", lines(
        f"PIPS,2022-01,national,all,attacks,5,{U},x", f"PIPS,2022-02,national,all,attacks,-5,{U},x"))
    refuse("negative_count", "r19_negative_count.csv", field="value", line=3, value="-5",
           note="negative count (a lone '-' is missing, '-5' is negative)")

    put("r20_negative_unicode_minus.csv", lines(f"PIPS,2022-01,national,all,attacks,\u22125,{U},x"))
    refuse("negative_unicode_minus", "r20_negative_unicode_minus.csv", field="value", line=2,
           value="\u22125", note="negative count written with U+2212 minus sign")

    put("r21_non_integer_count.csv", lines(f"PIPS,2022-01,national,all,attacks,12.5,{U},x"))
    refuse("non_integer_count", "r21_non_integer_count.csv", field="value", line=2, value="12.5",
           note="a count must be a whole number")

    put("r22_text_count.csv", lines(
        f"PIPS,2022-01,national,all,attacks,5,{U},x", f"PIPS,2022-02,national,all,attacks,5,{U},x",
        f"PIPS,2022-03,national,all,attacks,twelve,{U},x"))
    refuse("text_count", "r22_text_count.csv", field="value", line=4, value="twelve",
           note="words in a count cell")

    put("r23_same_cell_conflict.csv", lines(
        f"PIPS,2022-01,national,all,attacks,20,{U},x",
        f"PIPS,2022-02,national,all,attacks,25,{U},x",
        f"PIPS,2022-01,national,all,attacks,22,{U},x"))
    refuse("same_cell_conflict", "r23_same_cell_conflict.csv", field="value", line=4, value="22",
           pattern=r"\b2\b", note="one source, one url, one file, the same cell twice with different values "
                                 "(the message names both lines 2 and 4)")

    put("r24_same_cell_conflict_no_url.csv", lines(
        "PIPS,2022-01,national,all,attacks,20", "PIPS,2022-02,national,all,attacks,25",
        "PIPS,2022-03,national,all,attacks,31", "PIPS,Feb 2022,national,all,attacks,26",
        header="source_org,period,region,group,measure,value"))
    refuse("same_cell_conflict_no_url", "r24_same_cell_conflict_no_url.csv", field="value", line=5,
           value="26", pattern=r"\b3\b",
           note="same cell (2022-02, spelled differently) twice, no url column: lines 3 and 5")

    put("r25_ragged_row.csv", lines(
        f"PIPS,2022-01,national,all,attacks,20,{U},x",
        f"PIPS,2022-02,national,all,attacks,1,234,{U},x"))
    refuse("ragged_row", "r25_ragged_row.csv", line=3, pattern="field|column",
           note="an unquoted 1,234 gives more fields than the header: refused, never guessed")

    rng = random.Random(20221)
    put("r26_binary_garbage.csv", bytes(rng.randrange(256) for _ in range(4096)))
    refuse("binary_garbage", "r26_binary_garbage.csv", pattern="binary|not a text|encod|decod|readable|table",
           note="4 KiB of random bytes with a .csv name")

    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0) as fh:
        fh.write(lines(f"PIPS,2022-01,national,all,attacks,20,{U},x").encode())
    put("r27_gzip_named_csv.csv", gz.getvalue())
    refuse("gzip_named_csv", "r27_gzip_named_csv.csv", pattern="binary|not a text|encod|decod|readable|table",
           note="a gzip-compressed CSV with a .csv name (binary): refused, not decompressed by guess")

    put("r28_utf16_without_bom.csv", lines(f"PIPS,2022-01,national,all,attacks,20,{U},x").encode("utf-16-le"))
    refuse("utf16_without_bom", "r28_utf16_without_bom.csv",
           pattern="binary|not a text|encod|decod|readable|utf-16|nul",
           note="UTF-16 without a byte-order mark (NUL bytes): refused as binary, the encoding is not guessed")

    put("r29_quoted_newline_then_bad_value.csv", lines(
        f'PIPS,2022-01,national,all,attacks,20,{U},"two\nphysical\nlines more"',
        f"PIPS,2022-02,national,all,attacks,twelve,{U},x"))
    refuse("quoted_newline_then_bad_value", "r29_quoted_newline_then_bad_value.csv", field="value",
           line=5, value="twelve", note="line numbers are physical lines: the record after a 3-line quote is on line 5")

    put("r30_crlf_bad_period.csv", lines(
        f"PIPS,2022-01,national,all,attacks,20,{U},x", f"PIPS,2022-02,national,all,attacks,20,{U},x",
        f"PIPS,2022-14,national,all,attacks,20,{U},x", end="\r\n"))
    refuse("crlf_bad_period", "r30_crlf_bad_period.csv", field="period", line=4, value="2022-14",
           note="CRLF file: line count is still right")

    put("r31_semicolon_negative.csv", lines(
        f"PIPS;2022-01;national;all;attacks;5;{U};x", f"PIPS;2022-02;national;all;attacks;-3;{U};x",
        header=H.replace(",", ";")))
    refuse("semicolon_negative", "r31_semicolon_negative.csv", field="value", line=3, value="-3",
           note="a refusal inside a semicolon file names the right field and line")

    put("r32_cp1252_unknown_region.csv", lines(f"PIPS,2022-01,Balochist\u00e1n Province X,all,attacks,5,{U},x"),
        encoding="cp1252")
    refuse("cp1252_unknown_region", "r32_cp1252_unknown_region.csv", field="region", line=2,
           value="Balochist\u00e1n Province X", note="the value in the message is decoded correctly")

    put("r33_blank_line_then_bad.csv", H + "\n\n" + f"PIPS,2022-01,national,all,attacks,20,{U},x\n\n"
        + f"PIPS,2022-02,national,all,attacks,4.5,{U},x\n")
    refuse("blank_line_then_bad", "r33_blank_line_then_bad.csv", field="value", line=5, value="4.5",
           note="blank lines count in the physical line number")

    put("r34_unknown_measure_bom.csv", "\ufeff" + lines(f"PIPS,2022-01,national,all,injurd,5,{U},x"))
    refuse("unknown_measure_bom", "r34_unknown_measure_bom.csv", field="measure", line=2, value="injurd",
           pattern=r"did you mean.*injured", note="BOM file with a measure typo")

    put("r35_missing_column_after_bom.csv", "\ufeff" + lines("2022-01,national,all,attacks,5",
                                                               header="period,region,group,measure,value"))
    refuse("missing_column_source_org", "r35_missing_column_after_bom.csv", field="source_org", line=1,
           pattern="missing|required", note="source_org missing (a BOM must not hide or invent a column)")

    put("w04_wide_header_typo.csv", lines(
        "Khyber Pakhtunkhwa,10,12", header="# source_org: PIPS\n# measure: attacks\nregion,Jan 2022,Febuary 2022"))
    refuse("wide_header_typo", "w04_wide_header_typo.csv", field="Febuary 2022", line=3,
           value="", pattern="period|measure|region", note="a wide column header that is nothing known")

    put("w05_wide_row_label_typo.csv", lines(
        "Khyber Pakhtunkhwa,10,12", "Balochstan,3,4",
        header="# source_org: PIPS\n# measure: attacks\nregion,Jan 2022,Feb 2022"))
    refuse("wide_row_label_typo", "w05_wide_row_label_typo.csv", field="region", line=5, value="Balochstan",
           pattern=r"did you mean.*balochistan", note="a row label typo in a wide table")

    put("w06_wide_negative.csv", lines(
        "Khyber Pakhtunkhwa,10,-12", header="# source_org: PIPS\n# measure: attacks\nregion,Jan 2022,Feb 2022"))
    refuse("wide_negative", "w06_wide_negative.csv", line=4, value="-12",
           note="a negative count in a wide table: the line and the column header are named")

    put("w07_wide_no_source.csv", lines("Khyber Pakhtunkhwa,10,12", header="region,Jan 2022,Feb 2022"))
    refuse("wide_no_source", "w07_wide_no_source.csv", field="source_org", line=1,
           note="a wide table that does not say its source (no column, no '# source_org:' line)")

    put("w08_wide_future_column.csv", lines(
        "Punjab,1,2", header="# source_org: PIPS\n# measure: attacks\nregion,Jan 2022,Jan 2099"))
    refuse("wide_future_column", "w08_wide_future_column.csv", line=3, value="Jan 2099",
           note="a future month in a wide header: the header line (3) is where it must be fixed")

    put("w09_wide_duplicated_month.csv", lines(
        "Punjab,1,2", header="# source_org: PIPS\n# measure: attacks\nregion,Jan 2022,Jan 2022"))
    refuse("wide_duplicated_month", "w09_wide_duplicated_month.csv", field="Jan 2022", line=3,
           pattern="duplicat", note="the same month column twice")

    put("w11_wide_month_in_two_spellings.csv", lines(
        "Punjab,1,2", header="# source_org: PIPS\n# measure: attacks\nregion,Jan 2022,January 2022"))
    refuse("wide_month_in_two_spellings", "w11_wide_month_in_two_spellings.csv",
           field="January 2022", line=3,
           pattern=r"same period 2022-01 heads two columns: 'Jan 2022' \(column 2\) and "
                   r"'January 2022' \(column 3\)",
           note="one month in two spellings: both columns and the header line are named")

    put("r47_weekly_dates.csv", lines(f"PIPS,2022-01-03,national,all,attacks,5,{U},x",
                                      f"PIPS,2022-01-10,national,all,attacks,6,{U},x"))
    refuse("weekly_dates", "r47_weekly_dates.csv", field="period", line=2, value="2022-01-03",
           pattern=r"a date, not a reporting period \(weekly dates.*trends fit --freq W",
           note="weekly dates (ISO dates seven days apart): the message says to sum them to "
                "months or to fit the weekly series with --freq W")

    put("r48_over_long_field.csv", lines(f"PIPS,2022-01,national,all,attacks,5,{U},x",
                                         f'PIPS,2022-02,national,all,attacks,6,{U},"{"y" * 140_000}"'))
    refuse("over_long_field", "r48_over_long_field.csv", line=3,
           pattern=r"over-long field \(more than 131,072 characters\)",
           note="a field over the CSV reader's limit is called an over-long field, not a quote "
                "problem (the line where its record starts is named)")

    make_xlsx("x02_excel_text_count.xlsx", [
        ["# source_org: SATP"], ["# measure: killed"],
        ["Province", "2022", None], [None, "Jan", "Feb"], ["KP", 3, "three"]], merge="B3:C3")
    refuse("excel_text_count", "x02_excel_text_count.xlsx", line=5, value="three",
           note="a text count in an Excel sheet: the sheet row is the line")

    put("x03_not_really_excel.xlsx", lines(f"PIPS,2022-01,national,all,attacks,20,{U},x"))
    refuse("not_really_excel", "x03_not_really_excel.xlsx", pattern="xlsx|workbook|excel",
           note="a CSV saved with an .xlsx name")

    # issue 15: workbooks whose table is ambiguous or whose values are not in the file
    long_rows = [H.split(","), ["PIPS", "2022-01", "national", "all", "attacks", 20, U, "x"],
                 ["PIPS", "2022-02", "national", "all", "attacks", 25, U, "x"]]

    def hidden(wb, ws):
        wb.create_sheet("old figures").sheet_state = "hidden"

    make_xlsx("x04_excel_hidden_sheet.xlsx", long_rows, merge=None, after=hidden)
    refuse("excel_hidden_sheet", "x04_excel_hidden_sheet.xlsx", value="Table, old figures",
           pattern="hidden sheet", note="a hidden sheet is never read silently, nor ignored")
    make_xlsx("x05_excel_two_sheets.xlsx", long_rows, merge=None,
              after=lambda wb, ws: wb.create_sheet("Sheet2"))
    refuse("excel_two_visible_sheets", "x05_excel_two_sheets.xlsx", value="Table, Sheet2",
           pattern="2 visible sheets", note="which sheet is the table is not guessed")

    def formula(wb, ws):
        ws["F3"] = "=F2+5"

    make_xlsx("x06_excel_formula_no_cache.xlsx", long_rows, merge=None, after=formula)
    refuse("excel_formula_without_value", "x06_excel_formula_no_cache.xlsx", field="F3",
           line=3, value="=F2+5", pattern="formula without a saved value",
           note="a formula never computed by a spreadsheet program has no value to read")
    put("x07_excel_encrypted.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    refuse("excel_encrypted", "x07_excel_encrypted.xlsx", pattern="encrypted",
           note="a password-protected workbook (an OLE2 container) says so")
    put("h01_zero_width_header.csv", lines(f"PIPS,2022-01,national,all,attacks,20,{U},x",
                                           header=H.replace("region", "re\u200bgion")))
    refuse("invisible_header_character", "h01_zero_width_header.csv", field="region", line=1,
           value="source_org,period,re\u200bgion,group,measure,value,url,quote",
           pattern="missing required column",
           note="a zero-width space inside a header name: the header is shown escaped")
    # formula-like cells (``=``, ``+``, ``-``, ``@``) are accepted and neutralised only when
    # written as CSV (the Python API keeps the text): tests/test_hostile_inputs.py checks it

    put("r36_unterminated_quote.csv", lines(
        f'PIPS,2022-01,national,all,attacks,20,{U},"a quote that never ends',
        f"PIPS,2022-02,national,all,attacks,25,{U},x",
        f"PIPS,2022-03,national,all,attacks,31,{U},x"))
    refuse("unterminated_quote", "r36_unterminated_quote.csv", line=2,
           pattern=r"quot|end of (data|file)|unterminated",
           note="an opening quote never closed would swallow every later row into one cell: "
                "refused at the line where the quote opens, never read as one row")

    put("r37_count_too_large.csv", lines(f"PIPS,2022-01,national,all,attacks,99999999999999999999,{U},x"))
    refuse("count_too_large", "r37_count_too_large.csv", field="value", line=2,
           value="99999999999999999999", note="a count beyond any integer column (no overflow traceback)")

    put("r38_dot_thousands.csv", lines(f"PIPS,2022-01,national,all,attacks,1.234,{U},x"))
    refuse("dot_thousands", "r38_dot_thousands.csv", field="value", line=2, value="1.234",
           note="1.234 is a European thousands separator or a decimal: ambiguous, refused")

    put("r39_bad_grouping.csv", lines(f'PIPS,2022-01,national,all,attacks,"1,2345",{U},x'))
    refuse("bad_grouping", "r39_bad_grouping.csv", field="value", line=2, value="1,2345",
           note="a comma that is not a thousands separator (1,2345)")

    put("r40_percent.csv", lines(f"PIPS,2022-01,national,all,attacks,12%,{U},x"))
    refuse("percent", "r40_percent.csv", field="value", line=2, value="12%", note="a share is not a count")

    put("r41_excel_serial_date.csv", lines(f"PIPS,44562,national,all,attacks,5,{U},x"))
    refuse("excel_serial_date", "r41_excel_serial_date.csv", field="period", line=2, value="44562",
           note="an Excel date serial number exported as text (44562 = 2022-01-01) is not guessed")

    put("r42_preamble_only.csv", "# source_org: PIPS\n# measure: attacks\n")
    refuse("preamble_only", "r42_preamble_only.csv", pattern=r"no header|empty|no data",
           note="only '# key: value' lines, no table")

    put("r43_duplicated_column_by_alias.csv", lines("PIPS,2022-01,national,all,attacks,5,6",
                                                    header="source_org,period,region,group,measure,value,count"))
    refuse("duplicated_column_by_alias", "r43_duplicated_column_by_alias.csv", field="count", line=1,
           pattern="duplicat", note="'count' is another name of 'value': the same column twice")

    put("r44_empty_source.csv", lines(f",2022-01,national,all,attacks,5,{U},x"))
    refuse("empty_source", "r44_empty_source.csv", field="source_org", line=2, value="",
           note="a figure without its source")

    put("r45_empty_region.csv", lines(f"PIPS,2022-01,,all,attacks,5,{U},x"))
    refuse("empty_region", "r45_empty_region.csv", field="region", line=2, value="",
           note="a figure without its region")

    # ------------------------------------------------------------------ generated at test time
    for cid, outcome, pattern, note in [
        ("nonexistent_path", "refuse", r"no such file|does not exist|not found|cannot find",
         "an input path that does not exist"),
        ("unreadable_file", "refuse", r"permission|not readable|cannot read|unreadable",
         "chmod 000 (skipped when running as root, where chmod does not block reading)"),
        ("empty_directory", "refuse", r"no .*(table|input|file)|empty", "a directory with no tables"),
        ("directory_without_tables", "refuse", r"no .*(table|input|file)",
         "a directory holding only README.md and notes.md"),
        ("directory_with_tables", "accept", "", "a directory holding a table and a README: the table is read"),
        ("output_under_regular_file", "refuse", r"not a directory|cannot|exists|file",
         "--out DIR where a parent of DIR is a regular file (fails even as root)"),
        ("output_is_regular_file", "refuse", r"not a directory|exists|file",
         "--out pointing at an existing regular file"),
    ]:
        CATALOGUE.append(dict(id=cid, file=f"<generated:{cid}>", outcome=outcome, field="", line="",
                              value="", pattern=pattern,
                              expected="a01_baseline.expected.csv" if outcome == "accept" else "",
                              raw_rows=4 if outcome == "accept" else "",
                              audit="kept=4" if outcome == "accept" else "", note=note))

    cols = ["id", "file", "outcome", "field", "line", "value", "pattern", "expected", "raw_rows",
            "audit", "note"]
    with open(HERE / "catalogue.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(CATALOGUE)


if __name__ == "__main__":
    build()
