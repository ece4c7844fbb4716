"""Re-execute the notebooks in place, top to bottom, so their stored outputs are current.

Usage: ``.venv/bin/python tools/run_notebooks.py [NOTEBOOK ...]`` (default: notebooks/*.ipynb),
or ``make notebooks``. Cell timing metadata is not recorded, so a re-run changes a notebook's
bytes only where an output changed; ``pytest --nbval`` then compares these outputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run(path: Path) -> None:
    """Execute ``path`` in its own folder and write it back (atomically)."""
    from trends.atomic import atomic_path

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # timings from earlier runs (nbconvert records them)
        cell.metadata.pop("execution", None)
    NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    with atomic_path(path) as tmp:
        nbformat.write(nb, tmp)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"executing {path}")
        run(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
