"""Kill safety of every command (``clean``, ``clean --format``, ``fit``, ``robust``,
``reproduce``): a run signalled at a known point leaves the earlier complete set of outputs.

No test races the process with a fixed sleep: the run is started with the test hook
``TRENDS_TEST_PAUSE=POINT=MARKER`` (:func:`trends.atomic.pause_point`), which makes it create
MARKER when it reaches POINT and then wait. The test polls for the marker (generous timeout, so
a loaded 2-core machine only makes it slower), sends the signal, and asserts on the final state
only:

* ``staged``: the first output of the set is complete in its temporary file, the others not
  yet written; ``commit``: every output staged, none renamed; for ``reproduce``,
  ``reproduce:clean`` (the clean stage done inside the staging folder) and
  ``reproduce:commit`` (the whole run staged, nothing swapped in);
* afterwards the output folders hold exactly the earlier bytes (every earlier output is marked,
  so an earlier file is told apart from a new one), the input is untouched;
* after SIGINT/SIGTERM: exit status 130/143, one stderr line saying the earlier outputs are
  intact, and no temporary file; after SIGKILL (which no process can intercept) only hidden
  ``.trends-tmp-*`` entries may remain, which every reader skips.

A last test per command runs without a pause and checks the earlier set is replaced completely.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bad_inputs.harness import HERE, TEMP_PREFIX, file_state, snapshot, trends_command

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
GED = ROOT / "tests" / "fixtures" / "events" / "ged_small.csv"
FIT = ["--outcome", "attacks", "--date", "month", "--interruption", "t=2021-08",
       "--family", "poisson"]
#: how long a run may take to reach its pause point on a loaded machine
TIMEOUT = 300.0


def _series(path: Path) -> Path:
    months = pd.period_range("2016-01", "2023-12", freq="M")
    rng = np.random.default_rng(5)
    pd.DataFrame({"month": months.strftime("%Y-%m"),
                  "attacks": rng.poisson(30, len(months))}).to_csv(path, index=False)
    return path


def _project(root: Path) -> Path:
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    shutil.copyfile(ROOT / "data" / "claims.csv", root / "data" / "claims.csv")
    shutil.copyfile(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def _command(name: str, work: Path, create: bool = True) -> tuple[list[str], list[Path], Path]:
    """Arguments, output folders and the input of one command inside ``work`` (with
    ``create``, the input files are made)."""
    if name in ("clean", "clean-events"):
        src = work / "in" / ("table.csv" if name == "clean" else "ged.csv")
        if create:
            src.parent.mkdir()
            shutil.copyfile(HERE / "a01_baseline.csv" if name == "clean" else GED, src)
        fmt = [] if name == "clean" else ["--format", "ucdp-ged"]
        return ["clean", *fmt, str(src), "--out", str(work / "out")], [work / "out"], src
    if name in ("fit", "robust"):
        src = _series(work / "series.csv") if create else work / "series.csv"
        return [name, str(src), *FIT, "--out", str(work / "out")], [work / "out"], src
    root = _project(work / "proj") if create else work / "proj"
    folders = [root / "data" / "processed", root / "figures", root / "results"]
    return (["reproduce", "--root", str(root), "--stage", "clean"], folders,
            root / "data" / "raw" / "picss.csv")


_EARLIER: dict[str, Path] = {}


def _prepared(command: str, tmp_path_factory, tmp_path: Path) -> tuple[list[str], list[Path],
                                                                      Path]:
    """A work folder holding the input and a complete, marked earlier run (made once per
    command, then copied with bytes and mtimes)."""
    if command not in _EARLIER:
        base = tmp_path_factory.mktemp(f"earlier-{command}")
        args, folders, _ = _command(command, base)
        _earlier(args, folders)
        _EARLIER[command] = base
    work = tmp_path / "w"
    shutil.copytree(_EARLIER[command], work, symlinks=True)
    return _command(command, work, create=False)


def _run(args: list[str], env: dict[str, str] | None = None, **kw) -> subprocess.Popen[str]:
    full = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", **(env or {})}
    return subprocess.Popen([*trends_command(), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=full, **kw)


def _earlier(args: list[str], folders: list[Path]) -> None:
    """A complete earlier run, every file marked so that it differs from a new one."""
    proc = _run(args)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        for f in folder.iterdir():
            if f.is_file():
                f.write_bytes(f.read_bytes() + b"\n# earlier run\n")
        (folder / "notes.txt").write_text("a user's file\n", encoding="utf-8")


def _state(folders: list[Path]) -> dict[str, bytes]:
    out = {}
    for folder in folders:
        for name, (data, _) in snapshot(folder).items():
            if not any(part.startswith(TEMP_PREFIX) for part in Path(name).parts):
                out[f"{folder.name}/{name}"] = data
    return out


def _temps(work: Path) -> list[str]:
    return sorted(str(p.relative_to(work)) for p in work.rglob(f"{TEMP_PREFIX}*"))


def _wait_for(marker: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not marker.exists():
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"the run ended (status {proc.returncode}) before its pause point: "
                        f"{err[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            proc.communicate()
            pytest.fail(f"the run did not reach its pause point within {TIMEOUT} s")
        time.sleep(0.05)


COMMANDS = ["clean", "clean-events", "fit", "robust", "reproduce"]
POINTS = {"clean": ["staged", "commit"], "clean-events": ["staged", "commit"],
          "fit": ["staged", "commit"], "robust": ["staged", "commit"],
          "reproduce": ["reproduce:clean", "reproduce:commit"]}
CASES = [(c, p, s) for c in COMMANDS for p in POINTS[c]
         for s in ((signal.SIGINT, signal.SIGTERM, signal.SIGKILL) if p.endswith("commit")
                   else (signal.SIGKILL,))]


@pytest.mark.parametrize(("command", "point", "sig"), CASES,
                         ids=[f"{c}-{p}-{signal.Signals(s).name}" for c, p, s in CASES])
def test_signal_at_a_known_point_leaves_the_earlier_outputs(tmp_path_factory, tmp_path, command,
                                                            point, sig):
    args, folders, src = _prepared(command, tmp_path_factory, tmp_path)
    before, input_before = _state(folders), file_state(src)
    marker = tmp_path / "paused"
    proc = _run(args, env={"TRENDS_TEST_PAUSE": f"{point}={marker}"})
    _wait_for(marker, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert "Traceback" not in err, err
    assert _state(folders) == before, "the earlier outputs were changed by a stopped run"
    assert file_state(src) == input_before, "the input was modified"
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        assert all(Path(t).name.startswith(TEMP_PREFIX) for t in _temps(tmp_path))
    else:
        assert proc.returncode == 128 + sig, err
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and "earlier outputs are intact" in lines[0], err
        assert _temps(tmp_path) == [], "temporary outputs left behind"


@pytest.mark.parametrize("command", COMMANDS)
def test_after_sigkill_the_next_run_replaces_the_whole_set(tmp_path_factory, tmp_path, command):
    args, folders, _ = _prepared(command, tmp_path_factory, tmp_path)
    before = _state(folders)
    marker = tmp_path / "paused"
    point = POINTS[command][-1]
    proc = _run(args, env={"TRENDS_TEST_PAUSE": f"{point}={marker}"})
    _wait_for(marker, proc)
    proc.kill()
    proc.communicate(timeout=TIMEOUT)
    rerun = _run(args)
    _, err = rerun.communicate(timeout=TIMEOUT)
    assert rerun.returncode == 0, err
    after = _state(folders)
    changed = {k for k in before if after.get(k) != before[k]}
    marked = {k for k, v in before.items() if v.endswith(b"# earlier run\n")}
    assert changed == marked, "the next run did not replace every earlier output"
    assert not [k for k, v in after.items() if v.endswith(b"# earlier run\n")]
