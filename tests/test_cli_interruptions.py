"""``--interruption NAME=DATE[:CHANGES]``, ``--covariate TRANSFORM:COL`` and self-describing
``--help``: the command line can express the project's own main models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trends
from trends import analysis
from trends.cli import build_parser, main
from trends.commands.fit import parse_interruption_changes
from trends.errors import SpecificationError

ROOT = Path(__file__).resolve().parents[1]
PANEL = ROOT / "data" / "processed" / "panel.csv"


@pytest.mark.parametrize("spec", analysis.MAIN, ids=lambda s: s.name)
def test_cli_reproduces_the_main_models(spec, tmp_path):
    """The CLI table of the main models equals trends.ITS fitted directly on the same series."""
    out = tmp_path / spec.name
    argv = ["fit", str(PANEL), "--date", "month", "--outcome", "value",
            "--select", f"measure={spec.measure}", "--select", f"region={spec.region}",
            "--select", f"group={spec.group}", "--select", f"source={spec.source}",
            "--start", spec.start, "--end", spec.end, "--family", spec.family, "--cov", "hac",
            "--out", str(out)]
    for name, date in spec.interruptions:
        argv += ["--interruption", f"{name}={date}:{dict(spec.changes)[name]}"]
    assert main(argv) == 0
    table = pd.read_csv(out / "table.csv").set_index("term")
    ref = analysis.fit(analysis.load_inputs(ROOT / "data" / "processed"), spec).table()
    assert list(table.index) == list(ref.index)
    assert "slope[takeover]" not in table.index and "slope[ceasefire_end]" in table.index
    cols = ["estimate", "std_error", "ci_low", "ci_high", "p_value", "ratio"]
    np.testing.assert_allclose(table[cols].to_numpy(), ref[cols].to_numpy(dtype=float),
                               rtol=1e-7)


def test_changes_default_for_the_rest(tmp_path):
    rng = np.random.default_rng(5)
    months = pd.period_range("2015-01", periods=72, freq="M")
    df = pd.DataFrame({"month": months.astype(str), "y": rng.poisson(30, 72),
                       "kms": np.linspace(1e4, 2e4, 72).round()})
    csv = tmp_path / "s.csv"
    df.to_csv(csv, index=False)
    out = tmp_path / "o"
    assert main(["fit", str(csv), "--outcome", "y", "--date", "month", "--family", "poisson",
                 "--interruption", "a=2017-01:slope", "--interruption", "b=2019-01",
                 "--changes", "level", "--covariate", "log:kms", "--out", str(out)]) == 0
    table = pd.read_csv(out / "table.csv")
    res = trends.ITS(df.assign(**{"log(kms)": np.log(df["kms"])}), outcome="y", date="month",
                     interruptions={"a": "2017-01", "b": "2019-01"},
                     changes={"a": "slope", "b": "level"}, covariates=["log(kms)"],
                     family="poisson").fit()
    assert table["term"].tolist() == res.terms == [
        "intercept", "trend", "slope[a]", "level[b]", "log(kms)"]
    np.testing.assert_allclose(table["estimate"], res.params.to_numpy(), rtol=1e-9)


@pytest.mark.parametrize(("transform", "func"), [
    ("log1p", np.log1p), ("sqrt", np.sqrt), ("center", lambda x: x - x.mean()),
    ("z", lambda x: (x - x.mean()) / x.std(ddof=1)),
])
def test_covariate_transforms(transform, func, tmp_path):
    rng = np.random.default_rng(9)
    df = pd.DataFrame({"month": pd.period_range("2015-01", periods=48, freq="M").astype(str),
                       "y": rng.normal(10, 1, 48), "x": rng.uniform(1, 5, 48)})
    csv = tmp_path / "s.csv"
    df.to_csv(csv, index=False)
    assert main(["fit", str(csv), "--outcome", "y", "--date", "month", "--interruption",
                 "a=2017-01", "--covariate", f"{transform}:x", "--out", str(tmp_path / "o")]) == 0
    table = pd.read_csv(tmp_path / "o" / "table.csv")
    ref = trends.ITS(df.assign(**{f"{transform}(x)": func(df["x"])}), outcome="y",
                     date="month", interruptions={"a": "2017-01"},
                     covariates=[f"{transform}(x)"]).fit()
    np.testing.assert_allclose(table["estimate"], ref.params.to_numpy(), rtol=1e-8)


def test_covariate_transform_errors(tmp_path, capsys):
    csv = tmp_path / "s.csv"
    rows = [f"2015-{m:02d},{m},{m - 3}" for m in range(1, 13)]
    csv.write_text("month,y,x\n" + "\n".join(rows) + "\n")
    base = ["fit", str(csv), "--outcome", "y", "--date", "month", "--interruption", "a=2015-06",
            "--out", str(tmp_path / "o")]
    assert main([*base, "--covariate", "log:x"]) == 2
    assert f"{csv}:2: field 'x': cannot take log of this value (saw -2)" in capsys.readouterr().err
    assert main([*base, "--covariate", "exp:x"]) == 2
    assert "unknown transform 'exp'" in capsys.readouterr().err
    assert main([*base, "--covariate", "log:kms"]) == 2
    assert f"{csv}:1: field 'kms': --covariate names a column" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "expected"), [
    ("takeover=2021-08", ("takeover", "2021-08", None)),
    ("takeover=2021-08:level", ("takeover", "2021-08", "level")),
    ("ceasefire=2021-11:level+slope", ("ceasefire", "2021-11", "level+slope")),
    ("x=Aug 2021:Slope", ("x", "Aug 2021", "slope")),
    ("x=2021-08-01T00:00", ("x", "2021-08-01T00:00", None)),
])
def test_parse_interruption_changes(text, expected):
    assert parse_interruption_changes(text) == expected


@pytest.mark.parametrize("text", ["x=2021-08:levle", "x=:level", "x=2021-08:"])
def test_parse_interruption_changes_refuses(text):
    with pytest.raises(SpecificationError, match="is not valid"):
        parse_interruption_changes(text)


@pytest.mark.parametrize(("command", "outputs"), [
    ("fit", ["table.csv", "summary.md"]), ("robust", ["grid.csv", "grid.md"]),
    ("clean", ["panel.csv", "audit.csv", "alternatives.csv", "periods.csv"]),
    ("reproduce", ["figures/", "results/", "provenance.json"]),
    ("vocabulary", ["regions.csv", "groups.csv", "measures.csv", "rules.json", "README.md"]),
])
def test_help_names_output_files(command, outputs, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in outputs:
        assert name in text, (command, name)
