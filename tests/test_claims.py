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
    assert claims.combine([S, S]) == S
    assert claims.combine([S, C]) == C
    assert claims.combine([C, N]) == N
    assert claims.combine([]) == C


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
    # every claim that names a page carries its URL; C01 is the issue's own example
    assert (table.loc[table["claim_id"] != "C01", "url"].str.startswith("https://")).all()


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
    # PIPS monthly figures for Aug 2021 - Jul 2022 were never found: cannot tell
    assert verdict["C11"] == claims.CANNOT_TELL
