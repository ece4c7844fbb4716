"""Provenance record of a reproduction run: inputs' SHA-256, package versions, model specs.

``results/provenance.json`` is written with sorted keys, two-space indentation and no
timestamps or absolute paths, so that two runs on the same inputs and environment give the same
bytes, and a reader can check that a cited figure came from these inputs.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from trends.atomic import write_text

#: Packages whose versions are recorded.
PACKAGES: tuple[str, ...] = ("trends", "numpy", "pandas", "statsmodels", "scipy", "matplotlib",
                             "seaborn", "pyarrow")
SCHEMA_VERSION = 1


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes.

    Parameters
    ----------
    path
        The file.
    chunk
        Bytes read at a time.

    Returns
    -------
    str
        64 hex digits.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.csv").write_bytes(b"abc")
    >>> sha256_file(root / "a.csv")[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hashes(paths: Iterable[str | os.PathLike[str]],
                root: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None
                ) -> dict[str, str]:
    """SHA-256 of every file in ``paths`` (folders are walked; hidden files skipped).

    Keys are POSIX paths relative to ``root`` when the file is under it (so the record does not
    depend on where the project is checked out), else the file name prefixed by its parent
    folder's name. ``root`` may be a sequence of folders, tried in order (a staged run's folder
    mirrors the project root).

    Parameters
    ----------
    paths
        Files or folders.
    root
        Folder(s) the keys are relative to.

    Returns
    -------
    dict
        ``{relative POSIX path: hex SHA-256}``, sorted by path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.csv").write_bytes(b"abc")
    >>> {k: v[:8] for k, v in file_hashes([root], root=root).items()}
    {'a.csv': 'ba7816bf'}
    """
    base = _bases(root)
    out: dict[str, str] = {}
    for p in paths:
        p = Path(p)
        files = (sorted(q for q in p.rglob("*") if q.is_file() and not _hidden(q, p))
                 if p.is_dir() else [p])
        for f in files:
            out[_key(f, base)] = sha256_file(f)
    return dict(sorted(out.items()))


def _hidden(q: Path, top: Path) -> bool:
    return any(part.startswith(".") for part in q.relative_to(top).parts)


def _bases(root: Any) -> list[Path]:
    if root is None:
        return []
    if isinstance(root, (str, os.PathLike)):
        return [Path(root).resolve()]
    return [Path(r).resolve() for r in root]


def _key(f: Path, base: list[Path]) -> str:
    full = f.resolve()
    for b in base:
        try:
            return full.relative_to(b).as_posix()
        except ValueError:
            pass
    return f"{full.parent.name}/{full.name}"


def package_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Installed version of each package (``"not installed"`` when absent), plus Python's.

    Parameters
    ----------
    packages
        Distribution names.

    Returns
    -------
    dict
        ``{name: version}``, sorted, with ``python``.

    Examples
    --------
    >>> sorted(package_versions(["no-such-package-here"]).items())[0]
    ('no-such-package-here', 'not installed')
    """
    out = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return dict(sorted(out.items()))


def build_provenance(inputs: Iterable[str | os.PathLike[str]], *,
                     specifications: Mapping[str, Any] | None = None,
                     outputs: Iterable[str | os.PathLike[str]] = (),
                     root: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
                     extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Assemble the provenance record.

    Parameters
    ----------
    inputs : iterable of path-like
        Input files or folders (hashed).
    specifications : mapping, optional
        Model specifications by name (JSON-serialisable; see
        :meth:`trends.analysis.ModelSpec.to_dict`).
    outputs : iterable of path-like
        Output files to hash as well (e.g. the tables), so a cited number can be traced.
    root : path-like or sequence of path-like, optional
        Paths are recorded relative to this folder (the first of these that holds the file).
    extra : mapping, optional
        Further JSON-serialisable entries (e.g. the reconciliation rule).

    Returns
    -------
    dict
        With keys ``schema_version``, ``inputs``, ``outputs``, ``packages``, ``specifications``
        (and those of ``extra``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.csv").write_bytes(b"abc")
    >>> record = build_provenance([root / "a.csv"], root=root)
    >>> list(record["inputs"]), verify(record, root)
    (['a.csv'], {})
    """
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "inputs": file_hashes(inputs, root),
        "outputs": file_hashes(outputs, root),
        "packages": package_versions(),
        "specifications": _jsonable(specifications or {}),
    }
    for k, v in (extra or {}).items():
        record[k] = _jsonable(v)
    return record


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    if isinstance(obj, float):
        return obj if obj == obj else None  # NaN is not JSON
    if hasattr(obj, "to_dict"):
        return _jsonable(obj.to_dict())
    if hasattr(obj, "item"):  # numpy scalar
        return _jsonable(obj.item())
    return str(obj)


def dumps(record: Mapping[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, 2-space indent, ASCII only, final newline.

    Parameters
    ----------
    record
        A JSON-serialisable mapping (no NaN).

    Returns
    -------
    str

    Examples
    --------
    >>> print(dumps({"b": 1, "a": "x"}), end="")
    {
      "a": "x",
      "b": 1
    }
    """
    return json.dumps(record, sort_keys=True, indent=2, ensure_ascii=True, allow_nan=False) + "\n"


def write_provenance(path: str | os.PathLike[str], record: Mapping[str, Any]) -> Path:
    """Write ``record`` to ``path`` atomically (see :func:`dumps`).

    Parameters
    ----------
    path
        Target file.
    record
        The record (:func:`build_provenance`).

    Returns
    -------
    pathlib.Path
        The written path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.csv").write_bytes(b"abc")
    >>> write_provenance(root / "p.json", {"inputs": {}}).read_text()
    '{\\n  "inputs": {}\\n}\\n'
    """
    return write_text(path, dumps(record))


def verify(record: Mapping[str, Any], root: str | os.PathLike[str]) -> dict[str, str]:
    """Re-hash the recorded inputs under ``root``; return ``{path: problem}`` for mismatches.

    Parameters
    ----------
    record
        A provenance record (:func:`build_provenance`).
    root
        The folder the recorded paths are relative to.

    Returns
    -------
    dict
        ``{path: "missing" | "changed"}``; empty when every input matches.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.csv").write_bytes(b"abc")
    >>> record = build_provenance([root / "a.csv"], root=root)
    >>> _ = (root / "a.csv").write_bytes(b"abd")
    >>> verify(record, root)
    {'a.csv': 'changed'}
    """
    problems: dict[str, str] = {}
    base = Path(root)
    for rel, expected in record.get("inputs", {}).items():
        f = base / rel
        if not f.is_file():
            problems[rel] = "missing"
        elif sha256_file(f) != expected:
            problems[rel] = "changed"
    return problems


__all__ = ["PACKAGES", "build_provenance", "dumps", "file_hashes", "package_versions",
           "sha256_file", "verify", "write_provenance"]
