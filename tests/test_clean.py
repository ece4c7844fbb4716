"""Cleaning rules one by one: values, aliases, totals, region rules, duplicates, audit."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trends.clean import AUDIT_COLUMNS, CleanResult, clean, parse_count
from trends.errors import InputError
from trends.panel import load_rules

FIX = Path(__file__).parent / "fixtures" / "clean"
RULES = load_rules()
HEADER = "source_org,period,region,group,measure,value,url,quote"


def long_csv(tmp_path: Path, rows: list[str], name: str = "t.csv", header: str = HEADER) -> Path:
    p = tmp_path / name
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return p


def cell(result: CleanResult, month: str, region="national", group="all", measure="attacks",
         source="PICSS"):
    p = result.panel
    sel = p[(p["month"] == month) & (p["region"] == region) & (p["group"] == group)
            & (p["measure"] == measure) & (p["source"] == source)]
    assert len(sel) == 1, sel
    return sel["value"].iloc[0]


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12), (" 12 ", 12), ("0", 0), ("1,234", 1234), ("1 234", 1234), ("12,345,678", 12345678),
     ("45*", 45), ("45 **", 45), ("45(a)", 45), ("45 (b)", 45), ("45[1]", 45), ("45\u2020", 45),
     ("1,234*", 1234), ("12.0", 12), ("7\u00b9", 7), ("\u00a012\u00a0", 12),
     ("", None), ("-", None), ("\u2014", None), ("\u2013", None), ("n/a", None), ("N/A", None),
     ("NA", None), ("..", None), ("\u2026", None), (None, None)],
)
def test_parse_count(text, value):
    assert parse_count(text, rules=RULES) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [("-5", "negative"), ("\u22125", "negative"), ("12.5", "whole number"), ("1,5", "whole"),
     ("twelve", "not a number"), ("~400", "not a number"), ("1,23", "whole number"),
     ("nil", "not a number"), ("(45)", "not a number")],
)
def test_parse_count_rejects(text, message):
    with pytest.raises(InputError, match=message) as info:
        parse_count(text, rules=RULES, path="f.csv", line=3)
    assert (info.value.path, info.value.line, info.value.field) == ("f.csv", 3, "value")
    assert info.value.value == text
    assert "non-negative whole number" in info.value.expected


# --------------------------------------------------------------------------- normalisation


def test_basic_normalisation():
    r = clean([FIX / "long_basic.csv"])
    assert cell(r, "2022-01") == 24
    assert cell(r, "2022-02") == 13  # Pakistan / All groups / militant attacks / Feb 2022
    assert cell(r, "2022-04", region="khyber_pakhtunkhwa") == 1234
    assert cell(r, "2022-04", region="balochistan", group="ttp") == 7
    assert cell(r, "2022-01", measure="killed") == 42
    # missing stays missing: no Islamabad row with 0
    assert not ((r.panel["region"] == "islamabad") & (r.panel["value"] == 0)).any()
    assert r.periods[["period", "measure", "value"]].values.tolist() == [
        ["2022-Q2", "attacks", 88], ["2022", "killed_all", 900]]
    assert r.periods.loc[0, "start"] == "2022-04" and r.periods.loc[0, "end"] == "2022-06"


def test_national_series_has_gap_months_as_missing(tmp_path):
    p = long_csv(tmp_path, ["PICSS,2022-01,national,all,attacks,5,u,q",
                            "PICSS,2022-04,national,all,attacks,0,u2,q"])
    r = clean([p])
    got = dict(zip(r.panel["month"], r.panel["value"], strict=True))
    assert got["2022-01"] == 5 and got["2022-04"] == 0
    assert pd.isna(got["2022-02"]) and pd.isna(got["2022-03"])


def test_source_aliases(tmp_path):
    p = long_csv(tmp_path, ["picss,2022-01,national,all,attacks,5,u,q",
                            " PICCS ,2022-02,national,all,attacks,6,u,q",
                            "Some Other Org,2022-01,national,all,attacks,7,u,q"])
    r = clean([p])
    assert sorted(set(r.panel["source"])) == ["PICSS", "Some Other Org"]


def test_unknown_measures_pass_through_but_typos_do_not(tmp_path):
    r = clean([long_csv(tmp_path, ["CRSS,2022-01,national,all,killed_all,5,u,q",
                                   "CRSS,2022-01,national,all,Fatalities,6,u,q"])])
    assert sorted(set(r.panel["measure"])) == ["killed", "killed_all"]
    with pytest.raises(InputError, match="did you mean 'attacks'"):
        clean([long_csv(tmp_path, ["CRSS,2022-01,national,all,atacks,5,u,q"], "b.csv")])


def test_unknown_group_passes_through_as_code_but_near_misses_do_not(tmp_path):
    r = clean([long_csv(tmp_path, ["PIPS,2022-01,national,Lashkar-e-Islam,attacks,5,u,q"])])
    assert r.panel["group"].tolist() == ["lashkar_e_islam"]
    with pytest.raises(InputError, match="did you mean") as info:
        clean([FIX / "bad_group.csv"])
    assert info.value.field == "group" and info.value.line == 2


@pytest.mark.parametrize(
    ("fixture", "line", "field", "match"),
    [
        ("bad_region.csv", 2, "region", "did you mean 'balochistan'"),
        ("bad_measure.csv", 2, "measure", "did you mean 'injured'"),
        ("bad_period.csv", 3, "period", "month 13"),
        ("bad_negative.csv", 2, "value", "negative"),
        ("bad_fraction.csv", 2, "value", "whole number"),
        ("bad_text_value.csv", 2, "value", "not a number"),
        ("bad_empty_source.csv", 2, "source_org", "empty source_org"),
        ("bad_same_publication.csv", 3, "value", "two values in one publication: 4 on line 2"),
        ("bad_published.csv", 2, "published", "publication date"),
        ("bad_group.csv", 2, "group", "unknown group"),
    ],
)
def test_validation_errors(fixture, line, field, match):
    with pytest.raises(InputError, match=match) as info:
        clean([FIX / fixture])
    err = info.value
    assert Path(err.path).name == fixture
    assert (err.line, err.field) == (line, field)
    assert err.expected


@pytest.mark.parametrize("column", ["region", "group", "measure"])
def test_empty_key_cells_are_refused(tmp_path, column):
    cells = dict(source_org="PIPS", period="2022-01", region="KP", group="all",
                 measure="attacks", value="3", url="u", quote="q")
    cells[column] = " "
    p = long_csv(tmp_path, [",".join(cells.values())])
    with pytest.raises(InputError, match=f"empty {column}") as info:
        clean([p])
    assert (info.value.line, info.value.field) == (2, column)


def test_same_publication_conflict_allowed_when_one_row_is_flagged(tmp_path):
    p = long_csv(tmp_path, ["PICSS,2019-09,national,all,attacks,15,u,q,typo",
                            "PICSS,2019-09,national,all,attacks,16,u,q,"], header=HEADER + ",flag")
    r = clean([p])
    assert cell(r, "2019-09") == 16
    assert r.audit["status"].tolist() == ["superseded", "kept"]


# --------------------------------------------------------------------------- region rules


def test_pips_kp_from_2019_includes_merged_districts():
    r = clean([FIX / "pips_kp.csv"])
    assert cell(r, "2018-12", region="khyber_pakhtunkhwa", source="PIPS") == 9
    assert cell(r, "2019-01", region="khyber_pakhtunkhwa_incl_ex_fata", source="PIPS") == 11
    assert cell(r, "2019-01", region="khyber_pakhtunkhwa", source="PICSS") == 5
    reasons = r.audit.set_index("line")["reason"]
    assert "pips-kp-incl-merged" in reasons[3]
    assert "pips-kp-incl-merged" not in reasons[2] + reasons[4]


def test_region_rule_can_be_switched_off():
    r = clean([FIX / "pips_kp.csv"], rules={"region_rules": []})
    assert cell(r, "2019-01", region="khyber_pakhtunkhwa", source="PIPS") == 11


# --------------------------------------------------------------------------- totals


def test_total_row_of_regions_is_the_national_figure_and_is_checked():
    r = clean([FIX / "wide_regions_by_month.csv"])
    assert cell(r, "2019-01", source="PIPS") == 25
    tot = r.audit[r.audit["region"] == "Total"]
    assert tot["status"].tolist() == ["kept"] * 3
    assert all("equals the sum of parts" in x for x in tot["reason"])
    # the provinces are not summed into another national row
    assert ((r.panel["region"] == "national") & (r.panel["month"] == "2019-01")).sum() == 1


def test_total_row_that_differs_is_kept_and_flagged(tmp_path):
    p = long_csv(tmp_path, ["PIPS,2022-01,Balochistan,all,attacks,5,u,q",
                            "PIPS,2022-01,Sindh,all,attacks,2,u,q",
                            "PIPS,2022-01,Total,all,attacks,9,u,q"])
    r = clean([p])
    assert cell(r, "2022-01", source="PIPS") == 9  # the source's own total, never a sum
    reason = r.audit.loc[r.audit["line"] == 4, "reason"].iloc[0]
    assert "9 differs from sum of parts" in reason and "sum to 7" in reason


def test_total_over_months_is_not_double_counted():
    r = clean([FIX / "wide_months_by_measure.csv"])
    tot = r.audit[r.audit["period"] == "Total"]
    assert tot["status"].tolist() == ["dropped", "dropped"]
    assert all("equals the sum of parts" in x for x in tot["reason"])
    assert r.panel["value"].sum() == 24 + 13 + 26 + 42 + 25 + 115 + 56 + 143
    assert r.periods.empty


def test_total_column_checked_per_row():
    r = clean([FIX / "wide_total_column.tsv"])
    tot = r.audit[r.audit["field"] == "Total"]
    assert tot["status"].tolist() == ["dropped", "dropped"]
    assert "equals the sum" in tot["reason"].iloc[0]
    assert "5 differs from sum of parts" in tot["reason"].iloc[1]


def test_group_total_row(tmp_path):
    p = long_csv(tmp_path, ["PIPS,2022,national,TTP,attacks,5,u,q",
                            "PIPS,2022,national,BLA,attacks,2,u,q",
                            "PIPS,2022,national,Total,attacks,7,u,q"])
    r = clean([p])
    assert r.periods.set_index("group").loc["all", "value"] == 7
    assert "equals the sum of parts" in r.audit.loc[2, "reason"]


# --------------------------------------------------------------------------- duplicates, audit


def test_duplicates_are_merged_and_urls_joined(tmp_path):
    p = long_csv(tmp_path, ["PICSS,2022-01,national,all,attacks,5,https://b.org/x,q",
                            "PICSS,2022-01,national,all,attacks,5,https://b.org/x,q",
                            "PICSS,Jan 2022,Pakistan,all,attacks,5,https://a.org/y,q2"])
    r = clean([p])
    assert r.panel["url"].tolist() == ["https://a.org/y | https://b.org/x"]
    assert r.panel["n_reports"].tolist() == [2]
    assert r.audit["status"].tolist() == ["kept", "merged", "merged"]
    assert "duplicate of" in r.audit.loc[1, "reason"]


def test_audit_has_one_row_per_raw_row_in_file_line_order(tmp_path):
    a = long_csv(tmp_path, ["PICSS,2022-01,national,all,attacks,5,u,q",
                            "PICSS,2022-02,national,all,attacks,\u2014,u,q"], "b.csv")
    b = FIX / "wide_regions_by_month.csv"
    r = clean([a, b])
    assert list(r.audit.columns) == list(AUDIT_COLUMNS)
    assert len(r.audit) == 2 + 11
    assert r.audit["status"].isin(["kept", "merged", "superseded", "missing", "dropped"]).all()
    files = r.audit["file"].tolist()
    assert files == sorted(files)
    # a month printed as missing is a gap row of the panel (issue 15), not a dropped row
    assert r.audit.loc[r.audit["value_raw"] == "\u2014", "status"].tolist() == ["missing"]


def test_output_independent_of_input_order(tmp_path):
    files = [FIX / "long_basic.csv", FIX / "revisions.csv", FIX / "pips_kp.csv"]
    r1 = clean(files)
    r2 = clean(list(reversed(files)))
    for a, b in zip((r1.panel, r1.audit, r1.alternatives, r1.periods),
                    (r2.panel, r2.audit, r2.alternatives, r2.periods), strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_dataframe_input_and_base(tmp_path):
    df = pd.DataFrame({"source_org": ["PIPS"], "period": ["2022-01"], "region": ["KP"],
                       "group": ["all"], "measure": ["attacks"], "value": ["3"]})
    r = clean(df)
    assert r.audit.loc[0, "file"] == "<frame>" and r.audit.loc[0, "line"] == 2
    with pytest.raises(InputError, match="missing required column"):
        clean(df.drop(columns="measure"))
    r = clean([FIX / "pips_kp.csv"], base=FIX.parent)
    assert set(r.audit["file"]) == {"clean/pips_kp.csv"}


def test_inputs_are_not_modified(tmp_path):
    p = long_csv(tmp_path, ["PICSS,2022-01,national,all,attacks,5,u,q"])
    before = p.read_bytes(), p.stat().st_mtime_ns
    clean([p])
    assert (p.read_bytes(), p.stat().st_mtime_ns) == before


def test_result_is_frozen():
    r = clean([FIX / "pips_kp.csv"])
    with pytest.raises(AttributeError):
        r.panel = None  # type: ignore[misc]


# --------------------------------------------------------------------------- writing


def test_write_result_is_all_or_nothing(tmp_path, monkeypatch):
    from trends.clean import write_result

    out = tmp_path / "out"
    write_result(clean([FIX / "pips_kp.csv"]), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(before) == ["alternatives.csv", "audit.csv", "panel.csv", "periods.csv"]
    calls = {"n": 0}
    real = pd.DataFrame.to_csv

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # panel and audit are staged, then the disk "fills up"
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing)
    with pytest.raises(OSError, match="No space"):
        write_result(clean([FIX / "long_basic.csv"]), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no temp file, no mix


def test_write_result_refuses_a_file_as_folder(tmp_path):
    from trends.clean import write_result

    f = tmp_path / "f"
    f.write_text("keep", encoding="utf-8")
    with pytest.raises(InputError, match="not a folder"):
        write_result(clean([FIX / "pips_kp.csv"]), f)
    assert f.read_text(encoding="utf-8") == "keep"


def test_sigterm_handler_exits_through_cleanup(capsys):
    import signal

    from trends.commands import clean as cmd

    with pytest.raises(SystemExit) as info:
        cmd._terminated(signal.SIGTERM, None)
    assert info.value.code == 128 + signal.SIGTERM
    assert "terminated" in capsys.readouterr().err


def test_count_too_large(tmp_path):
    p = long_csv(tmp_path, ["PIPS,2022-01,KP,all,attacks,99999999999999999999,u,q"])
    with pytest.raises(InputError, match="count too large") as info:
        clean([p])
    assert (info.value.line, info.value.field) == (2, "value")


def test_bad_key_in_a_wide_header_is_reported_at_the_header_line(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("# source_org: PIPS\n# measure: attacks\nregion,Jan 2022,Jan 2099\nKP,1,2\n"
                 "Sindh,3,4\n", encoding="utf-8")
    with pytest.raises(InputError, match="future") as info:
        clean([p], rules={"period_horizon": "2030-12"})
    assert (info.value.line, info.value.field, info.value.value) == (3, "period", "Jan 2099")
    p.write_text("# source_org: PIPS\n# measure: attacks\nregion,Jan 2022\nKP,1\nBalochstan,2\n",
                 encoding="utf-8")
    with pytest.raises(InputError, match="did you mean") as info:
        clean([p])
    assert info.value.line == 5  # a row label is fixed on its own row
