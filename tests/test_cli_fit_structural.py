"""``trends fit --model structural``."""

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
    df = pd.DataFrame({"month": months.strftime("%Y-%m"), "attacks": rng.poisson(mu)})
    df = df[df["month"] != "2019-05"]  # a missing month
    path = tmp_path / "series.csv"
    df.to_csv(path, index=False)
    return path


BASE = ["--outcome", "attacks", "--date", "month", "--interruption", "takeover=2021-08",
        "--model", "structural", "--draws", "100"]


def test_structural_cli_matches_python(series_csv, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["fit", str(series_csv), *BASE, "--trend", "local level", "--transform", "log1p",
                 "--changes", "level", "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out / "table.csv")
    df = pd.read_csv(series_csv, dtype={"month": str})
    res = trends.StructuralITS(df, outcome="attacks", date="month",
                               interruptions={"takeover": "2021-08"}, transform="log1p",
                               changes="level").fit(draws=100)
    expect = res.table()
    assert list(table["term"]) == list(expect.index)
    np.testing.assert_allclose(table["estimate"], expect["estimate"], rtol=1e-9)
    summary = (out / "summary.md").read_text()
    assert "Convergence" in summary and "local level" in summary
    assert "standardised one-step-ahead" in summary
    assert "observations used" in capsys.readouterr().out


def test_structural_cli_refuses_its_only_options(series_csv, tmp_path, capsys):
    code = main(["fit", str(series_csv), *BASE, "--family", "negbin", "--out",
                 str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "--family 'negbin' applies to --model its" in err
    assert err.count("\n") == 1 and not (tmp_path / "o").exists()
    code = main(["fit", str(series_csv), *BASE, "--trend", "wobbly", "--out",
                 str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "series.csv" in err and "trend 'wobbly' is not valid" in err
    assert not (tmp_path / "o").exists()
