"""``trends fit``: fit an interrupted time-series model to a CSV file.

Writes ``DIR/table.csv`` (the coefficient table, one row per term, numbers with 10 significant
digits) and ``DIR/summary.md`` (model facts, coefficient table and residual diagnostics), each
atomically. Bad input raises :class:`~trends.errors.InputError` or
:class:`~trends.errors.SpecificationError` (exit status 2, one line on stderr).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from trends.errors import InputError, SpecificationError
from trends.schema import PANEL_KEYS

TYPE_CHECKING = False  # not typing's: typing is not imported to start the CLI
if TYPE_CHECKING:  # pandas is imported by the functions that run: `trends --help` needs none
    from typing import Any

    import pandas as pd

__all__ = ["register", "run", "add_model_arguments", "read_series", "read_csv", "build_spec",
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
                   help="nonrobust, HC0..HC3, hac, hac:LAGS or hac:LAGS:small (default nonrobust)")
    p.add_argument("--errors", default=None,
                   help="ARMA errors for gaussian models: ar:P or arma:P:Q")
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
    df = select_rows(read_csv(path, args.date), args.select, path, args.date)
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
    """Read the CSV at ``path`` with ``date`` as text; unreadable files raise InputError."""
    import pandas as pd

    try:
        df = pd.read_csv(path, dtype={date: str}, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read CSV: {' '.join(str(exc).split())}", path=path) from None
    return df


def run(args: argparse.Namespace) -> int:
    """Run ``trends fit``; returns the exit status."""
    import pandas as pd

    from trends.atomic import write_csv, write_text

    path, df, interruptions = read_series(args)
    spec = build_spec(args, path, df, interruptions, cov=args.cov, errors=args.errors,
                      alpha=args.alpha)
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
