"""Start-up of the CLI: ``trends --help`` and ``--version`` import neither pandas nor numpy,
print what argparse printed before, and a sub-command's help still lists what it should."""

from __future__ import annotations

import subprocess
import sys

import pytest

import trends
from trends import cli


def _imports(*args: str) -> tuple[str, set[str]]:
    code = ("import sys\nfrom trends.cli import main\n"
            f"try:\n    status = main({list(args)!r})\nexcept SystemExit as e:\n"
            "    status = e.code\n"
            "print('MODULES', ' '.join(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    text, _, mods = out.stdout.rpartition("MODULES ")
    return text, set(mods.split())


def test_version_is_printed_without_heavy_imports():
    text, mods = _imports("--version")
    assert text.strip() == f"trends {trends.__version__}"
    assert not {"pandas", "numpy", "argparse", "typing"} & mods


def test_help_lists_every_command_without_pandas():
    text, mods = _imports("--help")
    for name in cli.COMMANDS:
        assert name in text
    assert not {"pandas", "numpy", "statsmodels", "trends.reproduce"} & mods


def test_version_through_argparse_is_unchanged(capsys):
    """The fast path prints exactly what the parser's version action prints."""
    parser = cli.build_parser()
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"trends {trends.__version__}"


def test_reproduce_help_still_names_the_stages(capsys):
    from trends.reproduce import STAGES

    parser = cli.build_parser()
    try:
        parser.parse_args(["reproduce", "--help"])
    except SystemExit:
        pass
    text = " ".join(capsys.readouterr().out.split())
    names = ", ".join(s.name for s in STAGES)
    assert f"stages in order on the embedded data: {names}." in text
    assert f"stages: {names})" in text
