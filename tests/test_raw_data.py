"""The embedded data: every panel figure traces to a cited raw row; raw rows trace to the
published figures; the national attack series matches the independent transcription."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trends import aliases
from trends.panel import read_panel, series

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
PROCESSED = ROOT / "data" / "processed"
FIX = Path(__file__).parent / "fixtures" / "clean"
SOURCE_COLUMNS = ["source_org", "period", "region", "group", "measure", "value", "url", "quote"]
RAW_FILES = ("picss.csv", "pips.csv", "crss.csv", "satp.csv", "other.csv")


def _build_raw():
    spec = importlib.util.spec_from_file_location("build_raw", ROOT / "tools" / "build_raw.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    frames = [pd.read_csv(RAW / f, dtype=str, keep_default_na=False).assign(_file=f)
              for f in RAW_FILES]
    return pd.concat(frames, ignore_index=True)


def _region_code(source: str, region: str, period: str) -> str:
    """Independent of the cleaner: alias table plus the documented PIPS-KP convention."""
    code = aliases.load("region").lookup(region)
    if source == "PIPS" and code == "khyber_pakhtunkhwa" and period[:4] >= "2019":
        return "khyber_pakhtunkhwa_incl_ex_fata"
    return code


@pytest.fixture(scope="module")
def cited(raw) -> set[tuple]:
    keys = set()
    for r in raw.itertuples(index=False):
        keys.add((r.source_org, r.period, _region_code(r.source_org, r.region, r.period),
                  aliases.load("group").lookup(r.group) or r.group,
                  aliases.load("measure").lookup(r.measure) or r.measure, int(r.value), r.url))
    return keys


def test_raw_files_follow_the_long_schema(raw):
    for f in RAW_FILES:
        head = (RAW / f).read_text(encoding="utf-8").splitlines()[0].split(",")
        assert head[:8] == SOURCE_COLUMNS
        assert {"flag", "note", "published", "vintage", "origin_file", "origin_line"} <= set(head)
    assert (raw["url"].str.startswith("http")).all()
    assert (raw["quote"].str.strip() != "").all()
    assert raw["value"].str.fullmatch(r"\d+").all()
    assert (RAW / "README.md").is_file()


@pytest.mark.parametrize("table", ["panel", "periods"])
def test_every_picss_pips_figure_equals_a_cited_raw_figure(cited, table):
    df = (read_panel(PROCESSED / "panel.csv") if table == "panel"
          else pd.read_csv(PROCESSED / "periods.csv", dtype=str, keep_default_na=False))
    period_col = "month" if table == "panel" else "period"
    df = df[df["source"].isin(["PICSS", "PIPS"]) & (df["value"].astype(str) != "")]
    df = df[df["value"].notna()]
    assert len(df) > 200
    for r in df.to_dict("records"):
        urls = r["url"].split(" | ")
        assert urls and all(u.startswith("http") for u in urls), r
        for u in urls:
            key = (r["source"], r[period_col], r["region"], r["group"], r["measure"],
                   int(r["value"]), u)
            assert key in cited, f"{table} figure not found in data/raw with this url: {key}"


def test_every_panel_value_is_non_negative_integer_or_missing():
    panel = read_panel(PROCESSED / "panel.csv")
    assert str(panel["value"].dtype) == "Int64"
    assert (panel["value"].dropna() >= 0).all()
    keys = ["month", "region", "group", "measure", "source"]
    assert not panel.duplicated(keys).any()


def test_audit_accounts_for_every_raw_row(raw):
    audit = pd.read_csv(PROCESSED / "audit.csv", dtype=str, keep_default_na=False)
    assert len(audit) == len(raw)
    assert set(audit["status"]) <= {"kept", "merged", "superseded", "unresolved", "dropped"}
    lines = Counter(zip(audit["file"], audit["line"], strict=True))
    assert max(lines.values()) == 1


def test_flagged_rows_are_kept_or_shown_as_alternatives(raw):
    audit = pd.read_csv(PROCESSED / "audit.csv", dtype=str, keep_default_na=False)
    flagged = raw[raw["flag"] != ""]
    assert len(flagged) >= 15
    merged = audit.merge(
        raw.assign(file="data/raw/" + raw["_file"],
                   line=(raw.groupby("_file").cumcount() + 2).astype(str))[["file", "line", "flag"]],
        on=["file", "line"])
    assert (merged.loc[merged["flag"] != "", "status"] != "dropped").all()
    typo = audit[(audit["period"] == "2019-08") & (audit["value_raw"] == "3")
                 & (audit["measure"] == "attacks")]
    assert typo["status"].tolist() == ["superseded"]


def test_pips_kp_convention_is_visible_in_raw_and_audit(raw):
    pips_kp = raw[(raw["source_org"] == "PIPS") & (raw["region"] == "Khyber Pakhtunkhwa")
                  & (raw["period"].str[:4] >= "2019")]
    assert len(pips_kp) > 10
    assert pips_kp["note"].str.contains("pips-kp-incl-merged").all()
    audit = pd.read_csv(PROCESSED / "audit.csv", dtype=str, keep_default_na=False)
    rows = audit[(audit["source_org"] == "PIPS") & (audit["region"] == "Khyber Pakhtunkhwa")
                 & (audit["period"].str[:4] >= "2019")]
    assert (rows["region_code"] == "khyber_pakhtunkhwa_incl_ex_fata").all()
    assert rows["reason"].str.contains("pips-kp-incl-merged").all()


def test_national_attacks_2019_2023_match_the_notes_transcription():
    want = pd.read_csv(FIX / "notes_national_attacks_2019_2023.csv", comment="#", dtype=str,
                       keep_default_na=False)
    panel = read_panel(PROCESSED / "panel.csv")
    for source, g in want.groupby("source"):
        s = series(panel, source=source, start="2019-01", end="2023-12")
        expected = pd.to_numeric(g["value"].replace("", np.nan)).to_numpy(dtype=float)
        np.testing.assert_array_equal(s.to_numpy(), expected, err_msg=source)
    picss = series(panel, source="PICSS", start="2019-01", end="2023-12")
    assert picss.notna().sum() == 42
    assert [str(p) for p in picss.index[picss.isna()]] == [
        "2019-02", "2019-03", "2019-04", "2019-10", "2019-11", "2020-02", "2020-07", "2020-08",
        "2020-09", "2020-10", "2020-11", "2020-12", "2021-01", "2021-06", "2021-07", "2023-06",
        "2023-10", "2023-12"]
    assert series(panel, source="PIPS", start="2019-01", end="2023-12").notna().sum() == 12


@pytest.mark.parametrize(
    ("url", "date"),
    [
        ("https://propakistani.pk/2023/01/02/x/", "2023-01-02"),
        ("https://news.rediff.com/commentary/2024/sep/03/59-x/4df", "2024-09-03"),
        ("https://nation.com.pk/01-Oct-2019/frequency", "2019-10-01"),
        ("https://aajtak.in/v/attacks-mmt-1627582-2023-02-01", "2023-02-01"),
        ("https://indianeconomicobserver.com/news/x-report20210711145406", "2021-07-11"),
        ("https://www.bolnews.com/latest/2022/02/in-january", "2022-02"),
        ("https://unb.com.bd/category/world/x-2025/176518", ""),
        ("https://www.sakshipost.com/news/index-2025-384425", ""),
        ("https://www.dawn.com/news/1553879", ""),
    ],
)
def test_publication_dates_only_read_off_urls(url, date):
    assert _build_raw().published_from_url(url) == date


def test_published_column_is_what_the_url_says_or_a_quote_on_the_page_implies(raw):
    f = _build_raw().published_from_url
    from_url = raw["url"].map(f)
    dated = from_url != ""
    assert (raw.loc[dated, "published"] == from_url[dated]).all()
    implied = raw[~dated & (raw["published"] != "")]
    assert len(implied) > 0
    assert implied["note"].str.contains("read from a quote on the page").all()


@pytest.mark.parametrize(
    ("period", "quote", "date"),
    [
        ("2025", "a total of 3,413 people were killed in violence last year, compared with 1,950 "
         "in 2024", "2026"),
        ("2020", "853 fatalities in 2021 (up from 600 last year)", ""),  # relative to 2021
        ("2023-03", "there were 37 terrorist attacks last month, while 58 in February", "2023-04"),
        ("2023-12", "militants carried out 40 attacks last month", "2024-01"),
        ("2023-03", "in March, 37 attacks; last month", ""),  # the quote names the month
        ("2023-03", "37 attacks in March 2023", ""),
    ],
)
def test_publication_read_from_last_year_or_last_month(period, quote, date):
    assert _build_raw().published_from_quote({"period": period, "quote": quote}) == date


@pytest.mark.parametrize(
    ("period", "quotes", "url", "published", "want"),
    [
        # restated in the next report: "The previous month, March 2023" on the April report page
        ("2023-03", ["The previous month, March 2023, saw 39 militant attacks",
                     "In March, PICSS recorded seven attacks, while in April, the number increased "
                     "to 14."], "https://www.picss.net/featured/x/", "", "2023-04"),
        ("2024", ["PICSS documented 1,063 militant attacks in 2025, a 17 percent rise from 908 "
                  "in 2024"], "https://k.pk/2025-marks-historic-surge", "", "2025"),
        ("2020", ["in the year 2020 there occurred 188 militant attacks"],
         "https://www.bolnews.com/pakistan/2022/01/rising-terrorism-2021-witnessed-56-rise/",
         "2022-01", "2021"),
        ("2019-Q1", ["The injuries, however did increase by almost 49%, from 185 in Q1 to 275 in "
                     "Q2."], "https://crss.pk/quarterly-security-report-2019", "", "2019-Q2"),
        # a year the quote counts, not names, and a date in the URL are not periods
        ("2017", ["including 2057 fatalities and 2074 injuries"],
         "https://propakistani.pk/2018/01/02/x/", "2018-01-02", ""),
        # nothing at or after the figure's period: no vintage
        ("2023-03", ["37 attacks, against 16 in February"], "https://a.org/x", "", ""),
        # a period starting after the page's publication is not its release
        ("2022-12", ["attacks rose in 2023"], "https://a.org/x", "2022-12-30", ""),
    ],
)
def test_vintage_is_the_latest_period_the_page_names(period, quotes, url, published, want):
    row = {"period": period, "url": url, "published": published, "quote": quotes[0]}
    assert _build_raw().vintage(row, quotes) == want


def test_vintage_is_never_before_the_figure(raw):
    v = raw[raw["vintage"] != ""]
    assert len(v) > 1000
    ends = v["vintage"].map(lambda p: _build_raw()._span(p)[1])
    own = v["period"].map(lambda p: _build_raw()._span(p)[1])
    assert (ends >= own).all()


CORRECTED = [  # (origin_line in published_figures.csv, flag) from the NOTES' corrections section
    (510, "derived"), (326, "derived"), (646, "derived"), (1468, "implicit"),
    (457, "inconsistent"), (463, "inconsistent"), (562, "inconsistent"), (1433, "inconsistent"),
    (1492, "inconsistent"),
]


@pytest.mark.parametrize(("line", "flag"), CORRECTED)
def test_corrections_are_flags_not_edits(raw, line, flag):
    row = raw[(raw["origin_file"] == "published_figures.csv")
              & (raw["origin_line"] == str(line))]
    assert len(row) == 1
    assert flag in row["flag"].iloc[0].split(";")
    assert row["note"].iloc[0]


def test_misattributed_and_mismeasured_rows_are_moved_with_a_note(raw):
    moved = raw[raw["url"].str.contains("indiandefensenews.in/2024/12")
                & (raw["measure"] == "killed_all") & (raw["value"] == "245")]
    assert moved["source_org"].tolist() == ["PICSS"] and moved["_file"].tolist() == ["picss.csv"]
    assert moved["flag"].iloc[0] == "reattributed"
    assert "source_org 'PIPS'" in moved["note"].iloc[0]
    bal = raw[raw["url"].str.contains("freepressjournal") & (raw["region"] == "Balochistan")
              & (raw["value"] == "125")]
    assert bal["measure"].tolist() == ["killed"] and bal["flag"].tolist() == ["remeasured"]
    assert "measure 'killed_all'" in bal["note"].iloc[0]
    # the quote is what the page printed, unchanged
    assert "245 total deaths" in moved["quote"].iloc[0]


def test_addendum_rows_keep_their_note(raw):
    add = raw[raw["origin_file"] == "published_figures_addendum.csv"]
    assert len(add) == 95
    assert add["note"].str.startswith("addendum: ").all()
    assert set(add["source_org"]) == {"PICSS", "PIPS", "FRC (FATA Research Centre)"}


def test_nonstandard_periods_are_carried_outside_the_cleaned_folder():
    odd = pd.read_csv(RAW / "nonstandard" / "pips_takeover_years.csv", dtype=str,
                      keep_default_na=False)
    assert len(odd) == 6
    assert set(odd["period"]) == {"2020-08-15..2021-08-14", "2021-08-15..2022-08-14"}
    assert odd["url"].str.startswith("http").all() and (odd["quote"] != "").all()
    audit = pd.read_csv(PROCESSED / "audit.csv", dtype=str, keep_default_na=False)
    assert not audit["file"].str.contains("nonstandard").any()


def _shared(name: str) -> Path:
    src = ROOT.parent / "shared" / "data" / name
    if not src.exists():
        pytest.skip(f"../shared/data/{name} not available")
    return src


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["published_figures.csv", "published_figures_addendum.csv"])
def test_every_published_figure_is_in_data_raw(raw, name):
    pub = pd.read_csv(_shared(name), dtype=str, keep_default_na=False)
    mine = raw[raw["origin_file"] == name]
    # undo the documented moves (REASSIGN) to compare with the published rows
    undone = mine[SOURCE_COLUMNS].copy()
    for (src, period, region, measure, value, url), _changes, _, _ in _build_raw().REASSIGN:
        hit = (mine["url"].str.contains(url, regex=False) & (mine["period"] == period)
               & (mine["region"] == region) & (mine["value"] == value))
        assert hit.sum() == (1 if name == "published_figures.csv" else 0)
        undone.loc[hit, "source_org"] = src
        undone.loc[hit, "measure"] = measure
    assert Counter(map(tuple, pub[SOURCE_COLUMNS].to_numpy())) == Counter(
        map(tuple, undone.to_numpy()))
    # origin_line points back at the same figure
    by_line = pub.assign(origin_line=[str(i + 2) for i in range(len(pub))]).set_index("origin_line")
    back = by_line.loc[mine["origin_line"], SOURCE_COLUMNS].to_numpy()
    assert (back == undone.to_numpy()).all()


@pytest.mark.shared_data
def test_build_raw_rebuilds_data_raw_byte_for_byte(tmp_path):
    src = _shared("published_figures.csv")
    counts = _build_raw().build(src, tmp_path)
    n = len(pd.read_csv(src, dtype=str)) + len(pd.read_csv(_shared(
        "published_figures_addendum.csv"), dtype=str))
    assert sum(v for k, v in counts.items() if "/" not in k) == n
    for f in (*RAW_FILES, "nonstandard/pips_takeover_years.csv"):
        assert (tmp_path / f).read_bytes() == (RAW / f).read_bytes(), f
