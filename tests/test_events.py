"""Event-level adapters (UCDP GED, ACLED, GTD): hand-checked fixtures in each real layout.

Every expected number below was counted by hand from the fixture rows (see the comments); the
fixtures are in ``tests/fixtures/events/``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trends import events as ev
from trends.events import _dates
from trends.schema import PANEL_COLUMNS

FIX = Path(__file__).parent / "fixtures" / "events"
GED = FIX / "ged_small.csv"
ACLED = FIX / "acled_small.csv"
GTD = FIX / "gtd_small.csv"


def series(panel: pd.DataFrame, measure: str = "attacks", region: str = "national",
           group: str = "all", col: str = "month") -> pd.Series:
    sel = panel[(panel["measure"] == measure) & (panel["region"] == region)
                & (panel["group"] == group)]
    return pd.Series(sel["value"].to_numpy(), index=sel[col].to_numpy())


@pytest.fixture(scope="module")
def ged() -> ev.EventsResult:
    return ev.read_events(GED, "ucdp-ged")


@pytest.fixture(scope="module")
def acled() -> ev.EventsResult:
    return ev.read_events(ACLED, "acled")


@pytest.fixture(scope="module")
def gtd() -> ev.EventsResult:
    return ev.read_events(GTD, "gtd")


# --------------------------------------------------------------------------------------------
# UCDP GED fixture: 20 records (19 Pakistan, 1 India); 16 count as attacks
# excluded: 1003 India-Pakistan (interstate), 1005 government one-sided, 1006 type 2, 2001 India


def test_ged_columns_and_coverage(ged):
    assert tuple(ged.monthly.columns) == PANEL_COLUMNS
    assert tuple(ged.weekly.columns) == ("week", *PANEL_COLUMNS[1:])
    assert set(ged.monthly["source"]) == {"UCDP GED"}
    # the file's years are 2020-2021: 24 months, none before or after (not zeros outside)
    months = sorted(ged.monthly["month"].unique())
    assert months[0] == "2020-01" and months[-1] == "2021-12" and len(months) == 24
    weeks = sorted(ged.weekly["week"].unique())
    assert weeks[0] == "2020-W01" and weeks[-1] == "2021-W52"  # 2019-12-30 .. 2022-01-02


def test_ged_monthly_national_attacks(ged):
    s = series(ged.monthly)
    expected = {"2020-01": 2, "2020-03": 1, "2020-06": 1, "2020-12": 1, "2021-01": 1,
                "2021-02": 1, "2021-05": 1, "2021-07": 1, "2021-08": 3, "2021-09": 1,
                "2021-10": 1, "2021-11": 1, "2021-12": 1}
    full = {m: float(expected.get(m, 0)) for m in s.index}
    assert s.to_dict() == full
    assert s.sum() == 16


def test_ged_killed_measures(ged):
    # best/low/high of Jan 2020: 1001 (3/2/5) + 1002 (2/2/2)
    assert series(ged.monthly, "killed")["2020-01"] == 5
    assert series(ged.monthly, "killed_low")["2020-01"] == 4
    assert series(ged.monthly, "killed_high")["2020-01"] == 7
    # Aug 2021: 1011 (11), 1013 (2), 1014 (1); civilians only in 1011
    assert series(ged.monthly, "killed")["2021-08"] == 14
    assert series(ged.monthly, "killed_civilians")["2021-08"] == 11
    # interstate 1003 (best 4, Feb 2020) is not counted
    assert series(ged.monthly, "killed")["2020-02"] == 0


def test_ged_regions(ged):
    m = ged.monthly
    assert series(m, region="khyber_pakhtunkhwa")["2020-01"] == 1  # 1001
    assert series(m, region="ex_fata")["2020-01"] == 1  # 1002
    assert series(m, region="khyber_pakhtunkhwa_incl_ex_fata")["2020-01"] == 2
    # 1010 (empty adm_1, Feb 2021) and 1015 ('Kandahar province', Sep 2021) are national only
    regions = set(m["region"]) - {"national"}
    assert series(m)["2021-02"] == 1
    assert sum(series(m, region=r).get("2021-02", 0) for r in regions
               if r != "khyber_pakhtunkhwa_incl_ex_fata") == 0
    assert series(m)["2021-09"] == 1
    # regional totals (mapped, not derived) = national less the two unmapped events
    mapped = [r for r in regions if r != "khyber_pakhtunkhwa_incl_ex_fata"]
    assert sum(series(m, region=r).sum() for r in mapped) == 16 - 2
    # a region never seen has no rows (e.g. gilgit_baltistan)
    assert "gilgit_baltistan" not in regions


def test_ged_groups(ged):
    m = ged.monthly
    # TTP: 1001 1002 1004 1009 1010 1012 1013 1015 1018 = 9
    assert series(m, group="ttp").sum() == 9
    assert series(m, group="isk").sum() == 2  # 1011 (IS one-sided), 1019 (Gov v IS)
    assert series(m, group="bla").sum() == 1 and series(m, group="bras").sum() == 1
    assert series(m, group="lej").sum() == 1
    # 'TTP - TA' (1014) and al-Qaida (1017) are not in the group table -> other
    assert series(m, group="other").sum() == 2
    groups = set(m["group"])
    assert "all" in groups and "unknown" not in groups


def test_ged_date_rule(ged):
    a = ged.audit.set_index("event_id")
    # 1012: 2021-07-25..2021-08-10 (date_prec 4) -> July, the week of 25 July (2021-W29)
    assert a.loc["1012", "date_rule"] == "month_from_start"
    assert (a.loc["1012", "month"], a.loc["1012", "week"]) == ("2021-07", "2021-W29")
    # 1013: 2021-08-01 (Sunday) .. 08-03 -> August, week of its start 2021-W30
    assert a.loc["1013", "date_rule"] == "week_from_start"
    assert (a.loc["1013", "month"], a.loc["1013", "week"]) == ("2021-08", "2021-W30")
    # 1009 on 2021-01-01 is in ISO week 2020-W53 but in month 2021-01
    assert (a.loc["1009", "month"], a.loc["1009", "week"]) == ("2021-01", "2020-W53")
    assert series(ged.weekly, col="week")["2020-W53"] == 2  # 1008 (2020-12-31) and 1009


def test_ged_imprecise_exclude():
    res = ev.read_events(GED, "ucdp-ged", imprecise="exclude")
    assert series(res.monthly)["2021-07"] == 0  # 1012 spans months: out of the panels
    a = res.audit.set_index("event_id")
    assert a.loc["1012", "status"] == "dropped" and a.loc["1012", "date_rule"] == "annual_only"
    assert "imprecise='exclude'" in a.loc["1012", "reason"]
    annual = res.annual.set_index(["year", "measure"])
    assert annual.loc[(2021, "attacks"), "value"] == 11  # still in the annual total
    assert annual.loc[(2021, "attacks"), "not_in_monthly"] == 1


def test_ged_audit_accounts_for_every_record(ged):
    a = ged.audit
    assert tuple(a.columns) == ev.AUDIT_COLUMNS
    assert len(a) == ged.records == 20
    assert (a["status"] == "kept").sum() == 16
    reasons = a.set_index("event_id")["reason"]
    assert reasons["1003"].endswith("interstate (both sides are governments)")
    assert reasons["1005"].endswith("one-sided violence by a government")
    assert reasons["1006"].endswith("type_of_violence not in the attack rule")
    assert reasons["2001"] == "country is not Pakistan"
    # region/group are the codes a record was counted under (empty when not counted)
    codes = a.set_index("event_id")[["region", "group", "region_raw", "group_raw"]]
    assert codes.loc["1003"].tolist() == ["", "", "Azad Jammu & Kashmir", "Government of Pakistan"]
    assert codes.loc["1014"].tolist() == ["ex_fata", "other",
                                          "Federally Administered Tribal Areas", "TTP - TA"]
    # physical lines: 1018's source_article holds two newlines, so 1019 starts on line 23
    assert a.set_index("event_id").loc["1018", "line"] == 20
    assert a.set_index("event_id").loc["1019", "line"] == 23


def test_ged_weekly_sums_equal_monthly(ged):
    for m in ("attacks", "killed", "killed_low", "killed_high", "killed_civilians"):
        assert series(ged.weekly, m, col="week").sum() == series(ged.monthly, m).sum()


def test_ged_rule_options():
    # with type 2 and without the US strike (1017)
    rule = ev.GedRule(types=(1, 2, 3),
                      exclude_side_a=("Government of United States of America",))
    res = ev.read_events(GED, "ucdp-ged", rule=rule)
    assert series(res.monthly).sum() == 16 + 1 - 1
    assert series(res.monthly)["2020-04"] == 1 and series(res.monthly)["2021-05"] == 0
    assert "side_a excluded" in res.audit.set_index("event_id").loc["1017", "reason"]


def test_ged_country_none_and_country_id():
    everything = ev.read_events(GED, "ucdp-ged", country=None)
    assert series(everything.monthly)["2021-08"] == 4  # + 2001 (India v Kashmir insurgents)
    by_id = ev.read_events(GED, "ucdp-ged", country="770")
    assert series(by_id.monthly).sum() == 16


def test_ged_source_label():
    assert ev.ged.source_label(Path("ucdp_ged221_pakistan.csv")) == "UCDP GED 22.1"
    assert ev.ged.source_label(Path("GEDEvent_v23_1.csv")) == "UCDP GED 23.1"
    assert ev.ged.source_label(Path("GEDEvent_v24_0_3.csv")) == "UCDP Candidate 24.0.3"
    assert ev.ged.source_label(Path("events.csv")) == "UCDP GED"


def test_candidate_coverage_is_event_dates(tmp_path):
    path = tmp_path / "GEDEvent_v22_0_1.csv"
    path.write_bytes(GED.read_bytes())
    res = ev.read_events(path, "ucdp-ged")
    assert res.source == "UCDP Candidate 22.0.1"
    months = sorted(res.monthly["month"].unique())
    assert (months[0], months[-1]) == ("2020-01", "2021-12")
    assert res.coverage.start.isoformat() == "2020-01-15"


def test_given_coverage_drops_outside(tmp_path):
    res = ev.read_events(GED, "ucdp-ged", coverage=("2021-01-01", "2021-06-30"))
    assert sorted(res.monthly["month"].unique())[-1] == "2021-06"
    a = res.audit.set_index("event_id")
    assert a.loc["1001", "reason"] == "outside coverage" and a.loc["1001", "status"] == "dropped"
    assert series(res.monthly).sum() == 3  # 1009, 1010, 1017


# --------------------------------------------------------------------------------------------
# ACLED fixture: 12 records (11 Pakistan, 1 Afghanistan); 7 count


def test_acled_monthly(acled):
    assert acled.source == "ACLED"
    # Jan: PAK1 (battle, TTP), PAK2 (IED, unidentified group); Feb: PAK5 (BLA), PAK6 (IS);
    # Mar: PAK8 (TTP suicide bomb), PAK9 (communal militias), PAK11 (BLF)
    assert series(acled.monthly).to_dict() == {"2021-01": 2.0, "2021-02": 2.0, "2021-03": 3.0}
    assert series(acled.monthly, "killed").to_dict() == {"2021-01": 6.0, "2021-02": 4.0,
                                                        "2021-03": 8.0}
    assert set(acled.monthly["measure"]) == {"attacks", "killed"}


def test_acled_rule_and_audit(acled):
    a = acled.audit.set_index("event_id")
    assert a.loc["PAK3", "reason"].endswith("no non-state armed actor as perpetrator")  # drone
    assert a.loc["PAK7", "reason"].endswith("no non-state armed actor as perpetrator")  # police
    assert a.loc["PAK4", "reason"].endswith("event_type not in the attack rule")  # protest
    assert a.loc["PAK10", "reason"].endswith("event_type not in the attack rule")
    assert a.loc["AFG1", "reason"] == "country is not Pakistan"
    assert (a["status"] == "kept").sum() == 7


def test_acled_groups_and_regions(acled):
    m = acled.monthly
    assert series(m, group="ttp").sum() == 2  # PAK1, PAK8 ('TTP: Tehreek-i-Taliban Pakistan')
    assert series(m, group="unknown").sum() == 1  # 'Unidentified Armed Group (Pakistan)'
    assert series(m, group="isk").sum() == 1  # 'Islamic State (Pakistan)'
    assert series(m, group="other").sum() == 1  # communal militia
    # ACLED's Khyber Pakhtunkhwa already includes the former FATA
    assert series(m, region="khyber_pakhtunkhwa_incl_ex_fata").sum() == 2
    assert "khyber_pakhtunkhwa" not in set(m["region"])
    assert series(m, region="islamabad").sum() == 1


def test_acled_time_precision(acled):
    a = acled.audit.set_index("event_id")
    # PAK6: time_precision 3 (month known only) -> monthly panel only
    assert a.loc["PAK6", "date_rule"] == "month_only" and a.loc["PAK6", "week"] == ""
    assert series(acled.weekly, col="week").sum() == series(acled.monthly).sum() - 1
    # PAK1 on 2021-01-03 (Sunday) is ISO week 2020-W53
    assert a.loc["PAK1", "week"] == "2020-W53"


def test_acled_new_actor_type_names_and_iso_dates(tmp_path):
    df = pd.read_csv(ACLED, dtype=str, keep_default_na=False)
    names = {"1": "State forces", "2": "Rebel group", "3": "Political militia",
             "4": "Identity militia", "6": "Protesters", "7": "Civilians", "0": ""}
    df["inter1"] = df["inter1"].map(names)
    df["inter2"] = df["inter2"].map(names)
    df["event_date"] = pd.to_datetime(df["event_date"], format="%d %B %Y").dt.strftime("%Y-%m-%d")
    path = tmp_path / "acled_api.csv"
    df.to_csv(path, index=False)
    res = ev.read_events(path, "acled")
    assert series(res.monthly).to_dict() == {"2021-01": 2.0, "2021-02": 2.0, "2021-03": 3.0}


# --------------------------------------------------------------------------------------------
# GTD fixture: 10 records (9 Pakistan, 1 Afghanistan); all 9 count


def test_gtd_monthly(gtd):
    assert gtd.source == "GTD"
    expected = {"2019-01": 2, "2019-02": 1, "2019-03": 1, "2019-06": 1, "2020-01": 1,
                "2020-06": 1, "2020-12": 1}
    s = series(gtd.monthly)
    assert s.to_dict() == {m: float(expected.get(m, 0)) for m in s.index}
    assert len(s) == 24
    killed = series(gtd.monthly, "killed")
    assert killed["2019-01"] == 3  # 3 + blank (unknown) nkill
    assert np.isnan(killed["2020-06"])  # one attack, nkill blank: unknown, not 0
    assert killed["2020-05"] == 0  # no attack: a true 0
    assert series(gtd.monthly, "injured")["2019-01"] == 7


def test_gtd_unknown_month_and_day(gtd):
    a = gtd.audit.set_index("event_id")
    # 201900000001: imonth 0 -> annual totals only
    assert a.loc["201900000001", "date_rule"] == "annual_only"
    assert a.loc["201900000001", "status"] == "dropped"
    assert a.loc["201900000001", "reason"] == "month unknown: in the annual totals only"
    # 201902000001: iday 0 -> February, not in the weekly panel
    assert a.loc["201902000001", "date_rule"] == "month_only"
    assert a.loc["201902000001", "month"] == "2019-02" and a.loc["201902000001", "week"] == ""
    annual = gtd.annual.set_index(["year", "measure"])
    assert annual.loc[(2019, "attacks")].tolist()[-3:] == [6.0, 5.0, 1.0]
    assert annual.loc[(2019, "killed")].tolist()[-3:] == [10.0, 8.0, 2.0]
    assert series(gtd.weekly, col="week").sum() == series(gtd.monthly).sum() - 1 == 7


def test_gtd_groups_and_regions(gtd):
    m = gtd.monthly
    assert series(m, group="ttp").sum() == 2  # 'Tehrik-i-Taliban Pakistan (TTP)'
    assert series(m, group="bla").sum() == 1  # 'Baloch Liberation Army (BLA)'
    assert series(m, group="bra").sum() == 1
    assert series(m, group="isk").sum() == 1  # 'Khorasan Chapter of the Islamic State'
    assert series(m, group="jua").sum() == 1
    assert series(m, group="unknown").sum() == 2  # gname 'Unknown'
    # provstate 'Unknown' (2019-06) counts in national only
    assert series(m)["2019-06"] == 1
    assert all(series(m, region=r).get("2019-06", 0) == 0 for r in set(m["region"])
               if r != "national")


def test_gtd_exclude_doubtful():
    res = ev.read_events(GTD, "gtd", rule=ev.GtdRule(exclude_doubtful=True))
    assert series(res.monthly)["2020-01"] == 0
    assert "doubtterr" in res.audit.set_index("event_id").loc["202001200001", "reason"]


def test_gtd_1993_is_a_gap(tmp_path):
    rows = list(csv.reader(GTD.open()))
    header, first = rows[0], rows[1]
    out = [header]
    for i, (y, m) in enumerate([(1992, 5), (1994, 7)]):
        r = list(first)
        r[header.index("eventid")] = f"{y}{m:02d}010000{i}"
        r[header.index("iyear")], r[header.index("imonth")] = str(y), str(m)
        out.append(r)
    path = tmp_path / "gtd_1992_1994.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(out)
    res = ev.read_events(path, "gtd")
    months = set(res.monthly["month"])
    assert "1992-12" in months and "1994-01" in months
    assert not any(m.startswith("1993") for m in months)  # missing, not zero
    weeks = set(res.weekly["week"])
    # only the boundary week 1993-W52 (27 Dec 1993 - 2 Jan 1994, partly covered) remains
    assert {w for w in weeks if w.startswith("1993-")} == {"1993-W52"}
    assert "1992-W53" in weeks  # 28 Dec 1992 - 3 Jan 1993, partly covered
    assert len(months) == 24


# --------------------------------------------------------------------------------------------
# outputs, CLI entry point, helpers


def test_write_outputs_deterministic(tmp_path, ged):
    a = ev.write_outputs(ged, tmp_path / "a")
    b = ev.write_outputs(ev.read_events(GED, "ucdp-ged"), tmp_path / "b")
    for name in ("panel.csv", "panel_weekly.csv", "annual.csv", "audit.csv"):
        assert a[name].read_bytes() == b[name].read_bytes()
    panel = pd.read_csv(a["panel.csv"], dtype={"value": float})
    assert list(panel.columns) == list(PANEL_COLUMNS)
    text = a["panel.csv"].read_text()
    assert "\r" not in text and ",2020-01," not in text
    assert "2020-01,national,all,attacks,UCDP GED,2," in text  # integers without '.0'
    audit = pd.read_csv(a["audit.csv"], dtype=str, keep_default_na=False)
    assert len(audit) == 20


def test_input_order_does_not_matter(tmp_path):
    df = pd.read_csv(ACLED, dtype=str, keep_default_na=False)
    one, two = tmp_path / "part1.csv", tmp_path / "part2.csv"
    df.iloc[:6].to_csv(one, index=False)
    df.iloc[6:].to_csv(two, index=False)
    x = ev.read_events([one, two], "acled")
    y = ev.read_events([two, one], "acled")
    pd.testing.assert_frame_equal(x.monthly, y.monthly)
    assert series(x.monthly).sum() == 7
    assert x.audit["file"].nunique() == 2 and x.audit["record"].max() == 6


def test_duplicate_event_ids_count_once(tmp_path):
    df = pd.read_csv(ACLED, dtype=str, keep_default_na=False)
    one, two = tmp_path / "a.csv", tmp_path / "b.csv"
    df.to_csv(one, index=False)
    df.iloc[:2].to_csv(two, index=False)  # overlapping export
    res = ev.read_events([one, two], "acled")
    assert series(res.monthly).sum() == 7
    dup = res.audit[res.audit["file"] == str(two)]
    assert set(dup["reason"]) == {"duplicate event id (an earlier record counts)"}


def test_run_clean(tmp_path, capsys):
    assert ev.run_clean([str(GTD)], "gtd", str(tmp_path / "out"), "Pakistan") == 0
    out = capsys.readouterr().out
    assert "GTD: 10 records, 8 counted" in out and "month_only=1" in out
    assert "=0" not in out
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "panel.csv", "panel_weekly.csv", "annual.csv", "audit.csv"}


def test_cli_clean_event_format(tmp_path):
    cli = pytest.importorskip("trends.cli")
    try:
        status = cli.main(["clean", "--format", "ucdp-ged", str(GED), "--out", str(tmp_path)])
    except SystemExit as exc:  # the clean command may not offer event formats yet
        pytest.skip(f"trends clean does not accept --format ucdp-ged yet ({exc})")
    assert status == 0
    assert (tmp_path / "panel_weekly.csv").exists()


def test_series_helper(ged):
    month = ged.series("attacks")
    assert list(month.columns) == ["date", "value"] and month["value"].sum() == 16
    week = ged.series("attacks", freq="week")
    assert week["date"].iloc[0] == pd.Timestamp("2019-12-30")  # Monday of 2020-W01
    with pytest.raises(KeyError):
        ged.series("attacks", region="sindh", group="ttp")


def test_week_labels_match_isocalendar():
    days = np.arange(np.datetime64("2015-12-20"), np.datetime64("2022-01-10"))
    got = _dates.week_labels(_dates.week_keys(days))
    iso = pd.DatetimeIndex(days).isocalendar()
    want = [f"{y}-W{w:02d}" for y, w in zip(iso["year"], iso["week"], strict=True)]
    assert list(got) == want
    starts = _dates.week_start(pd.Series(got))
    assert (starts.dt.day_of_week == 0).all()
    assert ((pd.DatetimeIndex(days) - pd.DatetimeIndex(starts)).days < 7).all()
    assert _dates.week_start("2021-W35") == pd.Timestamp("2021-08-30")
    with pytest.raises(ValueError, match="ISO week"):
        _dates.week_start("2021-35")


def test_fast_parse_is_verified(monkeypatch, ged):
    """A quoted newline past the sampled head: the parallel parse is refuted by the newline
    count and the file is read again newline-safe; same panels, same lines."""
    from trends.events import _io

    monkeypatch.setattr(_io, "_HEAD_SAMPLE", 64)
    monkeypatch.setattr(_io, "_SIMPLE", set())
    res = ev.read_events(GED, "ucdp-ged")
    pd.testing.assert_frame_equal(res.monthly, ged.monthly)
    assert res.audit["line"].tolist() == ged.audit["line"].tolist()
    assert not _io._SIMPLE


def test_blank_lines_are_skipped_and_lines_kept(tmp_path):
    lines = ACLED.read_text().splitlines()
    path = tmp_path / "blank.csv"
    path.write_text("\n".join([*lines[:4], "", *lines[4:]]) + "\n")
    res = ev.read_events(path, "acled")
    assert series(res.monthly).sum() == 7
    a = res.audit.set_index("event_id")
    assert (a.loc["PAK3", "line"], a.loc["PAK4", "line"]) == (4, 6)


def test_month_keys_lookup_table_matches_numpy():
    days = np.random.default_rng(7).integers(-9000, 25000, size=20000).astype("datetime64[D]")
    want = days.astype("datetime64[M]").astype(np.int64)
    assert (_dates.month_keys(days) == want).all()  # large: lookup table
    assert (_dates.month_keys(days[:10]) == want[:10]).all()  # small: direct
