"""The few statsmodels estimators trends uses, imported from their own modules.

``import statsmodels.api`` also imports the formula interface (formulaic, narwhals, wrapt and,
through wrapt, asyncio): about 0.4 s that a fit never uses. ``import trends._statsmodels as sm``
gives the same names (``sm.OLS``, ``sm.GLM``, ``sm.families``, ``sm.NegativeBinomial``) without
it.
"""

from __future__ import annotations

from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.linear_model import OLS

__all__ = ["GLM", "NegativeBinomial", "OLS", "families"]
