"""The Pakistan study: what this repository's paper analyses, kept apart from the library.

Everything specific to the study lives here: the model specifications and their defaults
(the 2021-08 takeover and 2021-11 ceasefire-end interruptions, the 2019-01 start, PICSS as the
monthly source), the table builders and figure captions (:mod:`trends.study.analysis`), and the
``trends reproduce`` stages that write ``figures/`` and ``results/``
(:mod:`trends.study.outputs`). The library modules (:mod:`trends.its`, :mod:`trends.robust`,
:mod:`trends.plot`, ...) take these as arguments.

``trends.analysis`` and ``trends.outputs`` remain importable as aliases of these modules for one
release (deprecated; import ``trends.study.analysis`` / ``trends.study.outputs``).
"""
