"""Command-line interface: ``trends COMMAND ...``.

Each sub-command lives in its own module under :mod:`trends.commands` and provides
``register(subparsers)``, which adds its parser and sets ``func`` to a callable taking the parsed
arguments and returning an exit status. Errors caused by input (:class:`~trends.errors.TrendsError`,
missing or unreadable files) become one line on stderr and exit status 2; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import sys

from trends import __version__
from trends.errors import TrendsError

TYPE_CHECKING = False  # as in trends/__init__: typing is not imported to start the CLI
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

#: Sub-command modules, in the order ``trends --help`` lists them.
COMMANDS: tuple[str, ...] = ("clean", "fit", "robust", "report", "reproduce", "vocabulary")

#: each sub-command's one-line help, as its module registers it, for the top-level ``--help``
#: (which then imports no command module; tests/test_cli_startup.py checks they agree)
SUMMARIES: dict[str, str] = {
    "clean": "clean count tables or event files into a monthly panel with an audit trail",
    "fit": "fit an interrupted time-series model to a CSV series",
    "robust": "break-date grid: refit an ITS model at every placement of its interruptions",
    "report": "write FIT_DIR/report.html for a folder written by `trends fit`",
    "reproduce": "run the whole pipeline on the embedded data (data/raw -> data/processed, ...)",
    "vocabulary": "start or check a vocabulary (region/group/measure names and rules) for "
    "another country or dataset",
}


def build_parser(*, summaries_only: bool = False) -> argparse.ArgumentParser:
    """Build the top-level parser with every available sub-command.

    With ``summaries_only`` each sub-command is registered by its name and one-line help
    (:data:`SUMMARIES`) only, without importing its module: enough for ``trends --help``.
    """
    import argparse
    import importlib

    parser = argparse.ArgumentParser(
        prog="trends",
        description="Clean attack-count tables into a monthly panel and fit interrupted "
        "time-series models.",
    )
    parser.add_argument("--version", action="version", version=f"trends {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show a full traceback on errors (for bug reports)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        if summaries_only:
            sub.add_parser(name, help=SUMMARIES[name])
            continue
        try:
            module = importlib.import_module(f"trends.commands.{name}")
        except ModuleNotFoundError as exc:  # a command not built yet must not break the others
            if exc.name != f"trends.commands.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``trends`` console script; returns the exit status."""
    command, debug = "trends", False
    given = list(sys.argv[1:] if argv is None else argv)
    if given == ["--version"]:
        # what argparse's version action prints, without building every sub-command's parser
        print(f"trends {__version__}")
        return 0
    if given in (["--help"], ["-h"]):
        # the top-level help lists the sub-commands' one-line summaries only: their modules
        # (and what they import) are not needed for it
        build_parser(summaries_only=True).parse_args(given)
    try:
        import signal  # imports enum: not needed for the two fast paths above
        import threading
    except KeyboardInterrupt:  # Ctrl-C while starting up: an ordinary interruption
        print(f"{command}: interrupted; {_state()}", file=sys.stderr)
        return 130

    def terminated(signum: int, frame: object) -> None:
        # SIGTERM becomes an exception, so staged outputs are removed on the way out (every
        # command commits all outputs together at its end, so earlier ones are intact)
        print(f"{command}: terminated; {_state()}", file=sys.stderr)
        raise SystemExit(128 + signum)

    atomic = sys.modules.get("trends.atomic")  # not imported: nothing committed yet
    if atomic is not None:
        atomic._COMMITTED.clear()  # a new command: nothing of it written yet
    previous = signal.getsignal(signal.SIGTERM)
    main_thread = threading.current_thread() is threading.main_thread()
    if main_thread:
        signal.signal(signal.SIGTERM, terminated)
    try:
        # parsing imports the command modules: a Ctrl-C there must not print a traceback either
        args = build_parser().parse_args(argv)
        command, debug = f"trends {args.command}", args.debug
        return int(args.func(args) or 0)
    except (TrendsError, OSError) as exc:
        if debug:
            raise
        from trends.errors import show

        # whatever a message quotes from a file, no control character reaches the terminal
        print(f"{command}: error: {show(_describe(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{command}: interrupted; {_state()}", file=sys.stderr)
        return 130
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def _state() -> str:
    """What a signal left behind, truthfully (outputs are committed together at the end)."""
    from trends.atomic import outputs_committed

    if outputs_committed():
        return "its outputs had already been written completely"
    return "earlier outputs are intact"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None:
        reason = exc.strerror or exc.__class__.__name__
        return f"{exc.filename}: {reason}"
    return " ".join(str(exc).split())  # one line, whatever the message holds


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
