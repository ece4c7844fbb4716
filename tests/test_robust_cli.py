"""``trends robust`` end to end: outputs, byte-identical reruns, errors, interruption."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trends import cli
from trends.robust import grid as grid_mod


@pytest.fixture
def csv(tmp_path):
    rng = np.random.default_rng(0)
    months = pd.period_range("2016-01", periods=60, freq="M")
    t = np.arange(60)
    y = rng.poisson(np.exp(2 + 0.01 * t + 0.5 * (t >= 40))).astype(float)
    df = pd.DataFrame({"month": months.astype(str), "attacks": y}).drop(index=[10, 11])
    path = tmp_path / "series.csv"
    df.to_csv(path, index=False)
    return path


def _args(csv, out, *extra):
    return ["robust", str(csv), "--outcome", "attacks", "--date", "month",
            "--interruption", "takeover=2019-05", "--interruption", "ceasefire_end=2019-08",
            "--family", "poisson", "--seasonality", "month", "--out", str(out), *extra]


def test_writes_grid_csv_and_markdown_identically(csv, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(_args(csv, out)) == 0
    grid = pd.read_csv(out / "grid.csv", dtype={"break_1": str, "break_2": str})
    assert list(grid.columns[:5]) == ["break_1", "break_2", "llf", "aic", "bic"]
    assert grid["aic"].is_monotonic_increasing
    md = (out / "grid.md").read_text()
    assert "hypothesised placement ranks" in md and "| rank | break_1 |" in md
    first = (out / "grid.csv").read_bytes(), md
    assert cli.main(_args(csv, out)) == 0
    assert ((out / "grid.csv").read_bytes(), (out / "grid.md").read_text()) == first
    assert "placements" in capsys.readouterr().out


def test_bad_specification_exits_2(csv, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(_args(csv, out, "--min-segment", "1")) == 2
    assert "min_segment=1" in capsys.readouterr().err
    assert cli.main(_args(csv, out, "--n-breaks", "40")) == 2
    assert "break(s) possible" in capsys.readouterr().err
    bad = ["robust", str(csv), "--outcome", "attacks", "--date", "month", "--interruption",
           "takeover", "--out", str(out)]
    assert cli.main(bad) == 2
    assert "NAME=DATE" in capsys.readouterr().err
    assert not out.exists()


def test_interrupted_run_writes_nothing(csv, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "grid.csv").write_text("previous\n")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(grid_mod, "fit_batch", interrupted)
    assert cli.main(_args(csv, out)) == 130
    assert (out / "grid.csv").read_text() == "previous\n"
    assert not (out / "grid.md").exists()
    assert sorted(p.name for p in out.iterdir()) == ["grid.csv"]  # no temporary files left
