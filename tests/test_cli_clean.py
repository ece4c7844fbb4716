"""``trends clean``: the end-to-end main job and every refusal path of the command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trends.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIX = Path(__file__).parent / "fixtures" / "clean"
OUTPUTS = ("panel.csv", "audit.csv", "alternatives.csv", "periods.csv")
TRENDS = Path(sys.executable).with_name("trends")


def run(args, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main([str(a) for a in args])
    got = capsys.readouterr()
    return status, got.out, got.err


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    if not folder.exists():
        return {}
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_clean_data_raw_reproduces_processed_byte_for_byte(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    status, out, err = run(["clean", "data/raw", "--out", tmp_path / "x"], capsys)
    assert status == 0, err
    assert "panel:" in out and "audit: 1888 raw rows" in out
    for name in OUTPUTS:
        got = (tmp_path / "x" / name).read_bytes()
        want = (ROOT / "data" / "processed" / name).read_bytes()
        assert got == want, f"{name} differs from data/processed/{name}"


@pytest.mark.slow
def test_console_script_end_to_end(tmp_path):
    """The installed ``trends`` script, as the README runs it (separate process)."""
    cmd = [str(TRENDS)] if TRENDS.exists() else [sys.executable, "-m", "trends"]
    proc = subprocess.run([*cmd, "clean", "data/raw", "--out", str(tmp_path / "x")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONHASHSEED": "1"})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "x" / "panel.csv").read_bytes() == (
        ROOT / "data" / "processed" / "panel.csv").read_bytes()


def test_inputs_in_any_order_give_identical_bytes(tmp_path, capsys):
    files = sorted(FIX.glob("[lpwr]*.*"))
    assert run(["clean", *files, "--out", tmp_path / "a"], capsys)[0] == 0
    assert run(["clean", *reversed(files), "--out", tmp_path / "b"], capsys)[0] == 0
    for name in OUTPUTS:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


REFUSALS = [
    ("bad_empty.csv", 1, None),
    ("bad_header_only.csv", 1, None),
    ("bad_missing_measure.csv", 1, "measure"),
    ("bad_duplicated_column.csv", 1, "value"),
    ("bad_ragged_short.csv", 3, None),
    ("bad_ragged_long.csv", 2, "column 7"),
    ("bad_binary.csv", None, None),
    ("bad_period.csv", 3, "period"),
    ("bad_region.csv", 2, "region"),
    ("bad_measure.csv", 2, "measure"),
    ("bad_group.csv", 2, "group"),
    ("bad_negative.csv", 2, "value"),
    ("bad_fraction.csv", 2, "value"),
    ("bad_text_value.csv", 2, "value"),
    ("bad_empty_source.csv", 2, "source_org"),
    ("bad_same_publication.csv", 3, "value"),
    ("bad_published.csv", 2, "published"),
    ("bad_wide_mixed.csv", 1, None),
    ("bad_wide_header.csv", 3, "Janary 2022"),
]


@pytest.mark.parametrize(("fixture", "line", "field"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusal(tmp_path, capsys, fixture, line, field):
    src = tmp_path / "in" / fixture
    src.parent.mkdir()
    shutil.copyfile(FIX / fixture, src)
    before = src.read_bytes(), src.stat().st_mtime_ns
    out = tmp_path / "out"
    assert run(["clean", FIX / "long_basic.csv", "--out", out], capsys)[0] == 0
    earlier = snapshot(out)

    status, stdout, err = run(["clean", FIX / "long_basic.csv", src, "--out", out], capsys)

    assert status == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    msg = lines[0]
    assert msg.startswith("trends clean: error: ")
    where = f"{src}:{line}" if line is not None else str(src)
    assert where in msg, msg
    if field is not None:
        assert f"field '{field}'" in msg, msg
    assert "expected" in msg
    assert stdout == ""
    assert snapshot(out) == earlier, "the refused run touched the earlier output"
    assert (src.read_bytes(), src.stat().st_mtime_ns) == before


def test_refusal_writes_nothing_into_a_new_folder(tmp_path, capsys):
    out = tmp_path / "new" / "out"
    assert run(["clean", FIX / "bad_negative.csv", "--out", out], capsys)[0] == 2
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("kind", ["nonexistent", "empty_dir", "out_is_file"])
def test_path_refusals(tmp_path, capsys, kind):
    out = tmp_path / "out"
    inputs = [FIX / "long_basic.csv"]
    if kind == "nonexistent":
        inputs = [tmp_path / "nope.csv"]
    elif kind == "empty_dir":
        (tmp_path / "d").mkdir()
        inputs = [tmp_path / "d"]
    else:
        out.write_text("keep me", encoding="utf-8")
    status, _, err = run(["clean", *inputs, "--out", out], capsys)
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    if kind == "out_is_file":
        assert "not a folder" in err and out.read_text(encoding="utf-8") == "keep me"
    else:
        assert str(inputs[0]) in err


def test_rules_option(tmp_path, capsys):
    rules = tmp_path / "r.json"
    rules.write_text('{"region_rules": []}', encoding="utf-8")
    status, _, err = run(["clean", FIX / "pips_kp.csv", "--out", tmp_path / "o",
                          "--rules", rules], capsys)
    assert status == 0, err
    panel = (tmp_path / "o" / "panel.csv").read_text(encoding="utf-8")
    assert "khyber_pakhtunkhwa_incl_ex_fata" not in panel
    rules.write_text('{"bogus": 1}', encoding="utf-8")
    status, _, err = run(["clean", FIX / "pips_kp.csv", "--out", tmp_path / "o2",
                          "--rules", rules], capsys)
    assert status == 2 and "unknown rules key" in err and "'bogus'" in err
    assert not (tmp_path / "o2").exists()


def test_event_formats_are_delegated(tmp_path, capsys, monkeypatch):
    import trends.events

    calls = []

    def fake(inputs, fmt, out, country):
        calls.append((inputs, fmt, out, country))
        return 0

    monkeypatch.setattr(trends.events, "run_clean", fake)
    status, _, _ = run(["clean", "a.csv", "b.csv", "--format", "ucdp-ged", "--out", "o",
                        "--country", "Afghanistan"], capsys)
    assert status == 0
    assert calls == [(["a.csv", "b.csv"], "ucdp-ged", "o", "Afghanistan")]
    run(["clean", "a.csv", "--format", "acled", "--out", "o"], capsys)
    assert calls[-1] == (["a.csv"], "acled", "o", "Pakistan")


def test_country_ignored_for_tables(tmp_path, capsys):
    status, _, err = run(["clean", FIX / "pips_kp.csv", "--out", tmp_path / "o",
                          "--country", "Pakistan"], capsys)
    assert status == 0 and "event formats only" in err


def test_forced_format(tmp_path, capsys):
    status, _, err = run(["clean", FIX / "wide_regions_by_month.csv", "--format", "long",
                          "--out", tmp_path / "o"], capsys)
    assert status == 2 and "missing required column" in err


def test_help_explains_options(capsys):
    with pytest.raises(SystemExit) as info:
        main(["clean", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for word in ("--out", "--format", "--country", "--rules", "INPUT", "audit.csv", "panel.csv"):
        assert word in text
