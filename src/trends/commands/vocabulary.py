"""``trends vocabulary init|check DIR``: start or check a vocabulary for ``trends clean``."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``vocabulary`` sub-command."""
    p = subparsers.add_parser(
        "vocabulary",
        help="start or check a vocabulary (region/group/measure names and rules) for another "
        "country or dataset",
        description="A vocabulary folder holds regions.csv, groups.csv and measures.csv "
        "(columns alias,CODE,label,note: every spelling a table uses and its canonical code), "
        "rules.json (min_year, period_horizon, missing-value marks, total labels, source "
        "aliases, reconciliation order, region re-codings and partitions) and README.md. "
        "'init DIR' writes these five files as a template (it refuses to overwrite any "
        "existing file); 'check DIR' reads them and reports the first error by file, line "
        "and field. Use it with: trends clean TABLES --vocabulary DIR --out OUT. The default "
        "vocabulary is Pakistan's (trends/data/aliases/*.csv, trends/data/rules.json).",
    )
    p.add_argument("action", choices=["init", "check"], help="init: write a template; "
                   "check: validate a vocabulary folder")
    p.add_argument("folder", metavar="DIR", help="the vocabulary folder")
    p.add_argument("--from-default", action="store_true",
                   help="init: copy the packaged Pakistan vocabulary instead of the minimal "
                   "template")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``trends vocabulary``; returns the exit status."""
    from trends.vocabulary import init_vocabulary, load_vocabulary

    if args.action == "init":
        written = init_vocabulary(args.folder, from_default=args.from_default)
        print("trends vocabulary: wrote " + ", ".join(str(p) for p in written))
        return 0
    v = load_vocabulary(args.folder)
    print(f"trends vocabulary: {args.folder}: {len(v.regions.codes)} regions, "
          f"{len(v.groups.codes)} groups, {len(v.measures.codes)} measures; "
          f"min_year {v.rules.min_year}")
    return 0
