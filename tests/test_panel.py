"""Reconciliation rule step by step, month grids, series, headline, panel I/O, rules files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trends.clean import clean
from trends.errors import InputError, SpecificationError
from trends.panel import (
    DEFAULT_ORDER,
    STEPS,
    UNRESOLVED,
    complete_months,
    headline,
    load_rules,
    read_panel,
    reconcile,
    resolve_unresolved,
    series,
    write_panel,
)

FIX = Path(__file__).parent / "fixtures" / "clean"


def rows(*specs: tuple) -> pd.DataFrame:
    """(value, url, flag, published[, vintage]) tuples for one PICSS national attacks cell."""
    recs = []
    for i, spec in enumerate(specs):
        value, url, flag, published = spec[:4]
        vintage = spec[4] if len(spec) > 4 else ""
        recs.append(dict(raw_id=i, file="f.csv", line=i + 2, source="PICSS", period="2023-03",
                         region="national", group="all", measure="attacks", value=value,
                         url=url, flag=flag, published=published, vintage=vintage))
    return pd.DataFrame(recs)


def chosen(df: pd.DataFrame, **kw) -> tuple[int | None, str]:
    rec = reconcile(df, load_rules(kw or None))
    alts = rec.alternatives
    decided = alts["decided_by"].iloc[0] if len(alts) else "single value"
    value = rec.cells["value"].iloc[0]
    return (None if value is None or pd.isna(value) else int(value)), decided


def test_step_order_is_the_documented_default():
    assert load_rules().reconcile_order == DEFAULT_ORDER == (
        "non_suspect", "latest_release", "own_publication", "most_reports")
    assert set(DEFAULT_ORDER) < set(STEPS)
    assert "highest_value" not in DEFAULT_ORDER and "highest_value" in STEPS


def test_non_suspect_beats_suspect_even_when_later_and_own():
    df = rows((3, "https://www.picss.net/a", "typo", "2019-10-01"),
              (18, "https://x.org/b", "", "2019-09-05"))
    assert chosen(df) == (18, "non_suspect")


def test_non_informational_flag_is_not_suspect():
    df = rows((51, "https://www.picss.net/a", "relabelled", ""), (50, "https://x.org/b", "", ""))
    assert chosen(df) == (51, "own_publication")


def test_own_publication_beats_reprints():
    df = rows((37, "https://www.dawn.com/1", "", "2023-04-03"),
              (37, "https://nation.com.pk/2", "", "2023-04-03"),
              (39, "https://www.picss.net/featured/x", "", ""))
    assert chosen(df) == (39, "own_publication")


def test_later_release_beats_the_site_the_earlier_one_is_on():
    # PICSS 2020: 187 on PICSS's own 2020 report, 188 restated in its 2021 report (press)
    df = rows((187, "https://www.picss.net/picss-anual-security-report-2020/", "", "", "2020"),
              (188, "https://www.bolnews.com/2022/01/x", "", "2022-01", "2021"),
              (188, "https://timesofislamabad.com/31-Dec-2021/x", "", "2021-12-31", "2020"))
    assert chosen(df) == (188, "latest_release")
    # the old rule (site first) chose the own-site value
    old = ["non_suspect", "own_publication", "latest_publication", "most_reports"]
    assert chosen(df, reconcile_order=old) == (187, "own_publication")


def test_release_read_from_the_quote_beats_an_undated_own_site_value():
    # 2025-04: 82 in PICSS's April report; 81 restated in the May report ("up from 81 in April")
    df = rows((82, "https://www.picss.net/a", "", "", "2025-04"),
              (81, "https://youdigital.pk/b", "", "", "2025-05"))
    assert chosen(df) == (81, "latest_release")


def test_release_ties_fall_back_on_publication_dates():
    df = rows((1063, "https://a.org/x", "", "2025-12-29", "2025"),
              (1066, "https://b.org/y", "", "2026", "2025"))
    assert chosen(df) == (1066, "latest_release")
    # an undated value in the tie: the step cannot order them
    undated = rows((1063, "https://a.org/x", "", "", "2025"),
                   (1066, "https://b.org/y", "", "2026", "2025"))
    assert chosen(undated) == (None, UNRESOLVED)


def test_release_step_uses_dates_when_a_vintage_is_unknown():
    df = rows((62, "https://a.org", "", "2023-03-05", "2023-02"),
              (59, "https://b.org", "", "2023-04-03", ""))
    assert chosen(df) == (59, "latest_release")


def test_release_step_narrows_to_the_latest_vintage_before_other_steps():
    df = rows((37, "https://www.picss.net/a", "", "", "2023-03"),
              (39, "https://a.org/b", "", "", "2023-04"),
              (40, "https://c.org/d", "", "", "2023-04"),
              (40, "https://e.org/f", "", "", "2023-04"))
    # 37 (own site, older release) is out; 40 wins the tie between the April values by reports
    assert chosen(df) == (40, "most_reports")


def test_own_domain_matches_subdomains_only():
    rules = load_rules()
    assert rules.is_own("PICSS", "https://ecom.picss.org/?p=1")
    assert not rules.is_own("PICSS", "https://notpicss.org/x")
    assert not rules.is_own("PIPS", "https://www.picss.net/x")


def test_latest_publication_wins_when_all_dated():
    df = rows((62, "https://nation.com.pk/05-Mar", "", "2023-03-05"),
              (59, "https://nation.com.pk/03-Apr", "", "2023-04-03"))
    assert chosen(df) == (59, "latest_release")
    assert chosen(df, reconcile_order=["latest_publication"]) == (59, "latest_publication")


def test_latest_publication_needs_every_date_and_a_strict_order():
    undated = rows((62, "https://a.org", "", "2023-03-05"), (59, "https://b.org", "", ""))
    assert chosen(undated) == (None, UNRESOLVED)
    same_month = rows((62, "https://a.org", "", "2023-03"), (59, "https://b.org", "", "2023-03-20"))
    assert chosen(same_month) == (None, UNRESOLVED)
    assert chosen(same_month, reconcile_order=["latest_publication", "highest_value"]) == (
        62, "highest_value")


def test_most_reports_then_unresolved():
    df = rows((905, "https://a.org", "", ""), (905, "https://b.org", "", ""),
              (908, "https://c.org", "", ""))
    assert chosen(df) == (905, "most_reports")
    tie = rows((43, "https://a.org", "", ""), (45, "https://b.org", "", ""))
    assert chosen(tie) == (None, UNRESOLVED)


def test_unresolved_cell_is_a_gap_with_every_value_kept():
    tie = rows((43, "https://a.org", "", ""), (45, "https://b.org", "", ""),
               (40, "https://c.org", "typo", ""))
    rec = reconcile(tie)
    cell = rec.cells.iloc[0]
    assert pd.isna(cell["value"]) and cell["flag"] == UNRESOLVED
    assert cell["n_alternatives"] == 3 and cell["url"] == "https://a.org | https://b.org"
    alts = rec.alternatives
    assert alts["value"].tolist() == [40, 43, 45]
    assert not alts["chosen"].any()
    assert alts["decided_by"].tolist() == [f"{UNRESOLVED} (ruled out by non_suspect)",
                                           UNRESOLVED, UNRESOLVED]
    assert [rec.status[i][0] for i in range(3)] == [UNRESOLVED, UNRESOLVED, "superseded"]
    assert "43, 45" in rec.status[0][1]


def test_sensitivity_runs_resolve_each_way_and_match_the_rules_variants():
    tie = rows((43, "https://a.org", "", ""), (45, "https://b.org", "", ""))
    rec = reconcile(tie)
    cells = rec.cells.assign(value=pd.array(rec.cells["value"], dtype="Int64"))
    high = resolve_unresolved(cells, rec.alternatives, "highest")
    low = resolve_unresolved(cells, rec.alternatives, "lowest")
    assert high["value"].tolist() == [45] and low["value"].tolist() == [43]
    assert high["flag"].tolist() == ["unresolved;sensitivity_highest"]
    assert cells["value"].isna().all()  # input not modified
    root = Path(__file__).resolve().parents[1] / "data" / "rules"
    for name, want in (("highest_value", 45), ("lowest_value", 43)):
        assert chosen(tie, **json.loads((root / f"{name}.json").read_text()))[0] == want
    with pytest.raises(SpecificationError, match="highest"):
        resolve_unresolved(cells, rec.alternatives, "middle")


def test_custom_order_from_rules():
    df = rows((3, "https://www.picss.net/a", "typo", ""), (18, "https://x.org/b", "", ""))
    assert chosen(df, reconcile_order=["own_publication"]) == (3, "own_publication")
    assert chosen(df, reconcile_order=["most_reports"]) == (None, UNRESOLVED)
    assert chosen(df, reconcile_order=["most_reports", "lowest_value"]) == (3, "lowest_value")


def test_statuses_and_alternatives():
    df = rows((37, "https://www.dawn.com/1", "", ""), (37, "https://www.dawn.com/1", "", ""),
              (37, "https://nation.com.pk/2", "", ""), (39, "https://www.picss.net/x", "", ""))
    rec = reconcile(df)
    assert [rec.status[i][0] for i in range(4)] == ["superseded"] * 3 + ["kept"]
    alts = rec.alternatives
    assert alts["value"].tolist() == [37, 39]
    assert alts["chosen"].tolist() == [False, True]
    assert alts["n_reports"].tolist() == [2, 1]
    assert alts["rows"].iloc[0] == "f.csv:2 f.csv:3 f.csv:4"
    assert rec.cells["n_alternatives"].tolist() == [1]


def test_same_publication_two_values_is_refused():
    df = rows((4, "https://a.org", "", ""), (5, "https://a.org", "", ""))
    with pytest.raises(InputError, match="two values in one publication") as info:
        reconcile(df)
    assert info.value.line == 3 and info.value.field == "value"


# --------------------------------------------------------------------------- grids and series


def _panel():
    return pd.DataFrame({
        "month": ["2021-11", "2022-02", "2022-01", "2022-03"],
        "region": ["national"] * 4, "group": ["all"] * 4, "measure": ["attacks"] * 4,
        "source": ["PICSS", "PICSS", "PIPS", "PIPS"], "value": [5, 0, 7, 8],
        "url": ["a", "b", "c", "d"],
    })


def test_complete_months_fills_gaps_with_missing_never_zero():
    p = complete_months(_panel())
    picss = p[p["source"] == "PICSS"]
    assert picss["month"].tolist() == ["2021-11", "2021-12", "2022-01", "2022-02"]
    assert picss["value"].isna().tolist() == [False, True, True, False]
    assert picss["value"].iloc[3] == 0
    assert picss["url"].tolist() == ["a", "", "", "b"]
    assert str(p["value"].dtype) == "Int64"
    assert len(p) == 4 + 3
    assert complete_months(_panel().iloc[:0]).empty


def test_series_is_monthly_period_index_with_nan_gaps():
    p = complete_months(_panel())
    s = series(p, source="PICSS")
    assert isinstance(s.index, pd.PeriodIndex) and s.index.freqstr == "M"
    assert s.dtype == np.float64
    assert s.tolist()[0] == 5 and np.isnan(s.iloc[1]) and s.iloc[-1] == 0
    wide = series(p, source="PICSS", start="2021-09", end="2022-04")
    assert len(wide) == 8 and wide.isna().sum() == 6
    assert s.name == "PICSS:national:all:attacks"
    with pytest.raises(SpecificationError, match="sources with 'attacks'"):
        series(p, source="CRSS")


def test_headline_takes_first_source_with_a_figure():
    p = complete_months(_panel())
    h = headline(p, ["PICSS", "PIPS"])
    assert h["month"].tolist() == ["2021-11", "2021-12", "2022-01", "2022-02", "2022-03"]
    assert h["source"].tolist() == ["PICSS", "", "PIPS", "PICSS", "PIPS"]
    assert h["value"].tolist()[:1] == [5] and pd.isna(h["value"].iloc[1])
    assert h["value"].iloc[2] == 7 and h["value"].iloc[3] == 0
    h2 = headline(p, ["PIPS", "PICSS"])
    assert h2.set_index("month").loc["2022-02", "source"] == "PICSS"
    assert h2.set_index("month").loc["2022-01", "value"] == 7
    assert headline(p, ["SATP"]).empty
    assert headline(p)["source"].iloc[0] == "PICSS"  # default priority from rules.json


def test_write_read_round_trip_is_byte_identical(tmp_path):
    r = clean([FIX / "revisions.csv", FIX / "long_basic.csv"])
    a = write_panel(r.panel, tmp_path / "a.csv")
    back = read_panel(a)
    b = write_panel(back, tmp_path / "b.csv")
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text(encoding="utf-8")
    assert ".0," not in text and "\r" not in text
    assert text.splitlines()[0].startswith("month,region,group,measure,source,value,url")


def test_read_panel_errors(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("month,region,group,measure,source,value\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing panel column") as info:
        read_panel(p)
    assert info.value.field == "url"
    p.write_text("month,region,group,measure,source,value,url\n2022-01,national,all,attacks,"
                 "PICSS,1.5,u\n", encoding="utf-8")
    with pytest.raises(InputError, match="non-negative integer") as info:
        read_panel(p)
    assert (info.value.line, info.value.field) == (2, "value")


def test_write_panel_requires_columns(tmp_path):
    with pytest.raises(SpecificationError):
        write_panel(pd.DataFrame({"month": []}), tmp_path / "x.csv")


# --------------------------------------------------------------------------- rules


def test_rules_overrides_from_dict_and_file(tmp_path):
    assert load_rules({"headline_priority": ["PIPS"]}).headline_priority == ("PIPS",)
    f = tmp_path / "r.json"
    f.write_text(json.dumps({"suspect_flags": []}), encoding="utf-8")
    rules = load_rules(f)
    assert rules.suspect_flags == () and rules.own_domains  # other keys keep defaults
    assert load_rules(rules) is rules


@pytest.mark.parametrize(
    ("content", "match", "field"),
    [
        ("{not json", "not valid JSON", None),
        ("[1, 2]", "JSON object", None),
        ('{"reconcile_order": ["coin_flip"]}', "unknown reconciliation step", "reconcile_order"),
        ('{"headline": []}', "unknown rules key", "headline"),
    ],
)
def test_bad_rules_files(tmp_path, content, match, field):
    f = tmp_path / "r.json"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=match) as info:
        load_rules(f)
    assert info.value.field == field
    assert info.value.expected
    with pytest.raises(InputError, match="not found"):
        load_rules(tmp_path / "missing.json")
