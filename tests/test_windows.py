"""Window estimands, hat values and the leverage warning (trends.windows)."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import trends
from trends.cli import main
from trends.errors import LeverageWarning, SpecificationError

INTS = {"takeover": "2021-08", "ceasefire_end": "2021-11"}
CHANGES = {"takeover": "level", "ceasefire_end": "level+slope"}


def _df() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    months = pd.period_range("2019-01", "2023-12", freq="M")
    t = np.arange(len(months))
    mu = np.exp(2.8 + 0.01 * t + 0.4 * (months >= pd.Period("2021-08", "M")))
    y = rng.negative_binomial(10, 10 / (10 + mu)).astype(float)
    y[[1, 2, 3, 9, 10, 19, 20, 21, 22, 23, 24, 29, 30, 53, 57, 59]] = np.nan
    return pd.DataFrame({"month": months, "y": y})


def _fit(family: str = "negbin", cov: object = "nonrobust", **kw: object):
    kw = {"interruptions": INTS, "changes": CHANGES, **kw}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LeverageWarning)
        return trends.ITS(_df(), outcome="y", date="month", family=family, cov=cov,
                          **kw).fit()


@pytest.mark.parametrize("family", ["gaussian", "poisson", "negbin"])
def test_window_after_all_interruptions_sums_fitted_and_counterfactual(family: str) -> None:
    res = _fit(family, "hac:3")
    w = res.window_effects({"late": ("2022-01", "2022-12")})
    row = w.iloc[0]
    fitted = res.fitted().loc["2022-01":"2022-12"]
    cf = res.counterfactual()["counterfactual"].loc["2022-01":"2022-12"]
    assert row["n_periods"] == 12 and row["fitted"] == pytest.approx(fitted.sum(), rel=1e-12)
    assert row["counterfactual"] == pytest.approx(cf.sum(), rel=1e-12)
    obs = res.plot_data()["observed"].loc["2022-01":"2022-12"]
    assert row["observed"] == pytest.approx(obs.sum()) and row["n_observed"] == obs.notna().sum()
    assert row["excess"] == pytest.approx(row["fitted"] - row["counterfactual"])
    assert row["ratio"] == pytest.approx(row["fitted"] / row["counterfactual"])
    assert row["excess_low"] < row["excess"] < row["excess_high"]
    assert row["ratio_low"] < row["ratio"] < row["ratio_high"]
    assert list(w.columns) == ["window", "start", "end", "n_periods", "n_observed", "observed",
                               "fitted", "counterfactual", "excess", "excess_low",
                               "excess_high", "ratio", "ratio_low", "ratio_high"]


def test_window_between_interruptions_switches_off_only_earlier_ones() -> None:
    res = _fit("poisson")
    row = res.window_effects({"gap": ("2021-08", "2021-10")}).iloc[0]
    X = res.design.X_full.loc["2021-08":"2021-10"].to_numpy().copy()
    b = res.params.to_numpy()
    X0 = X.copy()
    X0[:, res.terms.index("level[takeover]")] = 0.0  # ceasefire_end terms are 0 there anyway
    assert row["counterfactual"] == pytest.approx(np.exp(X0 @ b).sum(), rel=1e-12)
    assert row["ratio"] == pytest.approx(math.exp(res.params["level[takeover]"]), rel=1e-12)
    pre = res.window_effects({"pre": ("2019-01", "2019-12")}).iloc[0]
    assert pre["excess"] == 0 and pre["ratio"] == 1


def test_window_intervals_are_the_delta_method() -> None:
    """Numerical gradient of excess and log(ratio) in the coefficients, normal critical value."""
    res = _fit("negbin", "hac:3")
    win = ("2021-08", "2022-07")
    row = res.window_effects({"w": win}, alpha=0.1).iloc[0]
    X = res.design.X_full.loc[win[0]:win[1]].to_numpy()
    X0 = X.copy()
    for t in res.design.interruption_terms:
        X0[:, res.terms.index(t)] = 0.0
    b0, V = res.params.to_numpy(), res.cov.to_numpy()

    def f(b):
        F, C = np.exp(X @ b).sum(), np.exp(X0 @ b).sum()
        return np.array([F - C, math.log(F / C)])

    J = np.column_stack([(f(b0 + e) - f(b0 - e)) / 2e-6 for e in np.eye(len(b0)) * 1e-6])
    se = np.sqrt(np.diag(J @ V @ J.T))
    z = 1.6448536269514722
    assert row["excess_high"] - row["excess"] == pytest.approx(z * se[0], rel=1e-6)
    assert math.log(row["ratio_high"] / row["ratio"]) == pytest.approx(z * se[1], rel=1e-6)


@pytest.mark.parametrize(("windows", "match"), [
    ({"w": ("2022-05", "2022-01")}, "reversed"),
    ({"w": ("2018-01", "2019-06")}, "outside the data"),
    ({"w": ("2023-01", "2024-02")}, "outside the data"),
    ({"w": ("2022-01",)}, "expected \\(start, end\\)"),
    ({"w": ("2022-13", "2022-14")}, "not a period"),
    ({}, "non-empty"),
])
def test_window_bad_input(windows, match) -> None:
    with pytest.raises(SpecificationError, match=match) as info:
        _fit("poisson").window_effects(windows)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("family", ["gaussian", "poisson", "negbin"])
def test_leverage_matches_statsmodels(family: str) -> None:
    res = _fit(family)
    d = res.design
    X = d.X.to_numpy()
    if family == "gaussian":
        ref = sm.OLS(d.y, X).fit().get_influence().hat_matrix_diag
    else:
        fam = (sm.families.Poisson() if family == "poisson"
               else sm.families.NegativeBinomial(alpha=res.dispersion))
        # expected-information (IRLS) weights, as trends documents (statsmodels' influence
        # default uses the observed Hessian, which differs for NB2's non-canonical log link)
        ref = sm.GLM(d.y, X, family=fam).fit(tol=1e-12).get_hat_matrix_diag(observed=False)
    h = res.leverage()
    np.testing.assert_allclose(h.to_numpy(), ref, rtol=1e-6)
    assert h.index.equals(d.X.index) and h.sum() == pytest.approx(X.shape[1])


def test_leverage_warning_on_a_short_segment_with_sandwich_covariances() -> None:
    spec = trends.ITS(_df(), outcome="y", date="month", interruptions=INTS, changes=CHANGES,
                      family="negbin", cov="hac:3")
    with pytest.warns(LeverageWarning, match=r"level\[takeover\] rest on 3 observation.*"
                      r"2021-08 to 2021-10.*trends\.robust\.calibrate"):
        res = spec.fit()
    assert len(res.notes) == 1
    assert "Warning" in res.summary() and "calibrate" in res.summary()
    assert "**Warning**" in res.to_markdown()
    with warnings.catch_warnings():
        warnings.simplefilter("error", LeverageWarning)
        quiet = spec.replace(cov="nonrobust").fit()  # model-based covariance: no warning
        assert quiet.notes == [] and "Warning" not in quiet.summary()
        # long segments: no warning with HAC either
        spec.replace(interruptions={"takeover": "2021-08"}, changes="level").fit()


def test_cli_window_and_warning_in_summary(tmp_path: Path, capsys) -> None:
    df = _df()
    df["month"] = df["month"].astype(str)
    path = tmp_path / "s.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "out"
    argv = ["fit", str(path), "--outcome", "y", "--date", "month",
            "--interruption", "takeover=2021-08", "--interruption", "ceasefire_end=2021-11",
            "--family", "negbin", "--cov", "hac:3", "--changes", "level",
            "--window", "first_year=2021-08:2022-07", "--window", "2023=2023-01:2023-12",
            "--out", str(out)]
    assert main(argv) == 0  # the CLI turns the warning into one sentence on stderr
    err = capsys.readouterr().err
    assert "level[takeover] rest on 3 observation(s)" in err and "LeverageWarning" in err
    w = pd.read_csv(out / "windows.csv")
    assert w["window"].astype(str).tolist() == ["first_year", "2023"]
    assert w["n_periods"].tolist() == [12, 12]
    assert "**Warning**: level[takeover] rest on 3" in (out / "summary.md").read_text()


@pytest.mark.parametrize(("window", "match"), [
    ("x=2021-08", "expected NAME=START:END"),
    ("x=2022-05:2022-01", "reversed"),
    ("x=2010-01:2011-01", "outside the data"),
])
def test_cli_bad_window_writes_nothing(tmp_path: Path, capsys, window, match) -> None:
    df = _df()
    df["month"] = df["month"].astype(str)
    path = tmp_path / "s.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LeverageWarning)
        code = main(["fit", str(path), "--outcome", "y", "--date", "month",
                     "--interruption", "t=2021-08", "--family", "poisson",
                     "--window", window, "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert match.split("\\")[0] in err and len(err.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())
