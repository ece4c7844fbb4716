"""`trends fit --plot/--report`, `trends report FIT_DIR`, results.report(), summary.md content,
and the report opened in a real headless browser (Debian's chromium; skipped where absent)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trends
from trends.cli import main

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture
def series_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(11)
    months = pd.period_range("2018-01", "2023-12", freq="M")
    mu = np.where(months >= pd.Period("2021-08", "M"), 30.0, 20.0)
    y = rng.poisson(mu).astype(float)
    y[[5, 6, 40]] = np.nan
    path = tmp_path / "in" / "series.csv"
    path.parent.mkdir()
    pd.DataFrame({"month": months.astype(str), "events": y}).to_csv(path, index=False)
    return path


ARGS = ["--outcome", "events", "--date", "month", "--interruption", "change=2021-08:level",
        "--family", "poisson", "--cov", "hac:3", "--window", "first_year=2021-08:2022-07"]


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir())}


def test_plot_is_byte_identical_and_committed_with_the_rest(series_csv, tmp_path, capsys):
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name
        assert main(["fit", str(series_csv), *ARGS, "--plot", "--out", str(out)]) == 0
        runs.append(_digests(out))
    assert set(runs[0]) == {"table.csv", "summary.md", "windows.csv", "fit.png", "fit.svg",
                            "fit.json"}
    a = dict(runs[0]); b = dict(runs[1])  # noqa: E702
    # fit.json names its own --out folder; everything else is the same bytes
    a.pop("fit.json"); b.pop("fit.json")  # noqa: E702
    assert a == b
    assert (tmp_path / "a" / "fit.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (tmp_path / "a" / "fit.svg").read_text()
    assert "fit.png" in capsys.readouterr().out


def test_plot_refused_over_an_input(series_csv, tmp_path, capsys):
    out = series_csv.parent
    target = out / "fit.png"
    shutil.copyfile(series_csv, target)
    before = target.read_bytes()
    assert main(["fit", str(target), *ARGS, "--plot", "--out", str(out)]) == 2
    assert "input" in capsys.readouterr().err
    assert target.read_bytes() == before and not (out / "table.csv").exists()


def test_failed_figure_leaves_no_output(series_csv, tmp_path, monkeypatch, capsys):
    from trends import plot

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plot, "write_figure", boom)
    out = tmp_path / "o"
    assert main(["fit", str(series_csv), *ARGS, "--plot", "--out", str(out)]) == 2
    assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]


def test_summary_describes_data_model_and_columns(series_csv, tmp_path):
    out = tmp_path / "o"
    assert main(["fit", str(series_csv), *ARGS, "--family", "negbin", "--seasonality", "none",
                 "--out", str(out)]) == 0
    text = (out / "summary.md").read_text()
    for needle in ("# ITS fit: events in series.csv", "**Data file**", "**Selection**: all rows",
                   "**Window**", "negative binomial NB2", "**Seasonality**: none",
                   "**Covariates**: none", "**Offset**: none", "**Covariance**: HAC",
                   "72 in the calendar, 69 used, 3 with the outcome missing",
                   "**Convergence**: converged", "**Estimation warnings**",
                   "`ratio, ratio_low, ratio_high`", "level[NAME]", "slope[NAME]"):
        assert needle in text, needle


def test_report_html_self_contained(series_csv, tmp_path):
    out = tmp_path / "o"
    assert main(["fit", str(series_csv), *ARGS, "--report", "--out", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert 'src="data:image/png;base64,' in page and "<table>" in page
    assert "http://" not in page and "https://" not in page  # nothing fetched
    assert "At change (2021-08)" in page and "Provenance" in page and "SHA-256" in page
    # trends report FIT_DIR re-runs the fit from fit.json: the same page, byte for byte
    (out / "report.html").unlink()
    record = json.loads((out / "fit.json").read_text())
    assert record["options"]["report"] is True
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").read_text() == page


def test_report_refuses_a_changed_input(series_csv, tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["fit", str(series_csv), *ARGS, "--out", str(out)]) == 0
    series_csv.write_text(series_csv.read_text() + "2024-01,3\n")
    assert main(["report", str(out)]) == 2
    assert "changed" in capsys.readouterr().err and not (out / "report.html").exists()
    assert main(["report", str(tmp_path)]) == 2


def test_results_report_paragraphs():
    df = pd.DataFrame({"m": pd.period_range("2019-01", periods=48, freq="M"),
                       "y": np.r_[np.full(24, 20.0), np.full(24, 30.0)]
                       + np.tile([1.0, -1.0, 2.0, -2.0], 12)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = trends.ITS(df, outcome="y", date="m", family="poisson",
                         interruptions={"change": "2021-01"}, changes="level").fit()
    text = res.report()
    paras = text.split("\n\n")
    assert len(paras) == 2
    r = res.table().loc["level[change]"]
    assert f"factor of {r['ratio']:.2f}" in paras[0]
    assert f"{r['ratio_low']:.2f} to {r['ratio_high']:.2f}" in paras[0]
    assert "p < 0.001" in paras[0] and "0.000" not in text
    assert "trends.robust.calibrate" in paras[1]


def _chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--virtual-time-budget=5000", *args],
        capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_report_renders_in_a_headless_browser(series_csv, tmp_path):
    out = tmp_path / "o"
    assert main(["fit", str(series_csv), *ARGS, "--report", "--out", str(out)]) == 0
    page = (out / "report.html").read_text()
    # a copy with a probe that writes what the browser laid out into the DOM
    probe = ("<script>window.addEventListener('load', function () {"
             "var img = document.getElementById('fit-figure');"
             "var t = document.querySelectorAll('table');"
             "document.body.setAttribute('data-probe', [img.complete, img.naturalWidth,"
             "img.naturalHeight, img.getBoundingClientRect().width, t.length,"
             "t[0].rows.length, t[0].getBoundingClientRect().height].join(','));});"
             "</script></body>")
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", probe))
    run = _chromium(["--dump-dom", probed.as_uri()], tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    import re

    m = re.search(r'data-probe="([^"]+)"', run.stdout)
    assert m, run.stdout[:2000]
    complete, nw, nh, shown, n_tables, rows, height = m.group(1).split(",")
    assert complete == "true" and int(nw) == 2100 and int(nh) > 500  # 7 in at 300 dpi
    assert float(shown) > 300 and int(n_tables) == 2 and int(rows) >= 3 and float(height) > 40
    shot = tmp_path / "shot.png"
    run = _chromium(["--window-size=1000,1400", f"--screenshot={shot}",
                     (out / "report.html").as_uri()], tmp_path)
    assert run.returncode == 0 and shot.stat().st_size > 20_000


def test_structural_fit_plot_and_report_together(series_csv, tmp_path):
    out = tmp_path / "s"
    args = ["fit", str(series_csv), "--outcome", "events", "--date", "month",
            "--interruption", "change=2021-08:level", "--model", "structural",
            "--draws", "200", "--plot", "--report", "--out", str(out)]
    assert main(args) == 0
    assert {p.name for p in out.iterdir()} == {"table.csv", "summary.md", "fit.png",
                                               "fit.svg", "report.html", "fit.json"}
    text = (out / "summary.md").read_text()
    assert text.startswith("# Structural ITS fit: events in series.csv")
    assert "**Selection**: all rows" in text
    page = (out / "report.html").read_text()
    assert "data:image/png;base64," in page and "At change (2021-08)" in page
