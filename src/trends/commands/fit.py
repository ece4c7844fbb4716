"""``trends fit``: fit an interrupted time-series model to a CSV file.

Writes ``DIR/table.csv`` (the coefficient table, one row per term, numbers with 10 significant
digits) and ``DIR/summary.md`` (model facts, coefficient table and residual diagnostics), each
atomically. Bad input raises :class:`~trends.errors.InputError` or
:class:`~trends.errors.SpecificationError` (exit status 2, one line on stderr).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from trends.errors import InputError, SpecificationError

__all__ = ["register", "run", "parse_interruption"]


def register(subparsers: Any) -> None:
    """Add the ``fit`` sub-command."""
    p = subparsers.add_parser(
        "fit",
        help="fit an interrupted time-series model to a CSV series",
        description="Fit a segmented-regression ITS model (statsmodels) and write the "
        "coefficient table and a Markdown summary.",
    )
    p.add_argument("data", help="CSV file, one row per period")
    p.add_argument("--outcome", required=True, help="outcome column")
    p.add_argument("--date", required=True, help="date column (YYYY-MM, dates, or years)")
    p.add_argument("--interruption", action="append", required=True, metavar="NAME=DATE",
                   help="interruption name and first period, e.g. takeover=2021-08 (repeatable)")
    p.add_argument("--changes", default="level+slope", choices=["level", "slope", "level+slope"],
                   help="changes estimated at every interruption (default level+slope)")
    p.add_argument("--family", default="gaussian",
                   choices=["gaussian", "poisson", "negbin", "quasipoisson"])
    p.add_argument("--offset", default=None, help="column used as log offset (count families)")
    p.add_argument("--seasonality", default="none",
                   help="none, month, quarter, fourier:K or fourier:K:PERIOD (default none)")
    p.add_argument("--covariate", action="append", default=None, metavar="COL",
                   help="extra covariate column (repeatable)")
    p.add_argument("--cov", default="nonrobust",
                   help="nonrobust, HC0..HC3, hac, hac:LAGS or hac:LAGS:small (default nonrobust)")
    p.add_argument("--errors", default=None,
                   help="ARMA errors for gaussian models: ar:P or arma:P:Q")
    p.add_argument("--freq", default=None, help="M, W, Q or Y (default: inferred from the dates)")
    p.add_argument("--alpha", type=float, default=0.05, help="1 - confidence level (default 0.05)")
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(func=run)


def parse_interruption(text: str) -> tuple[str, str]:
    """Split ``NAME=DATE``."""
    name, sep, date = text.partition("=")
    if not sep or not name.strip() or not date.strip():
        raise SpecificationError(
            f"--interruption {text!r} is not valid; expected NAME=DATE, e.g. takeover=2021-08"
        )
    return name.strip(), date.strip()


def _read_csv(path: Path, date: str) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype={date: str}, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read CSV: {' '.join(str(exc).split())}", path=path) from None
    return df


def run(args: argparse.Namespace) -> int:
    """Run ``trends fit``; returns the exit status."""
    from trends.atomic import write_csv, write_text
    from trends.its import ITS

    path = Path(args.data)
    interruptions: dict[str, str] = {}
    for item in args.interruption:
        name, date = parse_interruption(item)
        if name in interruptions:
            raise SpecificationError(f"interruption name {name!r} is given twice")
        interruptions[name] = date
    df = _read_csv(path, args.date)
    try:
        spec = ITS(
            df, outcome=args.outcome, date=args.date, interruptions=interruptions,
            changes=args.changes, family=args.family, offset=args.offset,
            seasonality=args.seasonality, covariates=args.covariate, cov=args.cov,
            errors=args.errors, freq=args.freq, alpha=args.alpha,
        )
    except SpecificationError as exc:
        raise SpecificationError(f"{path}: {exc}") from None
    res = spec.fit()
    out = Path(args.out)
    table = res.table().reset_index()
    write_csv(table, out / "table.csv", float_format="%.10g")
    diag = res.diagnostics()
    from trends.results import format_markdown_table

    tests = diag.tests.reset_index()
    tests[["statistic", "df", "p_value"]] = tests[["statistic", "df", "p_value"]].map(
        lambda v: "NA" if pd.isna(v) else f"{v:.6g}")
    text = (
        f"# ITS fit: {args.outcome} in {path.name}\n\n"
        + res.to_markdown()
        + f"\n## Residual diagnostics (lags = {diag.lags})\n\n"
        + format_markdown_table(tests)
        + "\n"
    )
    write_text(out / "summary.md", text)
    print(f"trends fit: wrote {out / 'table.csv'} and {out / 'summary.md'} "
          f"({res.nobs} observations used)")
    return 0
