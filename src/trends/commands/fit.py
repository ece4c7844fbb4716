"""``trends fit``: fit an interrupted time-series model to a CSV file.

Writes ``DIR/table.csv`` (the coefficient table, one row per term, numbers with 10 significant
digits), ``DIR/summary.md`` (data file and selection, window, family, seasonality,
covariates, offset, covariance, periods used and missing, warnings and convergence, the table,
a legend of its columns and residual diagnostics) and ``DIR/fit.json`` (the options and input
checksums, read by ``trends report DIR``); with ``--window NAME=START:END`` (repeatable) also
``DIR/windows.csv`` (:meth:`trends.results.ITSResults.window_effects`), with ``--plot``
``DIR/fit.png`` and ``DIR/fit.svg``, with ``--report`` ``DIR/report.html``. All outputs are
committed together (:class:`trends.atomic.OutputSet`) or none is. Bad input raises
:class:`~trends.errors.InputError` or :class:`~trends.errors.SpecificationError` (exit status 2,
one line on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trends.errors import InputError, SpecificationError
from trends.families import FAMILIES
from trends.schema import PANEL_KEYS

if TYPE_CHECKING:  # pandas is imported by the functions that run: `trends --help` needs none
    import pandas as pd

__all__ = ["register", "run", "collected_warnings", "add_model_arguments", "read_series",
           "read_csv", "build_spec", "parse_interruption", "parse_interruption_changes",
           "covariate_columns", "check_numeric", "add_select_argument", "select_rows",
           "add_window_arguments", "window_rows", "parse_windows"]


def register(subparsers: Any) -> None:
    """Add the ``fit`` sub-command."""
    p = subparsers.add_parser(
        "fit",
        help="fit an interrupted time-series model to a CSV series",
        description="Fit a segmented-regression ITS model (statsmodels) and write, each "
        "atomically, DIR/table.csv (the coefficient table: term, estimate, std_error, ci_low, "
        "ci_high, p_value and, for log-link families, ratio, ratio_low, ratio_high) and "
        "DIR/summary.md (model facts, the table and residual diagnostics). Example: trends "
        "fit data.csv --outcome attacks --date month --interruption takeover=2021-08:level "
        "--interruption ceasefire_end=2021-11 --family negbin --cov hac --out fit",
    )
    add_model_arguments(p)
    p.add_argument("--cov", default="nonrobust",
                   help="nonrobust, HC0..HC3, hac, hac:LAGS, hac:LAGS:small, hac:LAGS:calendar or "
                   "hac:LAGS:calendar:small (default nonrobust); LAGS at most nobs/4 (refused "
                   "above), 'hac' alone uses the Newey-West rule floor(4 (nobs/100)^(2/9))")
    p.add_argument("--errors", default=None,
                   help="ARMA errors for gaussian models: ar:P or arma:P:Q, with P + Q at most "
                   "nobs/4 (refused above)")
    p.add_argument("--alpha", type=float, default=0.05, help="1 - confidence level (default 0.05)")
    p.add_argument("--window", action="append", default=None, metavar="NAME=START:END",
                   help="window estimand (repeatable): fitted, counterfactual, excess and ratio "
                   "summed over START..END (inclusive), written to windows.csv")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder: table.csv, summary.md and fit.json (the command and "
                   "input checksums, read by `trends report DIR`) are written there, with "
                   "windows.csv (--window), fit.png and fit.svg (--plot), report.html "
                   "(--report), all or none")
    p.add_argument("--plot", action="store_true",
                   help="also write DIR/fit.png and DIR/fit.svg: observed series, fitted "
                   "model and counterfactual with its band (byte-identical across runs)")
    p.add_argument("--report", action="store_true",
                   help="also write DIR/report.html: a self-contained page (figure embedded, "
                   "narrative, tables, provenance) that opens offline")
    from trends.commands.fit_structural import add_structural_arguments  # --model structural

    add_structural_arguments(p)
    add_aggregate_arguments(p)
    p.set_defaults(func=run)


def parse_windows(items: list[str] | None) -> dict[str, tuple[str, str]]:
    """``NAME=START:END`` items -> ``{name: (start, end)}`` (one-line errors)."""
    out: dict[str, tuple[str, str]] = {}
    for text in items or []:
        name, sep, span = text.partition("=")
        parts = span.split(":")
        if not sep or not name.strip() or len(parts) != 2 or not all(x.strip() for x in parts):
            raise SpecificationError(f"--window {text!r} is not valid; expected NAME=START:END, "
                                     "e.g. first_year=2021-08:2022-07")
        if name.strip() in out:
            raise SpecificationError(f"--window name {name.strip()!r} is given twice")
        out[name.strip()] = (parts[0].strip(), parts[1].strip())
    return out


# --- published totals and several sources (trends.aggregates, trends.sources)
def add_aggregate_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``--aggregates FILE``, ``--source COL`` and ``--reference NAME``."""
    p.add_argument("--aggregates", default=None, metavar="FILE",
                   help="CSV of published totals: columns start,end,value (and source with "
                   "--source); each total over start..end inclusive is an observation of the "
                   "sum over the window's unobserved periods (model-based covariance only)")
    p.add_argument("--source", default=None, metavar="COL",
                   help="column naming the source of each row: several sources in one model "
                   "(source intercepts, shared interruption effects)")
    p.add_argument("--reference", default=None, metavar="NAME",
                   help="reference source with --source (default: first in sorted order)")


def read_aggregates(path: Path) -> pd.DataFrame:
    """Read an aggregates CSV; rows are named by their file line in error messages."""
    import pandas as pd

    try:
        df = pd.read_csv(path, dtype={"start": str, "end": str}, skipinitialspace=True)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError,
            UnicodeDecodeError) as exc:
        raise InputError(f"cannot read aggregates CSV: {' '.join(str(exc).split())}",
                         path=path) from None
    df.index = pd.RangeIndex(2, len(df) + 2)
    df.attrs["row_name"] = "line"
    df.attrs["path"] = str(path)
    return df


def aggregate_extra(args: argparse.Namespace) -> dict[str, Any]:
    """The ITS keyword arguments of ``--aggregates``/``--source``/``--reference``."""
    extra: dict[str, Any] = {}
    if getattr(args, "aggregates", None):
        extra["aggregates"] = read_aggregates(Path(args.aggregates))
    if getattr(args, "source", None):
        extra["source"] = args.source
        if args.reference:
            extra["reference"] = args.reference
    elif getattr(args, "reference", None):
        raise SpecificationError("--reference needs --source COL")
    return extra


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
    import pandas as pd

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
    return df.loc[keep.to_numpy()]  # the index keeps each row's position in the file


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    """Add the data and model options shared by ``trends fit`` and ``trends robust``."""
    p.add_argument("data", help="CSV file, one row per period (or a long panel with --select)")
    p.add_argument("--outcome", required=True, help="outcome column")
    p.add_argument("--date", required=True, metavar="COL[,COL]",
                   help="date column: ISO months or dates (2021-08, 2021-08-15), Aug 2021, "
                   "2021Q3, 2021-W31, years, or R ts decimal time (1983.083333); or a year "
                   "column and a month, quarter or week column: --date year,month")
    p.add_argument("--interruption", action="append", required=True,
                   metavar="NAME=DATE[:CHANGES]",
                   help="interruption name, first period of the new regime and optionally its "
                   "changes (level, slope or level+slope), e.g. takeover=2021-08:level "
                   "(repeatable; dates in any spelling --date accepts)")
    p.add_argument("--changes", default="level+slope", choices=["level", "slope", "level+slope"],
                   help="changes estimated at interruptions that do not give their own "
                   "(default level+slope)")
    p.add_argument("--family", default="gaussian",
                   choices=list(FAMILIES))
    p.add_argument("--offset", default=None, help="column used as log offset (count families)")
    p.add_argument("--seasonality", default="none",
                   help="none, month, quarter, fourier:K or fourier:K:PERIOD (default none)")
    p.add_argument("--covariate", action="append", default=None, metavar="[TRANSFORM:]COL",
                   help="extra covariate column (repeatable), optionally transformed: "
                   "log:COL, log1p:COL, sqrt:COL, center:COL (minus its mean) or z:COL "
                   "(standardised); the term is named e.g. log(COL)")
    p.add_argument("--freq", default=None,
                   help="M, W, Q or Y (default: inferred from the dates; needed for R decimal "
                   "time of a single period, or when the second --date column is not named "
                   "month, quarter or week)")
    p.add_argument("--keep-unconverged", dest="keep_unconverged", action="store_true",
                   help="keep a fit whose optimiser did not converge (refused otherwise); "
                   "summary.md then says so")
    add_select_argument(p)
    add_window_arguments(p)


def read_series(args: argparse.Namespace) -> tuple[Path, pd.DataFrame, dict[str, str]]:
    """The input path, the selected and windowed rows, and the interruptions of ``args``."""
    from trends import dates

    path = Path(args.data)
    interruptions: dict[str, str] = {}
    changes: dict[str, str] = {}
    for item in args.interruption:
        name, date, change = parse_interruption_changes(item)
        if name in interruptions:
            raise SpecificationError(f"interruption name {name!r} is given twice")
        interruptions[name] = date
        changes[name] = change or args.changes
    # per-interruption changes; the table and summary of `fit` read them from here
    args.changes_map = changes
    date_cols = [c.strip() for c in args.date.split(",")]
    raw = read_csv(path, date_cols)
    check_outcome(raw, args.outcome, path)
    df = select_rows(raw, args.select, path, date_cols, also=getattr(args, "source", None))
    df, args.date_column = dates.frame_dates(df, args.date, args.freq, path)
    try:
        df = window_rows(df, args.date_column, args.start, args.end, args.freq)
    except SpecificationError as exc:
        raise SpecificationError(f"{path}: {exc}") from None
    source = getattr(args, "source", None)
    if source is not None and source in df.columns:  # a long multi-source file: per source
        for _, part in df.groupby(source, sort=False):
            dates.check_order(part, args.date_column, path)
    else:
        dates.check_order(df, args.date_column, path)
    check_numeric(df, [args.outcome, args.offset, *[c for c in args.covariate or []
                                                     if ":" not in c]], path)
    df, args.covariate_columns = covariate_columns(df, args.covariate, path)
    return path, df.reset_index(drop=True), interruptions


def check_numeric(df: pd.DataFrame, columns: list[str | None], path: Path) -> None:
    """Refuse text in the numeric columns among ``columns`` (outcome, offset, covariates),
    naming the 1-based file line; absent columns are left to the specification's message."""
    import numpy as np
    import pandas as pd

    from trends import dates

    for col in columns:
        if col is None or col not in df.columns or pd.api.types.is_numeric_dtype(df[col]):
            continue
        raw = df[col]
        bad = pd.to_numeric(raw, errors="coerce").isna() & raw.notna()
        if bad.any():
            k = int(np.flatnonzero(bad.to_numpy())[0])
            pos = int(df.index[k])
            raise InputError("not a number", path=path, line=dates.line_of(path, pos) or pos + 2,
                             field=str(col), value=raw.tolist()[k],
                             expected="a number (leave missing values empty)")


#: Covariate transforms of ``--covariate TRANSFORM:COL``: (function, domain check, expected).
#: (numpy is imported when a transform runs: `trends --help` starts without it)
TRANSFORMS: dict[str, tuple[Any, Any, str]] = {
    "log": (lambda x: _np().log(x), lambda x: x > 0, "a positive number"),
    "log1p": (lambda x: _np().log1p(x), lambda x: x >= 0, "a non-negative number"),
    "sqrt": (lambda x: _np().sqrt(x), lambda x: x >= 0, "a non-negative number"),
    "center": (lambda x: x - _np().nanmean(x), lambda x: _np().isfinite(x), "a number"),
    "z": (lambda x: (x - _np().nanmean(x)) / _np().nanstd(x, ddof=1),
          lambda x: _np().isfinite(x), "a number"),
}


def _np() -> Any:
    import numpy

    return numpy


def covariate_columns(df: pd.DataFrame, items: list[str] | None,
                      path: Path) -> tuple[pd.DataFrame, list[str] | None]:
    """Columns for ``--covariate [TRANSFORM:]COL``: plain columns as they are, transformed ones
    added as ``TRANSFORM(COL)`` (computed over the rows fitted). Errors name the file line."""
    import numpy as np
    import pandas as pd

    if not items:
        return df, items
    from trends import dates

    names: list[str] = []
    out = df
    for item in items:
        fn, sep, col = item.partition(":")
        if not sep:
            names.append(item)
            continue
        fn, col = fn.strip().lower(), col.strip()
        if fn not in TRANSFORMS:
            raise SpecificationError(f"--covariate {item!r}: unknown transform {fn!r}; expected "
                                     f"one of {', '.join(TRANSFORMS)} (e.g. log:{col})")
        if col not in df.columns:
            raise InputError("--covariate names a column the file does not have", path=path,
                             line=1, field=col,
                             expected=f"one of {', '.join(map(str, df.columns))}")
        raw = df[col]
        x = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        func, ok, expected = TRANSFORMS[fn]
        bad = ~np.isnan(x) & ~ok(x) | np.isnan(x) & raw.notna().to_numpy()
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            pos = int(df.index[k])
            raise InputError(f"cannot take {fn} of this value", path=path,
                             line=dates.line_of(path, pos) or pos + 2, field=col,
                             value=raw.tolist()[k], expected=expected + " (or empty for missing)")
        name = f"{fn}({col})"
        out = out.assign(**{name: func(x)})
        names.append(name)
    return out, names


def build_spec(args: argparse.Namespace, path: Path, df: pd.DataFrame,
               interruptions: dict[str, str], **extra: Any) -> Any:
    """The :class:`trends.ITS` specification of the shared model options (plus ``extra``);
    specification errors name the input file."""
    from trends.its import ITS

    try:
        return ITS(
            df, outcome=args.outcome, date=getattr(args, "date_column", args.date),
            interruptions=interruptions, changes=getattr(args, "changes_map", args.changes),
            family=args.family, offset=args.offset, seasonality=args.seasonality,
            covariates=getattr(args, "covariate_columns", args.covariate), freq=args.freq,
            keep_unconverged=bool(getattr(args, "keep_unconverged", False)), **extra,
        )
    except SpecificationError as exc:
        agg = extra.get("aggregates")
        if agg is not None and str(exc).startswith("aggregates") and "path" in agg.attrs:
            raise SpecificationError(f"{agg.attrs['path']}: {exc}") from None
        raise SpecificationError(f"{path}: {exc}") from None


def add_select_argument(p: argparse.ArgumentParser) -> None:
    """Add ``--select COL=VALUE`` (repeatable), to fit one series of a long panel file."""
    p.add_argument("--select", action="append", default=None, metavar="COL=VALUE",
                   help="keep only rows where COL equals VALUE (repeatable), e.g. to fit one "
                   "series of panel.csv: --select measure=attacks --select region=national "
                   "--select group=all --select source=PICSS")


def select_rows(df: pd.DataFrame, selections: list[str] | None, path: Path,
                date: str | list[str], also: str | None = None) -> pd.DataFrame:
    """Rows of ``df`` matching every ``COL=VALUE`` in ``selections``, one per ``date`` (per
    ``date`` and ``also``, the source column, when given).

    Raises
    ------
    InputError
        A selection is malformed, names a missing column, matches no row, or leaves several
        rows for one date (the message lists the columns that still vary).
    """
    if not selections:
        return df
    import pandas as pd

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
    dcols = [date] if isinstance(date, str) else list(date)
    by = dcols + ([also] if also is not None and also in out.columns else [])
    if all(c in out.columns for c in dcols) and out[by].duplicated().any():
        # in a panel file the key columns tell series apart (not value or provenance columns)
        keys = [c for c in PANEL_KEYS if c in out.columns] or list(out.columns)
        varying = [c for c in keys if c not in by and out[c].nunique() > 1]
        raise InputError("--select leaves several rows per date", path=path, field=",".join(dcols),
                         expected="one row per date; also select on " + ", ".join(varying))
    return out  # the index keeps each row's position in the file


def parse_interruption_changes(text: str) -> tuple[str, str, str | None]:
    """Split ``NAME=DATE[:CHANGES]``; ``CHANGES`` is ``None`` when not given.

    >>> parse_interruption_changes("ceasefire_end=2021-11:level+slope")
    ('ceasefire_end', '2021-11', 'level+slope')
    """
    name, date = parse_interruption(text)
    head, sep, tail = date.rpartition(":")
    if sep and re.fullmatch(r"[A-Za-z+ ]*", tail):
        word = tail.strip().lower().replace(" ", "")
        if word not in CHANGE_WORDS or not head.strip():
            raise SpecificationError(
                f"--interruption {text!r}: changes {tail!r} is not valid; expected NAME=DATE or "
                "NAME=DATE:CHANGES with CHANGES one of level, slope, level+slope, e.g. "
                "takeover=2021-08:level")
        return name, head.strip(), word
    return name, date, None


#: Change words of ``--interruption NAME=DATE:CHANGES``.
CHANGE_WORDS: tuple[str, ...] = ("level", "slope", "level+slope", "slope+level")


def parse_interruption(text: str) -> tuple[str, str]:
    """Split ``NAME=DATE``."""
    name, sep, date = text.partition("=")
    if not sep or not name.strip() or not date.strip():
        raise SpecificationError(
            f"--interruption {text!r} is not valid; expected NAME=DATE, e.g. takeover=2021-08"
        )
    return name.strip(), date.strip()


def read_csv(path: Path, date: str | list[str]) -> pd.DataFrame:
    """Read the CSV at ``path`` with the ``date`` column(s) as text; unreadable files raise
    InputError.

    Refused: a path that is not a regular file (a FIFO or device would block or never end), a
    header naming one column twice (pandas would silently rename the second ``attacks`` to
    ``attacks.1``).
    """
    import pandas as pd

    _check_regular(path)
    _check_header(path)
    try:
        df = pd.read_csv(path, dtype={c: str for c in ([date] if isinstance(date, str)
                                                         else date)},
                         skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read CSV: {' '.join(str(exc).split())}", path=path) from None
    return df


@contextlib.contextmanager
def collected_warnings(command: str) -> Iterator[list[str]]:
    """Collect the warnings statsmodels (or numpy) raise during a successful fit and print them
    afterwards as one sentence on stderr, instead of Python's two-line form with a source-code
    line. Yields a list that holds the warnings (one text each) once the block has run."""
    import sys
    import warnings

    seen: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield seen
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
    import pandas as pd


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


#: What the columns of table.csv mean (the legend in summary.md and report.html).
TABLE_LEGEND: tuple[tuple[str, str], ...] = (
    ("term", "intercept and trend: the pre-interruption line; level[NAME]: the jump at "
     "interruption NAME (in its first period); slope[NAME]: the change of the trend per period "
     "from NAME on; other terms: seasonality and covariates"),
    ("estimate, std_error", "the coefficient on the model's scale (log scale for log-link "
     "families) and its standard error"),
    ("ci_low, ci_high", "confidence interval of the estimate (level of --alpha)"),
    ("p_value", "two-sided test that the coefficient is 0"),
    ("ratio, ratio_low, ratio_high", "log-link families: exp(estimate) and its interval, the "
     "multiplicative change (level: of the rate; slope: of the rate per period); 1 = no "
     "change"),
)


def _facts(args: argparse.Namespace, path: Path, res: Any, warned: list[str]) -> list[
        tuple[str, str]]:
    """Data and model facts of summary.md and report.html (beside the results' own)."""
    import numpy as np

    from trends.provenance import sha256_file

    d = res.design
    y = np.asarray(d.y_full, dtype=float)
    missing = int(np.isnan(y).sum())
    facts = [
        ("Data file", f"{path} (SHA-256 {sha256_file(path)[:16]})"),
        ("Selection", " and ".join(args.select) if args.select else "all rows"),
        ("Window", f"{args.start or 'first period'} to {args.end or 'last period'}"),
        ("Seasonality", str(args.seasonality)),
        ("Covariates", ", ".join(getattr(args, "covariate_columns", None) or args.covariate
                                 or []) or "none"),
        ("Offset", f"log({args.offset})" if args.offset else "none"),
        ("Periods", f"{res.nperiods} in the calendar, {res.nobs} used, {missing} with the "
         "outcome missing (left as gaps, never filled)"),
        ("Convergence", "converged" if res.converged else
         "NOT converged (kept with --keep-unconverged): do not cite these estimates"),
        ("Estimation warnings", "; ".join(warned) if warned else "none"),
    ]
    return facts


def _selection_title(args: argparse.Namespace, path: Path) -> str:
    sel = f" ({', '.join(args.select)})" if args.select else ""
    return f"{args.outcome} in {path.name}{sel}"


def fit_record(args: argparse.Namespace, path: Path) -> dict[str, Any]:
    """The fit.json record: the command's options (as parsed) and the inputs' checksums."""
    from trends.provenance import sha256_file

    skip = {"func", "changes_map", "covariate_columns", "date_column", "command"}
    options = {k: v for k, v in sorted(vars(args).items()) if k not in skip
               and (v is None or isinstance(v, str | int | float | bool | list))}
    inputs = {str(Path(args.data).resolve()): sha256_file(path)}
    if getattr(args, "aggregates", None):
        inputs[str(Path(args.aggregates).resolve())] = sha256_file(Path(args.aggregates))
    import trends

    return {"command": "fit", "options": options, "inputs": inputs,
            "trends_version": getattr(trends, "__version__", "unknown")}


def run(args: argparse.Namespace) -> int:
    """Run ``trends fit``; returns the exit status."""
    import json

    from trends.atomic import OutputSet, check_outputs_not_inputs

    if getattr(args, "model", "its") == "structural":
        from trends.commands.fit_structural import run_structural

        return run_structural(args)
    out = Path(args.out)
    windows = parse_windows(getattr(args, "window", None))
    outputs = output_paths(args, out, windows)
    check_outputs_not_inputs([args.data, *([args.aggregates] if getattr(args, "aggregates", None)
                                           else [])], outputs, out)
    path, res, facts, table, win, diag = fit_series(args, windows)
    text = summary_text(args, path, res, diag, facts)
    record = fit_record(args, path)
    with OutputSet() as staged:  # every output of one fit, or none
        staged.write_csv(out / "table.csv", table, float_format="%.10g")
        staged.write_text(out / "summary.md", text)
        if win is not None:
            staged.write_csv(out / "windows.csv", win, float_format="%.10g")
        stage_figure_and_report(staged, args, out, res, facts, table, win, record,
                                f"ITS fit: {_selection_title(args, path)}")
        staged.write_text(out / "fit.json", json.dumps(record, indent=2, sort_keys=True) + "\n")
    print(f"trends fit: wrote {', '.join(str(p) for p in outputs)} "
          f"({res.nobs} observations used)")
    return 0


def fit_series(args: argparse.Namespace, windows: dict[str, tuple[str, str]]) -> tuple[
        Path, Any, list[tuple[str, str]], pd.DataFrame, pd.DataFrame | None, Any]:
    """Read, specify and fit as ``trends fit`` does: ``(path, results, facts, table,
    windows table or None, diagnostics)``."""
    path, df, interruptions = read_series(args)
    spec = build_spec(args, path, df, interruptions, cov=args.cov, errors=args.errors,
                      alpha=args.alpha, **aggregate_extra(args))
    win = None
    with collected_warnings("trends fit") as warned:
        try:
            res = spec.fit()
        except SpecificationError as exc:
            raise SpecificationError(f"{path}: {exc}") from None
        if windows:  # computed before anything is written: a bad window leaves no outputs
            try:
                win = res.window_effects(windows)
            except SpecificationError as exc:
                raise SpecificationError(f"{path}: {exc}") from None
        table = res.table().reset_index()
        diag = res.diagnostics()
    return path, res, _facts(args, path, res, warned), table, win, diag


def output_paths(args: argparse.Namespace, out: Path, windows: Any = None) -> list[Path]:
    """The files one ``trends fit`` writes, in order."""
    paths = [out / "table.csv", out / "summary.md"]
    if windows:
        paths.append(out / "windows.csv")
    if getattr(args, "plot", False):
        paths += [out / "fit.png", out / "fit.svg"]
    if getattr(args, "report", False):
        paths.append(out / "report.html")
    paths.append(out / "fit.json")
    return paths


def summary_text(args: argparse.Namespace, path: Path, res: Any, diag: Any,
                 facts: list[tuple[str, str]]) -> str:
    """summary.md: title (outcome, file, selection), data and model facts, the results'
    header and table, the column legend, residual diagnostics and published totals."""
    import pandas as pd

    from trends.results import format_markdown_table

    tests = diag.tests.reset_index()
    tests[["statistic", "df", "p_value"]] = tests[["statistic", "df", "p_value"]].map(
        lambda v: "NA" if pd.isna(v) else f"{v:.6g}")
    text = (f"# ITS fit: {_selection_title(args, path)}\n\n## Data and model\n\n"
            + "\n".join(f"- **{k}**: {v}" for k, v in facts) + "\n\n## Results\n\n"
            + res.to_markdown()
            + "\n## Columns of the table\n\n"
            + "\n".join(f"- `{k}`: {v}" for k, v in TABLE_LEGEND)
            + f"\n\n## Residual diagnostics (lags = {diag.lags})\n\n"
            + format_markdown_table(tests) + "\n")
    if res.spec.aggregates is not None:
        rep = res.aggregates_report()
        text += ("\n## Published totals (aggregates)\n\n"
                 + format_markdown_table(rep.astype(str)) + "\n")
    return text


def stage_figure_and_report(staged: Any, args: argparse.Namespace, out: Path, res: Any,
                            facts: list[tuple[str, str]], table: pd.DataFrame,
                            win: pd.DataFrame | None, record: dict[str, Any],
                            title: str) -> None:
    """Stage fit.png/fit.svg (``--plot``) and report.html (``--report``) into ``staged``."""
    want_plot = getattr(args, "plot", False)
    want_report = getattr(args, "report", False)
    if not (want_plot or want_report):
        return
    import matplotlib

    matplotlib.use("Agg", force=False)
    from trends import plot

    fig, _ = res.plot(source=Path(args.data).name)
    if want_plot:
        staged.write_with(out / "fit.png", lambda p: plot.write_figure(fig, p, "png"))
        staged.write_with(out / "fit.svg", lambda p: plot.write_figure(fig, p, "svg"))
    if want_report:
        staged.write_text(out / "report.html", report_html(res, fig, facts, table, win, record,
                                                           title))


def report_html(res: Any, fig: Any, facts: list[tuple[str, str]], table: pd.DataFrame,
                win: pd.DataFrame | None, record: dict[str, Any], title: str) -> str:
    """The report.html text of one fit (see :mod:`trends.report_html`)."""
    import io

    from trends import plot
    from trends import report_html as rh
    from trends.narrative import paragraphs
    from trends.report import format_sig

    buf = io.BytesIO()
    plot.write_figure(fig, buf, "png")
    shown = table.copy()
    num = shown.select_dtypes("number").columns
    shown[num] = shown[num].map(format_sig)
    tables: list[tuple[str, Any]] = [("Coefficients", shown)]
    if win is not None:
        w = win.reset_index() if win.index.name else win.copy()
        wnum = w.select_dtypes("number").columns
        w[wnum] = w[wnum].map(format_sig)
        tables.append(("Windows", w))
    prov = {"command": "trends fit " + " ".join(
        f"--{k.replace('_', '-')}={v}" for k, v in record["options"].items()
        if v not in (None, False, [])),
        **{f"input {k}": f"SHA-256 {v}" for k, v in record["inputs"].items()},
        "trends version": record["trends_version"]}
    return rh.render(title=title, narrative=paragraphs(res), facts=[*facts, *res._header()],
                     tables=tables, figure_png=buf.getvalue(),  # its caption is in the image
                     provenance=prov, legend=TABLE_LEGEND)
