"""The README's tour runs as printed: its shell commands (and its Python example) are extracted
from README.md and run, with ``/tmp/`` redirected to a temporary folder.

Commands needing the third-party data beside the repository (``../shared/data``), and those
reading what such a command wrote, are skipped when it is absent. ``trends reproduce`` is not
run here: it rewrites the repository's ``figures/`` and ``results/`` and is covered by
``tests/test_reproduce*.py``.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pandas as pd
import pytest

from trends.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(title)
    nxt = README.find("\n### ", start + len(title))
    nxt2 = README.find("\n## ", start + len(title))
    ends = [e for e in (nxt, nxt2) if e != -1]
    return README[start:min(ends) if ends else len(README)]


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def _commands(block: str) -> list[list[str]]:
    joined = re.sub(r"\\\n\s*", " ", block)
    out = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#\s.*$", "", line).strip()
        if line and not line.startswith("#"):
            out.append(shlex.split(line))
    return out


TOUR = _commands(_blocks(_section("### Command line"), "bash")[0])
SEATBELTS = [c for b in _blocks(_section("### A public series end to end"), "bash")
             for c in _commands(b)]


def _run_all(commands: list[list[str]], tmp_path: Path, monkeypatch, shared: Path) -> list[str]:
    """Run each ``trends ...`` command in-process; returns the ones skipped (and why)."""
    monkeypatch.chdir(ROOT)
    skipped: list[str] = []
    unavailable: list[str] = []  # outputs of skipped commands
    for argv in commands:
        assert argv[0] == "trends", argv
        args = [a.replace("/tmp/", f"{tmp_path}/") for a in argv[1:]]
        if args[0] == "reproduce":
            skipped.append("reproduce")
            continue
        needs_shared = any("../shared/" in a for a in args)
        out = args[args.index("--out") + 1] if "--out" in args else None
        if (needs_shared and not shared.exists()) or any(
                a.startswith(u) for a in args for u in unavailable):
            skipped.append(" ".join(argv[:2]))
            if out:
                unavailable.append(out)
            continue
        if needs_shared:
            args = [a.replace("../shared/data/", f"{shared}/") for a in args]
        assert main(args) == 0, " ".join(argv)
    return skipped


def test_readme_tour_commands_run_as_printed(tmp_path, monkeypatch, capsys):
    from tests.conftest import SHARED_DATA

    assert [c[1] for c in TOUR[:4]] == ["clean", "fit", "robust", "vocabulary"]
    skipped = _run_all(TOUR, tmp_path, monkeypatch, SHARED_DATA)
    assert "reproduce" in skipped
    # what the tour wrote
    table = pd.read_csv(tmp_path / "fit" / "table.csv")
    assert table["term"].tolist() == ["intercept", "trend", "level[takeover]",
                                      "level[ceasefire_end]", "slope[ceasefire_end]"]
    assert (tmp_path / "grid" / "grid.csv").is_file()
    assert (tmp_path / "vocabulary" / "regions.csv").is_file()


def test_readme_seatbelts_example(tmp_path, monkeypatch, validation_dir):
    assert len(SEATBELTS) == 1 and "seatbelts.csv" in " ".join(SEATBELTS[0])
    _run_all(SEATBELTS, tmp_path, monkeypatch, validation_dir.parent)
    out = tmp_path / "seatbelts"
    assert {"fit.png", "fit.svg", "report.html", "fit.json"} <= {p.name for p in out.iterdir()}
    quoted = re.search(r"> (At law .*?)\n\n", _section("### A public series end to end"),
                       flags=re.S)
    assert quoted is not None
    import html

    assert " ".join(quoted.group(1).replace("> ", "").split()) in " ".join(
        html.unescape((out / "report.html").read_text()).split())
    table = pd.read_csv(out / "table.csv").set_index("term")
    # the rows the README prints, to the digits it prints
    shown = re.findall(r"\| `([^`]+)` \| (\S+) \| (\S+) \| (\S+) \| (\S+) \| (\S+) \|",
                       _section("### A public series end to end"))
    assert [s[0] for s in shown] == ["level[law]", "log(kms)", "PetrolPrice"]
    for term, *numbers in shown:
        row = table.loc[term, ["estimate", "std_error", "ratio", "ratio_low", "ratio_high"]]
        for value, text in zip(row, numbers, strict=True):
            decimals = len(text.split(".")[1])
            assert round(value, decimals) == pytest.approx(float(text), abs=1e-12), (term, text)


def test_readme_python_example_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    (code,) = _blocks(_section("### Python"), "python")
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README's own code
    assert "level[takeover]" in namespace["res"].table().index  # type: ignore[attr-defined]
    assert len(namespace["grid"]) > 0  # type: ignore[arg-type]
