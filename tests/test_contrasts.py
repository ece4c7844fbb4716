"""trends.study.contrasts against independent pandas computations on the committed panel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trends.errors import InputError
from trends.study import contrasts as c

PROCESSED = Path(__file__).resolve().parents[1] / "data" / "processed"


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(PROCESSED / "panel.csv", dtype={"month": str})


@pytest.fixture(scope="module")
def periods() -> pd.DataFrame:
    return pd.read_csv(PROCESSED / "periods.csv", dtype={"period": str})


def _wide(panel: pd.DataFrame, source: str, measure: str) -> pd.DataFrame:
    sel = panel[(panel.source == source) & (panel.measure == measure) & (panel.group == "all")]
    return sel.pivot_table(index="month", columns="region", values="value", aggfunc="first")


def test_kp_incl_ex_fata_like_with_like(panel):
    w = _wide(panel, "PICSS", "attacks")
    both = w[["khyber_pakhtunkhwa", "ex_fata"]].dropna()
    expected = both.sum(axis=1)
    only = w["khyber_pakhtunkhwa_incl_ex_fata"].dropna()
    expected = pd.concat([expected, only[~only.index.isin(expected.index)]]).sort_index()
    got = c.kp_incl_ex_fata(panel, "PICSS")
    assert list(got.index) == list(expected.index)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy())
    # a month with mainland KP alone is never taken as KP incl. ex-FATA
    kp_only = w.index[w["khyber_pakhtunkhwa"].notna() & w["ex_fata"].isna()
                      & w["khyber_pakhtunkhwa_incl_ex_fata"].isna()]
    assert not set(kp_only) & set(got.index)


def test_place_contrast_matches_pandas(panel):
    w = _wide(panel, "PICSS", "attacks")
    kp = w["khyber_pakhtunkhwa"] + w["ex_fata"]
    kp = kp.fillna(w["khyber_pakhtunkhwa_incl_ex_fata"])
    t = c.place_contrast(panel, sources=("PICSS",))
    for name, (lo, hi) in c.WINDOWS.items():
        m = (w.index >= lo) & (w.index <= hi) & kp.notna().to_numpy() \
            & w["balochistan"].notna().to_numpy() & w["national"].notna().to_numpy()
        rows = t[t.window.str.startswith(name)].set_index("region")
        assert (rows["months"] == m.sum()).all()
        assert rows.loc["khyber_pakhtunkhwa_incl_ex_fata", "value"] == kp[m].sum()
        assert rows.loc["balochistan", "value"] == w["balochistan"][m].sum()
        share = 100 * w["balochistan"][m].sum() / w["national"][m].sum()
        assert rows.loc["balochistan", "share_pct"] == pytest.approx(share)


def test_place_contrast_says_when_no_month(panel):
    t = c.place_contrast(panel, sources=("PIPS",))
    empty = t[t.months == 0]
    assert len(empty) >= 1 and empty["value"].isna().all()
    assert empty["note"].str.contains("no month").all()


def test_place_annual_matches_pandas(periods):
    y = periods[(periods.period_type == "year") & (periods.group == "all")
                & (periods.measure == "attacks")]
    t = c.place_annual(periods)
    for src in ("PICSS", "PIPS"):
        w = y[y.source == src].pivot_table(index="period", columns="region", values="value")
        w = w.reindex(columns=["khyber_pakhtunkhwa", "ex_fata", "balochistan", "national",
                               "khyber_pakhtunkhwa_incl_ex_fata"])
        kp = (w["khyber_pakhtunkhwa"] + w["ex_fata"]).fillna(
            w["khyber_pakhtunkhwa_incl_ex_fata"])
        years = sorted(w.index[kp.notna() & w["balochistan"].notna()])
        got = t[(t.source == src) & (t.region == "khyber_pakhtunkhwa_incl_ex_fata")]
        assert list(got["window"]) == years
        np.testing.assert_allclose(got["value"], kp[years])
        bal = t[(t.source == src) & (t.region == "balochistan")].set_index("window")
        np.testing.assert_allclose(bal["share_pct"],
                                   100 * w.loc[years, "balochistan"] / w.loc[years, "national"])


def test_group_contrast_matches_published(periods):
    t = c.group_contrast(periods).set_index(["group", "window"])
    y = periods[(periods.source == "PIPS") & (periods.period_type == "year")
                & (periods.region == "national") & (periods.measure == "attacks")]
    ttp22 = y[(y.group == "ttp") & (y.period == "2022")]["value"].item()
    all22 = y[(y.group == "all") & (y.period == "2022")]["value"].item()
    assert t.loc[("ttp", "2022"), "value"] == ttp22
    assert t.loc[("ttp", "2022"), "share_pct"] == pytest.approx(100 * ttp22 / all22)
    # categories are never merged: the 2018 figure stays ttp_and_affiliates
    assert ("ttp", "2018") not in t.index and ("ttp_and_affiliates", "2018") in t.index
    n = y[y.group.isin(c.PIPS_GROUPS)].dropna(subset=["value"]).shape[0]
    assert len(t) == n


def test_victim_contrast_matches_pandas(panel):
    w = panel[(panel.source == "PICSS") & (panel.region == "national")
              & (panel.group == "all")].pivot_table(index="month", columns="measure",
                                                    values="value", aggfunc="first")
    ok = w[["killed", "security_forces_killed", "civilians_killed"]].dropna()
    ok = ok[(ok.index >= "2022-01") & (ok.index <= "2022-12")]
    t = c.victim_contrast(panel, windows={"2022": ("2022-01", "2022-12")}).set_index("measure")
    assert t.loc["security_forces_killed", "months"] == len(ok)
    assert t.loc["security_forces_killed", "base"] == ok["killed"].sum()
    assert t.loc["security_forces_killed", "share_pct"] == pytest.approx(
        100 * ok["security_forces_killed"].sum() / ok["killed"].sum())


def test_annual_victims_bases(periods):
    t = c.annual_victims(periods, years=["2022"])
    satp = t[t.source == "SATP"]
    assert len(satp) == 2 and satp["share_pct"].isna().all()  # no SATP killed_all for 2022
    crss = t[(t.source == "CRSS")].iloc[0]
    y = periods[(periods.source == "CRSS") & (periods.period == "2022")
                & (periods.region == "national") & (periods.group == "all")]
    assert crss["base"] == y[y.measure == "killed_all"]["value"].item()


def test_contrasts_table_columns_and_errors(panel, periods):
    t = c.contrasts_table(panel, periods)
    assert tuple(t.columns) == c.COLUMNS
    assert set(t.contrast) == {"group", "place", "victims"}
    with pytest.raises(InputError, match="panel lacks a column"):
        c.monthly(panel.drop(columns="value"), "PICSS", "national", "attacks")
    dup = pd.concat([panel.head(1), panel.head(1)])
    with pytest.raises(InputError, match="month reported twice"):
        c.monthly(dup, dup.source.iloc[0], dup.region.iloc[0], dup.measure.iloc[0])
    ydup = pd.concat([periods.head(1), periods.head(1)]).assign(period_type="year")
    r = ydup.iloc[0]
    with pytest.raises(InputError, match="year reported twice"):
        c.annual(ydup, r.source, r.region, r.measure, r.group)
    with pytest.raises(InputError, match="periods lacks a column"):
        c.group_contrast(periods.drop(columns="period_type"))
