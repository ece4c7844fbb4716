"""The bad/messy input catalogue (``tests/bad_inputs/catalogue.csv``), run through ``trends clean``.

Every entry is either *accepted* (the panel holds exactly the values of its ``*.expected.csv`` and
the audit accounts for every raw row) or *refused* (exit status 2, exactly one stderr line naming
the file, line, field, the value seen and what was expected; no traceback; the input untouched;
nothing written to the output folder; an earlier good output there left byte-identical).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from bad_inputs.harness import (
    HERE,
    audit_text,
    check_status_spec,
    clean_api,
    copy_input,
    expected_values,
    file_state,
    load_catalogue,
    matches,
    one_line,
    panel_values,
    read_csv_text,
    run_inprocess,
    run_subprocess,
    same_values,
    snapshot,
    status_counts,
    temp_leftovers,
)

from trends.errors import InputError
from trends.schema import AUDIT_STATUSES, PANEL_COLUMNS

CASES = load_catalogue()
ACCEPTED = [c for c in CASES if c.outcome == "accept"]
REFUSED = [c for c in CASES if c.outcome == "refuse"]
BASELINE = HERE / "a01_baseline.csv"

#: Input classes issue 7 asks for -> catalogue ids covering them.
REQUIRED = {
    "empty file": ["empty"],
    "header only": ["header_only"],
    "missing required column": ["missing_column_measure", "missing_column_value"],
    "duplicated column": ["duplicated_column"],
    "unknown measure": ["unknown_measure_kiled", "unknown_measure_atacks"],
    "unknown region with did-you-mean": ["unknown_region_typo"],
    "impossible period": ["period_month_13", "period_month_00", "period_31_feb"],
    "period far in the future": ["period_far_future"],
    "negative count": ["negative_count"],
    "non-integer count": ["non_integer_count"],
    "text in a count cell": ["text_count"],
    "thousands separators and dashes": ["thousands_separators", "missing_markers"],
    "footnote marks": ["footnote_marks"],
    "BOM": ["bom_utf8"],
    "Latin-1 / Windows-1252": ["latin1", "cp1252"],
    "semicolon-delimited": ["semicolon"],
    "ragged rows": ["ragged_row"],
    "quoted newlines": ["quoted_newlines"],
    "trailing totals row": ["totals_row_matches", "totals_row_differs"],
    "same cell twice, different values, one source": ["same_cell_conflict"],
    "conflicting sources": ["conflicting_sources"],
    "Excel with merged header cells": ["excel_merged_header"],
    "binary garbage": ["binary_garbage"],
    "directory where a file was expected": ["empty_directory", "directory_without_tables"],
    "path that does not exist": ["nonexistent_path"],
    "unreadable file": ["unreadable_file"],
    "output folder that cannot be written": ["output_under_regular_file"],
}


# --------------------------------------------------------------------------- the catalogue itself


def test_catalogue_covers_issue_7():
    ids = {c.id for c in CASES}
    assert len(CASES) >= 40
    assert len(ids) == len(CASES), "catalogue ids must be unique"
    for topic, needed in REQUIRED.items():
        missing = [i for i in needed if i not in ids]
        assert not missing, f"{topic}: no catalogue entry {missing}"
    assert {c.outcome for c in CASES} == {"accept", "refuse"}


def test_every_fixture_is_catalogued():
    listed = {c.file for c in CASES if not c.generated} | {c.expected for c in ACCEPTED}
    skip = {"catalogue.csv", "build.py", "harness.py", "README.md", ".gitattributes"}
    on_disk = {p.name for p in HERE.iterdir() if p.is_file() and p.name not in skip}
    assert on_disk - listed == set(), "files in tests/bad_inputs that the catalogue ignores"
    assert listed - on_disk - {""} == set(), "catalogue entries without their file"
    for c in ACCEPTED:
        assert c.expected, f"{c.id}: an accepted entry needs its expected panel"
    for c in REFUSED:
        assert not c.expected


def test_build_script_reproduces_the_committed_fixtures(tmp_path):
    """``build.py`` is the documented source of every fixture byte and of the catalogue."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bad_inputs_build", HERE / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    build.HERE = tmp_path
    build.CATALOGUE.clear()
    build.build()
    made = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in HERE.iterdir()
                 if p.is_file() and p.name not in {"build.py", "harness.py", "README.md",
                                                   ".gitattributes"}}
    assert sorted(made) == sorted(committed)
    stale = [name for name in made if made[name] != committed[name]]
    assert not stale, f"re-run tests/bad_inputs/build.py: stale fixtures {stale}"


# --------------------------------------------------------------------------- materialising cases


def materialise(case, tmp_path: Path) -> tuple[list[Path], Path, str]:
    """Build the inputs of ``case`` under ``tmp_path``; return ``(inputs, out_dir, name)``.

    ``name`` is the file or folder name the error message must contain.
    """
    src = tmp_path / "in"
    src.mkdir()
    out = tmp_path / "out"
    if not case.generated:
        p = copy_input(case.path, src)
        return [p], out, p.name
    kind = case.file[len("<generated:"):-1]
    if kind == "nonexistent_path":
        return [src / "does_not_exist.csv"], out, "does_not_exist.csv"
    if kind == "unreadable_file":
        p = copy_input(BASELINE, src)
        p = p.rename(src / "unreadable.csv")
        p.chmod(0)
        if os.access(p, os.R_OK):
            p.chmod(0o644)
            pytest.skip("running with privileges that ignore file modes (root): chmod 000 "
                        "does not make a file unreadable here")
        return [p], out, p.name
    if kind == "empty_directory":
        d = src / "empty_folder"
        d.mkdir()
        return [d], out, d.name
    if kind == "directory_without_tables":
        d = src / "docs_only"
        d.mkdir()
        (d / "README.md").write_text("# notes\nno tables here\n", encoding="utf-8")
        (d / "notes.md").write_text("nothing\n", encoding="utf-8")
        return [d], out, d.name
    if kind == "directory_with_tables":
        d = src / "tables"
        d.mkdir()
        copy_input(BASELINE, d)
        (d / "README.md").write_text("# the table beside me is read\n", encoding="utf-8")
        return [d], out, d.name
    if kind == "output_under_regular_file":
        blocker = tmp_path / "blocker"
        blocker.write_text("a regular file, not a folder\n", encoding="utf-8")
        return [copy_input(BASELINE, src)], blocker / "out", "blocker"
    if kind == "output_is_regular_file":
        target = tmp_path / "out_file"
        target.write_text("keep me\n", encoding="utf-8")
        return [copy_input(BASELINE, src)], target, "out_file"
    raise AssertionError(f"unknown generated case {kind}")


def _input_states(inputs: list[Path]) -> dict[Path, object]:
    states = {}
    for p in inputs:
        if p.is_file() and os.access(p, os.R_OK):
            states[p] = file_state(p)
        elif p.is_dir():
            states[p] = snapshot(p)
    return states


def _same_inputs(before: dict[Path, object]) -> None:
    for p, state in before.items():
        now = file_state(p) if p.is_file() else snapshot(p)
        assert now == state, f"input {p} was modified"


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("case", REFUSED, ids=[c.id for c in REFUSED])
def test_refused(case, tmp_path, capsys):
    inputs, out, name = materialise(case, tmp_path)
    earlier: dict[str, tuple[bytes, int]] = {}
    if out.name == "out" and out.parent == tmp_path:
        # an earlier good run into the same folder must survive the refusal untouched
        good = run_inprocess(["clean", copy_input(BASELINE, tmp_path / "good"), "--out", out],
                             capsys)
        assert good.status == 0, f"the baseline run failed: {good.err}"
        earlier = snapshot(out)
        assert {"panel.csv", "audit.csv"} <= set(earlier)
    elif out.is_file():
        earlier = {"": (out.read_bytes(), out.stat().st_mtime_ns)}
    before = _input_states(inputs)

    run = run_inprocess(["clean", *inputs, "--out", out], capsys)

    assert run.status == 2, f"exit status {run.status}, stderr={run.err!r}"
    line = one_line(run.err)
    assert name in line, f"the message does not name {name!r}: {line}"
    if case.line is not None:
        assert f"{name}:{case.line}" in line, f"the message does not give line {case.line}: {line}"
    if case.field:
        assert f"'{case.field}'" in line, f"the message does not name field {case.field!r}: {line}"
    if case.value:
        assert f"(saw {case.value!r})" in line, (
            f"the message does not show the value as written, (saw {case.value!r}): {line}")
    if not case.generated:
        assert "expected" in line, f"the message does not say what was expected: {line}"
    if case.pattern:
        assert matches(case.pattern, line), f"message does not match {case.pattern!r}: {line}"
    _same_inputs(before)
    if out.is_file():
        assert {"": (out.read_bytes(), out.stat().st_mtime_ns)} == earlier
    else:
        assert snapshot(out) == earlier, "the refused run changed the output folder"
        assert temp_leftovers(out) == []


@pytest.mark.parametrize("case", [c for c in REFUSED if not c.generated],
                         ids=[c.id for c in REFUSED if not c.generated])
def test_refused_by_python_api(case, tmp_path):
    """``trends.clean.clean`` raises one InputError locating the problem (no output asked)."""
    clean = clean_api()
    p = copy_input(case.path, tmp_path)
    with pytest.raises(InputError) as info:
        clean([p])
    err = info.value
    assert err.path is not None and Path(err.path).name == p.name, err
    if case.line is not None:
        assert err.line == case.line, err
    if case.field:
        assert err.field == case.field, err
    if case.value:
        assert str(err.value).strip() == case.value, f"value seen {err.value!r}: {err}"
    assert err.expected, f"no 'expected' in {err}"


def test_refusal_into_a_new_folder_creates_no_file(tmp_path, capsys):
    out = tmp_path / "new" / "out"
    run = run_inprocess(["clean", copy_input(HERE / "r22_text_count.csv", tmp_path / "in"),
                         "--out", out], capsys)
    assert run.status == 2
    assert snapshot(tmp_path / "new") == {}, "a refused run left files behind"


def test_one_bad_file_among_good_ones_refuses_the_whole_run(tmp_path, capsys):
    """No partial panel from the good files: the run is all or nothing."""
    good = copy_input(BASELINE, tmp_path / "in")
    bad = copy_input(HERE / "r19_negative_count.csv", tmp_path / "in")
    out = tmp_path / "out"
    run = run_inprocess(["clean", good, bad, "--out", out], capsys)
    assert run.status == 2
    assert bad.name in one_line(run.err)
    assert snapshot(out) == {}
    run = run_inprocess(["clean", tmp_path / "in", "--out", out], capsys)  # as a folder too
    assert run.status == 2
    assert bad.name in one_line(run.err)
    assert snapshot(out) == {}


SUBPROCESS_IDS = ["empty", "unknown_region_typo", "negative_count", "binary_garbage",
                  "nonexistent_path", "output_under_regular_file"]


@pytest.mark.parametrize("case", [c for c in REFUSED if c.id in SUBPROCESS_IDS],
                         ids=lambda c: c.id)
def test_refused_as_a_real_process(case, tmp_path):
    """The console script itself: exit status 2, one stderr line, nothing on stdout."""
    inputs, out, name = materialise(case, tmp_path)
    run = run_subprocess(["clean", *inputs, "--out", out])
    assert run.status == 2, run.err
    assert name in one_line(run.err)
    assert run.err.startswith("trends clean: error:"), run.err
    assert run.out == ""


def test_debug_flag_shows_the_traceback(tmp_path):
    run = run_subprocess(["--debug", "clean", copy_input(HERE / "r19_negative_count.csv", tmp_path),
                          "--out", tmp_path / "out"])
    assert run.status != 0
    assert "Traceback" in run.err and "InputError" in run.err


# --------------------------------------------------------------------------- accepted inputs


@pytest.mark.parametrize("case", ACCEPTED, ids=[c.id for c in ACCEPTED])
def test_accepted(case, tmp_path, capsys):
    inputs, out, name = materialise(case, tmp_path)
    before = _input_states(inputs)

    run = run_inprocess(["clean", *inputs, "--out", out], capsys)

    assert run.status == 0, f"refused an input that must be accepted: {run.err}"
    assert "Traceback" not in run.err
    _same_inputs(before)
    assert temp_leftovers(out) == []
    panel = read_csv_text(out / "panel.csv")
    assert tuple(panel.columns[: len(PANEL_COLUMNS)]) == PANEL_COLUMNS
    problems = same_values(panel_values(panel), expected_values(HERE / case.expected))
    assert not problems, "\n".join(problems)
    bad_format = [v for v in panel["value"] if v != "" and not v.isdigit()]
    assert not bad_format, f"counts must be written as whole numbers, got {bad_format[:5]}"

    audit = read_csv_text(out / "audit.csv")
    assert {"file", "line", "status"} <= set(audit.columns), list(audit.columns)
    assert set(audit["status"]) <= set(AUDIT_STATUSES)
    assert all(Path(f).name == Path(inputs[0]).name or Path(f).parent.name == name
               for f in audit["file"]), set(audit["file"])
    assert all(x.isdigit() and int(x) >= 1 for x in audit["line"])
    if case.raw_rows is not None:
        assert len(audit) == case.raw_rows, f"{len(audit)} audit rows for {case.raw_rows} raw rows"
    problems = check_status_spec(status_counts(audit), case.audit)
    assert not problems, "\n".join(problems)
    if case.pattern:
        text = audit_text(audit)
        assert any(matches(case.pattern, t) for t in text), (
            f"no audit row matches {case.pattern!r}:\n" + "\n".join(text))


@pytest.mark.parametrize("case", [c for c in ACCEPTED if not c.generated],
                         ids=[c.id for c in ACCEPTED if not c.generated])
def test_accepted_by_python_api_without_writing(case, tmp_path):
    """The Python API gives the same panel values and writes nothing when no folder is given."""
    clean = clean_api()
    p = copy_input(case.path, tmp_path)
    result = clean([p])
    panel = result.panel if hasattr(result, "panel") else result[0]
    got = {}
    for row in panel.reset_index(drop=True).to_dict("records"):
        key = (str(row["month"]), row["region"], row["group"], row["measure"],
               str(row["source"]).casefold())
        v = row["value"]
        got[key] = float("nan") if v is None or v != v else float(v)
    problems = same_values(got, expected_values(HERE / case.expected))
    assert not problems, "\n".join(problems)
    assert sorted(x.name for x in tmp_path.iterdir()) == [p.name]


# --------------------------------------------------------------------------- rules needing two files or today's date


def _long(rows: list[str], extra_header: str = "") -> str:
    head = "source_org,period,region,group,measure,value,url,quote" + extra_header
    return "\n".join([head, *rows]) + "\n"


def test_future_horizon_is_next_year(tmp_path, capsys):
    """Up to December of next year is accepted; January of the year after is refused."""
    year = dt.date.today().year
    ok = tmp_path / "next_year.csv"
    ok.write_text(_long([f"PIPS,{year + 1}-12,national,all,attacks,1,u,q"]), encoding="utf-8")
    assert run_inprocess(["clean", ok, "--out", tmp_path / "o1"], capsys).status == 0
    bad = tmp_path / "year_after.csv"
    bad.write_text(_long([f"PIPS,{year + 2}-01,national,all,attacks,1,u,q"]), encoding="utf-8")
    run = run_inprocess(["clean", bad, "--out", tmp_path / "o2"], capsys)
    assert run.status == 2
    line = one_line(run.err)
    assert "year_after.csv:2" in line and "'period'" in line and f"{year + 2}-01" in line


def test_same_cell_across_files_is_a_revision_not_a_refusal(tmp_path, capsys):
    """One source, same cell, two files with different urls: reconciled by rule, both audited."""
    a = tmp_path / "in" / "pips_2022_monthly.csv"
    b = tmp_path / "in" / "pips_2022_annual.csv"
    a.parent.mkdir()
    a.write_text(_long(["PIPS,2022-01,national,all,attacks,20,https://e.org/m,q",
                        "PIPS,2022-02,national,all,attacks,25,https://e.org/m,q"]), encoding="utf-8")
    b.write_text(_long(["PIPS,2022-01,national,all,attacks,22,https://e.org/a,q"]), encoding="utf-8")
    out = tmp_path / "out"
    run = run_inprocess(["clean", a, b, "--out", out], capsys)
    assert run.status == 0, run.err
    panel = read_csv_text(out / "panel.csv")
    jan = panel[(panel["month"] == "2022-01") & (panel["measure"] == "attacks")]
    # neither report is dated, flagged, on PIPS's site or repeated: no step of the rule decides,
    # so the cell is unresolved (a gap; both values in alternatives.csv), never a refusal
    assert len(jan) == 1 and jan["value"].iloc[0] == "" and jan["flag"].iloc[0] == "unresolved"
    audit = read_csv_text(out / "audit.csv")
    assert len(audit) == 3
    assert status_counts(audit) == {"kept": 1, "unresolved": 2}
    assert set(map(lambda f: Path(f).name, audit["file"])) == {a.name, b.name}
    assert set(read_csv_text(out / "alternatives.csv")["value"]) == {"20", "22"}


def test_same_url_in_two_files_with_different_values_is_a_revision(tmp_path, capsys):
    """Agreed rule: only ONE file contradicting itself (same source, cell and url) is refused;
    across files the later/other figure is a revision, reconciled by rule and audited."""
    a = tmp_path / "in" / "typed_by_alice.csv"
    b = tmp_path / "in" / "typed_by_bob.csv"
    a.parent.mkdir()
    a.write_text(_long(["PIPS,2022-01,national,all,attacks,20,https://e.org/r,q"]), encoding="utf-8")
    b.write_text(_long(["PIPS,2022-01,national,all,attacks,22,https://e.org/r,q"]), encoding="utf-8")
    out = tmp_path / "out"
    run = run_inprocess(["clean", a, b, "--out", out], capsys)
    assert run.status == 0, run.err
    audit = read_csv_text(out / "audit.csv")
    assert status_counts(audit) == {"unresolved": 2}  # no step decides: a gap, both kept
    assert len(read_csv_text(out / "alternatives.csv")) == 2
    # with the releases' vintages the later release is the revision
    a.write_text(_long(["PIPS,2022-01,national,all,attacks,20,https://e.org/r,q,2022-01"],
                       ",vintage"), encoding="utf-8")
    b.write_text(_long(["PIPS,2022-01,national,all,attacks,22,https://e.org/r,q,2022-02"],
                       ",vintage"), encoding="utf-8")
    run = run_inprocess(["clean", a, b, "--out", tmp_path / "out2"], capsys)
    assert run.status == 0, run.err
    audit = read_csv_text(tmp_path / "out2" / "audit.csv")
    assert status_counts(audit) == {"kept": 1, "superseded": 1}
    assert "latest_release" in " ".join(audit["reason"])


def test_same_cell_same_value_in_two_files_is_merged(tmp_path, capsys):
    a = tmp_path / "in" / "one.csv"
    b = tmp_path / "in" / "two.csv"
    a.parent.mkdir()
    a.write_text(_long(["PIPS,2022-01,national,all,attacks,20,https://e.org/m,q"]), encoding="utf-8")
    shutil.copyfile(a, b)
    out = tmp_path / "out"
    run = run_inprocess(["clean", a, b, "--out", out], capsys)
    assert run.status == 0, run.err
    panel = read_csv_text(out / "panel.csv")
    assert list(panel["value"]) == ["20"]
    counts = status_counts(read_csv_text(out / "audit.csv"))
    assert counts["kept"] == 1 and counts["merged"] + counts["dropped"] == 1, counts


def test_missing_stays_missing_and_zero_stays_zero(tmp_path, capsys):
    """A missing month is NaN in the panel, never 0, and no month is invented between rows."""
    p = tmp_path / "gap.csv"
    p.write_text(_long(["PIPS,2022-01,national,all,attacks,0,u,q",
                        "PIPS,2022-02,national,all,attacks,\u2014,u,q",
                        "PIPS,2022-05,national,all,attacks,7,u,q"]), encoding="utf-8")
    out = tmp_path / "out"
    assert run_inprocess(["clean", p, "--out", out], capsys).status == 0
    panel = read_csv_text(out / "panel.csv")
    got = dict(zip(panel["month"], panel["value"], strict=True))
    assert got.get("2022-01") == "0"
    assert got.get("2022-02") == ""
    assert got.get("2022-05") == "7"
    assert "2022-03" not in got or got["2022-03"] == ""
    assert "2022-04" not in got or got["2022-04"] == ""


def test_unreadable_file_as_an_unprivileged_user(tmp_path):
    """chmod 000 does not stop root, so under root the CLI is run as user 'nobody'."""
    import pwd
    import stat
    import tempfile

    if os.geteuid() != 0:
        pytest.skip("covered by the catalogue entry unreadable_file (not running as root)")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no 'nobody' user to drop privileges to")

    def drop() -> None:
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)

    import subprocess

    from bad_inputs.harness import trends_command

    shared = Path(tempfile.mkdtemp(prefix="trends-unreadable-", dir="/tmp"))
    try:
        shared.chmod(0o777)
        try:
            probe = subprocess.run([*trends_command(), "--version"], capture_output=True,
                                   text=True, preexec_fn=drop, cwd=shared, timeout=120)
        except OSError as exc:  # e.g. the interpreter lives under /root (mode 700)
            pytest.skip(f"'nobody' cannot run the trends interpreter here: {exc}")
        if probe.returncode != 0:
            pytest.skip(f"'nobody' cannot run trends here: {probe.stderr.strip()[:200]}")
        src = copy_input(BASELINE, shared / "in")
        (shared / "in").chmod(0o777)
        locked = src.rename(shared / "in" / "locked.csv")
        locked.chmod(0)
        before = file_state(locked)
        out = shared / "out"
        proc = subprocess.run([*trends_command(), "clean", str(locked), "--out", str(out)],
                              capture_output=True, text=True, preexec_fn=drop, cwd=shared,
                              timeout=120)
        assert proc.returncode == 2, proc.stderr
        line = one_line(proc.stderr)
        assert "locked.csv" in line and matches(r"permission|not readable|cannot read", line), line
        assert file_state(locked) == before
        assert stat.S_IMODE(locked.stat().st_mode) == 0
        assert snapshot(out) == {}
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_unreadable_file_simulated(tmp_path, capsys, monkeypatch):
    """Runs under any user: reading the file raises PermissionError as chmod 000 would."""
    import pathlib

    target = copy_input(BASELINE, tmp_path / "in").rename(tmp_path / "in" / "unreadable.csv")
    real_read_bytes = pathlib.Path.read_bytes
    real_open = pathlib.Path.open

    def deny(self, *args, **kwargs):
        if self.name == "unreadable.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return None

    monkeypatch.setattr(pathlib.Path, "read_bytes",
                        lambda self: deny(self) or real_read_bytes(self))
    monkeypatch.setattr(pathlib.Path, "open",
                        lambda self, *a, **k: deny(self) or real_open(self, *a, **k))
    out = tmp_path / "out"
    run = run_inprocess(["clean", target, "--out", out], capsys)
    assert run.status == 2
    line = one_line(run.err)
    assert "unreadable.csv" in line and matches(r"permission", line), line
    assert snapshot(out) == {}
