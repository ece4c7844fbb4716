"""Several sources in one trends.ITS model (trends.sources).

Reference: statsmodels GLM (Poisson) and NegativeBinomial (NB2) fitted here on the stacked
rows with source dummies built here (to 1e-8 in parameters and standard errors).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

import trends
from trends.errors import SpecificationError

INTS = {"a": "2021-08", "b": "2021-11"}
CHG = {"a": "level", "b": "level+slope"}


def _long(seed: int = 2, alpha: float | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 60
    t = np.arange(1, n + 1)
    months = pd.period_range("2019-01", periods=n, freq="M").astype(str)
    base = 2.5 + 0.01 * t + 0.4 * (t >= 32) + 0.02 * np.maximum(t - 35, 0)
    rows = []
    for s, shift, keep in [("PICSS", 0.0, rng.random(n) < 0.7),
                           ("PIPS", 0.3, t <= 20),  # observed only before the interruptions
                           ("GED", -0.5, (t <= 36) & (rng.random(n) < 0.8))]:
        mu = np.exp(base + shift)
        lam = mu if alpha is None else rng.gamma(1 / alpha, alpha * mu)
        y = rng.poisson(lam).astype(float)
        y[~keep] = np.nan
        rows.append(pd.DataFrame({"month": months, "source": s, "y": y}))
    return pd.concat(rows, ignore_index=True)


def _its(df, family, **kw):
    return trends.ITS(df, outcome="y", date="month", interruptions=INTS, changes=CHG,
                      family=family, source="source", **kw)


def _reference_X(df: pd.DataFrame, reference: str, trends_: bool = False,
                 by: bool = False) -> tuple[np.ndarray, np.ndarray, list[str]]:
    d = df.dropna(subset=["y"])
    t = (pd.PeriodIndex(d["month"], freq="M") - pd.Period("2019-01", "M")).map(
        lambda x: x.n).to_numpy() + 1.0
    ta, tb = 32, 35
    cols = {"intercept": np.ones(len(d)), "trend": t, "level[a]": (t >= ta) * 1.0,
            "level[b]": (t >= tb) * 1.0, "slope[b]": np.where(t >= tb, t - tb, 0.0)}
    others = sorted(s for s in set(d["source"]) if s != reference)
    for s in others:
        cols[f"source[{s}]"] = (d["source"] == s).to_numpy() * 1.0
    if trends_:
        for s in others:
            cols[f"trend:source[{s}]"] = cols[f"source[{s}]"] * t
    if by:
        for term in ("level[a]", "level[b]", "slope[b]"):
            for s in others:
                cols[f"{term}:source[{s}]"] = cols[term] * cols[f"source[{s}]"]
    return np.column_stack(list(cols.values())), d["y"].to_numpy(), list(cols)


@pytest.mark.parametrize(("reference", "source_trends"), [(None, False), ("PIPS", False),
                                                      ("PICSS", True)])
def test_poisson_matches_glm_with_source_dummies(reference, source_trends):
    df = _long()
    res = _its(df, "poisson", reference=reference, source_trends=source_trends).fit()
    X, y, names = _reference_X(df, reference or "GED", source_trends)
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    order = [res.terms.index(nm) for nm in names]
    assert sorted(res.terms) == sorted(names)
    np.testing.assert_allclose(res.params.to_numpy()[order], ref.params, rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.std_errors.to_numpy()[order], ref.bse, rtol=1e-8)


def test_negbin_matches_statsmodels_negativebinomial():
    df = _long(3, alpha=0.05)
    res = _its(df, "negbin", reference="PICSS").fit()
    X, y, names = _reference_X(df, "PICSS")
    model = sm.NegativeBinomial(y, X, loglike_method="nb2")
    first = model.fit(method="bfgs", maxiter=2000, disp=False)
    ref = model.fit(start_params=first.params, method="newton", maxiter=100, disp=False)
    order = [res.terms.index(nm) for nm in names]
    np.testing.assert_allclose(res.params.to_numpy()[order], ref.params[:-1], atol=1e-8)
    np.testing.assert_allclose(res.std_errors.to_numpy()[order], ref.bse[:-1], rtol=1e-6)
    assert res.dispersion == pytest.approx(ref.params[-1], rel=1e-7)


def test_by_source_heterogeneity_wald():
    df = _long(4)
    df = df[df["source"] != "PIPS"]  # PIPS has no observation after the interruptions
    res = _its(df, "poisson", by_source=True).fit()
    X, y, names = _reference_X(df, "GED", by=True)
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    order = [res.terms.index(nm) for nm in names]
    np.testing.assert_allclose(res.params.to_numpy()[order], ref.params, atol=1e-8)
    het = res.source_heterogeneity()
    terms = [nm for nm in names if ":source[" in nm]
    idx = [names.index(nm) for nm in terms]
    w = ref.wald_test(np.eye(len(names))[idx], scalar=True, use_f=False)
    assert het.loc["all", "statistic"] == pytest.approx(float(w.statistic), rel=1e-8)
    assert het.loc["all", "df"] == 3
    assert het.loc["all", "p_value"] == pytest.approx(stats.chi2.sf(float(w.statistic), 3))
    assert list(het.index) == ["level[a]", "level[b]", "slope[b]", "all"]


def test_views_by_source_and_aggregates_per_source():
    df = _long(5)
    agg = pd.DataFrame({"start": ["2019-01", "2020-01"], "end": ["2019-12", "2020-12"],
                        "value": [300, 320], "source": ["PIPS", "PIPS"]})
    spec = _its(df, "poisson", reference="PICSS", aggregates=agg)
    res = spec.fit()
    rep = res.aggregates_report()
    assert rep["source"].tolist() == ["PIPS", "PIPS"]
    assert rep["n_unobserved"].tolist() == [0, 4]  # PIPS is observed 2019-01..2020-08
    f0, f1 = res.fitted(), res.fitted(source="PIPS")
    ratio = np.exp(res.params["source[PIPS]"])
    np.testing.assert_allclose(f1.to_numpy() / f0.to_numpy(), ratio, rtol=1e-12)
    cf = res.counterfactual(source="PIPS")
    assert len(cf) == 60
    pred = res.predictions(source="PIPS")
    assert (pred["source"] == "PIPS").all()
    assert pred.loc[pred.index >= pd.Period("2020-09", "M"), "kind"].eq("model-based").all()
    assert pred.loc[pd.Period("2020-10", "M"), "in_total"]
    eff = res.effects(horizons=[0])
    assert set(eff["interruption"]) == {"a", "b"}
    assert "Sources" in res.summary()
    from trends.plot import plot_its

    fig, ax = plot_its(res.plot_data(source="PIPS"), interruptions=INTS)
    assert len(ax.lines) >= 3
    fig2, _ = plot_its(res)
    assert fig2 is not fig


def test_hac_is_within_source():
    df = _long(6, alpha=0.05)
    res = _its(df, "poisson", reference="PICSS", cov=("hac", 2)).fit()
    X, y, names = _reference_X(df, "PICSS")
    d = df.dropna(subset=["y"])
    groups = pd.Categorical(d["source"], categories=["PICSS", "GED", "PIPS"]).codes
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit(
        cov_type="hac-panel", cov_kwds={"groups": groups, "maxlags": 2, "use_correction": False})
    order = [res.terms.index(nm) for nm in names]
    np.testing.assert_allclose(res.std_errors.to_numpy()[order], ref.bse, rtol=1e-8)


# --------------------------------------------------------------------------- bad input
def _err(match, df=None, family="poisson", **kw):
    with pytest.raises(SpecificationError, match=match) as exc:
        _its(_long() if df is None else df, family, **kw)
    assert "\n" not in str(exc.value)


def test_bad_source_inputs():
    _err(r"reference='PICS' is not a source in column 'source'.*did you mean 'PICSS'",
         reference="PICS")
    one = _long()
    one = one[one["source"] == "PICSS"]
    _err(r"by_source=True needs at least two sources; column 'source' has only \['PICSS'\]",
         df=one, by_source=True)
    _err(r"by_source=True: source 'PIPS' has 0 used observation\(s\) from 2021-08",
         by_source=True)
    agg = pd.DataFrame({"start": ["2019-01"], "end": ["2019-12"], "value": [3],
                        "source": ["SATP"]})
    _err(r"aggregates row 0: source 'SATP' is not a source of the model", aggregates=agg)
    _err(r"aggregates lack column\(s\) \['source'\]", aggregates=agg.drop(columns="source"))
    missing = _long()
    missing.loc[5, "source"] = None
    _err(r"source column 'source' is missing at row 5", df=missing)
    with pytest.raises(SpecificationError, match="need source="):
        trends.ITS(_long(), outcome="y", date="month", interruptions=INTS, by_source=True)


def test_source_only_before_interruption_is_accepted():
    df = _long()
    res = _its(df, "poisson").fit()
    assert "source[PIPS]" in res.terms
    # a pooled segment with too few observations is still refused
    thin = df[~((df["month"] >= "2021-08") & (df["month"] <= "2021-10"))]
    _err(r"segment after 'a' \(2021-08 to 2021-10\) has 0 used observation\(s\) pooled",
         df=thin)


# --------------------------------------------------------------------------- panel helpers
def _periods() -> pd.DataFrame:
    rows = [("2022", "year", "2022-01", "2022-12", 380, ""),
            ("2022-H1", "half", "2022-01", "2022-06", 151, ""),
            ("2022-H2", "half", "2022-07", "2022-12", 228, ""),
            ("2021", "year", "2021-01", "2021-12", 294, ""),
            ("2021-Q3", "quarter", "2021-07", "2021-09", 70, ""),
            ("2020", "year", "2020-01", "2020-12", 187, "approximate"),
            ("2023", "year", "2023-01", "2023-12", 645, "")]
    df = pd.DataFrame(rows, columns=["period", "period_type", "start", "end", "value", "flag"])
    return df.assign(region="national", group="all", measure="attacks", source="PICSS")


def test_period_totals_rule_and_kinds():
    from trends.panel import period_totals

    p = _periods()
    out = period_totals(p, source="PICSS")
    assert list(out.columns) == ["start", "end", "value", "source"]
    # finest first: 2021-Q3 beats 2021; the halves beat 2022; approximate 2020 left out
    assert list(out.index) == ["2021-Q3", "2022-H1", "2022-H2", "2023"]
    years = period_totals(p, source="PICSS", kinds=("year",), end="2022-12")
    assert list(years.index) == ["2021", "2022"]
    assert years["value"].tolist() == [294, 380]
    assert list(period_totals(p, source="PICSS", start="2023-01").index) == ["2023"]
    with pytest.raises(SpecificationError, match="kinds"):
        period_totals(p, source="PICSS", kinds=("decade",))


def test_series_frame_long_with_event_source():
    from trends.panel import series_frame

    panel = pd.DataFrame({"month": ["2019-01", "2019-03", "2019-02"], "region": "national",
                          "group": "all", "measure": "attacks",
                          "source": ["PICSS", "PICSS", "PIPS"],
                          "value": pd.array([5, 7, 9], dtype="Int64")})
    ged = pd.DataFrame({"month": ["2019-01", "2019-02"], "region": "national", "group": "all",
                        "measure": "attacks", "source": "UCDP GED 22.1", "value": [1, 2],
                        "url": ""})
    out = series_frame(panel, sources=("PICSS", "PIPS"), events=ged, end="2019-04")
    assert list(out.columns) == ["month", "source", "y"]
    assert out["source"].unique().tolist() == ["PICSS", "PIPS", "UCDP GED 22.1"]
    pic = out[out["source"] == "PICSS"]
    assert pic["month"].tolist() == ["2019-01", "2019-02", "2019-03", "2019-04"]
    np.testing.assert_array_equal(pic["y"].to_numpy(), [5, np.nan, 7, np.nan])
    assert out[out["source"] == "UCDP GED 22.1"]["y"].tolist()[:2] == [1.0, 2.0]


def test_gaussian_and_quasipoisson_match_statsmodels():
    df = _long(7)
    X, y, names = _reference_X(df, "GED")
    g = _its(df, "gaussian").fit()
    ols = sm.OLS(y, X).fit()
    order = [g.terms.index(nm) for nm in names]
    np.testing.assert_allclose(g.params.to_numpy()[order], ols.params, rtol=1e-10)
    np.testing.assert_allclose(g.std_errors.to_numpy()[order], ols.bse, rtol=1e-10)
    q = _its(df, "quasipoisson").fit()
    glm = sm.GLM(y, X, family=sm.families.Poisson()).fit(scale="X2")
    np.testing.assert_allclose(q.std_errors.to_numpy()[order], glm.bse, rtol=1e-8)
    again = _its(df, "poisson").replace(family="quasipoisson").fit()
    np.testing.assert_allclose(again.params, q.params)


def test_robust_procedures_refuse_sources_and_aggregates():
    from trends.robust.problem import problem_from_model

    with pytest.raises(SpecificationError, match="not supported by the break-date search"):
        problem_from_model(_its(_long(), "poisson"))
    df = _long()
    one = df[df["source"] == "PICSS"].drop(columns="source").assign(y=lambda d: d["y"].fillna(9))
    agg = pd.DataFrame({"start": ["2019-01"], "end": ["2019-12"], "value": [400]})
    spec = trends.ITS(one, outcome="y", date="month", interruptions=INTS, changes=CHG,
                      family="poisson", aggregates=agg)
    with pytest.raises(SpecificationError, match="not supported by the break-date search"):
        problem_from_model(spec)
