"""Convergence is a result: an unconverged NB2 or ARMA fit is refused with advice unless the
user keeps it (then summary() says so); a converged fit does not warn."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

import trends
import trends.its as its_module
from tests.conftest import SHARED_DATA
from trends.errors import SpecificationError
from trends.its import gradient_converged


def _df(n: int = 48) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    return pd.DataFrame({"m": pd.period_range("2019-01", periods=n, freq="M"),
                         "y": rng.negative_binomial(5, 0.2, n).astype(float)})


def _unconverged(monkeypatch):
    real = its_module._estimate

    def fake(*args, **kwargs):
        return dataclasses.replace(real(*args, **kwargs), converged=False)

    monkeypatch.setattr(its_module, "_estimate", fake)


def test_unconverged_fit_is_refused_with_advice(monkeypatch):
    _unconverged(monkeypatch)
    spec = trends.ITS(_df(), outcome="y", date="m", family="negbin",
                      interruptions={"x": "2021-01"})
    with pytest.raises(SpecificationError, match="did not converge.*Rescale.*keep_unconverged"):
        spec.fit()


def test_kept_unconverged_fit_says_so(monkeypatch):
    _unconverged(monkeypatch)
    res = trends.ITS(_df(), outcome="y", date="m", family="negbin",
                     interruptions={"x": "2021-01"}, keep_unconverged=True).fit()
    assert not res.converged
    assert "NOT CONVERGED" in res.summary() and "NOT CONVERGED" in res.to_markdown()
    assert "did not converge" in res.report()


def test_cli_refuses_and_keeps(monkeypatch, tmp_path, capsys):
    from trends.cli import main

    _unconverged(monkeypatch)
    path = tmp_path / "s.csv"
    _df().assign(m=lambda d: d["m"].astype(str)).to_csv(path, index=False)
    args = ["fit", str(path), "--outcome", "y", "--date", "m", "--interruption", "x=2021-01",
            "--family", "negbin"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 2
    assert "--keep-unconverged" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    assert main([*args, "--keep-unconverged", "--out", str(tmp_path / "b")]) == 0
    text = (tmp_path / "b" / "summary.md").read_text()
    assert "NOT converged" in text and "NOT CONVERGED" in text


def test_converged_nb2_and_arma_fits_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        res = trends.ITS(_df(), outcome="y", date="m", family="negbin",
                         interruptions={"x": "2021-01"}).fit()
        assert res.converged
    rng = np.random.default_rng(4)
    e = np.zeros(100)
    for t in range(1, 100):
        e[t] = 0.6 * e[t - 1] + rng.normal()
    df = pd.DataFrame({"year": np.arange(1871, 1971),
                       "flow": 1000 + 30 * e - 200 * (np.arange(100) >= 28)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = trends.ITS(df, outcome="flow", date="year", interruptions={"dam": "1899"},
                         changes="level", errors="ar:1").fit()
    assert res.converged
    assert not [w for w in caught if "converge" in str(w.message)]


@pytest.mark.skipif(not (SHARED_DATA / "validation" / "seatbelts.csv").exists(),
                    reason="../shared/data/validation/seatbelts.csv absent")
def test_unscaled_covariate_nb2_refused_with_rescale_advice():
    df = pd.read_csv(SHARED_DATA / "validation" / "seatbelts.csv")
    df["m"] = pd.PeriodIndex.from_fields(year=df["year"], month=df["month"], freq="M")
    kw = dict(outcome="front", date="m", interruptions={"law": "1983-02"}, changes="level",
              family="negbin", seasonality="month", covariates=["kms", "PetrolPrice"])
    with pytest.raises(SpecificationError, match="did not converge.*unscaled covariates"):
        trends.ITS(df, **kw).fit()
    ok = trends.ITS(df.assign(logkms=np.log(df["kms"])), **{**kw, "covariates": ["logkms",
                                                                                 "PetrolPrice"]})
    assert ok.fit().converged


class _Quadratic:
    """llf = -(x - 1)^2: score 2 (1 - x)."""

    def score(self, params):
        return 2 * (1 - np.asarray(params))


class _Res:
    def __init__(self, x):
        self.params = np.array([x])
        self.llf = -((x - 1) ** 2)


def test_gradient_criterion():
    assert gradient_converged(_Quadratic(), _Res(1.0))
    assert gradient_converged(_Quadratic(), _Res(1.0 + 1e-7))
    assert not gradient_converged(_Quadratic(), _Res(1.5))
