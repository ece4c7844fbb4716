"""Hostile inputs (issue 15): every class of the review, each with its exact expected outcome.

Refusals: exit status 2, exactly one stderr line naming the file (and line/field where there
is one) and matching ``pattern``; the input untouched; no output written. Acceptances and
policies (spreadsheet-formula neutralisation, Markdown escaping, mathtext) check the output.
"""

from __future__ import annotations

import csv
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bad_inputs.harness import HERE, file_state, one_line, run_inprocess
from hypothesis import given, settings
from hypothesis import strategies as st

from trends import atomic
from trends.errors import escape_markdown, show

ROOT = Path(__file__).resolve().parents[1]
GED = ROOT / "tests" / "fixtures" / "events" / "ged_small.csv"
GTD = ROOT / "tests" / "fixtures" / "events" / "gtd_small.csv"


def _refused(run, pattern: str, *names: object) -> str:
    assert run.status == 2, (run.status, run.out, run.err)
    line = one_line(run.err)
    assert re.search(pattern, line), line
    for n in names:
        assert str(n) in line, line
    assert "\x1b" not in line
    return line


# --------------------------------------------------------------------------- event files

def _ged_variant(tmp_path: Path, edits: dict[tuple[int, str], str], name="ged.csv") -> Path:
    lines = GED.read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([lines[0]]))
    rows = list(csv.reader(lines[1:]))
    for (i, col), value in edits.items():
        rows[i][header.index(col)] = value
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


EVENT_CASES = {
    # id: (edits on data record 4 = line 6, expected pattern)
    "deaths_inf": ({(4, "best"): "inf"}, r":6: field 'best': count is not a finite number"),
    "deaths_fraction": ({(4, "best"): "2.5"}, r":6: field 'best': count is not a whole number"),
    "deaths_1e308": ({(4, "best"): "1e308"}, r":6: field 'best': count is absurdly large"),
    "date_after_today": ({(4, "date_start"): "2099-01-01", (4, "date_end"): "2099-01-01",
                          (4, "year"): "2099"},
                         r":6: field 'date_start': date outside the dataset's range"),
    "date_before_first_year": ({(4, "date_start"): "1900-01-01", (4, "year"): "1900"},
                               r":6: field 'date_start': date outside the dataset's range"),
    "year_disagrees": ({(4, "year"): "2019"},
                       r":6: field 'year': year disagrees with date_start .*expected 2020"),
    "nul_in_text": ({(4, "side_a"): "TTP\x00x", (0, "source_article"): "y" * 8000},
                    r":6: field 'side_a': text holds a NUL control character"),
}


@pytest.mark.parametrize("case", sorted(EVENT_CASES))
def test_event_file_refusals(tmp_path, capsys, case):
    edits, pattern = EVENT_CASES[case]
    src = _ged_variant(tmp_path, edits)
    before = file_state(src)
    run = run_inprocess(["clean", "--format", "ucdp-ged", src, "--out", tmp_path / "out"],
                        capsys)
    _refused(run, pattern, src)
    assert file_state(src) == before and not (tmp_path / "out").exists()


def test_event_field_over_128_kb_in_an_unused_column_is_accepted(tmp_path, capsys):
    src = _ged_variant(tmp_path, {(4, "source_article"): "z" * 300_000})
    run = run_inprocess(["clean", "--format", "ucdp-ged", src, "--out", tmp_path / "out"],
                        capsys)
    assert run.status == 0, run.err
    ref = run_inprocess(["clean", "--format", "ucdp-ged", GED, "--out", tmp_path / "ref"], capsys)
    assert ref.status == 0
    assert ((tmp_path / "out" / "panel.csv").read_bytes()
            == (tmp_path / "ref" / "panel.csv").read_bytes())


def test_gtd_year_outside_the_date_range_is_refused(tmp_path, capsys):
    lines = GTD.read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([lines[0]]))
    rows = list(csv.reader(lines[1:]))
    rows[1][header.index("iyear")] = "99999"
    src = tmp_path / "gtd.csv"
    with open(src, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows])
    run = run_inprocess(["clean", "--format", "gtd", src, "--out", tmp_path / "out"], capsys)
    _refused(run, r":3: field 'iyear': year outside the dataset's range \(saw '99999'\)", src)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_given_to_event_cleaning_and_fit_is_refused(tmp_path, capsys):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    run = run_inprocess(["clean", "--format", "ucdp-ged", fifo, "--out", tmp_path / "o"], capsys)
    _refused(run, "not a regular file", fifo)
    run = run_inprocess(["fit", fifo, "--outcome", "y", "--date", "month", "--interruption",
                         "t=2021-08", "--out", tmp_path / "o"], capsys)
    _refused(run, "not a regular file", fifo)


@pytest.mark.parametrize("kind", ["broken_link", "fifo"])
def test_non_regular_entry_with_a_table_suffix_in_a_folder_is_refused(tmp_path, capsys, kind):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "a.csv").write_bytes((HERE / "a01_baseline.csv").read_bytes())
    bad = folder / "b.csv"
    if kind == "broken_link":
        bad.symlink_to(tmp_path / "gone.csv")
    else:
        os.mkfifo(bad)
    run = run_inprocess(["clean", folder, "--out", tmp_path / "out"], capsys)
    _refused(run, "not a regular file", bad)
    run = run_inprocess(["clean", "--format", "ucdp-ged", folder, "--out", tmp_path / "out"],
                        capsys)
    _refused(run, "not a regular file", bad)


# --------------------------------------------------------------------------- trends fit

def _series(path: Path, y=None, n: int = 60, header: str = "month,attacks") -> Path:
    months = pd.period_range("2018-01", periods=n, freq="M").strftime("%Y-%m")
    values = y if y is not None else np.random.default_rng(1).poisson(20, n)
    path.write_text(header + "\n" + "".join(f"{m},{v}\n" for m, v in zip(months, values,
                                                                        strict=True)))
    return path


FIT = ["--outcome", "attacks", "--date", "month", "--interruption", "t=2020-06"]

FIT_CASES = {
    "no_variation": (dict(y=[7] * 60), ["--family", "gaussian"],
                     r"outcome has no variation \(all 60 used values are 7\)"),
    "all_zero_counts": (dict(y=[0] * 60), ["--family", "poisson"],
                        r"outcome holds no event in its 60 used observations \(all zero\)"),
    "hac_lags_above_n_over_4": ({}, ["--family", "poisson", "--cov", "hac:20"],
                                r"HAC lags \(20\) above nobs/4 = 15 for 60 used observations"),
    "arma_order_near_nobs": ({}, ["--errors", "ar:100"],
                             r"ARMA order p \+ q = 100 above nobs/4 = 15"),
    "infinite_outcome": (dict(y=[5] * 10 + ["inf"] + [6] * 49), [],
                         r":12: field 'attacks': the outcome is not a finite number"),
    "duplicated_column": (dict(header="month,attacks,attacks"), [],
                          r":1: field 'attacks': the header names a column twice "
                          r"\(columns 2 and 3\)"),
}


@pytest.mark.parametrize("case", sorted(FIT_CASES))
def test_fit_refusals(tmp_path, capsys, case):
    kw, extra, pattern = FIT_CASES[case]
    header = kw.pop("header", None)
    src = _series(tmp_path / "s.csv", **kw)
    if header:
        text = src.read_text().splitlines()
        src.write_text("\n".join([header] + [f"{ln},1" for ln in text[1:]]) + "\n")
    before = file_state(src)
    commands = ("fit",) if "--cov" in extra or "--errors" in extra else ("fit", "robust")
    for command in commands:
        run = run_inprocess([command, src, *FIT, *extra, "--out", tmp_path / "out"], capsys)
        _refused(run, pattern, src)
    assert file_state(src) == before and not (tmp_path / "out").exists()


def test_hac_lag_rule_is_in_help(capsys):
    from trends.cli import main

    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    assert "nobs/4" in " ".join(capsys.readouterr().out.split())


# --------------------------------------------------------------------------- Excel

def _xlsx(path: Path, build) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "table"
    for row in [["source_org", "period", "region", "group", "measure", "value"],
                ["PIPS", "2021-01", "national", "all", "attacks", 10],
                ["PIPS", "2021-02", "national", "all", "attacks", 12]]:
        ws.append(row)
    build(wb, ws)
    wb.save(path)
    return path


XLSX_CASES = {
    "hidden_sheet": (lambda wb, ws: setattr(wb.create_sheet("old"), "sheet_state", "hidden"),
                     r"workbook holds a hidden sheet \('old'\)"),
    "two_visible_sheets": (lambda wb, ws: wb.create_sheet("second"),
                           r"workbook holds 2 visible sheets"),
    "formula_without_cached_value": (lambda wb, ws: ws.__setitem__("F3", "=F2+2"),
                                     r":3: field 'F3': formula without a saved value"),
}


def test_excel_merged_range_over_value_cells_is_refused(tmp_path, capsys):
    """Excel keeps the hidden cells' values in the file; openpyxl drops them and repeats the
    top-left value: 10 would silently stand for February's 12 too."""
    src = _xlsx(tmp_path / "t.xlsx", lambda wb, ws: None)
    with zipfile.ZipFile(src) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        "</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="F2:F3"/></mergeCells>'
    ).encode()
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in parts.items():
            zf.writestr(n, data)
    run = run_inprocess(["clean", src, "--out", tmp_path / "out"], capsys)
    _refused(run, r":3: field 'F2:F3': a merged range covers value cells \(saw 'F3'\)", src)


def test_excel_merged_header_labels_stay_accepted(tmp_path, capsys):
    run = run_inprocess(["clean", HERE / "x01_excel_merged_header.xlsx", "--out",
                         tmp_path / "o"], capsys)
    assert run.status == 0, run.err


@pytest.mark.parametrize("case", sorted(XLSX_CASES))
def test_excel_refusals(tmp_path, capsys, case):
    build, pattern = XLSX_CASES[case]
    src = _xlsx(tmp_path / "t.xlsx", build)
    run = run_inprocess(["clean", src, "--out", tmp_path / "out"], capsys)
    _refused(run, pattern, src)


def test_excel_zip_bomb_is_refused_before_loading(tmp_path, capsys):
    src = _xlsx(tmp_path / "bomb.xlsx", lambda wb, ws: None)
    with zipfile.ZipFile(src, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\0" * (12 * 2**20))
    run = run_inprocess(["clean", src, "--out", tmp_path / "out"], capsys)
    _refused(run, r"possible zip bomb", src)


def test_encrypted_workbook_says_so(tmp_path, capsys):
    src = tmp_path / "secret.xlsx"
    src.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    run = run_inprocess(["clean", src, "--out", tmp_path / "out"], capsys)
    _refused(run, r"encrypted \(password-protected\)", src)


# --------------------------------------------------------------------------- unsafe output

def test_csv_outputs_neutralise_formula_cells(tmp_path, capsys):
    src = tmp_path / "t.csv"
    src.write_text("source_org,period,region,group,measure,value\n"
                   '"=HYPERLINK(""http://e"")",2021-01,national,all,attacks,10\n'
                   "@SUM(A1),2021-02,national,all,attacks,-\n"
                   "+cmd,2021-03,national,all,attacks,5\n")
    run = run_inprocess(["clean", src, "--out", tmp_path / "out"], capsys)
    assert run.status == 0, run.err
    for name in ("panel.csv", "audit.csv"):
        text = (tmp_path / "out" / name).read_text()
        assert "'=HYPERLINK" in text and "'+cmd" in text, text
        rows = list(csv.reader(text.splitlines()))
        assert not [c for r in rows for c in r if c and c[0] in "=+@"], name
    audit = (tmp_path / "out" / "audit.csv").read_text()
    assert "'@SUM(A1)" in audit and ",-," in audit  # a dash (missing mark) stays a dash


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_neutralised_cells_never_start_a_formula(text):
    out = atomic.neutralise_cell(text)
    if isinstance(out, str) and out.startswith(atomic.FORMULA_START):
        float(out.replace(",", "")) if out.strip("-\u2013\u2014 ") else None  # number or dashes
    assert out == text or out == "'" + text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_markdown_cells_hold_no_markup(text):
    esc = escape_markdown(text)
    assert not set("<>`\n\r") & set(esc)
    assert "|" not in esc.replace("\\|", "")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_messages_hold_no_control_characters(text):
    assert show(text).isprintable()


def test_terminal_escapes_and_invisible_header_characters_are_shown_escaped(tmp_path, capsys):
    src = tmp_path / "t.csv"
    src.write_text("source_org,period,re\u200bgion,group,measure,value\n"
                   "PIPS,2021-01,national,all,attacks,10\n")
    run = run_inprocess(["clean", src, "--out", tmp_path / "out"], capsys)
    line = _refused(run, r":1: field 'region': missing required column", src)
    assert "\u200b" not in line and "re\\u200bgion" in line, line
    # a terminal escape sequence in a file name never reaches the terminal raw
    evil = tmp_path / "a\x1b[2Jb.csv"
    evil.write_text("source_org,period\n")
    line = _refused(run_inprocess(["clean", evil, "--out", tmp_path / "o2"], capsys), "")
    assert "a\\x1b[2Jb.csv" in line, line


def test_mathtext_in_a_series_name_is_shown_literally():
    from trends import plot

    assert plot.plain("$x^2$") == "\\$x^2\\$"
    fig, ax = plot.figure()
    ax.plot([1, 2], [1, 2], label=plot.plain("$\\frac{a}{0"))
    ax.legend()
    fig.canvas.draw()  # a mathtext parse error would raise here


def test_a_fit_that_cannot_be_estimated_is_one_line_naming_the_file(tmp_path, capsys):
    y = [0] * 20 + list(np.random.default_rng(0).poisson(3, 20))
    y[0] = 1
    src = _series(tmp_path / "s.csv", y=y, n=40)
    run = run_inprocess(["fit", src, "--outcome", "attacks", "--date", "month",
                         "--interruption", "t=2019-09", "--family", "negbin",
                         "--out", tmp_path / "out"], capsys)
    if run.status == 0:  # a statsmodels version that estimates it is fine too
        return
    _refused(run, "could not be estimated", src)


def test_estimation_warnings_become_one_sentence(capsys):
    import warnings

    from trends.commands.fit import collected_warnings

    with collected_warnings("trends fit"):
        warnings.warn("Maximum Likelihood optimization failed to converge.\n  Check mle_retvals",
                      RuntimeWarning, stacklevel=1)
        warnings.warn("Maximum Likelihood optimization failed to converge.\n  Check mle_retvals",
                      RuntimeWarning, stacklevel=1)
    err = capsys.readouterr().err
    line = one_line(err)
    assert line.startswith("trends fit: warning: the model was estimated, but")
    assert "failed to converge. Check mle_retvals (RuntimeWarning)" in line
    assert line.count("converge") == 1


# --------------------------------------------------------------------------- fiscal years, rules

FISCAL = HERE / "a31_months_like_fiscal_years.csv"


@pytest.mark.parametrize(("rule", "panel_months", "periods"), [
    ("month", ["2009-10", "2010-11", "2011-12"], []),
    ("fiscal", [], [("FY2009-10", "fiscal_year", "2009-07", "2010-06", "40"),
                    ("FY2010-11", "fiscal_year", "2010-07", "2011-06", "41"),
                    ("FY2011-12", "fiscal_year", "2011-07", "2012-06", "42")]),
])
def test_yyyy_yy_is_read_as_the_rule_says(tmp_path, capsys, rule, panel_months, periods):
    """Issue 15: 2009-10 is refused as ambiguous (catalogue) unless ``yyyy_yy`` says how."""
    rules = tmp_path / "rules.json"
    rules.write_text(f'{{"yyyy_yy": "{rule}"}}\n')
    run = run_inprocess(["clean", FISCAL, "--rules", rules, "--out", tmp_path / "out"], capsys)
    assert run.status == 0, run.err
    panel = pd.read_csv(tmp_path / "out" / "panel.csv", dtype=str, keep_default_na=False)
    assert panel.loc[panel["value"] != "", "month"].tolist() == panel_months
    table = pd.read_csv(tmp_path / "out" / "periods.csv", dtype=str, keep_default_na=False)
    got = [tuple(r) for r in table[["period", "period_type", "start", "end", "value"]]
           .itertuples(index=False)]
    assert got == periods


@pytest.mark.parametrize(("rule", "outcome"), [("auto", "2009-10"), ("refuse", "ambiguous"),
                                               ("fiscal", "FY2009-10")])
def test_a_file_writing_other_yyyy_mm_months_settles_yyyy_yy(tmp_path, capsys, rule, outcome):
    """Under the default ``auto``, 2009-10 beside 2009-09 (no fiscal year) is October 2009."""
    src = tmp_path / "t.csv"
    src.write_text("source_org,period,region,group,measure,value\n"
                   "PIPS,2009-09,national,all,attacks,3\nPIPS,2009-10,national,all,attacks,4\n")
    rules = tmp_path / "rules.json"
    rules.write_text(f'{{"yyyy_yy": "{rule}"}}\n')
    run = run_inprocess(["clean", src, "--rules", rules, "--out", tmp_path / "out"], capsys)
    if outcome == "ambiguous":
        _refused(run, r":3: field 'period': ambiguous period", src)
        return
    assert run.status == 0, run.err
    text = (tmp_path / "out" / ("panel.csv" if rule == "auto" else "periods.csv")).read_text()
    assert f"\n{outcome}," in text, text


@pytest.mark.parametrize(("text", "key", "pattern"), [
    ('{"yyyy_yy": "fiscl"}', "yyyy_yy", r"expected one of \"auto\", \"refuse\", \"month\", \"fiscal\""),
    ('{"min_year": "1990"}', "min_year", r"expected a whole year"),
    ('{"min_year": true}', "min_year", r"expected a whole year"),
    ('{"missing_tokens": "-"}', "missing_tokens", r"expected a list of texts"),
    ('{"source_aliases": {"pips": 3}}', "source_aliases", r"expected an object of texts"),
    ('{"own_domains": {"PIPS": "pakpips.com"}}', "own_domains", r"expected an object of lists"),
    ('{\n  "_doc": "x",\n  "region_rules": [{"source_org": "PIPS"}]\n}', "region_rules",
     r"expected a list of objects"),
    ('{"region_partitions": ["punjab"]}', "region_partitions", r"expected a list of lists"),
    ('{"period_horizon": 2030}', "period_horizon", r"\(saw '2030'\); expected a period label"),
])
def test_rules_file_with_a_wrong_type_names_the_key(tmp_path, capsys, text, key, pattern):
    rules = tmp_path / "rules.json"
    rules.write_text(text + "\n")
    run = run_inprocess(["clean", HERE / "a01_baseline.csv", "--rules", rules,
                         "--out", tmp_path / "out"], capsys)
    line = _refused(run, rf"rules\.json.*field '{key}': wrong type for rules key.*{pattern}",
                    rules)
    if key == "region_rules":  # the key's line in the file
        assert "rules.json:3: " in line, line
    assert not (tmp_path / "out").exists()


def test_vocabulary_rules_with_a_wrong_type_name_the_key(tmp_path, capsys):
    voc = tmp_path / "voc"
    assert run_inprocess(["vocabulary", "init", voc], capsys).status == 0
    (voc / "rules.json").write_text('{\n  "yyyy_yy": 1\n}\n')
    run = run_inprocess(["clean", HERE / "a01_baseline.csv", "--vocabulary", voc,
                         "--out", tmp_path / "out"], capsys)
    _refused(run, r"rules\.json:2: field 'yyyy_yy': wrong type for rules key \(saw 1\); "
                  r"expected one of", voc / "rules.json")


def test_non_utf8_bytes_in_an_event_file_name_their_line(tmp_path, capsys):
    lines = GED.read_bytes().split(b"\n")
    lines[5] = lines[5].replace(b"Pakistan", b"Pakist\xe9n", 1)
    src = tmp_path / "ged.csv"
    src.write_bytes(b"\n".join(lines))
    run = run_inprocess(["clean", "--format", "ucdp-ged", src, "--out", tmp_path / "out"],
                        capsys)
    _refused(run, r":6: not UTF-8 text \(saw b'.*Pakist\\xe9n", src)
