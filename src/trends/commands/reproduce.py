"""``trends reproduce``: run the whole pipeline on the embedded data."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``reproduce`` sub-command.

    The stage names in its help come from :data:`trends.reproduce.STAGES`, imported only when
    that help is shown (``trends --help`` and the other commands do not pay for the import).
    """
    p = subparsers.add_parser(
        "reproduce",
        help="run the whole pipeline on the embedded data (data/raw -> data/processed, ...)",
    )
    p.add_argument("--root", metavar="DIR", default=None,
                   help="project root (default: the nearest folder from the current directory "
                   "upwards holding pyproject.toml and data/raw, else the installed source tree)")
    stage = p.add_argument("--stage", action="append", metavar="NAME", dest="stages",
                           default=None, help="run only this stage (repeatable)")
    plain_format_help = p.format_help

    def format_help() -> str:
        from trends.reproduce import STAGES

        names = ", ".join(s.name for s in STAGES)
        p.description = (
            "Run the pipeline stages in order on the embedded data: "
            f"{names}. The clean stage writes data/processed/panel.csv, audit.csv, "
            "alternatives.csv and periods.csv; the models, figures and tables stages write "
            "figures/<name>.png and .svg and results/<name>.csv, .md and .tex (listed in the "
            "README); the provenance stage writes results/provenance.json. Outputs are "
            "deterministic and written atomically.")
        stage.help = f"run only this stage (repeatable; stages: {names})"
        return plain_format_help()

    p.format_help = format_help
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``trends reproduce``; returns the exit status."""
    from trends.reproduce import run as run_pipeline

    run_pipeline(args.root, stages=args.stages)
    return 0
