"""``trends fit --select/--start/--end``: fitting one series of a long panel file.

References: the same model fitted through the Python API on the series selected by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trends
from trends.cli import main

PANEL = Path(__file__).resolve().parents[1] / "data" / "processed" / "panel.csv"
SELECT = ["--select", "measure=attacks", "--select", "region=national",
          "--select", "group=all", "--select", "source=PICSS"]


def test_select_and_window_match_the_api(tmp_path):
    rc = main(["fit", str(PANEL), "--date", "month", "--outcome", "value", *SELECT,
               "--start", "2019-01", "--end", "2023-12",
               "--interruption", "takeover=2021-08", "--family", "poisson",
               "--out", str(tmp_path)])
    assert rc == 0
    got = pd.read_csv(tmp_path / "table.csv", index_col="term")
    s = trends.panel.series(trends.read_panel(PANEL), measure="attacks", source="PICSS")
    df = s.loc["2019-01":"2023-12"].rename("y").rename_axis("m").reset_index()
    ref = trends.ITS(df, outcome="y", date="m", interruptions={"takeover": "2021-08"},
                     family="poisson").fit()
    assert ref.nobs == 42
    np.testing.assert_allclose(got["estimate"].to_numpy(), ref.params.to_numpy(), rtol=1e-8)


@pytest.mark.parametrize(
    ("select", "message"),
    [
        (["--select", "measure=attacks"], "several rows per date; expected one row per date; "
                                          "also select on region, group, source"),
        (["--select", "measure"], "expected COL=VALUE"),
        (["--select", "colour=red"], "field 'colour'"),
        (["--select", "measure=bombs"], "no row matches --select measure=bombs"),
    ],
)
def test_select_errors(tmp_path, capsys, select, message):
    rc = main(["fit", str(PANEL), "--date", "month", "--outcome", "value", *select,
               "--interruption", "takeover=2021-08", "--out", str(tmp_path / "o")])
    assert rc == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_bad_window_is_refused(tmp_path, capsys):
    rc = main(["fit", str(PANEL), "--date", "month", "--outcome", "value", *SELECT,
               "--start", "2019-13", "--interruption", "takeover=2021-08",
               "--out", str(tmp_path / "o")])
    assert rc == 2
    assert "--start" in capsys.readouterr().err


def test_weekly_event_panel_end_to_end(tmp_path, ucdp_ged_file):
    """UCDP GED file -> weekly panel (trends clean) -> weekly ITS (trends fit), CLI only."""
    assert main(["clean", "--format", "ucdp-ged", str(ucdp_ged_file),
                 "--out", str(tmp_path / "ged")]) == 0
    weekly = tmp_path / "ged" / "panel_weekly.csv"
    rc = main(["fit", str(weekly), "--date", "week", "--outcome", "value",
               "--select", "measure=attacks", "--select", "region=national",
               "--select", "group=all", "--start", "2018-W01", "--end", "2021-W52",
               "--interruption", "takeover=2021-W31", "--changes", "level",
               "--family", "poisson", "--seasonality", "fourier:2", "--cov", "hac:4",
               "--out", str(tmp_path / "fit")])
    assert rc == 0
    got = pd.read_csv(tmp_path / "fit" / "table.csv", index_col="term")
    # reference: the same weekly series through the Python API
    panel = pd.read_csv(weekly)
    s = panel.query("measure == 'attacks' and region == 'national' and group == 'all'")
    s = s[(s.week >= "2018-W01") & (s.week <= "2021-W52")]
    assert len(s) == 209 and s.value.sum() == 441  # 2018-2021 attacks under the GED rule
    ref = trends.ITS(s, outcome="value", date="week", interruptions={"takeover": "2021-W31"},
                     changes="level", family="poisson", seasonality=("fourier", 2),
                     cov=("hac", 4)).fit()
    np.testing.assert_allclose(got["estimate"].to_numpy(), ref.params.to_numpy(), rtol=1e-8)
    assert got.loc["level[takeover]", "ratio"] > 1
