"""Figure API for papers: one-column versions, readable text, nothing clipped, interruption
lines at the first period of the new regime for every frequency, shaded windows, captions from
the fitted specification, the hypothesised break marked on the grid."""

from __future__ import annotations

import hashlib
import warnings

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

import trends
from trends import plot
from trends.calendar import FREQUENCIES
from trends.errors import SpecificationError
from trends.robust import break_date_grid, plot_grid

#: frequency -> (first period, number of periods, interruption as given, its first day)
CASES = {
    "M": ("2019-01", 60, "2021-08", "2021-08-01", "2021-08"),
    "W": ("2019-12-30", 104, "2021-W31", "2021-08-02", "2021-W31"),
    "Q": ("2012Q1", 40, "2017Q3", "2017-07-01", "2017Q3"),
    "Y": ("1990", 30, "2005", "2005-01-01", "2005"),
}


def _fit(freq: str, **kw):
    start, n, at, _, _ = CASES[freq]
    idx = pd.period_range(start, periods=n, freq=FREQUENCIES[freq])
    rng = np.random.default_rng(3)
    y = rng.poisson(np.r_[np.full(n // 2, 20.0), np.full(n - n // 2, 30.0)]).astype(float)
    y[4] = np.nan
    df = pd.DataFrame({"when": idx, "deaths": y})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return trends.ITS(df, outcome="deaths", date="when", family="poisson",
                          interruptions={"change": at}, **kw).fit()


def _vlines(ax):
    return [ln for ln in ax.get_lines() if len(set(ln.get_xdata())) == 1
            and len(ln.get_xdata()) == 2]


@pytest.mark.parametrize("freq", list(CASES))
@pytest.mark.parametrize("width", ["double", "single"])
def test_interruption_at_first_period_of_new_regime(freq, width):
    res = _fit(freq)
    fig, ax = plot.plot_its(res, width=width)
    x = [mdates.date2num(ln.get_xdata()[0]) for ln in _vlines(ax)]
    assert x == [mdates.date2num(pd.Timestamp(CASES[freq][3]))]
    label = " ".join(t.get_text() for t in ax.texts)
    assert CASES[freq][4] in label and "change" in label and "1899" not in label
    unit = {"M": "month", "W": "week", "Q": "quarter", "Y": "year"}[freq]
    assert ax.get_ylabel() == f"deaths per {unit}"
    assert ax.get_xlabel().startswith(unit)
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    lo, hi = ax.get_xlim()
    shown = [t for t, loc in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True)
             if lo <= loc <= hi and t.get_text()]
    assert 2 <= len(shown) <= 8, ticks  # readable: a handful of labels, never one per period
    assert plot.check_figure(fig) == []
    assert abs(fig.get_size_inches()[0] - (3.5 if width == "single" else 7.0)) < 1e-9


def test_labels_given_win_over_results():
    fig, ax = plot.plot_its(_fit("M"), ylabel="deaths (count)", xlabel="calendar month")
    assert ax.get_ylabel() == "deaths (count)" and ax.get_xlabel() == "calendar month"


def test_windows_are_shaded_inclusive_days_and_months():
    windows = {"first ceasefire": ("2021-11-09", "2021-12-09"),
               "second ceasefire": ("2022-06", "2022-11-28")}
    fig, ax = plot.plot_its(_fit("M"), windows=windows, width="single")
    spans = {p.get_label(): p for p in ax.patches if "ceasefire" in p.get_label()}
    assert set(spans) == {"first ceasefire (2021-11-09 to 2021-12-09)",
                          "second ceasefire (2022-06 to 2022-11-28)"}
    x0, x1 = _span(spans["first ceasefire (2021-11-09 to 2021-12-09)"])
    assert (x0, x1) == (mdates.date2num(pd.Timestamp("2021-11-09")),
                        mdates.date2num(pd.Timestamp("2021-12-10")))
    x0, x1 = _span(spans["second ceasefire (2022-06 to 2022-11-28)"])
    assert (x0, x1) == (mdates.date2num(pd.Timestamp("2022-06-01")),
                        mdates.date2num(pd.Timestamp("2022-11-29")))
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "first ceasefire (2021-11-09 to 2021-12-09)" in legend
    assert plot.check_figure(fig) == []
    with pytest.raises(SpecificationError, match="before start"):
        plot.plot_its(_fit("M"), windows={"w": ("2022-06", "2022-01")})


def _span(patch):
    return float(patch.get_x()), float(patch.get_x() + patch.get_width())


def test_caption_from_the_specification():
    res = _fit("M", cov="hac:3")
    text = plot.fit_caption(res, source="a registry", definitions="A death counts once",
                            version="abc123")
    assert "Source: a registry." in text
    assert "Poisson ITS" in text and "level+slope at change (2021-08)" in text
    assert res.spec.cov_spec.describe() in text
    assert "59 of 60 months observed, 59 used." in text
    assert "A death counts once." in text and "Data version abc123." in text
    nb = _fit_nb()
    assert "negative binomial (NB2) ITS" in plot.fit_caption(nb)
    fig, _ = plot.plot_its(res, source="a registry", width="single")
    cap = " ".join(t.get_text().replace("\n", " ") for t in fig.texts)
    assert "59 of 60 months observed" in cap and "Newey-West" in cap


def _fit_nb():
    idx = pd.period_range("2019-01", periods=48, freq="M")
    y = np.random.default_rng(5).negative_binomial(5, 0.2, 48).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return trends.ITS(pd.DataFrame({"m": idx, "y": y}), outcome="y", date="m",
                          family="negbin", interruptions={"x": "2021-01"}).fit()


def _figures(width):
    """Every figure function of trends.plot and trends.robust at ``width``."""
    panel = _panel()
    vals = pd.DataFrame({"period": ["2021", "2021", "2022", "2022"],
                         "source": ["A", "B", "A", "B"], "value": [207, 294, 262, 280]})
    annual = pd.DataFrame({"period": [str(y) for y in range(2014, 2024)] * 2,
                           "region": "national", "group": "all", "measure": "events",
                           "source": ["A"] * 10 + ["B"] * 10,
                           "value": np.arange(20, dtype=float) + 5})
    table = pd.DataFrame({"model": ["main model", "no covariates", "placebo"],
                          "rr": [1.5, 1.3, np.nan], "lo": [1.1, 0.9, np.nan],
                          "hi": [2.0, 1.8, np.nan]})
    res = _fit("M")
    grid = break_date_grid(res.spec)
    out = {
        "its": plot.plot_its(res, width=width, source="x", windows={"w": ("2020-01", "2020-03")}),
        "series": plot.plot_series(panel, measures=("events",), source=["A", "B"],
                                   start="2019-01", end="2020-12", width=width,
                                   interruptions={"change": "2020-03"}),
        "coverage": plot.plot_coverage(panel, measure="events", start="2019-01",
                                       end="2020-12", width=width, source="registry"),
        "disagreement": plot.plot_disagreement(vals, width=width, ylabel="events per year"),
        "annual": plot.plot_annual(annual, measure="events", width=width,
                                   highlight={"2021": 2021}, source="reports"),
        "forest": plot.plot_forest(table, estimate="rr", low="lo", high="hi", width=width,
                                   highlight=("main model",), source="models"),
        "grid": plot_grid(grid, hypothesised="2021-08", width=width, caption="grid caption"),
    }
    return {k: v[0] for k, v in out.items()}


def _panel():
    rows = []
    for src in ("A", "B"):
        for i, m in enumerate(pd.period_range("2019-01", "2020-12", freq="M")):
            rows.append({"month": str(m), "region": "national", "group": "all",
                         "measure": "events", "source": src,
                         "value": np.nan if (src == "B" and i < 6) else float(10 + i)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("width", ["single", "double"])
def test_every_figure_readable_and_unclipped(width):
    for name, fig in _figures(width).items():
        assert fig.get_size_inches()[0] == pytest.approx(3.5 if width == "single" else 7.0), name
        assert plot.check_figure(fig) == [], name


def test_check_figure_finds_small_and_clipped_text():
    fig, ax = plot.figure("single")
    ax.text(0.5, 0.5, "tiny", fontsize=5)
    ax.legend(handles=ax.plot([1, 2], label="a long legend entry outside")[:1],
              loc="upper left", bbox_to_anchor=(1.5, 1.0))
    problems = plot.check_figure(fig)
    assert any("tiny" in p and "5 pt" in p for p in problems)
    assert any("legend is clipped" in p for p in problems)


def _digest(paths):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_one_column_files_byte_identical(tmp_path):
    runs = []
    for k in range(2):
        full, small = plot.one_column(plot.plot_its, _fit("M"), source="x")
        paths = plot.save_figure(full, tmp_path / str(k) / "its", one_column=small)
        assert [p.name for p in paths] == ["its.png", "its.svg", "its-1col.png", "its-1col.svg"]
        runs.append(_digest(paths))
    assert runs[0] == runs[1]


def test_one_column_refuses_a_wide_figure(tmp_path):
    full, _ = plot.plot_its(_fit("M"))
    with pytest.raises(SpecificationError, match="3.5 in wide"):
        plot.save_figure(full, tmp_path / "f", one_column=full)
    assert not list(tmp_path.iterdir())


def test_grid_marks_hypothesised_and_best():
    grid = break_date_grid(_fit("M").spec)
    fig, ax = plot_grid(grid, hypothesised="2021-08", width="single")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    best = grid.loc[grid["aic"].idxmin(), "break_1"]
    assert any(lab.startswith(f"best (lowest AIC): {best}") for lab in labels)
    assert any(lab.startswith("hypothesised: 2021-08") for lab in labels)
    x = sorted(grid["break_1"].astype(str))
    hyp_line = next(ln for ln in ax.get_lines() if str(ln.get_label()).startswith("hypoth"))
    assert hyp_line.get_xdata()[0] == x.index("2021-08")
    with pytest.raises(SpecificationError, match="not in the grid"):
        plot_grid(grid, hypothesised="1990-01")
