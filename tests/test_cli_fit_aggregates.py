"""``trends fit --aggregates FILE --source COL``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trends
from trends.cli import main

INTS = {"takeover": "2021-08", "ceasefire_end": "2021-11"}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(12)
    months = pd.period_range("2019-01", "2023-12", freq="M")
    t = np.arange(1, len(months) + 1)
    rows = []
    for s, shift in [("PICSS", 0.0), ("PIPS", 0.2)]:
        y = rng.poisson(np.exp(3 + shift + 0.01 * t + 0.3 * (t >= 32))).astype(float)
        full = y.copy()
        y[(rng.random(len(t)) < 0.3) & ((t < 31) | (t > 34))] = np.nan
        rows.append(pd.DataFrame({"month": months.strftime("%Y-%m"), "source": s,
                                  "measure": "attacks", "value": y, "full": full}))
    long = pd.concat(rows, ignore_index=True)
    agg = pd.DataFrame([{"start": f"{yr}-01", "end": f"{yr}-12", "source": s,
                         "value": int(long[(long["source"] == s)
                                           & long["month"].str.startswith(str(yr))]
                                      ["full"].sum())}
                        for s in ("PICSS", "PIPS") for yr in range(2019, 2024)])
    data = tmp_path / "long.csv"
    long.drop(columns="full").to_csv(data, index=False)
    aggf = tmp_path / "totals.csv"
    agg.to_csv(aggf, index=False)
    return data, aggf


def _argv(data: Path, out: Path, *extra: str) -> list[str]:
    return ["fit", str(data), "--outcome", "value", "--date", "month", "--family", "negbin",
            "--interruption", "takeover=2021-08", "--interruption", "ceasefire_end=2021-11",
            "--select", "measure=attacks", "--source", "source", "--out", str(out), *extra]


def test_cli_matches_the_api(files, tmp_path):
    data, aggf = files
    out = tmp_path / "out"
    assert main(_argv(data, out, "--aggregates", str(aggf), "--reference", "PIPS")) == 0
    table = pd.read_csv(out / "table.csv").set_index("term")
    df = pd.read_csv(data, dtype={"month": str})
    agg = pd.read_csv(aggf, dtype={"start": str, "end": str})
    res = trends.ITS(df, outcome="value", date="month", interruptions=INTS, family="negbin",
                     source="source", reference="PIPS", aggregates=agg).fit()
    np.testing.assert_allclose(table["estimate"].to_numpy(), res.params.to_numpy(),
                               rtol=1e-9)
    assert "source[PICSS]" in table.index
    text = (out / "summary.md").read_text()
    assert "Published totals (aggregates)" in text and "Sources" in text


def test_cli_aggregate_errors_name_the_file_and_line(files, tmp_path, capsys):
    data, aggf = files
    agg = pd.read_csv(aggf)
    agg["value"] = agg["value"].astype(object)
    agg.loc[3, "value"] = 2.5
    agg.to_csv(aggf, index=False)
    assert main(_argv(data, tmp_path / "o", "--aggregates", str(aggf))) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"{aggf}: aggregates line 5: value 2.5 is not a non-negative integer" in err
    assert not (tmp_path / "o").exists()


def test_cli_hac_with_aggregates_refused(files, tmp_path, capsys):
    data, aggf = files
    assert main(_argv(data, tmp_path / "o", "--aggregates", str(aggf), "--cov", "hac")) == 2
    assert "not available with aggregates" in capsys.readouterr().err


def test_cli_reference_needs_source(files, tmp_path, capsys):
    data, _ = files
    argv = _argv(data, tmp_path / "o", "--reference", "PIPS", "--select", "source=PICSS")
    i = argv.index("--source")
    del argv[i:i + 2]
    assert main(argv) == 2
    assert "--reference needs --source" in capsys.readouterr().err
