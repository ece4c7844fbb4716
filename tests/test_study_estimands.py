"""The study's estimands, calibration choice, sources/structural tables and summary
(trends.study.estimands, calibration, sources, structural, summary), checked against
independent computations from the fitted models' own predictions."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trends.errors import SpecificationError
from trends.study import analysis, calibration, estimands, sources, summary

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def inputs() -> analysis.Inputs:
    return analysis.load_inputs(ROOT / "data" / "processed")


@pytest.fixture(scope="module")
def primary(inputs):
    ints, ch = estimands.MODELS["primary"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimands.fit_model(inputs, "attacks", ints, changes=ch)


@pytest.mark.parametrize(("p", "text"), [(0.0, "<0.001"), (0.000999, "<0.001"), (0.001, "0.001"),
                                     (0.04567, "0.046"), (1.0, "1.000"), (math.nan, "")])
def test_format_p(p, text):
    assert estimands.format_p(p) == text


def test_estimand_rows_equal_sums_of_fitted_and_counterfactual(primary):
    tab = estimands.estimand_rows(primary, outcome="attacks", model="primary", method="m")
    f, cf = primary.fitted(), primary.counterfactual()["counterfactual"]
    for _, r in tab.iterrows():
        sel = (f.index >= pd.Period(r["window_start"], "M")) & (
            f.index <= pd.Period(r["window_end"], "M"))
        assert r["fitted"] == pytest.approx(f[sel].sum(), rel=1e-10)
        assert r["counterfactual"] == pytest.approx(cf[sel].sum(), rel=1e-10)
        assert r["excess"] == pytest.approx(f[sel].sum() - cf[sel].sum(), rel=1e-10)
        assert r["avg_excess"] == pytest.approx(r["excess"] / sel.sum(), rel=1e-12)
        assert r["ratio_low"] < r["ratio"] < r["ratio_high"]
    assert list(tab.columns) == estimands.ESTIMAND_COLUMNS
    assert set(tab["estimand"]) == set(estimands.WINDOWS)


def test_marginal_effect_matches_window_effect_before_the_next_interruption(primary):
    # in 2021-08..2021-10 only the takeover is on: switching it alone off is the counterfactual
    m = estimands.marginal_effect(primary, "takeover", ("2021-08", "2021-10"))
    w = primary.window_effects({"w": ("2021-08", "2021-10")}).iloc[0]
    for k in ("fitted", "counterfactual", "excess", "excess_low", "excess_high", "ratio",
              "ratio_low", "ratio_high"):
        assert m[k] == pytest.approx(w[k], rel=1e-10)


def test_marginal_effect_by_hand(primary):
    """Independent: predictions exp(X b) with the ceasefire columns zeroed, from the design."""
    win = ("2022-01", "2023-12")
    m = estimands.marginal_effect(primary, "ceasefire", win)
    X = pd.DataFrame(primary._X_treated(), index=primary._index(), columns=primary.terms)
    X = X.loc[pd.Period(win[0], "M"):pd.Period(win[1], "M")]
    b = primary.params
    fitted = np.exp(X @ b).sum()
    X0 = X.copy()
    X0[["level[ceasefire]", "slope[ceasefire]"]] = 0.0
    cf = np.exp(X0 @ b).sum()
    assert m["fitted"] == pytest.approx(fitted, rel=1e-10)
    assert m["counterfactual"] == pytest.approx(cf, rel=1e-10)
    assert m["ratio"] == pytest.approx(fitted / cf, rel=1e-10)


def test_marginal_effect_errors(primary):
    with pytest.raises(SpecificationError, match="interruption='nope'"):
        estimands.marginal_effect(primary, "nope", ("2022-01", "2022-02"))
    with pytest.raises(SpecificationError, match="outside the data"):
        estimands.marginal_effect(primary, "takeover", ("2021-08", "2030-01"))


def test_choose_cov_rule():
    t = pd.DataFrame({"cov": ["a", "a", "b", "c"], "size": [0.05, 0.09, 0.06, 0.05]})
    assert calibration.choose_cov(t, ["a", "b", "c"]) == "c"  # a's largest size is 9%
    assert calibration.choose_cov(t, ["a", "b"]) == "b"
    assert calibration.choose_cov(t, ["a"]) is None
    tie = pd.DataFrame({"cov": ["a", "b"], "size": [0.06, 0.04]})
    assert calibration.choose_cov(tie, ["a", "b"]) == "a"  # tie: plan order


def test_calibration_table_roles(inputs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab, chosen = calibration.calibration_table(inputs, "attacks", mde=False)
    assert list(tab.columns) == calibration.CALIBRATION_COLUMNS
    assert set(tab["role"]) == {"primary", "superseded", "sensitivity"}
    prim = tab[tab["role"] == "primary"]
    assert (prim["cov"] == chosen).all()
    assert prim["size"].between(0.03, 0.08).all() and prim["within_3_8"].all()
    sup = tab[tab["role"] == "superseded"]
    assert (sup["cov"] == calibration.SUPERSEDED_COV).all()
    assert sup["size"].max() > 0.15  # HAC(3) over-rejects on this design
    assert (tab["n_sims"] == calibration.N_SIMS).all()
    assert (tab.loc[tab["latent_ar"] != "", "role"] == "sensitivity").all()


def test_estimands_table_has_marginals_and_models(inputs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = {"attacks": estimands.fit_models(inputs, "attacks")}
    tab = estimands.estimands_table(fits, {("attacks", "primary"): 0.07})
    assert set(tab["model"]) == {*estimands.MODELS, "monthly_only", "pooled_PICSS_PIPS"}
    row = tab[(tab["estimand"] == "ceasefire_end_2021-12_marginal")]
    assert len(row) == 1 and row["model"].iloc[0] == "alt_break_2021-12"
    assert (tab.loc[tab["model"] == "primary", "calibrated_size"] == 0.07).all()
    assert tab.loc[tab["model"] != "primary", "calibrated_size"].isna().all()
    # marginal: 2021-12 model, takeover as a level change only (amendment A1)
    r = fits["attacks"]["alt_break_2021-12"]
    assert "slope[takeover]" not in r.terms and "slope[declined_2021_12]" in r.terms


def test_sources_table_reports_unestimable_sources(inputs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = sources.sources_table(inputs, "attacks")
    crss = tab[tab["fit"] == "CRSS annual totals"]
    assert len(crss) == 1 and crss["note"].iloc[0].startswith("not estimable: ")
    prim = tab[tab["fit"] == "PICSS monthly + period totals (primary)"]
    assert len(prim) == len(estimands.WINDOWS) and (prim["n_totals"] > 0).all()


def test_describe_ratio_wording():
    base = {"excess": 1.0, "excess_low": 0.0, "excess_high": 2.0, "window_start": "a",
            "window_end": "b"}
    assert "includes 1" in summary.describe_ratio({**base, "ratio": 1.2, "ratio_low": 0.9,
                                                   "ratio_high": 1.5}, "x")
    assert "above 1" in summary.describe_ratio({**base, "ratio": 1.2, "ratio_low": 1.1,
                                                "ratio_high": 1.5}, "x")
    assert "below 1" in summary.describe_ratio({**base, "ratio": 0.8, "ratio_low": 0.7,
                                                "ratio_high": 0.9}, "x")


def test_committed_estimands_feed_the_claims():
    est = pd.read_csv(ROOT / "results" / "estimands.csv")
    claims = pd.read_csv(ROOT / "results" / "claims.csv").set_index("claim_id")
    row = est[(est["estimand"] == "takeover_window") & (est["outcome"] == "attacks")
              & (est["model"] == "primary")].iloc[0]
    expected = ("supported" if row["ratio_low"] > 1 else "not supported"
                if row["ratio_high"] < 1 else "cannot tell")
    assert claims.loc["C17", "verdict"] == expected
    assert "pending" not in " ".join(claims.loc[["C17", "C18"], "verdict"])
    assert not est["p"].astype(str).str.contains("0.000").any()


def test_primary_size_ignores_sensitivity_rows():
    t = pd.DataFrame({"role": ["primary", "primary", "sensitivity"], "cov": ["a"] * 3,
                      "size": [0.05, 0.07, 0.2]})
    assert calibration.primary_size(t) == 0.07
