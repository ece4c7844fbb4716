"""Helpers shared by the reliability tests (catalogue, properties, determinism, kill safety).

Imported by the test modules as ``bad_inputs.harness`` (``tests/`` is on ``sys.path`` under
pytest's default import mode).
"""

from __future__ import annotations

import csv
import math
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CATALOGUE = HERE / "catalogue.csv"
#: The console script of the project's venv (falls back to ``python -m trends``).
TRENDS = Path(sys.executable).with_name("trends")
PANEL_KEY = ["month", "region", "group", "measure", "source"]
TEMP_PREFIX = ".trends-tmp-"


@dataclass(frozen=True)
class Case:
    """One catalogue entry (see ``build.py`` for the meaning of each column)."""

    id: str
    file: str
    outcome: str
    field: str
    line: int | None
    value: str
    pattern: str
    expected: str
    raw_rows: int | None
    audit: str
    note: str

    @property
    def generated(self) -> bool:
        return self.file.startswith("<generated:")

    @property
    def path(self) -> Path:
        return HERE / self.file


def load_catalogue() -> list[Case]:
    """All catalogue entries in file order."""
    with open(CATALOGUE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        Case(
            id=r["id"], file=r["file"], outcome=r["outcome"], field=r["field"],
            line=int(r["line"]) if r["line"] else None, value=r["value"], pattern=r["pattern"],
            expected=r["expected"], raw_rows=int(r["raw_rows"]) if r["raw_rows"] else None,
            audit=r["audit"], note=r["note"],
        )
        for r in rows
    ]


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    """Outcome of one ``trends`` invocation."""

    status: int
    out: str
    err: str


def run_inprocess(args: list[str], capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``trends ARGS`` through :func:`trends.cli.main` in this process.

    Any exception escaping ``main`` would be a traceback for the user, so it fails the test.
    """
    from trends.cli import main

    capsys.readouterr()
    try:
        status = main([str(a) for a in args])
    except SystemExit as exc:  # argparse usage errors
        status = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # noqa: BLE001 - anything else is a crash with a traceback
        captured = capsys.readouterr()
        pytest.fail(f"trends {' '.join(map(str, args))} raised {exc.__class__.__name__}: {exc} "
                    f"(the user would see a traceback); stderr={captured.err!r}")
    captured = capsys.readouterr()
    return Run(int(status or 0), captured.out, captured.err)


def trends_command() -> list[str]:
    """The command line that starts the ``trends`` console script."""
    if TRENDS.exists():
        return [str(TRENDS)]
    return [sys.executable, "-m", "trends"]


def run_subprocess(args: list[str], timeout: float = 120) -> Run:
    """Run ``trends ARGS`` as a separate process (real exit status and stderr)."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    proc = subprocess.run([*trends_command(), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def clean_api():
    """The Python API ``trends.clean.clean`` (imported lazily: it may not exist yet)."""
    from trends.clean import clean

    return clean


# --------------------------------------------------------------------------- files


def copy_input(src: Path, dest_dir: Path) -> Path:
    """Copy ``src`` into ``dest_dir`` keeping its name and bytes; give it a fixed old mtime."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / src.name
    shutil.copyfile(src, dest)
    os.utime(dest, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    return dest


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``folder`` (relative name -> bytes, mtime_ns); ``{}`` if it is absent."""
    if not folder.exists():
        return {}
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(folder))] = (p.read_bytes(), p.stat().st_mtime_ns)
    return out


def file_state(path: Path) -> tuple[bytes, int, int]:
    """Bytes, mtime and mode of one input file."""
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, st.st_mode


def temp_leftovers(folder: Path) -> list[str]:
    """Names of temporary files left in ``folder`` by an atomic write."""
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)
                  or p.name.endswith((".tmp", ".part")))


# --------------------------------------------------------------------------- outputs


def read_csv_text(path: Path) -> pd.DataFrame:
    """Read an output CSV with every cell as text (no NA guessing)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _num(text: str) -> float:
    return math.nan if text.strip() == "" else float(text)


def panel_values(panel: pd.DataFrame) -> dict[tuple[str, ...], float]:
    """Map panel key (source case-folded) -> value (NaN for missing); duplicates fail."""
    out: dict[tuple[str, ...], float] = {}
    for row in panel.itertuples(index=False):
        rec = row._asdict()
        key = tuple(str(rec[k]).strip() for k in PANEL_KEY[:-1]) + (
            str(rec["source"]).strip().casefold(),)
        assert key not in out, f"panel holds the key {key} twice"
        out[key] = _num(str(rec["value"]))
    return out


def expected_values(path: Path) -> dict[tuple[str, ...], float]:
    """The ``*.expected.csv`` rows as a key -> value map (same form as :func:`panel_values`)."""
    return panel_values(read_csv_text(path))


def same_values(got: dict, want: dict, *, allow_gap_rows: bool = True) -> list[str]:
    """Differences between two key -> value maps (NaN equals NaN), as readable lines.

    With ``allow_gap_rows`` the panel may also hold *missing* (NaN) rows for months strictly
    inside a series' expected month span: the panel lays each series on its full month grid,
    so gaps show as empty values. An expected missing row (a month printed as ``-``, ``n/a``...)
    must be present, with an empty value: it is a gap row, never dropped (issue 15). A number
    that was not expected, or a number where a missing value was expected, is always a
    difference.
    """
    problems = []
    span: dict[tuple[str, ...], tuple[str, str]] = {}
    for k in want:
        s = k[1:]
        lo, hi = span.get(s, (k[0], k[0]))
        span[s] = (min(lo, k[0]), max(hi, k[0]))
    for k in sorted(set(want) - set(got)):
        # a month the table prints as missing is a gap row of the panel (issue 15), not dropped
        problems.append(f"missing panel row {k} (expected value {want[k]})")
    for k in sorted(set(got) - set(want)):
        lo, hi = span.get(k[1:], ("", ""))
        if allow_gap_rows and math.isnan(got[k]) and lo < k[0] < hi:
            continue
        problems.append(f"unexpected panel row {k} = {got[k]}")
    for k in sorted(set(got) & set(want)):
        a, b = got[k], want[k]
        if not ((math.isnan(a) and math.isnan(b)) or a == b):
            problems.append(f"panel row {k}: got {a}, expected {b}")
    return problems


def status_counts(audit: pd.DataFrame) -> Counter:
    """Number of audit rows per status."""
    return Counter(audit["status"].astype(str))


def check_status_spec(counts: Counter, spec: str) -> list[str]:
    """Check ``kept=3;merged|dropped=1`` style expectations against status counts."""
    problems = []
    for part in filter(None, spec.split(";")):
        names, n = part.split("=")
        got = sum(counts.get(s, 0) for s in names.split("|"))
        if got != int(n):
            problems.append(f"audit status {names}: {got} rows, expected {n} (all: {dict(counts)})")
    return problems


def audit_text(audit: pd.DataFrame) -> list[str]:
    """Each audit row's cells joined, for reason searches independent of column names."""
    return [" | ".join(map(str, r)) for r in audit.itertuples(index=False)]


def one_line(err: str) -> str:
    """The single non-empty stderr line (fails if there are more or none)."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected exactly one line on stderr, got {len(lines)}: {err!r}"
    assert "Traceback" not in err, err
    return lines[0]


def matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE | re.DOTALL) is not None
