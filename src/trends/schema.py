"""The canonical panel schema shared by every reader, adapter, model and report.

``panel.csv`` has one row per ``month x region x group x measure x source``. ``value`` is empty
(NaN) where the source published nothing for that month: gaps are kept, never zero-filled.
"""

from __future__ import annotations

from trends.study import defaults as _study_defaults  # the deprecated alias below

#: Key columns of the monthly panel, in output order.
PANEL_KEYS: tuple[str, ...] = ("month", "region", "group", "measure", "source")
#: Columns of ``panel.csv`` in output order (keys, value, provenance).
PANEL_COLUMNS: tuple[str, ...] = (*PANEL_KEYS, "value", "url")
#: Columns of the long PIPS-style input table (stable contract); ``url`` and ``quote`` optional.
LONG_REQUIRED: tuple[str, ...] = ("source_org", "period", "region", "group", "measure", "value")
LONG_OPTIONAL: tuple[str, ...] = ("url", "quote")
#: Core measures; others are passed through unchanged.
CORE_MEASURES: tuple[str, ...] = ("attacks", "killed", "injured")
#: Region code of national rows and group code of all-group rows.
NATIONAL = "national"
ALL_GROUPS = "all"
#: What became of a raw row (``audit.csv`` column ``status``).
AUDIT_STATUSES: tuple[str, ...] = ("kept", "merged", "superseded", "unresolved", "missing",
                                   "dropped")
#: Deprecated alias of :data:`trends.study.defaults.INTERRUPTIONS` (the Pakistan study's
#: interruptions, not a library default), kept importable for one release.
DEFAULT_INTERRUPTIONS: dict[str, str] = _study_defaults.INTERRUPTIONS
