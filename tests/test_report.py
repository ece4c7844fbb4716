"""Tables: fixed number formatting, identical bytes, escaping, effects table assembly."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from trends import report
from trends.errors import SpecificationError


def test_format_number():
    assert report.format_number(1.23456) == "1.235"
    assert report.format_number(1.23456, 1) == "1.2"
    assert report.format_number(-0.0001) == "0.000"
    assert report.format_number(np.nan) == ""
    assert report.format_number(None) == ""
    assert report.format_number(np.int64(7)) == "7"
    assert report.format_number(float("inf")) == "inf"
    assert report.format_number("x") == "x"


def test_write_table_identical_and_consistent(tmp_path):
    df = pd.DataFrame({"term": ["level[a_b]", "slope"], "ratio": [1.5, np.nan],
                       "p": [0.01234, 0.5], "n": [3, 4]})
    h = []
    for k in range(2):
        paths = report.write_table(df, tmp_path / f"t{k}", digits={"p": 4}, caption="Cap 50%",
                                   label="tab:x")
        h.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in paths])
        assert [p.suffix for p in paths] == [".csv", ".md", ".tex"]
    assert h[0] == h[1]
    csv = (tmp_path / "t0.csv").read_text()
    assert csv == "term,ratio,p,n\nlevel[a_b],1.500,0.0123,3\nslope,,0.5000,4\n"
    md = (tmp_path / "t0.md").read_text()
    assert md.splitlines()[2] == "| term | ratio | p | n |"
    assert "|:---|---:|---:|---:|" in md and "| slope |  | 0.5000 | 4 |" in md
    tex = (tmp_path / "t0.tex").read_text()
    assert r"level[a\_b]" in tex and r"\caption{Cap 50\%}" in tex and r"\label{tab:x}" in tex
    assert r"\begin{tabular}{lrrr}" in tex and r"\toprule" in tex


def test_markdown_escapes_pipes():
    t = report.format_frame(pd.DataFrame({"a": ["x|y"]}))
    assert "x\\|y" in report.to_markdown(t)


def test_unknown_format(tmp_path):
    with pytest.raises(SpecificationError, match="unknown table format"):
        report.write_table(pd.DataFrame({"a": [1]}), tmp_path / "x", formats=("xls",))


class _FakeResults:
    """Stands in for ITSResults with the contract's table()/effects() shapes."""

    interruptions = {"takeover": "2021-08", "ceasefire_end": "2021-11"}

    def table(self):
        idx = ["intercept", "trend", "level[takeover]", "slope[takeover]",
               "level[ceasefire_end]", "slope[ceasefire_end]"]
        est = np.array([3.0, 0.01, 0.3, 0.02, -0.1, 0.01])
        t = pd.DataFrame({"estimate": est, "std_error": 0.1, "ci_low": est - 0.2,
                          "ci_high": est + 0.2, "p_value": 0.04}, index=idx)
        t["ratio"], t["ratio_low"], t["ratio_high"] = (np.exp(t["estimate"]), np.exp(t["ci_low"]),
                                                       np.exp(t["ci_high"]))
        return t

    def effects(self, horizons):
        rows = [{"interruption": i, "horizon": h, "abs_effect": 10.0 * h + k,
                 "abs_low": 1.0, "abs_high": 99.0}
                for k, i in enumerate(self.interruptions) for h in horizons]
        return pd.DataFrame(rows)


def test_effects_table():
    t = report.effects_table({"attacks": _FakeResults()}, horizons=(6, 12))
    assert t["interruption"].tolist() == ["takeover", "ceasefire_end"]
    assert t["month"].tolist() == ["2021-08", "2021-11"]
    assert t.loc[0, "level_rr"] == pytest.approx(np.exp(0.3))
    assert t.loc[0, "level_rr_low"] == pytest.approx(np.exp(0.1))
    assert t.loc[1, "excess_12"] == 121.0 and t.loc[0, "excess_6_high"] == 99.0
    assert list(t.columns[:11]) == list(report.EFFECTS_COLUMNS)


def test_readme_lists_every_output(root):
    """README's "Figures and tables" section names every figure and table reproduce writes."""
    from trends.outputs import FIGURES, TABLES

    text = (root / "README.md").read_text()
    for stem in [*FIGURES, *TABLES]:
        assert f"`{stem}`" in text
