"""Atomic output: write to a temporary file in the target folder, then rename.

A run that fails or is killed mid-write leaves no partial file and the previous output intact,
because :func:`os.replace` is atomic on POSIX within one file system.

Every command writes *all* its outputs through one :class:`OutputSet`: each output is staged as
a hidden temporary file (``.trends-tmp-<name>.<random>``) beside its target, and only once every
output is complete on disk are they renamed onto their targets, together, with SIGINT/SIGTERM
deferred over the renames. A failed, interrupted or full-disk run therefore leaves the earlier
complete set of outputs (never a new table beside an old summary) and, except after SIGKILL
(which no process can intercept), no temporary file. :func:`check_outputs_not_inputs` refuses an
output that is the same file as an input, or an output folder that is (inside) an input folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from trends.errors import InputError

if TYPE_CHECKING:  # pandas is imported lazily (the CLI starts without it)
    import pandas as pd

#: Prefix of every staged temporary output (readers skip hidden files).
TEMP_PREFIX = ".trends-tmp-"
#: Test hook: ``POINT=MARKER[,POINT=MARKER...]`` makes a run create MARKER and wait at POINT
#: (see :func:`pause_point`), so that kill-safety tests can signal it at a known moment.
PAUSE_ENV = "TRENDS_TEST_PAUSE"


#: Set once a command's outputs are in place (not for commits into a staging folder), so that
#: the message after a signal handled right after the commit is true.
_COMMITTED: list[Path] = []


def outputs_committed() -> bool:
    """Whether outputs of this process have been renamed onto their final targets."""
    return bool(_COMMITTED)


def mark_committed(targets: Iterable[Path]) -> None:
    """Record final targets as committed (see :func:`outputs_committed`)."""
    _COMMITTED.extend(t for t in targets if not any(
        part.startswith(TEMP_PREFIX) for part in Path(t).parts))


def pause_point(name: str) -> None:
    """Wait at the named point when :data:`PAUSE_ENV` asks for it (tests only).

    With ``TRENDS_TEST_PAUSE=commit=/tmp/m`` a run creates ``/tmp/m`` when it reaches the point
    ``commit`` and then sleeps (up to 10 minutes) until it is signalled. Points: ``staged``
    (the first output of a set is staged, the others not yet), ``commit`` (every output
    staged, none renamed), ``import`` (``trends.clean`` half imported: start-up),
    ``reproduce:<stage>`` (a reproduce stage finished) and
    ``reproduce:commit`` (a reproduce run complete in its staging folder, nothing swapped in).
    """
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    for item in spec.split(","):
        point, _, marker = item.partition("=")
        if point == name and marker:
            Path(marker).write_text(f"{os.getpid()}\n", encoding="utf-8")
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                time.sleep(0.02)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Defer SIGINT/SIGTERM over a few statements that must not be split.

    The Python-level handlers are swapped for one that only records the signal, and the
    original handler is called on exit. (Blocking with ``pthread_sigmask`` is not enough: in a
    process with worker threads the signal is delivered to another thread and the main thread
    still raises ``KeyboardInterrupt`` mid-statement.)
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be changed from the main thread
        return
    pending: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    old = {s: signal.signal(s, lambda signum, frame: pending.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        for signum in pending:
            previous = old[signal.Signals(signum)]
            if callable(previous):
                previous(signum, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(s)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _within(child: Path, folder: Path) -> bool:
    c, f = child.resolve(), folder.resolve()
    return c == f or f in c.parents


def check_outputs_not_inputs(inputs: Iterable[str | os.PathLike[str]],
                             outputs: Iterable[str | os.PathLike[str]],
                             folder: str | os.PathLike[str] | None = None) -> None:
    """Refuse outputs that would overwrite, shadow or land inside an input.

    Parameters
    ----------
    inputs
        Input files and folders of the command.
    outputs
        Every file the command will write.
    folder
        The output folder (``--out``), if any.

    Raises
    ------
    InputError
        An output is the same file as an input (also through a symbolic or hard link), an
        output lies inside an input folder, or the output folder is an input folder or inside
        one. The message names both paths.

    Examples
    --------
    >>> check_outputs_not_inputs(["data/raw"], ["data/raw/panel.csv"], "data/raw")
    Traceback (most recent call last):
    ...
    trends.errors.InputError: data/raw: the output folder is an input folder or inside one ...
    """
    ins = [Path(p) for p in inputs]
    outs = [Path(p) for p in outputs]
    for i in ins:
        if not (i.exists() or i.is_symlink()):
            continue
        if i.is_dir():
            if folder is not None and _within(Path(folder), i):
                raise InputError("the output folder is an input folder or inside one",
                                 path=folder, value=str(i),
                                 expected="an --out folder outside every input folder")
            for o in outs:
                if _within(o, i):
                    raise InputError("an output would be written inside an input folder",
                                     path=o, value=str(i),
                                     expected="outputs outside every input folder")
            continue
        for o in outs:
            if (o.exists() or o.is_symlink()) and _same_file(o, i) or o.resolve() == i.resolve():
                raise InputError("the output is the same file as an input", path=o,
                                 value=str(i), expected="an output that is not an input")


def _output_error(exc: OSError, target: Path) -> OSError:
    """``exc`` with the output path named (disk full and file-size errors name no file)."""
    name = None if exc.filename is None else Path(str(exc.filename)).name
    if name is None or name.startswith(TEMP_PREFIX) or Path(str(exc.filename)).is_dir():
        reason = exc.strerror or os.strerror(exc.errno or errno.EIO)
        new = OSError(exc.errno, f"{reason} (while writing the output)", str(target))
        return new
    return exc


class OutputSet:
    """Stage several outputs and commit them together (all or nothing).

    Use as a context manager: :meth:`stage` returns a temporary path beside each target (write
    it by any means), or use :meth:`write_text` / :meth:`write_csv`; on a normal exit every
    staged file is flushed to disk and renamed onto its target, with SIGINT/SIGTERM deferred
    over the renames; on an exception (also ``KeyboardInterrupt``) every staged file is removed
    and no target is touched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with OutputSet() as out:
    ...     _ = out.write_text(d / "a.txt", "a\\n")
    ...     _ = out.write_text(d / "b.txt", "b\\n")
    >>> sorted(p.name for p in d.iterdir())
    ['a.txt', 'b.txt']
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                self.commit()
        finally:
            self.discard()

    @property
    def targets(self) -> list[Path]:
        """Targets staged so far, in order."""
        return [t for t, _ in self._staged]

    def stage(self, target: str | os.PathLike[str]) -> Path:
        """A new temporary path beside ``target`` (its folder is created if missing)."""
        t = Path(target)
        if t.exists() and t.is_dir():
            raise InputError("an output path is a folder", path=t, expected="a file path")
        t.parent.mkdir(parents=True, exist_ok=True)
        with signals_deferred():
            try:
                fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{t.name}.", dir=t.parent)
            except OSError as exc:
                raise _output_error(exc, t) from None
            os.close(fd)
            self._staged.append((t, Path(tmp)))
        return Path(tmp)

    def adopt(self, staged: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        """Commit an already written file ``staged`` (same file system) onto ``target``."""
        self._staged.append((Path(target), Path(staged)))

    def write_text(self, target: str | os.PathLike[str], text: str) -> Path:
        """Stage ``text`` (UTF-8, as given) for ``target``; returns ``target``."""
        tmp = self.stage(target)
        try:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        except OSError as exc:
            raise _output_error(exc, Path(target)) from None
        self._after_write()
        return Path(target)

    def write_csv(self, target: str | os.PathLike[str], df: pd.DataFrame, **kwargs: Any) -> Path:
        """Stage ``df`` as CSV (no index, ``\n``, formula-like cells neutralised)."""
        kwargs.setdefault("index", False)
        kwargs.setdefault("lineterminator", "\n")
        tmp = self.stage(target)
        try:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                neutralise_formulas(df).to_csv(fh, **kwargs)
        except OSError as exc:
            raise _output_error(exc, Path(target)) from None
        self._after_write()
        return Path(target)

    def write_with(self, target: str | os.PathLike[str], writer: Callable[[Path], None]) -> Path:
        """Stage ``target`` by calling ``writer(temporary_path)``."""
        tmp = self.stage(target)
        try:
            writer(tmp)
        except OSError as exc:
            raise _output_error(exc, Path(target)) from None
        self._after_write()
        return Path(target)

    def _after_write(self) -> None:
        if len(self._staged) == 1:
            pause_point("staged")

    def commit(self) -> None:
        """Flush every staged file, then rename all onto their targets."""
        for target, tmp in self._staged:
            try:
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise _output_error(exc, target) from None
            os.chmod(tmp, 0o644)
        pause_point("commit")
        with signals_deferred():
            folders = []
            for target, tmp in self._staged:
                os.replace(tmp, target)
                if target.parent not in folders:
                    folders.append(target.parent)
            mark_committed(t for t, _ in self._staged)
            self._staged.clear()
        for f in folders:  # the renames themselves on disk
            with contextlib.suppress(OSError):
                fd = os.open(f, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)

    def discard(self) -> None:
        """Remove every staged file not yet committed."""
        for _, tmp in self._staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        self._staged.clear()


#: First characters that make a spreadsheet program read a cell as a formula (OWASP CSV
#: injection): ``=``, ``+``, ``-``, ``@``, tab and carriage return.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula.

    Numbers (also negative ones, ``-3``, ``-1.5e-3``), cells of dashes only (a missing mark
    such as ``-``) and missing values are data, not formulas, and stay as they are.

    Examples
    --------
    >>> print(neutralise_cell('=HYPERLINK("http://x")'))
    '=HYPERLINK("http://x")
    >>> neutralise_cell("-12"), neutralise_cell(3)
    ('-12', 3)
    >>> neutralise_cell("@SUM(A1)"), neutralise_cell("-")
    ("'@SUM(A1)", '-')
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if value.strip("-\u2013\u2014 ") == "":
        return value
    try:
        float(value.replace(",", ""))
        return value  # a signed number
    except ValueError:
        return "'" + value


def _needs(value: object) -> bool:
    return neutralise_cell(value) is not value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell (and column name) passed through :func:`neutralise_cell`.

    Returns ``df`` itself when nothing needs changing (the common case; no copy).
    """
    changed = {}
    for i, _c in enumerate(df.columns):
        col = df.iloc[:, i]
        if col.dtype.kind in "biufcmM":
            continue
        s = col.astype("object")
        if bool(s.map(_needs).any()):
            changed[i] = s.map(neutralise_cell)
    names = [neutralise_cell(c) for c in df.columns]
    if not changed and all(a is b for a, b in zip(names, df.columns, strict=True)):
        return df
    out = df.copy()
    for i, v in changed.items():
        out.isetitem(i, v.to_numpy())
    out.columns = names
    return out


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    The caller writes the temporary path by any means (``savefig``, ``to_csv``...). On an
    exception the temporary file is removed and ``path`` is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_path: Path | None = None
    try:
        # created inside the try, so an interrupt right after creation still removes it
        fd, tmp = tempfile.mkstemp(prefix=f".trends-tmp-{target.name}.", dir=target.parent)
        tmp_path = Path(tmp)
        os.close(fd)
        yield tmp_path
        with open(tmp_path, "rb+") as fh:  # data on disk before the rename makes it visible
            os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    except BaseException:
        if tmp_path is not None:
            with contextlib.suppress(FileNotFoundError):
                tmp_path.unlink()
        raise


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO[Any]]:
    """Open a temporary file for writing that replaces ``path`` atomically on close."""
    if "b" in mode:
        encoding = None
    newline = "" if encoding else None
    with atomic_path(path) as tmp, open(tmp, mode, encoding=encoding, newline=newline) as fh:
        yield fh


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) atomically and return the path."""
    with atomic_open(path, "w") as fh:
        fh.write(text)
    return Path(path)


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write ``df`` as CSV atomically with deterministic formatting (``\\n`` line ends, no index
    by default)."""
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\n")
    with atomic_open(path, "w") as fh:
        neutralise_formulas(df).to_csv(fh, **kwargs)
    return Path(path)
