"""trends: clean attack-count tables into a tidy monthly panel and fit interrupted time series.

The public API is imported lazily so that ``import trends`` stays fast and a command-line run
only loads what it uses.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs `trends --help` 15 ms
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "ITS": "trends.its",
    "ITSResults": "trends.results",
    "StructuralITS": "trends.structural",
    "StructuralResults": "trends.structural_results",
    "read_table": "trends.io",
    "read_events": "trends.events",
    "CleanResult": "trends.clean",
    "read_panel": "trends.panel",
    "series": "trends.panel",
    "headline": "trends.panel",
    "TrendsError": "trends.errors",
    "InputError": "trends.errors",
    "SpecificationError": "trends.errors",
}

# submodules reachable as attributes (``trends.panel.series(...)``) without an explicit import
_SUBMODULES = frozenset(
    {"aggregates", "aliases", "analysis", "atomic", "claims", "clean", "cli", "design", "errors",
     "events", "io", "its", "outputs", "panel", "periods", "plot", "provenance", "report",
     "reproduce", "results", "robust", "schema", "sources", "structural", "structural_results",
     "study"}
)

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"trends.{name}")
    raise AttributeError(f"module 'trends' has no attribute {name!r}")
