"""``trends robust``: break-date grid for an ITS model given on the command line.

Fits the model (options as for ``trends fit``) at every admissible placement of its
interruptions and writes, atomically, ``DIR/grid.csv`` (every placement, sorted by AIC, numbers
with 10 significant digits) and ``DIR/grid.md`` (the best placements and where the hypothesised
dates rank). Everything is computed before anything is written, so an interrupted run
(Ctrl-C) leaves earlier outputs intact.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from trends.errors import SpecificationError

TYPE_CHECKING = False  # not typing's: typing is not imported to start the CLI
if TYPE_CHECKING:  # pandas is imported when the command runs, not when the CLI starts
    from typing import Any

    import pandas as pd

__all__ = ["register", "run"]

#: rows of the grid shown in the Markdown summary
TOP = 20


def register(subparsers: Any) -> None:
    """Add the ``robust`` sub-command."""
    p = subparsers.add_parser(
        "robust",
        help="break-date grid: refit an ITS model at every placement of its interruptions",
        description="Fit the ITS model at every admissible placement of its interruptions "
        "(vectorised) and write, each atomically, DIR/grid.csv (every placement sorted by AIC) "
        "and DIR/grid.md (the best placements and where the hypothesised dates rank).",
    )
    from trends.commands.fit import add_model_arguments

    add_model_arguments(p)  # the data and model options of `trends fit`
    p.add_argument("--min-segment", type=int, default=3, metavar="N",
                   help="minimum used observations in every segment (default 3)")
    p.add_argument("--n-breaks", type=int, default=None, metavar="K",
                   help="number of breaks to place (default: number of interruptions)")
    p.add_argument("--progress", action="store_true", help="show a progress bar")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder: grid.csv and grid.md are written there")
    p.set_defaults(func=run)


def _markdown(grid: pd.DataFrame, args: argparse.Namespace, path: Path,
              hypothesised: dict[str, str]) -> str:
    import pandas as pd

    from trends.results import format_markdown_table

    breaks = [c for c in grid.columns if c.startswith("break_")]
    shown = grid.head(TOP).copy()
    shown.insert(0, "rank", range(1, len(shown) + 1))
    num = [c for c in shown.columns if c not in breaks and c != "rank"]
    shown[num] = shown[num].map(lambda v: "NA" if pd.isna(v) else f"{v:.6g}")
    lines = [
        f"# Break-date grid: {args.outcome} in {path.name}",
        "",
        f"- family: {args.family}; seasonality: {args.seasonality}; changes: {args.changes}",
        f"- placements fitted: {len(grid)} (at least {args.min_segment} observations per segment)",
        "- hypothesised dates: " + ", ".join(f"{k} = {v}" for k, v in hypothesised.items()),
    ]
    if len(breaks) == len(hypothesised):
        dates = list(hypothesised.values())
        hit = pd.Series(True, index=grid.index)
        for col, d in zip(breaks, dates, strict=True):
            hit &= grid[col] == d
        if hit.any():
            i = int(hit.to_numpy().nonzero()[0][0])
            delta = grid["aic"].iloc[i] - grid["aic"].iloc[0]
            lines.append(f"- hypothesised placement ranks {i + 1} of {len(grid)} by AIC "
                         f"(AIC {delta:.3g} above the best)")
    lines += ["", f"Best {len(shown)} placements by AIC:", "", format_markdown_table(shown), ""]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``trends robust``; returns the exit status."""
    from trends.atomic import OutputSet, check_outputs_not_inputs
    from trends.commands.fit import build_spec, read_series
    from trends.robust.grid import break_date_grid

    out = Path(args.out)
    check_outputs_not_inputs([args.data], [out / "grid.csv", out / "grid.md"], out)
    path, df, interruptions = read_series(args)
    spec = build_spec(args, path, df, interruptions)
    from trends.commands.fit import collected_warnings

    try:
        with collected_warnings("trends robust"):
            grid = break_date_grid(spec, n_breaks=args.n_breaks, min_segment=args.min_segment,
                                   progress=args.progress)
    except SpecificationError as exc:
        raise SpecificationError(f"{path}: {exc}") from None
    if len(grid) == 0 or ("aic" in grid.columns and grid["aic"].isna().all()):
        raise SpecificationError(f"{path}: no placement of the breaks could be fitted "
                                 f"({len(grid)} tried); a grid of NaN is no result")
    hyp = {k: str(v) for k, v in spec.design().interruptions.items()}
    # all computed: now write both files, committed together
    with OutputSet() as staged:
        staged.write_csv(out / "grid.csv", grid, float_format="%.10g")
        staged.write_text(out / "grid.md", _markdown(grid, args, path, hyp))
    print(f"trends robust: wrote {out / 'grid.csv'} and {out / 'grid.md'} "
          f"({len(grid)} placements)")
    return 0
