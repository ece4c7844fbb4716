"""Deprecated alias of :mod:`trends.study.analysis` (the Pakistan study moved out of the library).

Kept for one release so notebooks and scripts that import ``trends.analysis`` keep working:
this name is the *same module object* as ``trends.study.analysis`` (attributes, monkeypatching and
``import *`` behave identically). Import ``trends.study.analysis`` in new code.
"""

import sys

from trends.study import analysis as _study_module

sys.modules[__name__] = _study_module
