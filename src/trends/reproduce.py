"""``trends reproduce``: the whole pipeline on the embedded data, as a list of named stages.

Each stage is a function taking a :class:`Context` (project root and standard paths). Later
stages (models, figures, tables) are added by appending to :data:`STAGES` or calling
:func:`register_stage`; :func:`run` executes them in order and stops at the first error.

A run is staged: every stage writes into a hidden folder ``ROOT/.trends-tmp-reproduce-*``
that mirrors ``data/processed``, ``figures`` and ``results`` (seeded with their current files,
so a single ``--stage`` finds the outputs of the others). Only when every stage has succeeded
are the files whose bytes changed renamed into place, with ``results/provenance.json`` removed
first and written last, so that a failed, interrupted or killed run leaves the earlier outputs
and a provenance record that describes the files beside it (after a kill in the middle of the
renames: no provenance record at all, never a false one). A run without the ``provenance``
stage that changes any output removes the now stale ``results/provenance.json`` and says so.

The default root is found by :func:`find_root`: the nearest folder, from the current directory
upwards, that holds ``pyproject.toml`` and ``data/raw``; failing that, the source tree the
package was installed from (``src/trends/../..``).
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from trends.atomic import (
    TEMP_PREFIX,
    check_outputs_not_inputs,
    mark_committed,
    pause_point,
    signals_deferred,
)
from trends.errors import InputError


@dataclass
class Context:
    """Where a reproduce run reads and writes.

    Attributes
    ----------
    root
        Project root.
    raw
        Embedded input data (``root/data/raw``).
    processed
        Cleaned outputs (``root/data/processed``).
    figures, results
        Folders for later stages (``root/figures``, ``root/results``).
    log
        Callable printing one progress line.
    outputs
        Stage name -> files it wrote (filled as stages run).
    stage_root
        While a run is staged: the hidden folder mirroring ``root`` that ``processed``,
        ``figures`` and ``results`` point into (``None`` otherwise).
    """

    root: Path
    raw: Path
    processed: Path
    figures: Path
    results: Path
    log: Callable[[str], None] = print
    outputs: dict[str, list[str]] = field(default_factory=dict)
    stage_root: Path | None = None

    def rel(self, path: str | os.PathLike[str]) -> str:
        """``path`` relative to the project root (a staged file as its final path)."""
        p = Path(path)
        if self.stage_root is not None:
            with contextlib.suppress(ValueError):
                return p.resolve().relative_to(self.stage_root.resolve()).as_posix()
        return os.path.relpath(p, self.root)

    def final(self, path: str | os.PathLike[str]) -> Path:
        """Where a (staged) output ends up."""
        return self.root / self.rel(path)

    @classmethod
    def from_root(cls, root: str | os.PathLike[str], log: Callable[[str], None] = print
                  ) -> Context:
        """Standard paths under ``root``."""
        r = Path(root).resolve()
        return cls(root=r, raw=r / "data" / "raw", processed=r / "data" / "processed",
                   figures=r / "figures", results=r / "results", log=log)


@dataclass(frozen=True)
class Stage:
    """A named pipeline step."""

    name: str
    func: Callable[[Context], None]
    description: str = ""


def _is_root(path: Path) -> bool:
    return (path / "pyproject.toml").is_file() and (path / "data" / "raw").is_dir()


def find_root(start: str | os.PathLike[str] | None = None) -> Path:
    """Project root: from ``start`` (default cwd) upwards, else the package's source tree.

    Raises
    ------
    InputError
        If neither holds ``pyproject.toml`` and ``data/raw``.
    """
    here = Path(start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        if _is_root(p):
            return p
    pkg = Path(__file__).resolve().parents[2]
    if _is_root(pkg):
        return pkg
    raise InputError("cannot find the project root", path=here,
                     expected="a folder holding pyproject.toml and data/raw (use --root DIR)")


def stage_clean(ctx: Context) -> None:
    """Clean ``data/raw`` into ``data/processed/{panel,audit,alternatives,periods}.csv``."""
    from trends.clean import clean, write_result

    if not ctx.raw.is_dir():
        raise InputError("embedded data folder missing", path=ctx.raw,
                         expected="data/raw with the source tables")
    # audit file names relative to the root, so the output does not depend on where it runs
    result = clean(ctx.raw, base=ctx.root)
    paths = write_result(result, ctx.processed)
    ctx.outputs["clean"] = [ctx.rel(p) for p in paths.values()]
    ctx.log(f"clean: {len(result.audit)} raw rows -> {len(result.panel)} panel rows, "
            f"{len(result.periods)} non-monthly figures, "
            f"{len(result.alternatives)} alternative values")


def _deferred(function: str) -> Callable[[Context], None]:
    """The study's stage function ``trends.study.outputs.<function>``, imported only when the
    stage runs (the models, plotting and report modules are not needed to clean)."""

    def run(ctx: Context) -> None:
        from trends.study import outputs

        getattr(outputs, function)(ctx)

    return run


#: The pipeline, in order. Append later stages here or with :func:`register_stage`.
STAGES: list[Stage] = [
    Stage("clean", stage_clean, "clean data/raw into data/processed (panel, audit, ...)"),
    Stage("models", _deferred("stage_models"),
          "fit the main and robustness ITS models; coefficient tables -> results/"),
    Stage("study", _deferred("stage_study"),
          "estimands, calibration, sources, structural (issue 14) -> results/"),
    Stage("figures", _deferred("stage_figures"), "every figure -> figures/ (PNG, SVG)"),
    Stage("tables", _deferred("stage_tables"),
          "effects, robustness, claims, coverage ... -> results/ (CSV, MD, TeX)"),
    Stage("provenance", _deferred("stage_provenance"),
          "input/output SHA-256, package versions, model specs -> results/provenance.json"),
]


def register_stage(stage: Stage, *, after: str | None = None) -> None:
    """Add ``stage`` at the end, or right after the stage named ``after``; replaces same name."""
    existing = [s.name for s in STAGES]
    if stage.name in existing:
        STAGES[existing.index(stage.name)] = stage
        return
    if after is None:
        STAGES.append(stage)
    else:
        if after not in existing:
            raise ValueError(f"no stage named {after!r}; stages: {existing}")
        STAGES.insert(existing.index(after) + 1, stage)


def run(
    root: str | os.PathLike[str] | None = None,
    *,
    stages: Sequence[str] | None = None,
    log: Callable[[str], None] | None = None,
) -> Context:
    """Run the pipeline (all stages, or those named in ``stages``) and return the context."""
    ctx = Context.from_root(root if root is not None else find_root(),
                            log=log or (lambda m: print(m, file=sys.stdout)))
    known = [s.name for s in STAGES]
    for name in stages or ():
        if name not in known:
            raise InputError("unknown stage", value=name, expected="one of " + ", ".join(known))
    for folder in (ctx.processed, ctx.figures, ctx.results):
        check_outputs_not_inputs([ctx.raw, ctx.root / "data" / "claims.csv"], [], folder)
    todo = [s for s in STAGES if stages is None or s.name in stages]
    with _staged(ctx) as staged:
        for stage in todo:
            stage.func(staged)
            pause_point(f"reproduce:{stage.name}")
        ctx.outputs.update(staged.outputs)
        _commit(staged, ctx, wrote_provenance=any(s.name == "provenance" for s in todo))
    return ctx


#: The folders a run writes, relative to the root (mirrored in the staging folder).
OUTPUT_FOLDERS = ("data/processed", "figures", "results")
PROVENANCE = "results/provenance.json"


@contextlib.contextmanager
def _staged(ctx: Context) -> Iterator[Context]:
    """A copy of ``ctx`` writing into a fresh staging folder; the folder is removed on exit."""
    stage_root = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}reproduce-", dir=ctx.root))
    try:
        for rel in OUTPUT_FOLDERS:
            src, dst = ctx.root / rel, stage_root / rel
            dst.mkdir(parents=True)
            if src.is_dir():
                for f in sorted(src.iterdir()):
                    if f.is_file() and not f.name.startswith("."):
                        shutil.copy2(f, dst / f.name)
        yield replace(ctx, processed=stage_root / "data" / "processed",
                      figures=stage_root / "figures", results=stage_root / "results",
                      outputs={}, stage_root=stage_root)
    finally:
        with signals_deferred():
            shutil.rmtree(stage_root, ignore_errors=True)


def _commit(staged: Context, ctx: Context, *, wrote_provenance: bool) -> None:
    """Rename every staged file whose bytes differ from its target into place.

    The old provenance record goes first and the new one last, so that at no moment does a
    provenance record sit beside files it does not describe.
    """
    assert staged.stage_root is not None
    changed: list[tuple[Path, Path]] = []
    for rel in OUTPUT_FOLDERS:
        for f in sorted((staged.stage_root / rel).iterdir()):
            if f.name.startswith(".") or not f.is_file():
                continue
            target = ctx.root / rel / f.name
            if not target.is_file() or not filecmp.cmp(f, target, shallow=False):
                changed.append((f, target))
    prov = ctx.root / PROVENANCE
    others = [c for c in changed if c[1] != prov]
    new_prov = staged.stage_root / PROVENANCE if wrote_provenance else None
    if not others and not any(c[1] == prov for c in changed):
        return  # every output already holds these bytes: nothing to touch
    for f, _ in changed:
        with open(f, "rb+") as fh:
            os.fsync(fh.fileno())
    pause_point("reproduce:commit")
    stale = new_prov is None and prov.is_file()
    with signals_deferred():
        if prov.is_file():  # out of sight first
            os.replace(prov, staged.stage_root / "results" / ".provenance-earlier.json")
        for f, target in others:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, target)
        if new_prov is not None and new_prov.is_file():
            os.replace(new_prov, prov)  # last
        mark_committed([t for _, t in others] + [prov])
    if stale:
        ctx.log(f"provenance: {PROVENANCE} removed: it described earlier outputs (run every "
                "stage, or add --stage provenance, to record the new ones)")
