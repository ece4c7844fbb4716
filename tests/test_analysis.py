"""The Pakistan analysis: specs, model frames, fits checked against statsmodels directly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from trends import analysis as A


@pytest.fixture(scope="module")
def inputs(root):
    return A.load_inputs(root / "data" / "processed")


def test_spec_serialises_and_maps_to_its_arguments():
    spec = A.MAIN[0]
    d = spec.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["interruptions"] == {"takeover": "2021-08", "ceasefire_end": "2021-11"}
    assert d["changes"] == {"takeover": "level", "ceasefire_end": "level+slope"}
    kw = spec.its_kwargs()
    assert kw["family"] == "negbin" and kw["cov"] == ("hac", None)
    assert spec.with_(family="poisson").family == "poisson" and spec.family == "negbin"


def test_model_frame_keeps_missing_months(inputs):
    frame = A.model_frame(inputs, A.MAIN[0])
    assert len(frame) == 60 and frame["period"].iloc[0] == "2019-01"
    assert frame["period"].iloc[-1] == "2023-12"
    p = inputs.panel
    sel = p[(p["source"] == "PICSS") & (p["measure"] == "attacks") & (p["region"] == "national")
            & (p["group"] == "all") & p["value"].notna()]
    have = dict(zip(sel["month"], sel["value"].astype(float), strict=True))
    for per, y in zip(frame["period"], frame["y"], strict=True):
        if per in have:
            assert y == have[per]
        else:
            assert np.isnan(y)  # never filled
    assert frame["y"].isna().sum() == 18


def test_annual_frame(inputs):
    spec = [s for s in A.source_specs() if s.name == "attacks_pips_annual"][0]
    frame = A.model_frame(inputs, spec)
    assert frame["period"].tolist() == list(range(2014, 2026))
    # PIPS Pakistan Security Report totals (pakpips.com): 2021 207, 2022 262
    assert frame.set_index("period").loc[2022, "y"] == 262


def _design(frame):
    months = pd.PeriodIndex(frame["period"], freq="M")
    # itsa convention: the time index is 1 in the first period
    t = np.array([m.ordinal - months[0].ordinal + 1 for m in months], dtype=float)
    i1 = pd.Period("2021-08", "M").ordinal - months[0].ordinal + 1
    i2 = pd.Period("2021-11", "M").ordinal - months[0].ordinal + 1
    X = np.column_stack([np.ones_like(t), t, (t >= i1).astype(float), (t >= i2).astype(float),
                         np.maximum(t - i2, 0.0)])
    ok = frame["y"].notna().to_numpy()
    return X[ok], frame["y"].to_numpy()[ok]


def test_poisson_variant_matches_statsmodels(inputs):
    spec = A.MAIN[0].with_(family="poisson", cov="nonrobust")
    res = A.fit(inputs, spec)
    X, y = _design(A.model_frame(inputs, spec))
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    terms = ["intercept", "trend", "level[takeover]", "level[ceasefire_end]",
             "slope[ceasefire_end]"]
    np.testing.assert_allclose(res.params[terms].to_numpy(), ref.params, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(res.std_errors[terms].to_numpy(), ref.bse, rtol=1e-5)


def test_main_negbin_matches_statsmodels(inputs):
    res = A.fit(inputs, A.MAIN[0].with_(cov="nonrobust"))
    X, y = _design(A.model_frame(inputs, A.MAIN[0]))
    ref = sm.NegativeBinomial(y, X, loglike_method="nb2").fit(disp=0, maxiter=500)
    terms = ["intercept", "trend", "level[takeover]", "level[ceasefire_end]",
             "slope[ceasefire_end]"]
    np.testing.assert_allclose(res.params[terms].to_numpy(), ref.params[:-1], rtol=1e-4,
                               atol=1e-6)


def test_effects_table_and_interpretation(inputs):
    fitted = A.fit_many(inputs, A.MAIN)
    eff = A.effects_table(fitted)
    assert eff[["model", "interruption"]].values.tolist() == [
        ["attacks", "takeover"], ["attacks", "ceasefire_end"],
        ["killed", "takeover"], ["killed", "ceasefire_end"]]
    assert eff["month"].tolist() == ["2021-08", "2021-11", "2021-08", "2021-11"]
    # level rate ratio = exp(coefficient), CI from the table
    t = fitted["attacks"].table()
    assert eff.loc[0, "level_rr"] == pytest.approx(np.exp(t.loc["level[takeover]", "estimate"]))
    assert np.isnan(eff.loc[0, "slope_rr"])  # the takeover has a level change only
    for h in A.HORIZONS:
        assert (eff[f"excess_{h}_low"] <= eff[f"excess_{h}"]).all()
        assert (eff[f"excess_{h}"] <= eff[f"excess_{h}_high"]).all()
    text = A.interpret(eff, "attacks")
    assert text == A.interpret(eff, "attacks")
    assert f"rate ratio {eff.loc[0, 'level_rr']:.2f}" in text
    with pytest.raises(Exception, match="no effects"):
        A.interpret(eff, "nope")


def test_unestimable_specs_report_why(inputs):
    specs = [s for s in A.source_specs() if s.name == "attacks_pips_monthly"]
    out = A.fit_many(inputs, specs)
    assert isinstance(out["attacks_pips_monthly"], str)
    assert "observation" in out["attacks_pips_monthly"]
    table = A.robustness_table(out, specs)
    assert table.loc[0, "note"] == out["attacks_pips_monthly"]


def test_robustness_specs_are_unique_and_named():
    specs = A.robustness_specs()
    names = [s.name for s in specs]
    assert len(names) == len(set(names))
    breaks = {s.name: dict(s.interruptions) for s in A.alternative_break_specs()}
    assert breaks["attacks_break_2021-12"] == {"takeover": "2021-08", "ceasefire_end": "2021-12"}
    assert breaks["killed_break_2022-11"]["ceasefire_end"] == "2022-11"
    placebo = [s for s in specs if "placebo" in s.name]
    assert all(s.end == "2021-07" for s in placebo)  # placebos stay in the pre-period


def test_descriptive_tables(inputs):
    cov = A.coverage_table(inputs.panel).set_index("source")
    assert cov.loc["PICSS", "total"] == 42 and cov.loc["PICSS", "of"] == 60
    assert "2020-07" in cov.loc["PICSS", "missing_months"]
    summ = A.audit_summary(inputs.audit).set_index("file")
    assert summ.loc["all files", "total"] == len(inputs.audit)
    ann = A.annual_table(inputs.periods, "attacks").set_index("year")
    assert ann.loc["2022", "PIPS"] == 262
    rev = A.revisions_table(inputs.alternatives)
    row = rev[(rev["source"] == "PICSS") & (rev["period"] == "2022")
              & (rev["measure"] == "attacks")].iloc[0]
    assert (row["chosen"], row["others"]) == ("380", "376")
    dis = A.monthly_disagreement(inputs.panel)
    assert (dis.groupby("period")["source"].nunique() == 2).all()


def test_specification_table(inputs):
    t = A.specification_table(inputs)
    assert len(t) == 12
    pois = t[(t["series"] == "attacks") & (t["family"] == "poisson")
             & (t["seasonality"] == "none")].iloc[0]
    assert pois["dispersion"] > 1.5  # overdispersed: the reason for NB2


def test_bootstrap_and_placebo_tables(inputs):
    a = A.bootstrap_table(inputs, A.MAIN[:1], n_boot=49)
    b = A.bootstrap_table(inputs, A.MAIN[:1], n_boot=49)
    assert a.equals(b)  # seeded
    row = a.set_index("term").loc["level[takeover]"]
    fitted = A.fit(inputs, A.MAIN[0]).table().loc["level[takeover]", "estimate"]
    assert row["estimate"] == pytest.approx(fitted, rel=1e-6)
    assert row["ratio_low"] < row["ratio"] < row["ratio_high"]
    p = A.placebo_table(inputs, A.MAIN[:1])
    assert set(p["term"]) == {"level[takeover]", "level[ceasefire_end]", "slope[ceasefire_end]"}
    assert (p["placebo_dates"].str.count("/") == p["n_placebos"]).all()
