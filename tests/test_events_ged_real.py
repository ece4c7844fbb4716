"""The real UCDP GED 22.1 Pakistan extract (../shared/data/events; skipped when absent).

Reference numbers are those of ``../shared/data/events/SOURCE.md`` (6,416 events; 2018-2021 yearly
counts 91, 99, 145, 189; 71 events from 2021-09-01; combined ``best`` 1,633 in 2018-2021) or are
recomputed here independently with plain pandas from the same file.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from trends import events as ev

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def result(ucdp_ged_file) -> ev.EventsResult:
    return ev.read_events(ucdp_ged_file, "ucdp-ged")


@pytest.fixture(scope="module")
def raw(ucdp_ged_file) -> pd.DataFrame:
    """Independent reading with pandas defaults (no trends code)."""
    df = pd.read_csv(ucdp_ged_file)
    df["start"] = pd.to_datetime(df["date_start"].str[:10])
    return df


def _rule(df: pd.DataFrame) -> pd.Series:
    """The default GED attack rule, restated with pandas."""
    gov_a = df["side_a"].str.startswith("Government of")
    gov_b = df["side_b"].str.startswith("Government of")
    return ((df["type_of_violence"] == 1) & ~(gov_a & gov_b)) | (
        (df["type_of_violence"] == 3) & ~gov_a)


def _national(panel: pd.DataFrame, measure: str, col: str = "month") -> pd.Series:
    sel = panel[(panel["region"] == "national") & (panel["group"] == "all")
                & (panel["measure"] == measure)]
    return pd.Series(sel["value"].to_numpy(), index=sel[col].to_numpy())


def test_every_event_in_the_audit(result):
    a = result.audit
    assert result.source == "UCDP GED 22.1"
    assert len(a) == result.records == 6416
    assert a["event_id"].nunique() == 6416
    assert set(a["status"]) <= {"kept", "dropped"}
    years = a["year"].value_counts()
    assert [years[y] for y in (2018, 2019, 2020, 2021)] == [91, 99, 145, 189]
    assert (pd.to_datetime(a["date"].str[:10]) >= "2021-09-01").sum() == 71


def test_source_md_reference_numbers(raw):
    recent = raw[raw["year"].between(2018, 2021)]
    assert recent["best"].sum() == 1633
    # SOURCE.md's split "1 = 481, 3 = 41, 2 = 2" is of events (deaths are 1341 / 291 / 1)
    assert recent["type_of_violence"].value_counts().to_dict() == {1: 481, 3: 41, 2: 2}


def test_coverage_ends_2021(result):
    months = sorted(result.monthly["month"].unique())
    assert (months[0], months[-1], len(months)) == ("1989-01", "2021-12", 33 * 12)
    assert not any(m >= "2022" for m in months)  # 2022+ is missing, never zero
    weeks = sorted(result.weekly["week"].unique())
    assert weeks[-1] == "2021-W52"  # 27 Dec 2021 - 2 Jan 2022, covered to 31 Dec


def test_monthly_attacks_match_pandas(result, raw):
    counted = raw[_rule(raw)]
    want = counted.groupby(counted["start"].dt.strftime("%Y-%m")).size()
    got = _national(result.monthly, "attacks")
    assert got.sum() == len(counted) == (result.audit["status"] == "kept").sum()
    assert (got[want.index] == want.to_numpy()).all()
    assert (got.drop(want.index) == 0).all()  # every other covered month is a true zero
    killed = counted.groupby(counted["start"].dt.strftime("%Y-%m"))["best"].sum()
    assert (_national(result.monthly, "killed")[killed.index] == killed.to_numpy()).all()


def test_yearly_attacks_2018_2021(result, raw):
    counted = raw[_rule(raw)]
    want = counted.groupby(counted["start"].dt.year).size()
    annual = result.annual[result.annual["measure"] == "attacks"].set_index("year")["value"]
    assert annual.loc[2018:2021].tolist() == want.loc[2018:2021].tolist()
    # what the rule leaves out in 2018-2021: 81 India-Pakistan events and 2 non-state (type 2)
    recent = raw[raw["start"].dt.year.between(2018, 2021)]
    assert len(recent) - _rule(recent).sum() == 83
    assert annual.loc[2018:2021].sum() == 524 - 83 == 441


def test_weekly_sums_equal_monthly(result):
    for m in ("attacks", "killed", "killed_low", "killed_high", "killed_civilians"):
        assert _national(result.weekly, m, "week").sum() == _national(result.monthly, m).sum()
    kept = result.audit[result.audit["status"] == "kept"]
    assert set(kept["date_rule"]) <= {"exact", "week_from_start", "month_from_start"}
    assert (kept["date_rule"] == "month_from_start").sum() == 27


def test_national_is_all_events_not_mapped_regions(result, raw):
    counted = raw[_rule(raw)]
    unmapped = counted["adm_1"].isna().sum()
    m = result.monthly
    regions = set(m["region"]) - {"national", "khyber_pakhtunkhwa_incl_ex_fata"}
    by_region = sum(m[(m["region"] == r) & (m["group"] == "all")
                      & (m["measure"] == "attacks")]["value"].sum() for r in regions)
    assert by_region == len(counted) - unmapped
    assert unmapped > 0


def test_audit_lines_match_csv_module(result, ucdp_ged_file):
    # source_* fields hold quoted newlines: physical lines differ from record numbers
    starts = []
    with open(ucdp_ged_file, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        line = reader.line_num + 1
        for _ in reader:
            starts.append(line)
            line = reader.line_num + 1
    assert result.audit["line"].tolist() == starts
    assert starts[-1] > len(starts) + 1


def test_weekly_its_end_to_end(result):
    its = pytest.importorskip("trends.its", reason="trends.its (the ITS model) not built yet")
    sm = pytest.importorskip("statsmodels.api")
    w = result.weekly
    s = w[(w["region"] == "national") & (w["group"] == "all") & (w["measure"] == "attacks")
          & (w["week"] >= "2018-W01")][["week", "value"]].reset_index(drop=True)
    assert len(s) == 209 and s["value"].sum() == 441
    # Fourier seasonality of period 365.2425/7 on ISO weeks; level change from 2021-W31
    # (the first ISO week starting in August 2021)
    res = its.ITS(s, outcome="value", date="week", interruptions={"takeover": "2021-W31"},
                  changes="level", family="poisson", seasonality=("fourier", 2),
                  cov=("hac", 4)).fit()
    table = res.table()
    assert res.nobs == 209
    lvl = table.loc["level[takeover]"]
    assert lvl["ci_low"] < lvl["estimate"] < lvl["ci_high"]
    assert np.isfinite(lvl["ratio"])
    # without seasonality the fit must equal statsmodels on a hand-built design
    plain = its.ITS(s, outcome="value", date="week", interruptions={"takeover": "2021-W31"},
                    changes="level", family="poisson").fit()
    t = np.arange(len(s), dtype=float)
    level = (s["week"] >= "2021-W31").to_numpy(dtype=float)
    X = np.column_stack([np.ones_like(t), t, level])
    ref = sm.GLM(s["value"].to_numpy(), X, family=sm.families.Poisson()).fit()
    got = plain.table()
    np.testing.assert_allclose(got.loc["trend", "estimate"], ref.params[1], rtol=1e-6)
    np.testing.assert_allclose(got.loc["level[takeover]", "estimate"], ref.params[2], rtol=1e-6)
    assert level.sum() == 22  # 2021-W31 .. 2021-W52
