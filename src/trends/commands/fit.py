"""``trends fit``: fit an interrupted time-series model to a CSV file.

Writes ``DIR/table.csv`` (the coefficient table, one row per term, numbers with 10 significant
digits) and ``DIR/summary.md`` (model facts, coefficient table and residual diagnostics), each
atomically. Bad input raises :class:`~trends.errors.InputError` or
:class:`~trends.errors.SpecificationError` (exit status 2, one line on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from trends.errors import InputError, SpecificationError
from trends.schema import PANEL_KEYS

__all__ = ["register", "run", "collected_warnings", "add_model_arguments", "read_series", "read_csv", "build_spec",
           "parse_interruption", "add_select_argument", "select_rows", "add_window_arguments",
           "window_rows"]


def register(subparsers: Any) -> None:
    """Add the ``fit`` sub-command."""
    p = subparsers.add_parser(
        "fit",
        help="fit an interrupted time-series model to a CSV series",
        description="Fit a segmented-regression ITS model (statsmodels) and write the "
        "coefficient table and a Markdown summary.",
    )
    add_model_arguments(p)
    p.add_argument("--cov", default="nonrobust",
                   help="nonrobust, HC0..HC3, hac, hac:LAGS or hac:LAGS:small (default "
                   "nonrobust); LAGS at most nobs/4 (refused above), 'hac' alone uses the "
                   "Newey-West rule floor(4 (nobs/100)^(2/9))")
    p.add_argument("--errors", default=None,
                   help="ARMA errors for gaussian models: ar:P or arma:P:Q, with P + Q at most "
                   "nobs/4 (refused above)")
    p.add_argument("--alpha", type=float, default=0.05, help="1 - confidence level (default 0.05)")
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(func=run)


def add_window_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``--start``/``--end``: the first and last period fitted (inclusive)."""
    p.add_argument("--start", default=None,
                   help="first period to fit, same form as the dates (e.g. 2019-01, 2018-W01)")
    p.add_argument("--end", default=None, help="last period to fit (inclusive)")


def window_rows(df: pd.DataFrame, date: str, start: str | None, end: str | None,
                freq: str | None) -> pd.DataFrame:
    """Rows of ``df`` whose ``date`` lies in ``[start, end]`` (calendar periods, inclusive)."""
    if start is None and end is None:
        return df
    from trends.design import infer_freq, to_period, to_periods

    if date not in df.columns:
        return df  # the ITS specification reports the missing column
    code = freq or infer_freq(df[date])
    periods = to_periods(df[date], code, column=date)
    keep = pd.Series(True, index=df.index)
    if start is not None:
        keep &= periods >= to_period(start, code, what="--start")
    if end is not None:
        keep &= periods <= to_period(end, code, what="--end")
    return df.loc[keep.to_numpy()].reset_index(drop=True)


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    """Add the data and model options shared by ``trends fit`` and ``trends robust``."""
    p.add_argument("data", help="CSV file, one row per period (or a long panel with --select)")
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
    p.add_argument("--freq", default=None, help="M, W, Q or Y (default: inferred from the dates)")
    add_select_argument(p)
    add_window_arguments(p)


def read_series(args: argparse.Namespace) -> tuple[Path, pd.DataFrame, dict[str, str]]:
    """The input path, the selected and windowed rows, and the interruptions of ``args``."""
    path = Path(args.data)
    interruptions: dict[str, str] = {}
    for item in args.interruption:
        name, date = parse_interruption(item)
        if name in interruptions:
            raise SpecificationError(f"interruption name {name!r} is given twice")
        interruptions[name] = date
    raw = read_csv(path, args.date)
    check_outcome(raw, args.outcome, path)
    df = select_rows(raw, args.select, path, args.date)
    try:
        df = window_rows(df, args.date, args.start, args.end, args.freq)
    except SpecificationError as exc:
        raise SpecificationError(f"{path}: {exc}") from None
    return path, df, interruptions


def build_spec(args: argparse.Namespace, path: Path, df: pd.DataFrame,
               interruptions: dict[str, str], **extra: Any) -> Any:
    """The :class:`trends.ITS` specification of the shared model options (plus ``extra``);
    specification errors name the input file."""
    from trends.its import ITS

    try:
        return ITS(
            df, outcome=args.outcome, date=args.date, interruptions=interruptions,
            changes=args.changes, family=args.family, offset=args.offset,
            seasonality=args.seasonality, covariates=args.covariate, freq=args.freq, **extra,
        )
    except SpecificationError as exc:
        raise SpecificationError(f"{path}: {exc}") from None


def add_select_argument(p: argparse.ArgumentParser) -> None:
    """Add ``--select COL=VALUE`` (repeatable), to fit one series of a long panel file."""
    p.add_argument("--select", action="append", default=None, metavar="COL=VALUE",
                   help="keep only rows where COL equals VALUE (repeatable), e.g. to fit one "
                   "series of panel.csv: --select measure=attacks --select region=national "
                   "--select group=all --select source=PICSS")


def select_rows(df: pd.DataFrame, selections: list[str] | None, path: Path,
                date: str) -> pd.DataFrame:
    """Rows of ``df`` matching every ``COL=VALUE`` in ``selections``, one per ``date``.

    Raises
    ------
    InputError
        A selection is malformed, names a missing column, matches no row, or leaves several
        rows for one date (the message lists the columns that still vary).
    """
    if not selections:
        return df
    keep = pd.Series(True, index=df.index)
    for item in selections:
        col, sep, value = item.partition("=")
        col, value = col.strip(), value.strip()
        if not sep or not col:
            raise InputError("--select is not valid", value=item, expected="COL=VALUE")
        if col not in df.columns:
            raise InputError("--select names a column the file does not have", path=path,
                             field=col, expected=f"one of {', '.join(map(str, df.columns))}")
        keep &= df[col].astype(str).str.strip() == value
    out = df.loc[keep]
    if out.empty:
        raise InputError("no row matches --select " + " ".join(selections), path=path)
    if date in out.columns and out[date].duplicated().any():
        # in a panel file the key columns tell series apart (not value or provenance columns)
        keys = [c for c in PANEL_KEYS if c in out.columns] or list(out.columns)
        varying = [c for c in keys if c != date and out[c].nunique() > 1]
        raise InputError("--select leaves several rows per date", path=path, field=date,
                         expected="one row per date; also select on " + ", ".join(varying))
    return out.reset_index(drop=True)


def parse_interruption(text: str) -> tuple[str, str]:
    """Split ``NAME=DATE``."""
    name, sep, date = text.partition("=")
    if not sep or not name.strip() or not date.strip():
        raise SpecificationError(
            f"--interruption {text!r} is not valid; expected NAME=DATE, e.g. takeover=2021-08"
        )
    return name.strip(), date.strip()


def read_csv(path: Path, date: str) -> pd.DataFrame:
    """Read the CSV at ``path`` with ``date`` as text; unreadable files raise InputError.

    Refused: a path that is not a regular file (a FIFO or device would block or never end), a
    header naming one column twice (pandas would silently rename the second ``attacks`` to
    ``attacks.1``).
    """
    _check_regular(path)
    _check_header(path)
    try:
        df = pd.read_csv(path, dtype={date: str}, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read CSV: {' '.join(str(exc).split())}", path=path) from None
    return df


@contextlib.contextmanager
def collected_warnings(command: str) -> Iterator[None]:
    """Collect the warnings statsmodels (or numpy) raise during a successful fit and print them
    afterwards as one sentence on stderr, instead of Python's two-line form with a source-code
    line."""
    import sys
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen: list[str] = []
    for w in caught:
        text = " ".join(str(w.message).split()).rstrip(".")
        item = f"{text} ({w.category.__name__})"
        if item not in seen:
            seen.append(item)
    if seen:
        from trends.errors import show

        print(f"{command}: warning: the model was estimated, but the estimation warned: "
              + show("; ".join(seen)) + ". Check the estimates before citing them.",
              file=sys.stderr)


def _check_regular(path: Path) -> None:
    import os
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError("no such file", path=path, expected="a CSV file") from None
    if stat.S_ISDIR(mode):
        raise InputError("is a folder, not a file", path=path, expected="a CSV file")
    if not stat.S_ISREG(mode):
        raise InputError("is not a regular file (a FIFO, socket or device)", path=path,
                         expected="a regular CSV file")


def _check_header(path: Path) -> None:
    import csv

    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (UnicodeDecodeError, csv.Error):
        return  # reported by the reader below
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        key = name.strip()
        if key in seen:
            raise InputError(f"the header names a column twice (columns {seen[key]} and {i})",
                             path=path, line=1, field=key,
                             expected="distinct column names")
        seen[key] = i


def check_outcome(df: pd.DataFrame, outcome: str, path: Path) -> None:
    """Refuse infinite outcome values (``inf``, ``-inf``, ``1e999``): they are neither a count
    nor a gap; the message names the data line (header = line 1)."""
    import numpy as np

    if outcome not in df.columns:
        return  # the specification names the missing column
    col = pd.to_numeric(df[outcome], errors="coerce")
    bad = np.isinf(col.to_numpy(dtype=float))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        line = i + 2  # header = line 1 (blank lines, which the reader skips, aside)
        raise InputError("the outcome is not a finite number", path=path, line=line,
                         field=outcome, value=str(df[outcome].iloc[i]),
                         expected="a finite number, or an empty cell for a gap")


def run(args: argparse.Namespace) -> int:
    """Run ``trends fit``; returns the exit status."""
    from trends.atomic import OutputSet, check_outputs_not_inputs

    out = Path(args.out)
    check_outputs_not_inputs([args.data], [out / "table.csv", out / "summary.md"], out)
    path, df, interruptions = read_series(args)
    spec = build_spec(args, path, df, interruptions, cov=args.cov, errors=args.errors,
                      alpha=args.alpha)
    with collected_warnings("trends fit"):
        try:
            res = spec.fit()
        except SpecificationError as exc:
            raise SpecificationError(f"{path}: {exc}") from None
        table = res.table().reset_index()
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
    with OutputSet() as staged:  # the table and the summary of one fit, or neither
        staged.write_csv(out / "table.csv", table, float_format="%.10g")
        staged.write_text(out / "summary.md", text)
    print(f"trends fit: wrote {out / 'table.csv'} and {out / 'summary.md'} "
          f"({res.nobs} observations used)")
    return 0
