"""Defaults of the Pakistan study (kept out of the library modules).

The library (:mod:`trends.its`, :mod:`trends.panel`, :mod:`trends.plot`, ...) takes these as
arguments; this module is the one place the study's choices are written down.

Examples
--------
>>> INTERRUPTIONS["takeover"]
'2021-08'
>>> SOURCE
'PICSS'
"""

from __future__ import annotations

#: The study's interruptions: the Afghan Taliban's takeover of Kabul and the end of the TTP
#: ceasefire (the user's framing, docs/analysis_plan.md).
INTERRUPTIONS: dict[str, str] = {"takeover": "2021-08", "ceasefire_end": "2021-11"}

#: The study's monthly source (formerly the default ``source=`` of ``trends.panel.series``).
SOURCE = "PICSS"

__all__ = ["INTERRUPTIONS", "SOURCE"]
