"""Published ITS analyses reproduced on their public data (../shared/data/validation).

Published numbers, their sources and tolerances live in ``tests/results/published_its.csv``;
these tests skip when the validation data are absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trends

pytestmark = pytest.mark.shared_data

PUBLISHED = pd.read_csv(Path(__file__).parent / "results" / "published_its.csv")


def published(case: str) -> pd.DataFrame:
    rows = PUBLISHED[PUBLISHED["case"] == case]
    assert len(rows), f"no published numbers stored for {case}"
    return rows


def check(case: str, ours: dict[str, float]) -> None:
    for row in published(case).itertuples():
        assert row.term in ours, f"{case}: no mapping for {row.term}"
        assert abs(ours[row.term] - row.published) <= row.tolerance, (
            f"{case} {row.term}: ours {ours[row.term]:.7g} vs published {row.published} "
            f"(tolerance {row.tolerance}; source: {row.source})"
        )


@pytest.fixture(scope="module")
def prop99(validation_dir: Path) -> pd.DataFrame:
    return pd.read_csv(validation_dir / "prop99_cigsales.csv")


@pytest.fixture(scope="module")
def sicily(validation_dir: Path) -> pd.DataFrame:
    df = pd.read_csv(validation_dir / "sicily.csv")
    df["date"] = [f"{y}-{m:02d}" for y, m in zip(df["year"], df["month"], strict=True)]
    return df


def test_linden_prop99_multiple_group(prop99):
    """itsa cigsale, treatid(3) trperiod(1989) lag(1): all 39 states, California treated."""
    res = trends.ITS(prop99, outcome="cigsale", date="year", interruptions={"1989": 1989},
                     group="state_id", treated=3, cov=("hac", 1)).fit()
    b = res.params
    ours = {
        "cint": b["intercept"] + b["trend"],
        "cpre": b["trend"],
        "cpost": b["trend"] + b["slope[1989]"],
        "cstep": b["level[1989]"],
        "tint": b["intercept"] + b["group"] + b["trend"] + b["group:trend"],
        "tpre": b["trend"] + b["group:trend"],
        "tpost": b["trend"] + b["group:trend"] + b["slope[1989]"] + b["group:slope[1989]"],
        "tstep": b["level[1989]"] + b["group:level[1989]"],
        "p_group_slope": res.pvalues["group:slope[1989]"],
    }
    check("linden2015_prop99_multi", ours)
    assert res.nobs == 39 * 31
    # the Stata-style small-sample factor changes p only in the third decimal
    small = trends.ITS(prop99, outcome="cigsale", date="year", interruptions={"1989": 1989},
                       group="state_id", treated=3, cov=("hac", 1, "small")).fit()
    assert abs(small.pvalues["group:slope[1989]"] - 0.136) <= 0.001
    np.testing.assert_allclose(small.params, res.params, rtol=1e-12)


def test_linden_prop99_single_group(prop99):
    ca = prop99[prop99["state_id"] == 3]
    res = trends.ITS(ca, outcome="cigsale", date="year", interruptions={"1989": 1989},
                     cov=("hac", 1)).fit()
    b = res.params
    check("linden2015_prop99_single", {
        "_cons": b["intercept"] + b["trend"], "_t": b["trend"],
        "_x1989": b["level[1989]"], "_x_t1989": b["slope[1989]"],
    })
    # effects() at horizon h equals level + h * slope for a gaussian model
    eff = res.effects(horizons=[0, 11]).set_index("horizon")
    np.testing.assert_allclose(eff.loc[11, "abs_effect"], b["level[1989]"] + 11 * b["slope[1989]"])


def test_lopez_bernal_poisson(sicily):
    res = trends.ITS(sicily, outcome="aces", date="date", interruptions={"smokban": "2005-01"},
                     changes="level", family="poisson", offset="stdpop").fit()
    check("lopezbernal2017_sicily_poisson", {"rr_smokban": res.table().loc["level[smokban]", "ratio"]})
    # the series starts in 2002-01, so our trend equals the tutorial's `time` column
    np.testing.assert_array_equal(res.design.X["trend"].to_numpy(), sicily["time"].to_numpy())


def test_lopez_bernal_quasipoisson_with_harmonics(sicily):
    res = trends.ITS(sicily, outcome="aces", date="date", interruptions={"smokban": "2005-01"},
                     changes="level", family="quasipoisson", offset="stdpop",
                     seasonality=("fourier", 2)).fit()
    row = res.table().loc["level[smokban]"]
    check("lopezbernal2017_sicily_quasipoisson_fourier", {
        "rr_smokban": row["ratio"], "rr_smokban_low": row["ratio_low"],
        "rr_smokban_high": row["ratio_high"],
    })
