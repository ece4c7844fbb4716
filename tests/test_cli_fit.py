"""``trends fit`` command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trends
from trends.cli import main


@pytest.fixture
def series_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(11)
    months = pd.period_range("2018-01", "2023-12", freq="M")
    t = np.arange(1, len(months) + 1)
    mu = np.exp(3 + 0.01 * t - 0.3 * (months >= pd.Period("2021-08", "M")))
    df = pd.DataFrame({"month": months.strftime("%Y-%m"), "attacks": rng.poisson(mu),
                       "pop": np.linspace(2e8, 2.4e8, len(t)).round()})
    df = df[df["month"] != "2019-05"]  # a missing month
    path = tmp_path / "series.csv"
    df.to_csv(path, index=False)
    return path


def run(*args: str) -> int:
    return main(["fit", *args])


def test_fit_writes_table_and_summary(series_csv, tmp_path, capsys):
    out = tmp_path / "out"
    argv = [str(series_csv), "--outcome", "attacks", "--date", "month",
            "--interruption", "takeover=2021-08", "--interruption", "ceasefire_end=2021-11",
            "--family", "poisson", "--offset", "pop", "--seasonality", "fourier:2",
            "--cov", "hac:3", "--out", str(out)]
    assert run(*argv) == 0
    assert "71 observations used" in capsys.readouterr().out
    table = pd.read_csv(out / "table.csv")
    assert list(table.columns) == ["term", "estimate", "std_error", "ci_low", "ci_high",
                                   "p_value", "ratio", "ratio_low", "ratio_high"]
    df = pd.read_csv(series_csv, dtype={"month": str})
    res = trends.ITS(df, outcome="attacks", date="month",
                     interruptions={"takeover": "2021-08", "ceasefire_end": "2021-11"},
                     family="poisson", offset="pop", seasonality=("fourier", 2),
                     cov=("hac", 3)).fit()
    np.testing.assert_allclose(table["estimate"], res.params.to_numpy(), rtol=1e-9)
    assert table["term"].tolist() == res.terms
    summary = (out / "summary.md").read_text()
    assert "HAC Newey-West, 3 lag(s)" in summary and "## Residual diagnostics" in summary
    assert "Observations used**: 71 of 72" in summary
    first = (out / "table.csv").read_bytes(), (out / "summary.md").read_bytes()
    assert run(*argv) == 0  # same input -> byte-identical output
    assert ((out / "table.csv").read_bytes(), (out / "summary.md").read_bytes()) == first
    assert not [p for p in out.iterdir() if p.name.startswith(".trends-tmp")]


def test_fit_gaussian_ar_errors(series_csv, tmp_path):
    out = tmp_path / "ar"
    assert run(str(series_csv), "--outcome", "attacks", "--date", "month",
               "--interruption", "t=2021-08", "--changes", "level", "--errors", "ar:1",
               "--seasonality", "month", "--out", str(out)) == 0
    assert "ARMA(1,0)" in (out / "summary.md").read_text()


@pytest.mark.parametrize(("extra", "message"), [
    (["--interruption", "2021-08"], "expected NAME=DATE"),
    (["--interruption", "a=2021-08", "--interruption", "a=2021-11"], "'a' is given twice"),
    (["--interruption", "a=2030-01"], "is outside the data"),
    (["--interruption", "a=2021-08", "--offset", "popn", "--family", "poisson"],
     "offset column 'popn' is not in the data"),
    (["--interruption", "a=2021-08", "--cov", "HC2", "--family", "poisson"],
     "only available for the gaussian family"),
    (["--interruption", "a=2021-08", "--seasonality", "fourier:9"], "too large"),
    (["--interruption", "a=2021-08", "--errors", "ar:x"], "is not valid"),
])
def test_fit_specification_errors_exit_2(series_csv, tmp_path, capsys, extra, message):
    code = run(str(series_csv), "--outcome", "attacks", "--date", "month", *extra,
               "--out", str(tmp_path / "o"))
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert err.startswith("trends fit: error: ")
    assert not (tmp_path / "o").exists()


def test_fit_input_errors_exit_2(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    assert run(str(missing), "--outcome", "y", "--date", "m", "--interruption", "a=2021-01",
               "--out", str(tmp_path / "o")) == 2
    assert "nope.csv" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"m,y\n2021-01,1\n2021-02,2,3,4\n")
    assert run(str(bad), "--outcome", "y", "--date", "m", "--interruption", "a=2021-01",
               "--out", str(tmp_path / "o")) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "cannot read CSV" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert run(str(empty), "--outcome", "y", "--date", "m", "--interruption", "a=2021-01",
               "--out", str(tmp_path / "o")) == 2
    assert "cannot read CSV" in capsys.readouterr().err
    text = tmp_path / "text.csv"
    text.write_text("m,y\n" + "".join(f"2020-{i:02d},{'x' if i == 4 else i}\n" for i in range(1, 13)))
    assert run(str(text), "--outcome", "y", "--date", "m", "--interruption", "a=2020-06",
               "--out", str(tmp_path / "o")) == 2
    assert f"{text}:5: field 'y': not a number (saw 'x')" in capsys.readouterr().err
