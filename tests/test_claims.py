"""Claims check: each quantity and comparator, the three verdicts, and every rejection path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trends import claims
from trends.errors import InputError

HEADER = ("claim_id,part,claim,claimant,url,source_org,period,region,group,measure,quantity,"
          "comparator,threshold,tolerance,base_period,base_region,base_group,note\n")


def _data():
    months = pd.period_range("2022-01", "2023-01", freq="M")
    panel = pd.DataFrame({"month": [str(m) for m in months], "region": "national",
                          "group": "all", "measure": "attacks", "source": "PICSS",
                          "value": [10.0] * 12 + [30.0], "url": "u"})
    panel.loc[panel["month"] == "2022-05", "value"] = np.nan  # a gap
    periods = pd.DataFrame({
        "period": ["2021", "2022", "2022", "2021", "2022"],
        "region": ["national", "national", "national", "national", "kp"],
        "group": ["all", "all", "ttp", "all", "all"],
        "measure": "attacks", "source": ["PIPS", "PIPS", "PIPS", "PICSS", "PIPS"],
        "value": [200.0, 262.0, 89.0, 294.0, 169.0], "url": "u"})
    return panel, periods


def _row(**kw):
    base = dict(claim_id="X", part="1", claim="c", claimant="w", url="", source_org="PIPS",
                period="2022", region="national", group="all", measure="attacks",
                quantity="value", comparator=">", threshold="100", tolerance="",
                base_period="", base_region="", base_group="", note="")
    base.update(kw)
    return base


def _eval(**kw):
    panel, periods = _data()
    return claims.evaluate_part(_row(**kw), claims.ClaimData(panel, periods))


def test_value_comparators():
    assert _eval(comparator=">", threshold="100")["verdict"] == claims.SUPPORTED
    assert _eval(comparator="==", threshold="262")["verdict"] == claims.SUPPORTED
    assert _eval(group="ttp", threshold="100")["verdict"] == claims.NOT_SUPPORTED
    assert _eval(comparator="<=", threshold="261")["verdict"] == claims.NOT_SUPPORTED


def test_pct_change_with_tolerance():
    r = _eval(quantity="pct_change", comparator="approx", threshold="31", tolerance="0.5",
              base_period="2021")
    assert r["observed"] == pytest.approx(31.0) and r["verdict"] == claims.SUPPORTED
    r = _eval(quantity="pct_change", comparator="approx", threshold="30", tolerance="0.5",
              base_period="2021")
    assert r["verdict"] == claims.NOT_SUPPORTED


def test_share():
    r = _eval(region="kp", quantity="share_pct", threshold="64", base_region="national")
    assert r["observed"] == pytest.approx(100 * 169 / 262) and r["verdict"] == claims.SUPPORTED
    r = _eval(group="ttp", quantity="share_pct", threshold="50", base_group="all")
    assert r["verdict"] == claims.NOT_SUPPORTED


def test_missing_figures_cannot_tell():
    r = _eval(group="ttp", measure="killed")
    assert r["verdict"] == claims.CANNOT_TELL and "no figure" in r["reason"]
    r = _eval(source_org="SATP")
    assert r["verdict"] == claims.CANNOT_TELL and "SATP" in r["reason"]
    # a year without a published total and with a missing month is not summed
    r = _eval(source_org="PICSS", period="2022")
    assert r["verdict"] == claims.CANNOT_TELL and "1 of 12 months missing: 2022-05" in r["reason"]


def test_month_range_sum_when_complete():
    r = _eval(source_org="PICSS", period="2022-06/2022-12", comparator="==", threshold="70")
    assert r["verdict"] == claims.SUPPORTED and "sum of 7 monthly" in r["reason"]


def test_source_names_match_loosely():
    assert _eval(source_org="picss", period="2023-01", threshold="20")["verdict"] == \
        claims.SUPPORTED


def test_max_since():
    kw = dict(source_org="PICSS", period="2023-01", quantity="max_since", threshold="0")
    r = _eval(base_period="2022-06", **kw)
    assert r["verdict"] == claims.SUPPORTED and r["observed"] == 20
    r = _eval(base_period="2022-01", **kw)  # 2022-05 missing: cannot rule out a higher month
    assert r["verdict"] == claims.CANNOT_TELL
    panel, periods = _data()
    panel.loc[panel["month"] == "2022-02", "value"] = 40.0  # an earlier month is higher
    r = claims.evaluate_part(_row(base_period="2022-01", **kw), claims.ClaimData(panel, periods))
    assert r["verdict"] == claims.NOT_SUPPORTED


def test_combine():
    S, N, C = claims.SUPPORTED, claims.NOT_SUPPORTED, claims.CANNOT_TELL
    R, P = claims.CONSISTENT_WITH_RELEASE, claims.PENDING
    assert claims.combine([S, S]) == S
    assert claims.combine([S, C]) == C
    assert claims.combine([C, N]) == N
    assert claims.combine([]) == C
    assert claims.combine([S, R]) == R
    assert claims.combine([R, C]) == C
    assert claims.combine([S, P]) == P and claims.combine([P, N]) == N


def test_upper_bound_from_a_containing_group():
    # TTP killed is not published; all killed in 2022 (PIPS) bounds it
    panel, periods = _data()
    periods = pd.concat([periods, pd.DataFrame({
        "period": ["2022"], "region": ["national"], "group": ["all"], "measure": ["killed"],
        "source": ["PIPS"], "value": [419.0], "url": ["u"]})], ignore_index=True)
    data = claims.ClaimData(panel, periods)
    over = claims.evaluate_part(_row(group="ttp", measure="killed", threshold="500",
                                     bound_group="all"), data)
    assert over["verdict"] == claims.NOT_SUPPORTED
    assert over["reason"].startswith("contradicted by bounds") and "419" in over["reason"]
    under = claims.evaluate_part(_row(group="ttp", measure="killed", threshold="300",
                                      bound_group="all"), data)
    assert under["verdict"] == claims.CANNOT_TELL  # 419 >= the claim's 300: bound undecided
    less = claims.evaluate_part(_row(group="ttp", measure="killed", comparator="<",
                                     threshold="500", bound_group="all"), data)
    assert less["verdict"] == claims.SUPPORTED
    # without bound_group the missing figure stays "cannot tell"
    assert claims.evaluate_part(_row(group="ttp", measure="killed", threshold="500"),
                                data)["verdict"] == claims.CANNOT_TELL


def test_share_of_another_measure():
    panel, periods = _data()
    periods = pd.concat([periods, pd.DataFrame({
        "period": ["2022", "2022"], "region": "national", "group": "all",
        "measure": ["killed", "security_forces_killed"], "source": "PIPS",
        "value": [400.0, 150.0], "url": "u"})], ignore_index=True)
    r = claims.evaluate_part(_row(measure="security_forces_killed", quantity="share_pct",
                                  threshold="50", base_measure="killed"),
                             claims.ClaimData(panel, periods))
    assert r["verdict"] == claims.NOT_SUPPORTED and r["observed"] == pytest.approx(37.5)


def _estimands(lo, hi):
    return pd.DataFrame({"estimand": ["takeover_window"], "outcome": ["attacks"],
                         "model": ["primary"], "ratio": [(lo + hi) / 2], "ratio_low": [lo],
                         "ratio_high": [hi], "interval_method": ["calibrated"]})


@pytest.mark.parametrize(("lo", "hi", "comparator", "verdict"), [
    (1.1, 1.9, ">", claims.SUPPORTED), (0.8, 1.4, ">", claims.CANNOT_TELL),
    (0.5, 0.9, ">", claims.NOT_SUPPORTED), (0.5, 0.9, "<", claims.SUPPORTED),
])
def test_estimand_claims_take_their_verdict_from_the_analysis(lo, hi, comparator, verdict):
    panel, periods = _data()
    row = _row(quantity="estimand", estimand="takeover_window", period="2021-08/2022-10",
               comparator=comparator, threshold="1")
    data = claims.ClaimData(panel, periods)
    assert claims.evaluate_part(row, data)["verdict"] == claims.PENDING
    r = claims.evaluate_part(row, data, _estimands(lo, hi))
    assert r["verdict"] == verdict and "calibrated" in r["reason"]
    other = claims.evaluate_part({**row, "model": "structural"}, data, _estimands(lo, hi))
    assert other["verdict"] == claims.PENDING and "no single result" in other["reason"]
    with pytest.raises(InputError, match="compare"):
        claims.evaluate_part({**row, "comparator": "approx"}, data, _estimands(lo, hi))


def test_source_computed_percentage_is_consistent_with_the_release_cited():
    panel, periods = _data()
    periods.loc[periods["source"].eq("PICSS"), "period"] = "2021"
    periods = pd.concat([periods, pd.DataFrame({
        "period": ["2022"], "region": ["national"], "group": ["all"], "measure": ["attacks"],
        "source": ["PICSS"], "value": [380.0], "url": ["later"]})], ignore_index=True)
    alts = pd.DataFrame({"period": "2022", "region": "national", "group": "all",
                         "measure": "attacks", "source": "PICSS", "value": [376.0, 380.0],
                         "chosen": [False, True], "decided_by": "latest_release",
                         "url": ["https://early.example/x", "later"]})
    row = _row(source_org="PICSS", quantity="pct_change", comparator="approx", threshold="28",
               tolerance="0.5", base_period="2021", computed_by_source="yes")
    parts = claims.check_claims(pd.DataFrame([row]), panel, periods, alts)
    assert parts.loc[0, "verdict"] == claims.CONSISTENT_WITH_RELEASE  # 376/294 = +27.9%
    assert "https://early.example/x" in parts.loc[0, "reason"]
    assert "+29.3%" in parts.loc[0, "reason"]  # what the revision gives is said too
    # a third-party percentage gets no such benefit
    plain = claims.check_claims(pd.DataFrame([{**row, "computed_by_source": ""}]), panel,
                                periods, alts)
    assert plain.loc[0, "verdict"] == claims.NOT_SUPPORTED
    # nor does a value that lost for another reason than being an earlier release
    typo = claims.check_claims(pd.DataFrame([row]), panel, periods,
                               alts.assign(decided_by="non_suspect"))
    assert typo.loc[0, "verdict"] == claims.NOT_SUPPORTED


def test_exact_date_periods_come_only_from_the_nonstandard_tables(tmp_path):
    (tmp_path / "t.csv").write_text(
        "source_org,period,region,group,measure,value,url,quote,note\n"
        "PIPS,2021-08-15..2022-08-14,national,all,attacks,250,https://p/7133,q,\n"
        "PIPS,2020-08-15..2021-08-14,national,all,attacks,165,https://p/7133,q,\n")
    panel, periods = _data()
    both = claims.with_nonstandard(periods, tmp_path)
    row = _row(period="2021-08-15..2022-08-14", base_period="2020-08-15..2021-08-14",
               quantity="pct_change", comparator="approx", threshold="51", tolerance="1")
    assert claims.evaluate_part(row, claims.ClaimData(panel, both))["verdict"] == claims.SUPPORTED
    r = claims.evaluate_part(row, claims.ClaimData(panel, periods))
    assert r["verdict"] == claims.CANNOT_TELL and "never built from months" in r["reason"]
    assert claims.with_nonstandard(periods, tmp_path / "none") is periods
    (tmp_path / "bad.csv").write_text("source_org,period,region,group,measure,value,url\n"
                                      "PIPS,2021,national,all,attacks,1,u\n")
    with pytest.raises(InputError, match="bad period") as exc:
        claims.read_nonstandard(tmp_path)
    assert exc.value.line == 2


def test_check_and_summarise(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text(HEADER
                 + "A,1,TTP over 100 and killed over 500,w,,PIPS,2022,national,ttp,attacks,value,"
                   ">,100,,,,,\n"
                 + "A,2,TTP over 100 and killed over 500,w,,PIPS,2022,national,ttp,killed,value,"
                   ">,500,,,,,\n"
                 + "B,,Up 31%,w,,PIPS,2022,national,all,attacks,pct_change,approx,31,0.5,2021,,,\n")
    panel, periods = _data()
    parts = claims.check_claims(f, panel, periods)
    assert parts["verdict"].tolist() == [claims.NOT_SUPPORTED, claims.CANNOT_TELL,
                                         claims.SUPPORTED]
    summary = claims.summarise(parts)
    assert summary["verdict"].tolist() == [claims.NOT_SUPPORTED, claims.SUPPORTED]
    assert "part 2: cannot tell" in summary.loc[0, "reason"]


@pytest.mark.parametrize(("line", "field"), [
    ("A,1,c,w,,PIPS,2022,national,all,attacks,ratio,>,1,,,,,", "quantity"),
    ("A,1,c,w,,PIPS,2022,national,all,attacks,value,~,1,,,,,", "comparator"),
    ("A,1,c,w,,PIPS,2022,national,all,attacks,value,>,lots,,,,,", "threshold"),
    ("A,1,c,w,,PIPS,2022,national,all,attacks,value,>,1,-1,,,,", "tolerance"),
    ("A,1,c,w,,PIPS,2022-13,national,all,attacks,value,>,1,,,,,", "period"),
    ("A,1,c,w,,PIPS,2022,national,all,attacks,pct_change,>,1,,,,,", "base_period"),
    ("A,1,c,w,,PIPS,2022,national,all,attacks,share_pct,>,1,,,,,", "base_region"),
    ("A,1,c,w,,PIPS,2022,national,all,attacks,estimand,>,1,,,,,", "estimand"),
    (",1,c,w,,PIPS,2022,national,all,attacks,value,>,1,,,,,", "claim_id"),
])
def test_bad_rows_rejected(tmp_path, line, field):
    f = tmp_path / "c.csv"
    f.write_text(HEADER + line + "\n")
    with pytest.raises(InputError) as exc:
        claims.read_claims(f)
    assert exc.value.field == field and exc.value.line == 2
    assert str(f) in str(exc.value)


def test_missing_column_and_empty_file(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("claim_id,claim\nA,x\n")
    with pytest.raises(InputError, match="missing column"):
        claims.read_claims(f)
    f.write_text("")
    with pytest.raises(InputError, match="empty"):
        claims.read_claims(f)


def test_panel_without_columns():
    with pytest.raises(InputError, match="missing column"):
        claims.ClaimData(pd.DataFrame({"month": []}))


def test_shipped_claims_file_is_valid(root):
    table = claims.read_claims(root / "data" / "claims.csv")
    assert table["claim_id"].nunique() >= 10
    # every claim that names a page carries its URL; the op-ed of issue 14 gives none
    oped = table["claimant"].str.startswith("Op-ed")
    assert oped.sum() >= 6 and (table.loc[oped, "url"] == "").all()
    assert (table.loc[~oped, "url"].str.startswith("https://")).all()
    # the op-ed's five statements are separate claims, each with its own verdict
    assert table.loc[oped, "claim_id"].nunique() == 5


def test_alternative_figure_that_would_change_the_verdict():
    panel, periods = _data()
    alts = pd.DataFrame({"period": ["2022", "2022"], "region": "national", "group": "all",
                         "measure": "attacks", "source": "PIPS", "value": [262.0, 250.0],
                         "chosen": [True, False], "url": ["a", "b | c"]})
    table = pd.DataFrame([_row(quantity="pct_change", comparator="approx", threshold="25",
                               tolerance="0.5", base_period="2021")])
    parts = claims.check_claims(table, panel, periods, alts)
    assert parts.loc[0, "verdict"] == claims.NOT_SUPPORTED  # 262 vs 200 = +31%
    assert parts.loc[0, "alternative"].startswith("supported if PIPS attacks 2022")
    assert "taken as 250, as reported at b" in parts.loc[0, "alternative"]
    assert claims.summarise(parts).loc[0, "alternative"] == parts.loc[0, "alternative"]


def test_shipped_claims_against_cleaned_data(raw_dir, root):
    from trends.clean import clean  # `trends.clean` is the module once it has been imported

    res = clean(raw_dir, base=root)
    parts = claims.check_claims(root / "data" / "claims.csv", res.panel, res.periods,
                                res.alternatives)
    verdict = dict(zip(claims.summarise(parts)["claim_id"], claims.summarise(parts)["verdict"],
                       strict=True))
    # PIPS: TTP carried out 89 attacks in 2022 (pakpips.com/article/amp/7315), not over 100
    assert verdict["C01"] == claims.NOT_SUPPORTED
    # PIPS 2022 vs 2021: 262 vs 207 attacks = +26.6%, i.e. the reported 27%
    assert verdict["C03"] == claims.SUPPORTED
    # PIPS's own 15 Aug - 14 Aug years (data/raw/nonstandard): 250 vs 165 = +51.5%
    assert verdict["C11"] != claims.NOT_SUPPORTED
    parts = claims.check_claims(root / "data" / "claims.csv", res.panel,
                                claims.with_nonstandard(res.periods,
                                                        raw_dir / "nonstandard"),
                                res.alternatives)
    summary = claims.summarise(parts).set_index("claim_id")
    assert summary.loc["C11", "verdict"] == claims.SUPPORTED
    # "more than 500 killed": at most 419 (PIPS, all attacks in 2022)
    assert summary.loc["C15", "verdict"] == claims.NOT_SUPPORTED
    assert summary.loc["C15", "reason"].startswith("contradicted by bounds")
    assert "419" in summary.loc["C15", "reason"]
    # "mostly security personnel": PIPS's 2022 victim split is not in the data
    assert summary.loc["C16", "verdict"] == claims.CANNOT_TELL
    # the two "intensified" statements wait for the analysis, never a hard-coded verdict
    assert summary.loc["C17", "verdict"] == claims.PENDING
    assert summary.loc["C18", "verdict"] == claims.PENDING
    # PICSS's 28% (2022 vs 2021) came from its January 2023 release (376), revised to 380
    assert summary.loc["C08", "verdict"] == claims.CONSISTENT_WITH_RELEASE
    # PICSS's 56% (2021 vs 2020) uses the 2020 restatement 188 that the rule now chooses
    assert summary.loc["C07", "verdict"] == claims.SUPPORTED
