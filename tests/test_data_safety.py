"""Data safety (issue 15, "Data loss"): no output may overwrite, shadow or land inside an input,
and every command commits its outputs all-or-nothing (:class:`trends.atomic.OutputSet`).

Kill safety (signals at known points) is in ``test_kill_safety_commands.py``; these tests cover
refusals and failures inside the process (an error while writing the second output, a full
disk, a failing reproduce stage).
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bad_inputs.harness import HERE, file_state, one_line, run_inprocess, snapshot

from trends import atomic
from trends.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
GED = ROOT / "tests" / "fixtures" / "events" / "ged_small.csv"
FIT_ARGS = ["--outcome", "attacks", "--date", "month", "--interruption", "t=2021-08",
            "--family", "poisson"]


def _series(path: Path) -> Path:
    months = pd.period_range("2018-01", "2023-12", freq="M")
    rng = np.random.default_rng(3)
    pd.DataFrame({"month": months.strftime("%Y-%m"),
                  "attacks": rng.poisson(20, len(months))}).to_csv(path, index=False)
    return path


def _refused(run, *paths: object) -> str:
    assert run.status == 2, (run.status, run.err)
    line = one_line(run.err)
    for p in paths:
        assert str(p) in line, line
    return line


# --------------------------------------------------------------------------- output == input

def test_clean_output_named_like_its_input_is_refused(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    src = data / "panel.csv"
    shutil.copyfile(HERE / "a01_baseline.csv", src)
    before = file_state(src)
    run = run_inprocess(["clean", src, "--out", data], capsys)
    line = _refused(run, src)
    assert "same file as an input" in line
    assert file_state(src) == before


@pytest.mark.parametrize("where", ["same", "inside"])
def test_clean_out_in_an_input_folder_is_refused(tmp_path, capsys, where):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copyfile(HERE / "a01_baseline.csv", raw / "a.csv")
    out = raw if where == "same" else raw / "clean"
    before = snapshot(raw)
    run = run_inprocess(["clean", raw, "--out", out], capsys)
    line = _refused(run, out, raw)
    assert "input folder" in line
    assert snapshot(raw) == before


def test_clean_output_symlinked_to_the_input_is_refused(tmp_path, capsys):
    src = tmp_path / "table.csv"
    shutil.copyfile(HERE / "a01_baseline.csv", src)
    out = tmp_path / "out"
    out.mkdir()
    (out / "audit.csv").symlink_to(src)
    before = file_state(src)
    run = run_inprocess(["clean", src, "--out", out], capsys)
    _refused(run, out / "audit.csv", src)
    assert file_state(src) == before


def test_clean_output_hard_linked_to_the_input_is_refused(tmp_path, capsys):
    src = tmp_path / "table.csv"
    shutil.copyfile(HERE / "a01_baseline.csv", src)
    out = tmp_path / "out"
    out.mkdir()
    os.link(src, out / "periods.csv")
    run = run_inprocess(["clean", src, "--out", out], capsys)
    _refused(run, out / "periods.csv", src)


def test_event_cleaning_output_equal_to_input_is_refused(tmp_path, capsys):
    src = tmp_path / "audit.csv"
    shutil.copyfile(GED, src)
    before = file_state(src)
    run = run_inprocess(["clean", "--format", "ucdp-ged", src, "--out", tmp_path], capsys)
    _refused(run, src)
    assert file_state(src) == before
    run = run_inprocess(["clean", "--format", "ucdp-ged", tmp_path, "--out", tmp_path / "x"],
                        capsys)
    _refused(run, tmp_path / "x")


@pytest.mark.parametrize(("command", "name"), [("fit", "table.csv"), ("fit", "summary.md"),
                                          ("robust", "grid.csv"), ("robust", "grid.md")])
def test_fit_and_robust_output_equal_to_input_is_refused(tmp_path, capsys, command, name):
    src = _series(tmp_path / name)
    before = file_state(src)
    run = run_inprocess([command, src, *FIT_ARGS, "--out", tmp_path], capsys)
    _refused(run, src)
    assert file_state(src) == before


def test_reproduce_refuses_a_processed_folder_inside_the_raw_folder(tmp_path, capsys):
    root = tmp_path / "proj"
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    shutil.copyfile(ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "data" / "processed").symlink_to(root / "data" / "raw")
    before = snapshot(root / "data" / "raw")
    run = run_inprocess(["reproduce", "--root", root, "--stage", "clean"], capsys)
    _refused(run, "input folder")
    assert snapshot(root / "data" / "raw") == before


def test_check_outputs_not_inputs_accepts_separate_paths(tmp_path):
    (tmp_path / "in.csv").write_text("x\n")
    atomic.check_outputs_not_inputs([tmp_path / "in.csv"], [tmp_path / "out" / "in.csv"],
                                    tmp_path / "out")
    with pytest.raises(InputError, match="same file"):
        atomic.check_outputs_not_inputs([tmp_path / "in.csv"], [tmp_path / "in.csv"])


# --------------------------------------------------------------------------- all or nothing

def _fail_on(monkeypatch, nth: int, exc: BaseException) -> None:
    """Make the ``nth`` staged output of any OutputSet fail with ``exc``."""
    real = atomic.tempfile.mkstemp
    count = {"n": 0}

    def mkstemp(*args, **kwargs):
        count["n"] += 1
        if count["n"] == nth:
            raise exc
        return real(*args, **kwargs)

    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".trends-tmp-*"))


@pytest.mark.parametrize(("command", "args", "files"), [
    ("clean", [HERE / "a01_baseline.csv"], ["panel.csv", "audit.csv", "alternatives.csv",
                                            "periods.csv"]),
    ("clean", ["--format", "ucdp-ged", GED], ["panel.csv", "panel_weekly.csv", "annual.csv",
                                              "audit.csv"]),
    ("fit", ["SERIES", *FIT_ARGS], ["table.csv", "summary.md"]),
    ("robust", ["SERIES", *FIT_ARGS], ["grid.csv", "grid.md"]),
], ids=["clean", "clean-events", "fit", "robust"])
@pytest.mark.parametrize("failure", ["error", "disk-full"])
def test_a_failed_second_write_leaves_the_earlier_complete_set(tmp_path, capsys, monkeypatch,
                                                               command, args, files, failure):
    series = _series(tmp_path / "series.csv")
    args = [series if a == "SERIES" else a for a in args]
    out = tmp_path / "out"
    assert run_inprocess([command, *args, "--out", out], capsys).status == 0
    for f in files:  # an earlier complete set, distinguishable from a new one
        (out / f).write_bytes((out / f).read_bytes() + b"# earlier\n")
    before = snapshot(out)
    exc = (OSError(errno.ENOSPC, "No space left on device") if failure == "disk-full"
           else KeyboardInterrupt())
    _fail_on(monkeypatch, 2, exc)
    run = run_inprocess([command, *args, "--out", out], capsys)
    assert run.status == (2 if failure == "disk-full" else 130), run.err
    line = one_line(run.err)
    if failure == "disk-full":
        assert "No space left on device" in line and str(out / files[1]) in line, line
    else:
        assert "interrupted; earlier outputs are intact" in line
    assert snapshot(out) == before
    assert _leftovers(out) == []


def test_disk_full_while_writing_names_the_output_path(tmp_path):
    target = tmp_path / "t.csv"

    def writer(tmp: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space left") as info, atomic.OutputSet() as out:
        out.write_with(target, writer)
    assert info.value.filename == str(target)
    assert not target.exists() and _leftovers(tmp_path) == []


def test_a_failing_reproduce_stage_leaves_every_earlier_output(tmp_path, monkeypatch, capsys):
    from trends import reproduce

    root = tmp_path / "proj"
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    shutil.copyfile(ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "results").mkdir()
    (root / "results" / "provenance.json").write_text("{}\n")
    (root / "data" / "processed").mkdir()
    (root / "data" / "processed" / "panel.csv").write_text("earlier\n")
    before = snapshot(root)

    def boom(ctx):
        raise InputError("stage failed on purpose")

    stages = [*reproduce.STAGES[:1], reproduce.Stage("boom", boom)]
    monkeypatch.setattr(reproduce, "STAGES", stages)
    run = run_inprocess(["reproduce", "--root", root], capsys)
    assert run.status == 2 and "stage failed on purpose" in run.err
    assert snapshot(root) == before  # clean succeeded, but nothing was swapped in
    assert _leftovers(root) == []


def test_reproduce_without_the_provenance_stage_removes_a_stale_record(tmp_path, capsys):
    root = tmp_path / "proj"
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    shutil.copyfile(ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "results").mkdir()
    (root / "results" / "provenance.json").write_text("{}\n")
    run = run_inprocess(["reproduce", "--root", root, "--stage", "clean"], capsys)
    assert run.status == 0, run.err
    assert not (root / "results" / "provenance.json").exists()
    assert "provenance.json removed" in run.out
    # an unchanged re-run touches nothing
    before = snapshot(root)
    assert run_inprocess(["reproduce", "--root", root, "--stage", "clean"], capsys).status == 0
    assert snapshot(root) == before
    assert _leftovers(root) == []
