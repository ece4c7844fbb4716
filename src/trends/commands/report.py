"""``trends report FIT_DIR``: write ``FIT_DIR/report.html`` for a folder written by
``trends fit``.

The fit is re-run from ``FIT_DIR/fit.json`` (the options of that run and the SHA-256 of its
inputs); an input that changed since is refused, so the report always describes the data that
made the folder's table. The page is self-contained (figure embedded as a ``data:`` URI, inline
CSS, no external resource) and opens offline.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from trends.errors import InputError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``report`` sub-command."""
    p = subparsers.add_parser(
        "report", help="write FIT_DIR/report.html for a folder written by `trends fit`",
        description="Write FIT_DIR/report.html: a self-contained page (the figure embedded, "
        "a plain-language paragraph per interruption with its interval and caveats, the "
        "coefficient and window tables, the model facts and the provenance) that opens "
        "offline. The fit is re-run from FIT_DIR/fit.json; inputs changed since are refused.")
    p.add_argument("fit_dir", metavar="FIT_DIR", help="output folder of `trends fit`")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``trends report``; returns the exit status."""
    import json

    from trends.atomic import OutputSet
    from trends.commands import fit
    from trends.provenance import sha256_file

    folder = Path(args.fit_dir)
    record_path = folder / "fit.json"
    if not record_path.is_file():
        raise InputError("no fit.json: not a folder written by `trends fit`", path=folder,
                         expected="the --out folder of a `trends fit` run")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        options = dict(record["options"])
        inputs = dict(record["inputs"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"fit.json is not valid ({exc})", path=record_path,
                         expected="the fit.json written by `trends fit`") from None
    for name, digest in inputs.items():
        if not Path(name).is_file() or sha256_file(name) != digest:
            raise InputError("an input of the fit changed or is missing since the fit was "
                             "run", path=name, expected="the file the fit read (re-run "
                             "`trends fit`)")
    options["data"] = next(iter(inputs))  # absolute: the report may run from anywhere
    if options.get("aggregates"):
        options["aggregates"] = list(inputs)[1]
    fit_args = argparse.Namespace(**options)
    fit_args.out = str(folder)
    windows = fit.parse_windows(fit_args.window)
    path, res, facts, table, win, _ = fit.fit_series(fit_args, windows)
    import matplotlib

    matplotlib.use("Agg", force=False)
    fig, _ = res.plot(source=Path(path).name)
    text = fit.report_html(res, fig, facts, table, win, record,
                           f"ITS fit: {fit._selection_title(fit_args, path)}")
    target = folder / "report.html"
    with OutputSet() as staged:
        staged.write_text(target, text)
    print(f"trends report: wrote {target}")
    return 0
