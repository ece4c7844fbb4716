"""Robustness and inference for ITS models: break-date search, structural-break tests,
placebo-in-time and resampling inference, all vectorised over many fits at once.

Public API
----------
break_date_grid, profile, plot_grid
    Refit the model for every admissible placement of its interruptions (:mod:`.grid`).
sup_f_test, bai_perron
    Gaussian structural-break tests: Quandt-Andrews sup-F with Hansen (1997) p-values, and
    Bai-Perron global SSR minimisation with break-date confidence intervals (:mod:`.breaks`).
placebo_in_time, plot_placebo
    Interruptions moved into the pre-period; rank of the real effect (:mod:`.placebo`).
bootstrap
    Block / wild / parametric bootstrap of the effects, seeded (:mod:`.resample`).
fit_batch
    The batched least-squares / IRLS engine (:mod:`.engine`).
calibrate, power, mde
    Simulated size, power and minimum detectable effect of the model's Wald tests on its own
    design, with every covariance (:mod:`.calibrate`).
leave_one_out
    Each term's estimate with each observed period left out (:mod:`.influence`).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "break_date_grid": "trends.robust.grid",
    "profile": "trends.robust.grid",
    "plot_grid": "trends.robust.grid",
    "refit_loop": "trends.robust.grid",
    "sup_f_test": "trends.robust.breaks",
    "bai_perron": "trends.robust.breaks",
    "SupFResult": "trends.robust.breaks",
    "BaiPerronResult": "trends.robust.breaks",
    "hansen_pvalue": "trends.robust.breaks",
    "sup_f_critical_value": "trends.robust.breaks",
    "argmax_cdf": "trends.robust.breaks",
    "placebo_in_time": "trends.robust.placebo",
    "PlaceboResult": "trends.robust.placebo",
    "plot_placebo": "trends.robust.placebo",
    "bootstrap": "trends.robust.resample",
    "BootstrapResult": "trends.robust.resample",
    "fit_batch": "trends.robust.engine",
    "BatchFit": "trends.robust.engine",
    "BreakProblem": "trends.robust.problem",
    "problem_from_model": "trends.robust.problem",
    "admissible_placements": "trends.robust.problem",
    "count_placements": "trends.robust.problem",
    "fit_placements": "trends.robust.grid",
    "calibrate": "trends.robust.calibrate",
    "CalibrationResult": "trends.robust.calibrate",
    "power": "trends.robust.calibrate",
    "mde": "trends.robust.calibrate",
    "leave_one_out": "trends.robust.influence",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'trends.robust' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__


# The module trends.robust.calibrate shares its name with its main function: bind the function
# (importing the submodule would otherwise leave the module object under this name).
from trends.robust.calibrate import calibrate  # noqa: E402, F401  (in __all__ via _EXPORTS)
