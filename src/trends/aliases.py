"""Alias tables for regions, groups and measures.

The tables live in ``trends/data/aliases/*.csv`` (columns ``alias, <canonical>, label, note``) so
that users can read and extend them without touching code. Matching is on a normalised key:
case-folded, Unicode dashes and quotes folded to ASCII, whitespace collapsed.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

KINDS = ("region", "group", "measure")

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u02bc"), "'")


def normalise_key(text: str) -> str:
    """Return the lookup key of ``text``: NFKC, case-folded, ASCII dashes, single spaces."""
    s = unicodedata.normalize("NFKC", str(text)).translate(_DASHES).translate(_QUOTES)
    s = s.replace("\ufeff", "").replace("\xa0", " ")
    return re.sub(r"\s+", " ", s).strip().casefold()


@dataclass(frozen=True)
class AliasTable:
    """One alias table: normalised alias -> canonical code, and code -> display label."""

    kind: str
    mapping: dict[str, str]
    labels: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def lookup(self, text: str) -> str | None:
        """Canonical code for ``text``, or ``None`` if unknown (codes map to themselves)."""
        key = normalise_key(text)
        if key in self.mapping:
            return self.mapping[key]
        if key in self.labels:  # a canonical code typed as such
            return key
        return None

    def suggest(self, text: str, n: int = 1) -> list[str]:
        """Closest known aliases to ``text`` for a "did you mean" message."""
        candidates = sorted(set(self.mapping) | set(self.labels))
        return difflib.get_close_matches(normalise_key(text), candidates, n=n, cutoff=0.6)

    def label(self, code: str) -> str:
        """Human-readable label of a canonical code (the code itself if none is given)."""
        return self.labels.get(code, code)

    @property
    def codes(self) -> list[str]:
        """Sorted canonical codes."""
        return sorted(self.labels)


def _read_table(kind: str, path: Path | None = None) -> AliasTable:
    if path is None:
        ref = resources.files("trends") / "data" / "aliases" / f"{kind}s.csv"
        with resources.as_file(ref) as p:
            df = pd.read_csv(p, dtype=str, keep_default_na=False)
        src = f"trends/data/aliases/{kind}s.csv"
    else:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        src = str(path)
    mapping: dict[str, str] = {}
    labels: dict[str, str] = {}
    for row in df.itertuples(index=False):
        alias, code, label = getattr(row, "alias"), getattr(row, kind), getattr(row, "label")
        mapping[normalise_key(alias)] = code
        mapping.setdefault(normalise_key(code), code)
        labels.setdefault(code, label or code)
    return AliasTable(kind=kind, mapping=mapping, labels=labels, source=src)


@cache
def load(kind: str) -> AliasTable:
    """Load the packaged alias table for ``kind`` (one of ``region``, ``group``, ``measure``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown alias kind {kind!r}; expected one of {KINDS}")
    return _read_table(kind)


def load_file(kind: str, path: str | Path) -> AliasTable:
    """Load a user-supplied alias table with the same columns as the packaged one."""
    if kind not in KINDS:
        raise ValueError(f"unknown alias kind {kind!r}; expected one of {KINDS}")
    return _read_table(kind, Path(path))
