"""Results of an interrupted time-series fit (work in progress: full API follows)."""

from __future__ import annotations

from typing import Any


class ITSResults:
    """Immutable results of :meth:`trends.ITS.fit`."""

    def __init__(self, spec: Any, sm_result: Any, **extra: Any) -> None:
        self._spec = spec
        self._res = sm_result
