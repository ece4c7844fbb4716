"""``trends reproduce``: the whole pipeline on the embedded data, as a list of named stages.

Each stage is a function taking a :class:`Context` (project root and standard paths). Later
stages (models, figures, tables) are added by appending to :data:`STAGES` or calling
:func:`register_stage`; :func:`run` executes them in order and stops at the first error.

The default root is found by :func:`find_root`: the nearest folder, from the current directory
upwards, that holds ``pyproject.toml`` and ``data/raw``; failing that, the source tree the
package was installed from (``src/trends/../..``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
    """

    root: Path
    raw: Path
    processed: Path
    figures: Path
    results: Path
    log: Callable[[str], None] = print
    outputs: dict[str, list[str]] = field(default_factory=dict)

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
    ctx.outputs["clean"] = [os.path.relpath(p, ctx.root) for p in paths.values()]
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
    for stage in STAGES:
        if stages is None or stage.name in stages:
            stage.func(ctx)
    return ctx
