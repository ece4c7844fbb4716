"""Deprecated alias of :mod:`trends.study.outputs` (the Pakistan study moved out of the library).

Kept for one release so notebooks and scripts that import ``trends.outputs`` keep working:
this name is the *same module object* as ``trends.study.outputs`` (attributes, monkeypatching and
``import *`` behave identically). Import ``trends.study.outputs`` in new code.
"""

import sys

from trends.study import outputs as _study_module

sys.modules[__name__] = _study_module
