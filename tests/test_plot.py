"""Figures: byte-identical output, required elements present, gaps not bridged."""

from __future__ import annotations

import hashlib

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

from trends import plot
from trends.errors import SpecificationError

MONTHS = pd.period_range("2019-01", "2023-12", freq="M")
GAPS = [3, 4, 20, 30]


def _its_frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = len(MONTHS)
    obs = rng.poisson(20, n).astype(float)
    obs[GAPS] = np.nan
    seg = np.where(MONTHS < pd.Period("2021-08", "M"), "pre",
                   np.where(MONTHS < pd.Period("2021-11", "M"), "takeover", "ceasefire_end"))
    fitted = np.linspace(15, 40, n)
    return pd.DataFrame({"observed": obs, "fitted": fitted, "fitted_low": fitted - 3,
                         "fitted_high": fitted + 3, "counterfactual": np.linspace(15, 25, n),
                         "counterfactual_low": np.linspace(12, 20, n),
                         "counterfactual_high": np.linspace(18, 30, n), "segment": seg,
                         "used": ~np.isnan(obs)}, index=MONTHS)


def _panel() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    rows = []
    for src in ("PICSS", "PIPS"):
        for i, m in enumerate(MONTHS):
            for meas in ("attacks", "killed", "injured"):
                missing = (src == "PIPS" and i > 18) or (src == "PICSS" and i in GAPS)
                rows.append({"month": str(m), "region": "national", "group": "all",
                             "measure": meas, "source": src,
                             "value": np.nan if missing else float(rng.poisson(20)), "url": ""})
    return pd.DataFrame(rows)


def _hashes(paths):
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_same_input_gives_identical_bytes(tmp_path, fmt):
    out = []
    for k in range(2):
        fig, _ = plot.plot_its(_its_frame(), title="t", source="PICSS", version="abc")
        out.append(_hashes(plot.save_figure(fig, tmp_path / f"f{k}", formats=(fmt,))))
    assert out[0] == out[1]


def test_metadata_stripped(tmp_path):
    fig, _ = plot.plot_its(_its_frame())
    png, svg = plot.save_figure(fig, tmp_path / "f", formats=("png", "svg"))
    assert b"matplotlib" not in png.read_bytes().lower()
    text = svg.read_text()
    assert "<dc:date>" not in text and "matplotlib.org" not in text
    assert "<text" not in text  # glyphs drawn as paths: no font needed to view


def test_its_plot_elements():
    d = _its_frame()
    fig, ax = plot.plot_its(d, title="Attacks", source="PICSS", version="v1",
                            ylabel="attacks per month")
    # interruption lines at the segment starts, labelled with name and month
    vlines = [ln for ln in ax.get_lines() if len(set(ln.get_xdata())) == 1]
    xs = sorted(mdates.date2num(ln.get_xdata()[0]) for ln in vlines)
    assert xs == [mdates.date2num(pd.Timestamp("2021-08-01")),
                  mdates.date2num(pd.Timestamp("2021-11-01"))]
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "takeover" in texts and "2021-08" in texts and "ceasefire end" in texts
    assert ax.get_ylabel() == "attacks per month" and ax.get_title() == "Attacks"
    assert any("Data version v1" in t.get_text().replace("\n", " ") for t in fig.texts)
    labels = ax.get_legend_handles_labels()[1]
    assert {"observed", "fitted", "counterfactual (no interruption)", "counterfactual 95% CI",
            "no data"} <= set(labels)
    # fitted drawn as one line per segment: never joined across an interruption
    fitted = [ln for ln in ax.get_lines() if ln.get_color() == plot.OKABE_ITO["blue"]]
    assert len(fitted) == 3
    # observed keeps NaN at the missing months (drawn as nothing)
    obs = next(ln for ln in ax.get_lines() if ln.get_label() == "observed")
    assert np.isnan(np.asarray(obs.get_ydata(), dtype=float)[GAPS]).all()


def test_its_infers_interruptions_without_names():
    d = _its_frame()
    assert plot._interruptions_of(d, d) == {"takeover": "2021-08", "ceasefire_end": "2021-11"}


def test_its_rejects_frames_without_columns():
    with pytest.raises(SpecificationError, match="lacks columns"):
        plot.plot_its(pd.DataFrame({"observed": [1.0]}))


def test_series_breaks_lines_at_gaps():
    fig, axes = plot.plot_series(_panel(), source=["PICSS", "PIPS"], end="2023-12")
    assert len(axes) == 3
    line = next(ln for ln in axes[0].get_lines() if ln.get_label() == "PICSS")
    y = np.asarray(line.get_ydata(), dtype=float)
    assert len(y) == len(MONTHS)  # full calendar: missing months present as NaN
    assert np.isnan(y[GAPS]).all()
    assert [ax.get_ylabel() for ax in axes] == ["attacks per month", "killed per month",
                                                "injured per month"]


def test_monthly_wide_reindexes_full_calendar():
    panel = _panel()
    panel = panel[~((panel["source"] == "PICSS") & panel["month"].isin(["2020-01", "2020-02"]))]
    wide = plot.monthly_wide(panel, measure="attacks", region="national", group="all",
                             start="2019-01", end="2023-12")
    assert len(wide) == 60 and wide.loc[pd.Period("2020-01", "M"), "PICSS"] != wide.loc[
        pd.Period("2020-01", "M"), "PICSS"]  # NaN


def test_monthly_wide_rejects_duplicates():
    p = _panel()
    with pytest.raises(SpecificationError, match="several rows"):
        plot.monthly_wide(pd.concat([p, p]), measure="attacks", region="national", group="all")


def test_coverage_counts():
    fig, ax = plot.plot_coverage(_panel())
    counts = sorted(t.get_text() for t in ax.texts)
    assert counts == ["19/60", "56/60"]


def test_coverage_without_rows():
    with pytest.raises(SpecificationError):
        plot.plot_coverage(_panel(), measure="nonexistent")


def test_disagreement_frame_and_plot():
    vals = pd.DataFrame({"period": ["2021", "2021", "2022", "2022", "2023"],
                         "source": ["PIPS", "PICSS", "PIPS", "PICSS", "PIPS"],
                         "value": [207, 294, 262, 262, 306]})
    table = plot.disagreement_frame(vals)
    assert table["period"].tolist() == ["2021"]  # equal values and single sources dropped
    row = table.iloc[0]
    assert row["spread"] == 87 and row["rel_spread"] == pytest.approx(87 / 294)
    assert row["values"] == "PICSS=294; PIPS=207"
    fig, ax = plot.plot_disagreement(vals)
    assert any(t.get_text() == "30%" for t in ax.texts)


def test_annual_plot():
    per = pd.DataFrame([{"period": str(y), "region": "national", "group": "all",
                         "measure": "attacks", "source": s, "value": 100 + y - 2014}
                        for y in range(2014, 2024) for s in ("PIPS", "PICSS") if
                        not (s == "PICSS" and y == 2018)])
    fig, ax = plot.plot_annual(per)
    picss = next(ln for ln in ax.get_lines() if ln.get_label() == "PICSS")
    y = np.asarray(picss.get_ydata(), dtype=float)
    assert np.isnan(y[2018 - 2014])
    assert ax.get_ylabel() == "attacks per year"


def test_unknown_format_and_width(tmp_path):
    fig, _ = plot.plot_its(_its_frame())
    with pytest.raises(SpecificationError, match="unknown figure format"):
        plot.save_figure(fig, tmp_path / "x", formats=("bmp",))
    with pytest.raises(SpecificationError, match="width"):
        plot.figure("triple")


def test_data_version_depends_on_bytes(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("x\n1\n")
    v1 = plot.data_version(a)
    a.write_text("x\n2\n")
    assert plot.data_version(a) != v1 and len(v1) == 12
    assert plot.data_version(tmp_path) == plot.data_version([a])
