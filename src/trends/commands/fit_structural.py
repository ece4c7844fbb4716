"""``trends fit --model structural``: the structural (state-space) ITS of
:class:`trends.StructuralITS` from the command line.

The data options (``--outcome``, ``--date``, ``--interruption``, ``--changes``,
``--seasonality`` = none, month, dummy or fourier:K, ``--covariate``, ``--freq``, ``--select``,
``--start``/``--end``, ``--alpha``) are those of ``trends fit``; ``--family``, ``--offset``,
``--cov`` and ``--errors`` belong to the segmented regression and are refused with another
value than their default. Writes ``DIR/table.csv`` and ``DIR/summary.md`` (model facts,
convergence, coefficient table and residual diagnostics), each atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from trends.errors import SpecificationError

__all__ = ["add_structural_arguments", "run_structural"]


def add_structural_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``--model`` and the structural options to ``trends fit``."""
    p.add_argument("--model", default="its", choices=["its", "structural"],
                   help="its (segmented regression, default) or structural (state-space)")
    p.add_argument("--trend", default="local level",
                   help="structural trend: 'local level' (default), 'local linear trend', "
                   "'random walk with drift', 'smooth trend' or 'deterministic'")
    p.add_argument("--transform", default="none", choices=["none", "log", "log1p"],
                   help="structural: scale on which the model is Gaussian (default none)")
    p.add_argument("--fit-on", dest="fit_on", default="all", choices=["all", "pre"],
                   help="structural: all (Durbin-Koopman, default) or pre (forecast from the "
                   "pre-period, CausalImpact-style)")
    p.add_argument("--draws", type=int, default=1000,
                   help="structural: simulated paths behind bands and intervals (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="structural: simulation seed (default 0)")


def _refuse(args: argparse.Namespace) -> None:
    for flag, value, default in (("--family", args.family, "gaussian"),
                                 ("--offset", args.offset, None),
                                 ("--cov", args.cov, "nonrobust"),
                                 ("--errors", args.errors, None)):
        if value != default:
            raise SpecificationError(
                f"{flag} {value!r} applies to --model its; a structural model is Gaussian on "
                "the --transform scale with its own state-space dynamics")


def run_structural(args: argparse.Namespace) -> int:
    """Run ``trends fit --model structural``; returns the exit status. Every output (table,
    summary, windows, figure, report, fit.json) is committed together or none is."""
    import json

    import pandas as pd

    from trends.atomic import OutputSet, check_outputs_not_inputs
    from trends.commands.fit import (
        _selection_title,
        fit_record,
        output_paths,
        parse_windows,
        read_series,
        stage_figure_and_report,
    )
    from trends.results import format_markdown_table
    from trends.structural import StructuralITS

    _refuse(args)
    if getattr(args, "keep_unconverged", False):
        raise SpecificationError("--keep-unconverged applies to --model its; a structural "
                                 "fit reports its convergence in summary.md")
    out = Path(args.out)
    windows = parse_windows(getattr(args, "window", None))
    outputs = output_paths(args, out, windows)
    check_outputs_not_inputs([args.data], outputs, out)
    path, df, interruptions = read_series(args)
    try:
        spec: Any = StructuralITS(
            df, outcome=args.outcome, date=getattr(args, "date_column", args.date),
            interruptions=interruptions, changes=getattr(args, "changes_map", args.changes),
            trend=args.trend, seasonality=args.seasonality,
            covariates=getattr(args, "covariate_columns", args.covariate),
            transform=None if args.transform == "none" else args.transform,
            fit_on=args.fit_on, freq=args.freq, alpha=args.alpha)
        res = spec.fit(draws=args.draws, seed=args.seed)
        win = res.window_effects(windows) if windows else None
    except SpecificationError as exc:
        raise SpecificationError(f"{path}: {exc}") from None
    table = res.table().reset_index()
    diag = res.diagnostics()
    tests = diag.tests.reset_index()
    tests[["statistic", "df", "p_value"]] = tests[["statistic", "df", "p_value"]].map(
        lambda v: "NA" if pd.isna(v) else f"{v:.6g}")
    title = f"Structural ITS fit: {_selection_title(args, path)}"
    facts = [("Data file", str(path)),
             ("Selection", " and ".join(args.select) if args.select else "all rows"),
             ("Window", f"{args.start or 'first period'} to {args.end or 'last period'}")]
    text = (f"# {title}\n\n" + "\n".join(f"- **{k}**: {v}" for k, v in facts) + "\n"
            + res.to_markdown()
            + f"\n## Residual diagnostics (standardised one-step-ahead errors, lags = "
            f"{diag.lags})\n\n" + format_markdown_table(tests) + "\n")
    record = fit_record(args, path)
    with OutputSet() as staged:  # every output of one fit, or none
        staged.write_csv(out / "table.csv", table, float_format="%.10g")
        staged.write_text(out / "summary.md", text)
        if win is not None:
            staged.write_csv(out / "windows.csv", win, float_format="%.10g")
        stage_figure_and_report(staged, args, out, res, facts, table, win, record, title)
        staged.write_text(out / "fit.json", json.dumps(record, indent=2, sort_keys=True) + "\n")
    print(f"trends fit: wrote {', '.join(str(p) for p in outputs)} "
          f"({res.nobs} observations used; {res.convergence})")
    return 0
