"""`trends reproduce` twice on a copy of the project gives byte-identical figures and results."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# two full pipeline runs in subprocesses (about 15 s of CPU)
pytestmark = pytest.mark.slow


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


def _reproduce(root: Path) -> None:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-m", "trends", "reproduce", "--root", str(root)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, root):
    copy = tmp_path_factory.mktemp("project")
    shutil.copy(root / "pyproject.toml", copy / "pyproject.toml")
    shutil.copytree(root / "data" / "raw", copy / "data" / "raw")
    shutil.copy(root / "data" / "claims.csv", copy / "data" / "claims.csv")
    _reproduce(copy)
    first = {d: _digest(copy / d) for d in ("figures", "results")}
    _reproduce(copy)
    second = {d: _digest(copy / d) for d in ("figures", "results")}
    return copy, first, second


def test_outputs_identical(two_runs):
    _, first, second = two_runs
    assert first == second


def test_every_figure_and_table_written(two_runs):
    from trends.outputs import FIGURES, TABLES

    _, first, _ = two_runs
    for stem in FIGURES:
        assert {f"{stem}.png", f"{stem}.svg"} <= set(first["figures"])
    for stem in TABLES:
        assert {f"{stem}.csv", f"{stem}.md", f"{stem}.tex"} <= set(first["results"])
    assert "provenance.json" in first["results"]


def test_provenance_matches_outputs(two_runs):
    copy, first, _ = two_runs
    record = json.loads((copy / "results" / "provenance.json").read_text())
    assert record["inputs"]["data/raw/picss.csv"] == hashlib.sha256(
        (copy / "data" / "raw" / "picss.csv").read_bytes()).hexdigest()
    for folder in ("figures", "results"):
        for name, digest in first[folder].items():
            if name != "provenance.json":
                assert record["outputs"][f"{folder}/{name}"] == digest
    assert record["specifications"]["attacks"]["family"] == "negbin"
    assert str(copy) not in json.dumps(record)  # no absolute paths


def test_committed_tables_are_current(two_runs, root):
    """The CSV tables committed in results/ equal a fresh run (re-run `trends reproduce` and
    commit figures/ and results/ after changing data or models). Images and provenance.json
    are left out: they also record the platform (package versions, font rasteriser)."""
    _, first, _ = two_runs
    committed = {k: v for k, v in _digest(root / "results").items() if k.endswith(".csv")}
    if not committed:
        pytest.skip("outputs not committed in this checkout")
    fresh = {k: v for k, v in first["results"].items() if k.endswith(".csv")}
    stale = sorted(k for k in fresh if committed.get(k) != fresh[k])
    assert not stale, f"results/ out of date; run `trends reproduce`: {stale}"
