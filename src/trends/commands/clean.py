"""``trends clean INPUT... --out DIR``: clean tables into ``panel.csv`` and ``audit.csv``."""

from __future__ import annotations

import argparse
import signal
import sys

FORMATS = ("auto", "long", "wide", "ucdp-ged", "acled", "gtd")
EVENT_FORMATS = ("ucdp-ged", "acled", "gtd")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``clean`` sub-command."""
    p = subparsers.add_parser(
        "clean",
        help="clean count tables or event files into a monthly panel with an audit trail",
        description="Clean PIPS-style count tables (long or wide CSV/TSV/.xlsx) or event files "
        "into DIR/panel.csv (month x region x group x measure x source) and DIR/audit.csv "
        "(one row per raw data row: kept, merged, superseded, unresolved, missing or "
        "dropped, and why), plus DIR/alternatives.csv (disagreeing figures) and "
        "DIR/periods.csv (quarterly, half-yearly, annual and fiscal-year figures). "
        "Outputs are written atomically; inputs are never modified.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="input files or folders (a folder contributes its .csv/.tsv/.txt/.xlsx "
                   "files, in sorted order)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder (created if missing)")
    p.add_argument("--format", choices=FORMATS, default="auto",
                   help="input layout: auto (default; long if the header has a 'value' column), "
                   "long, wide, or an event format (ucdp-ged, acled, gtd)")
    p.add_argument("--country", metavar="NAME", default=None,
                   help="country to keep from event files (event formats only; default Pakistan)")
    p.add_argument("--rules", metavar="FILE", default=None,
                   help="JSON file overriding the cleaning/reconciliation rules (of the "
                   "vocabulary; default trends/data/rules.json)")
    p.add_argument("--vocabulary", metavar="DIR", default=None,
                   help="folder of region/group/measure alias tables and rules for another "
                   "country or dataset (regions.csv, groups.csv, measures.csv, rules.json; "
                   "start one with: trends vocabulary init DIR); default Pakistan's")
    p.set_defaults(func=run)


def _terminated(signum: int, frame: object) -> None:
    # SIGTERM becomes an exception so that staged temporary outputs are removed on the way out
    from trends.cli import _state

    print(f"trends clean: terminated; {_state()}", file=sys.stderr)
    raise SystemExit(128 + signum)


def run(args: argparse.Namespace) -> int:
    """Run ``trends clean``; returns the exit status."""
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return _run(args)
    finally:
        signal.signal(signal.SIGTERM, previous)


#: The files table cleaning writes into ``--out``.
TABLE_OUTPUTS = ("panel.csv", "audit.csv", "alternatives.csv", "periods.csv")


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from trends.atomic import check_outputs_not_inputs

    if args.format not in EVENT_FORMATS:
        inputs = [*args.inputs, *(p for p in (getattr(args, "vocabulary", None),
                                              getattr(args, "rules", None)) if p)]
        check_outputs_not_inputs(inputs, [Path(args.out) / n for n in TABLE_OUTPUTS], args.out)
    if args.format in EVENT_FORMATS and args.vocabulary:
        print("trends clean: note: --vocabulary applies to report tables only; ignored",
              file=sys.stderr)
    if args.format in EVENT_FORMATS:
        from trends import events  # written separately; imported only when needed

        return int(events.run_clean(list(args.inputs), args.format, args.out,
                                    args.country or "Pakistan"))
    from trends.clean import clean, write_result

    if args.country:
        print("trends clean: note: --country applies to event formats only; ignored",
              file=sys.stderr)
    result = clean(args.inputs, rules=args.rules, format=args.format,
                   vocabulary=args.vocabulary)
    paths = write_result(result, args.out)
    n_missing = int(result.panel["value"].isna().sum())
    print(f"panel: {len(result.panel)} rows ({n_missing} missing months) -> {paths['panel']}")
    counts = result.audit["status"].value_counts().to_dict()
    summary = ", ".join(f"{k} {counts.get(k, 0)}" for k in ("kept", "merged", "superseded",
                                                             "unresolved", "missing",
                                                             "dropped"))
    print(f"audit: {len(result.audit)} raw rows ({summary}) -> {paths['audit']}")
    return 0
