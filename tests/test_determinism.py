"""Determinism: the same input gives byte-identical outputs, whatever the run, the order in which
the inputs are given, the hash seed of the process, or the folder the project is checked out in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from bad_inputs.harness import (
    HERE,
    ROOT,
    load_catalogue,
    run_inprocess,
    snapshot,
    temp_leftovers,
    trends_command,
)

#: Every accepted committed catalogue file: many sources, layouts, encodings, totals, revisions.
MESSY = sorted(HERE / c.file for c in load_catalogue()
               if c.outcome == "accept" and not c.generated)
OUTPUTS = ("panel.csv", "audit.csv")


def _bytes(folder: Path) -> dict[str, bytes]:
    return {name: data for name, (data, _mtime) in snapshot(folder).items()}


def _stage(files: list[Path], dest: Path) -> list[Path]:
    """Copy ``files`` into ``dest`` (same names) so that every run sees the same paths."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for f in files:
        shutil.copyfile(f, dest / f.name)
        out.append(dest / f.name)
    return out


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    """The messy catalogue files plus the embedded data tables, in one folder."""
    raw = sorted(p for p in (ROOT / "data" / "raw").glob("*.csv"))
    return _stage([*MESSY, *raw], tmp_path_factory.mktemp("det") / "in")


def test_inputs_are_many_and_varied(inputs):
    assert len(inputs) >= 30
    assert {p.suffix for p in inputs} >= {".csv", ".tsv", ".xlsx", ".txt"}


def test_two_runs_are_byte_identical(inputs, tmp_path, capsys):
    for name in ("a", "b"):
        run = run_inprocess(["clean", *inputs, "--out", tmp_path / name], capsys)
        assert run.status == 0, run.err
    a, b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert set(OUTPUTS) <= set(a)
    assert a == b


def test_input_order_does_not_matter(inputs, tmp_path, capsys):
    orders = {"forward": inputs, "reversed": list(reversed(inputs)),
              "interleaved": inputs[1::2] + inputs[0::2]}
    results = {}
    for name, order in orders.items():
        run = run_inprocess(["clean", *order, "--out", tmp_path / name], capsys)
        assert run.status == 0, run.err
        results[name] = _bytes(tmp_path / name)
    assert results["forward"] == results["reversed"] == results["interleaved"]


def test_folder_or_files_give_the_same_output(inputs, tmp_path, capsys):
    folder = inputs[0].parent
    assert run_inprocess(["clean", folder, "--out", tmp_path / "folder"], capsys).status == 0
    assert run_inprocess(["clean", *reversed(inputs), "--out", tmp_path / "files"],
                         capsys).status == 0
    assert _bytes(tmp_path / "folder") == _bytes(tmp_path / "files")


def test_rerun_over_earlier_output_is_identical_and_clean(inputs, tmp_path, capsys):
    out = tmp_path / "out"
    assert run_inprocess(["clean", *inputs, "--out", out], capsys).status == 0
    first = _bytes(out)
    assert run_inprocess(["clean", *inputs, "--out", out], capsys).status == 0
    assert _bytes(out) == first
    assert temp_leftovers(out) == []


@pytest.mark.slow
def test_hash_seed_and_process_do_not_matter(inputs, tmp_path):
    """Separate processes with different ``PYTHONHASHSEED`` (set/dict order) write the same bytes."""
    for seed, order in (("1", list(reversed(inputs))), ("4242", inputs)):
        env = {**os.environ, "PYTHONHASHSEED": seed, "MPLBACKEND": "Agg"}
        proc = subprocess.run([*trends_command(), "clean", *map(str, order),
                               "--out", str(tmp_path / seed)],
                              capture_output=True, text=True, env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr
    assert _bytes(tmp_path / "1") == _bytes(tmp_path / "4242")


# --------------------------------------------------------------------------- the whole pipeline


def _copy_project(dest: Path) -> Path:
    """A copy of the project tree without venv, git, caches and earlier outputs."""
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".pytest_cache",
                                    ".hypothesis", "*.egg-info", ".ipynb_checkpoints")
    shutil.copytree(ROOT, dest, ignore=ignore)
    for sub in ("data/processed", "figures", "results"):
        d = dest / sub
        if d.is_dir():
            for p in d.rglob("*"):
                if p.is_file() and p.name != ".gitkeep":
                    p.unlink()
    return dest


def _outputs(root: Path) -> dict[str, bytes]:
    out = {}
    for sub in ("data/processed", "figures", "results"):
        for name, data in _bytes(root / sub).items():
            out[f"{sub}/{name}"] = data
    return out


def _reproduce(root: Path, *stages: str) -> subprocess.CompletedProcess[str]:
    args = [*trends_command(), "reproduce", "--root", str(root)]
    for s in stages:
        args += ["--stage", s]
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=600,
                          cwd=root)


def test_reproduce_clean_stage_is_location_independent(tmp_path):
    """``trends reproduce --stage clean`` in two checkouts writes identical bytes."""
    roots = [_copy_project(tmp_path / name) for name in ("checkout_a", "checkout_b")]
    for r in roots:
        proc = _reproduce(r, "clean")
        assert proc.returncode == 0, proc.stderr
    a, b = (_bytes(r / "data" / "processed") for r in roots)
    assert {"panel.csv", "audit.csv"} <= set(a)
    assert a == b
    assert str(tmp_path) not in a["audit.csv"].decode(), "audit names absolute paths"


@pytest.mark.slow
def test_reproduce_all_outputs_are_byte_identical(tmp_path):
    """Every output of ``trends reproduce`` (panel, audit, tables, figures, provenance) is
    byte-identical across two runs in one checkout and across two checkouts."""
    roots = [_copy_project(tmp_path / name) for name in ("checkout_a", "checkout_b")]
    first = {}
    for r in roots:
        proc = _reproduce(r)
        assert proc.returncode == 0, proc.stderr[-2000:]
        first[r.name] = _outputs(r)
    proc = _reproduce(roots[0])
    assert proc.returncode == 0, proc.stderr[-2000:]
    again = _outputs(roots[0])
    a, b = first["checkout_a"], first["checkout_b"]
    assert len(a) >= 4
    differ = sorted(k for k in set(a) | set(again) if a.get(k) != again.get(k))
    assert not differ, f"outputs that changed between two runs in one checkout: {differ}"
    differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    assert not differ, f"outputs that depend on the checkout folder: {differ}"
