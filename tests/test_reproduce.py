"""``trends reproduce``: staged pipeline on the embedded data, root discovery, stage registry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trends import reproduce
from trends.cli import main
from trends.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ("panel.csv", "audit.csv", "alternatives.csv", "periods.csv")


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's data/raw and pyproject.toml under a fresh root."""
    root = tmp_path / "proj"
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    shutil.copyfile(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_reproduce_matches_committed_outputs(project, capsys):
    status = main(["reproduce", "--root", str(project), "--stage", "clean"])
    assert status == 0
    assert "clean: 1888 raw rows" in capsys.readouterr().out
    for name in OUTPUTS:
        got = (project / "data" / "processed" / name).read_bytes()
        assert got == (ROOT / "data" / "processed" / name).read_bytes(), name


def test_run_twice_is_byte_identical_and_leaves_no_temp_files(project):
    ctx = reproduce.run(project, stages=["clean"], log=lambda m: None)
    first = {n: (ctx.processed / n).read_bytes() for n in OUTPUTS}
    reproduce.run(project, stages=["clean"], log=lambda m: None)
    assert {n: (ctx.processed / n).read_bytes() for n in OUTPUTS} == first
    assert ctx.outputs["clean"] == [f"data/processed/{n}" for n in OUTPUTS]
    assert not [p for p in ctx.processed.iterdir() if p.name.startswith(".trends-tmp-")]


def test_audit_files_are_relative_to_root(project):
    ctx = reproduce.run(project, stages=["clean"], log=lambda m: None)
    text = (ctx.processed / "audit.csv").read_text(encoding="utf-8")
    assert "data/raw/picss.csv," in text and str(project) not in text


def test_find_root_from_cwd_and_subfolders(project, monkeypatch):
    monkeypatch.chdir(project / "data" / "raw")
    assert reproduce.find_root() == project.resolve()
    assert reproduce.find_root(project / "data") == project.resolve()


def test_find_root_falls_back_to_the_package_tree(tmp_path):
    assert reproduce.find_root(tmp_path) == ROOT


def test_missing_raw_folder_is_an_input_error(tmp_path, capsys):
    status = main(["reproduce", "--root", str(tmp_path), "--stage", "clean"])
    assert status == 2
    assert "embedded data folder missing" in capsys.readouterr().err


def test_unknown_stage(project):
    with pytest.raises(InputError, match="unknown stage"):
        reproduce.run(project, stages=["nope"])


def test_register_stage_appends_inserts_and_replaces(monkeypatch):
    monkeypatch.setattr(reproduce, "STAGES", list(reproduce.STAGES))
    seen: list[str] = []
    reproduce.register_stage(reproduce.Stage("b", lambda ctx: seen.append("b")))
    reproduce.register_stage(reproduce.Stage("a", lambda ctx: seen.append("a")), after="clean")
    names = [s.name for s in reproduce.STAGES]
    assert names[names.index("clean") + 1] == "a" and names[-1] == "b"
    reproduce.register_stage(reproduce.Stage("b", lambda ctx: seen.append("B")))
    assert [s.name for s in reproduce.STAGES].count("b") == 1
    with pytest.raises(ValueError, match="no stage named"):
        reproduce.register_stage(reproduce.Stage("c", lambda ctx: None), after="zzz")


def test_stages_run_in_order_with_context(project, monkeypatch):
    monkeypatch.setattr(reproduce, "STAGES", [])
    seen = []
    reproduce.register_stage(reproduce.Stage("one", lambda ctx: seen.append(("one", ctx.root))))
    reproduce.register_stage(reproduce.Stage("two", lambda ctx: seen.append(("two", ctx.raw))))
    ctx = reproduce.run(project, log=lambda m: None)
    assert seen == [("one", project.resolve()), ("two", project.resolve() / "data" / "raw")]
    assert ctx.figures == project.resolve() / "figures"


def test_help(capsys):
    with pytest.raises(SystemExit):
        main(["reproduce", "--help"])
    text = capsys.readouterr().out
    assert "--root" in text and "data/processed" in text
