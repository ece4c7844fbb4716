"""Model families: one frozen object per family, and the one registry of family names.

Everything that varies by family (link, variance, outcome check, whether an offset applies,
how a coefficient is labelled after exponentiation, how it is estimated with statsmodels, the
IRLS weights and log-likelihood the batched engine in :mod:`trends.robust` needs, and how to
draw from the fitted model) is an attribute or method of a :class:`Family`. Other modules ask
the family object; they never branch on its name.

Adding a family (e.g. binomial with a trials column) is one subclass of :class:`Family` plus
one entry in :data:`FAMILIES`.

Examples
--------
>>> from trends.families import get_family, FAMILIES
>>> list(FAMILIES)
['gaussian', 'poisson', 'negbin', 'quasipoisson']
>>> fam = get_family("negbin")
>>> fam.display_name, fam.ratio_label, fam.offsets_allowed
('negative binomial (NB2)', 'rate ratio', True)
>>> import numpy as np
>>> fam.variance(np.array([2.0]), 0.5)
array([4.])
"""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trends.errors import SpecificationError

if TYPE_CHECKING:  # numpy is imported where it is used: the CLI starts without it
    import numpy as np

    from trends.fitrecord import FitRecord

__all__ = [
    "Link", "IdentityLink", "LogLink", "Family", "Gaussian", "Poisson", "QuasiPoisson",
    "NegativeBinomial", "FAMILIES", "get_family",
]


# ---------------------------------------------------------------------------------- links
class Link(ABC):
    """A GLM link ``eta = g(mu)``.

    Examples
    --------
    >>> import numpy as np
    >>> LogLink().inverse(np.array([0.0]))
    array([1.])
    """

    name: str = ""

    @abstractmethod
    def __call__(self, mu: np.ndarray) -> np.ndarray:
        """The link ``g(mu)``.

        Parameters
        ----------
        mu
            Means.

        Returns
        -------
        ndarray
            Linear predictor.
        """

    @abstractmethod
    def inverse(self, eta: np.ndarray) -> np.ndarray:
        """The inverse link ``g^{-1}(eta)``.

        Parameters
        ----------
        eta
            Linear predictor.

        Returns
        -------
        ndarray
            Means.
        """

    @abstractmethod
    def deriv(self, mu: np.ndarray) -> np.ndarray:
        """The derivative ``g'(mu)``.

        Parameters
        ----------
        mu
            Means.

        Returns
        -------
        ndarray
            ``d eta / d mu``.
        """

    def inverse_deriv(self, eta: np.ndarray) -> np.ndarray:
        """The derivative of the inverse link, ``d mu / d eta``.

        Parameters
        ----------
        eta
            Linear predictor.

        Returns
        -------
        ndarray
            ``1 / g'(g^{-1}(eta))``.

        Examples
        --------
        >>> import numpy as np
        >>> IdentityLink().inverse_deriv(np.array([3.0]))
        array([1.])
        """
        return 1.0 / self.deriv(self.inverse(eta))


class IdentityLink(Link):
    """``eta = mu`` (gaussian).

    Examples
    --------
    >>> IdentityLink()(2.0)
    2.0
    """

    name = "identity"

    def __call__(self, mu: np.ndarray) -> np.ndarray:
        return mu

    def inverse(self, eta: np.ndarray) -> np.ndarray:
        return eta

    def deriv(self, mu: np.ndarray) -> np.ndarray:
        import numpy as np
        return np.ones_like(np.asarray(mu, dtype=float))


class LogLink(Link):
    """``eta = log(mu)`` (count families).

    Examples
    --------
    >>> import numpy as np
    >>> float(LogLink()(np.e))
    1.0
    """

    name = "log"

    def __call__(self, mu: np.ndarray) -> np.ndarray:
        import numpy as np
        return np.log(mu)

    def inverse(self, eta: np.ndarray) -> np.ndarray:
        import numpy as np
        return np.exp(eta)

    def deriv(self, mu: np.ndarray) -> np.ndarray:
        import numpy as np
        return 1.0 / np.asarray(mu, dtype=float)

    def inverse_deriv(self, eta: np.ndarray) -> np.ndarray:
        import numpy as np
        return np.exp(eta)


# ------------------------------------------------------------------------------- families
@dataclass(frozen=True)
class Family(ABC):
    """One model family (frozen). Subclasses set the class attributes and implement
    :meth:`fit`, :meth:`variance` and :meth:`simulate`.

    Attributes
    ----------
    name
        Registry key (``"gaussian"``, ``"poisson"``, ...), as given to ``trends.ITS``.
    display_name
        Short name for captions and labels, e.g. ``"negative binomial (NB2)"``.
    description
        The line shown as "Family" in a results summary.
    link
        The :class:`Link`.
    ratio_label
        What an exponentiated coefficient is ("rate ratio"), None for an identity link.
    offsets_allowed
        Whether a log offset (exposure) may enter.
    counts
        Whether the outcome must be non-negative integer counts.
    has_likelihood
        False for quasi-likelihood families (no llf, AIC or BIC).
    dispersion_name
        Name of an estimated dispersion parameter reported separately ("NB2 alpha"), or None.
    reports_scale
        Whether the summary reports the estimated scale.
    robust_hc_variants
        The HC covariance variants statsmodels computes for this family.
    arma_errors
        Whether regression with ARMA errors is available.
    closed_form
        Least squares in closed form (the batched engine needs the columns themselves).
    pearson_scale
        Scale estimated as Pearson chi-square / df (quasi-likelihood).

    Examples
    --------
    >>> get_family("poisson").ratio_label
    'rate ratio'
    >>> get_family("gaussian").ratio_label is None
    True
    """

    name: str = ""
    display_name: str = ""
    description: str = ""
    link: Link = IdentityLink()
    ratio_label: str | None = None
    offsets_allowed: bool = False
    counts: bool = False
    has_likelihood: bool = True
    dispersion_name: str | None = None
    reports_scale: bool = False
    robust_hc_variants: tuple[str, ...] = ("HC0",)
    arma_errors: bool = False
    closed_form: bool = False
    pearson_scale: bool = False

    # ---- description
    @property
    def log_link(self) -> bool:
        """Whether coefficients are on the log scale (exponentiate to ``ratio_label``).

        Returns
        -------
        bool

        Examples
        --------
        >>> get_family("quasipoisson").log_link
        True
        """
        return isinstance(self.link, LogLink)

    @property
    def estimates_dispersion(self) -> bool:
        """Whether a dispersion parameter is estimated with the coefficients (NB2 alpha).

        Returns
        -------
        bool

        Examples
        --------
        >>> get_family("negbin").estimates_dispersion
        True
        """
        return self.dispersion_name is not None

    def check_outcome(self, y: np.ndarray, periods: Any, outcome: str) -> None:
        """Raise :class:`SpecificationError` naming the first value this family cannot model.

        Parameters
        ----------
        y
            Used outcome values.
        periods
            Their periods (for the message).
        outcome
            Outcome column name (for the message).

        Returns
        -------
        None

        Examples
        --------
        >>> import numpy as np
        >>> get_family("poisson").check_outcome(np.array([1.5]), ["2020-01"], "y")
        Traceback (most recent call last):
        ...
        trends.errors.SpecificationError: family 'poisson' needs non-negative integer counts; ...
        """
        import numpy as np
        if not self.counts:
            return
        bad = (y < 0) | (y != np.floor(y))
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            raise SpecificationError(
                f"family '{self.name}' needs non-negative integer counts; outcome '{outcome}' is "
                f"{y[j]:g} at {periods[j]}"
            )

    # ---- moments and draws
    @abstractmethod
    def variance(self, mu: np.ndarray, dispersion: float | np.ndarray | None = None
                 ) -> np.ndarray:
        """Variance function ``V(mu)`` (up to the scale).

        Parameters
        ----------
        mu
            Means.
        dispersion
            The family's dispersion parameter where it enters ``V`` (NB2 alpha).

        Returns
        -------
        ndarray
        """

    @abstractmethod
    def simulate(self, mu: np.ndarray, rng: np.random.Generator,
                 dispersion: float | None = None, size: Any = None) -> np.ndarray:
        """Draw outcomes from the fitted model (parametric bootstrap).

        Parameters
        ----------
        mu
            Means (broadcast against ``size``).
        rng
            Random generator.
        dispersion
            Gaussian: the residual variance; NB2: alpha; ignored otherwise.
        size
            Output shape (default ``mu.shape``).

        Returns
        -------
        ndarray
            Float draws.
        """

    def draw_replicates(self, mu: np.ndarray, rng: np.random.Generator, *,
                        alpha: float = 0.0, scale: float = 1.0) -> np.ndarray:
        """Outcomes with means ``mu`` for the simulation of a design
        (:func:`trends.robust.calibrate`): Poisson-gamma mixtures for the count families, so
        a null fit's dispersion (NB2 ``alpha``, quasi-Poisson ``scale``) is reproduced.

        Parameters
        ----------
        mu
            Means, any shape (one draw per element).
        rng
            Random generator.
        alpha
            NB2 dispersion (ignored by other families).
        scale
            Gaussian: the residual variance; quasi-Poisson: the dispersion (variance
            ``scale * mu``, Poisson when ``scale <= 1``); ignored otherwise.

        Returns
        -------
        ndarray
            Float draws of ``mu``'s shape.

        Examples
        --------
        >>> import numpy as np
        >>> get_family("poisson").draw_replicates(np.zeros(3), np.random.default_rng(0))
        array([0., 0., 0.])
        """
        return rng.poisson(mu).astype(float)

    # ---- batched engine (trends.robust.engine)
    def irls_weights(self, mu: np.ndarray, dispersion: np.ndarray | float | None = None
                     ) -> np.ndarray:
        """IRLS / Fisher-scoring weights ``(d mu / d eta)^2 / V(mu)``.

        Parameters
        ----------
        mu
            Means.
        dispersion
            Dispersion entering ``V`` (NB2 alpha), broadcastable against ``mu``.

        Returns
        -------
        ndarray

        Examples
        --------
        >>> import numpy as np
        >>> get_family("negbin").irls_weights(np.array([2.0]), 0.5)
        array([1.])
        """
        d = self.link.inverse_deriv(self.link(mu))
        return d * d / self.variance(mu, dispersion)

    @abstractmethod
    def loglike(self, y: np.ndarray, mu: np.ndarray,
                dispersion: np.ndarray | float | None = None) -> np.ndarray:
        """Log-likelihood summed over the last axis (one value per row of ``y``/``mu``).

        Parameters
        ----------
        y, mu
            Outcomes and means, ``n`` or ``B x n``.
        dispersion
            Gaussian: variance; NB2: alpha (one per row); ignored otherwise.

        Returns
        -------
        ndarray
        """

    # ---- estimation with statsmodels
    @abstractmethod
    def fit(self, y: np.ndarray, X: Any, offset: np.ndarray | None,
            cov_args: Mapping[str, Any], *, k: int) -> FitRecord:
        """Estimate the model on arrays with statsmodels and return the typed fit record.

        Parameters
        ----------
        y
            Used outcomes.
        X
            Used design rows (DataFrame or array).
        offset
            Log offset or None.
        cov_args
            statsmodels ``cov_type``/``cov_kwds`` (see :func:`trends.covariance.cov_args`).
        k
            Number of regression terms (the leading parameters).

        Returns
        -------
        FitRecord
        """

    def reference_fit(self, y: np.ndarray, X: np.ndarray, offset: np.ndarray | None, *,
                      alpha: float | None = None, scale: float | None = None) -> Any:
        """One statsmodels fit with its default tolerances (the slow reference the batched
        engine is tested against).

        Parameters
        ----------
        y, X, offset
            Outcome, design and log offset.
        alpha
            NB2 only: a dispersion held fixed.
        scale
            Quasi-Poisson only: a common scale.

        Returns
        -------
        statsmodels results
        """
        raise NotImplementedError(f"no reference fit for family {self.name!r}")


def _sm_record(res: Any, k: int, family: Family, **overrides: Any) -> FitRecord:
    from trends.fitrecord import record_from_statsmodels

    return record_from_statsmodels(res, k, family, **overrides)


@dataclass(frozen=True)
class Gaussian(Family):
    """Normal errors, identity link, fitted by OLS (or with ARMA errors, see
    :func:`trends.estimation.estimate`).

    Examples
    --------
    >>> import numpy as np
    >>> fam = Gaussian()
    >>> fam.simulate(np.zeros(2), np.random.default_rng(0), dispersion=0.0)
    array([0., 0.])
    """

    name: str = "gaussian"
    display_name: str = "gaussian"
    description: str = "gaussian (OLS)"
    reports_scale: bool = True
    robust_hc_variants: tuple[str, ...] = ("HC0", "HC1", "HC2", "HC3")
    arma_errors: bool = True
    closed_form: bool = True

    def variance(self, mu: np.ndarray, dispersion: float | np.ndarray | None = None
                 ) -> np.ndarray:
        import numpy as np
        return np.ones_like(np.asarray(mu, dtype=float))

    def simulate(self, mu: np.ndarray, rng: np.random.Generator,
                 dispersion: float | None = None, size: Any = None) -> np.ndarray:
        import numpy as np
        mu = np.asarray(mu, dtype=float)
        sd = math.sqrt(float(1.0 if dispersion is None else dispersion))
        return mu + sd * rng.standard_normal(mu.shape if size is None else size)

    def draw_replicates(self, mu: np.ndarray, rng: np.random.Generator, *,
                        alpha: float = 0.0, scale: float = 1.0) -> np.ndarray:
        return mu + math.sqrt(scale) * rng.standard_normal(mu.shape)

    def loglike(self, y: np.ndarray, mu: np.ndarray,
                dispersion: np.ndarray | float | None = None) -> np.ndarray:
        import numpy as np
        s2 = np.asarray(1.0 if dispersion is None else dispersion, dtype=float)
        if s2.ndim:
            s2 = s2[..., None]
        r = np.asarray(y, dtype=float) - mu
        return np.sum(-0.5 * (math.log(2 * math.pi) + np.log(s2) + r * r / s2), axis=-1)

    def fit(self, y: np.ndarray, X: Any, offset: np.ndarray | None,
            cov_args: Mapping[str, Any], *, k: int) -> FitRecord:
        import trends._statsmodels as sm  # not statsmodels.api: no formula interface

        return _sm_record(sm.OLS(y, X).fit(**cov_args), k, self)

    def reference_fit(self, y: np.ndarray, X: np.ndarray, offset: np.ndarray | None, *,
                      alpha: float | None = None, scale: float | None = None) -> Any:
        import trends._statsmodels as sm  # not statsmodels.api: no formula interface

        return sm.OLS(y, X).fit()


@dataclass(frozen=True)
class Poisson(Family):
    """Poisson counts, log link (statsmodels GLM).

    Examples
    --------
    >>> import numpy as np
    >>> float(Poisson().loglike(np.array([0.0]), np.array([1.0]))[()])
    -1.0
    """

    name: str = "poisson"
    display_name: str = "Poisson"
    description: str = "Poisson (log link)"
    link: Link = LogLink()
    ratio_label: str | None = "rate ratio"
    offsets_allowed: bool = True
    counts: bool = True

    def variance(self, mu: np.ndarray, dispersion: float | np.ndarray | None = None
                 ) -> np.ndarray:
        import numpy as np
        return np.asarray(mu, dtype=float)

    def irls_weights(self, mu: np.ndarray, dispersion: np.ndarray | float | None = None
                     ) -> np.ndarray:
        return mu  # canonical link: (dmu/deta)^2 / V = mu

    def simulate(self, mu: np.ndarray, rng: np.random.Generator,
                 dispersion: float | None = None, size: Any = None) -> np.ndarray:
        return rng.poisson(mu, size=size).astype(float)

    def loglike(self, y: np.ndarray, mu: np.ndarray,
                dispersion: np.ndarray | float | None = None) -> np.ndarray:
        import numpy as np
        from scipy import special  # not at import: the CLI starts without scipy

        return np.sum(special.xlogy(y, mu) - mu - special.gammaln(np.asarray(y) + 1.0),
                      axis=-1)

    def _glm(self, y: np.ndarray, X: Any, offset: np.ndarray | None) -> Any:
        import trends._statsmodels as sm  # not statsmodels.api: no formula interface

        return sm.GLM(y, X, family=sm.families.Poisson(), offset=offset)

    def fit(self, y: np.ndarray, X: Any, offset: np.ndarray | None,
            cov_args: Mapping[str, Any], *, k: int) -> FitRecord:
        return _sm_record(self._glm(y, X, offset).fit(**cov_args), k, self)

    def reference_fit(self, y: np.ndarray, X: np.ndarray, offset: np.ndarray | None, *,
                      alpha: float | None = None, scale: float | None = None) -> Any:
        return self._glm(y, X, offset).fit()


@dataclass(frozen=True)
class QuasiPoisson(Poisson):
    """Poisson mean and variance proportional to the mean, scale = Pearson chi2 / df
    (statsmodels GLM with ``scale="X2"``). No likelihood; draws are Poisson.

    Examples
    --------
    >>> QuasiPoisson().has_likelihood
    False
    """

    name: str = "quasipoisson"
    display_name: str = "quasi-Poisson"
    description: str = "quasi-Poisson (log link, Pearson scale)"
    has_likelihood: bool = False
    reports_scale: bool = True
    pearson_scale: bool = True

    def draw_replicates(self, mu: np.ndarray, rng: np.random.Generator, *,
                        alpha: float = 0.0, scale: float = 1.0) -> np.ndarray:
        if not scale > 1:
            return rng.poisson(mu).astype(float)
        shape = mu / (scale - 1.0)
        return rng.poisson(rng.gamma(shape, 1.0 / shape) * mu).astype(float)

    def fit(self, y: np.ndarray, X: Any, offset: np.ndarray | None,
            cov_args: Mapping[str, Any], *, k: int) -> FitRecord:
        kw = dict(cov_args)
        kw["scale"] = "X2"
        return _sm_record(self._glm(y, X, offset).fit(**kw), k, self)

    def reference_fit(self, y: np.ndarray, X: np.ndarray, offset: np.ndarray | None, *,
                      alpha: float | None = None, scale: float | None = None) -> Any:
        return self._glm(y, X, offset).fit(scale=scale)


@dataclass(frozen=True)
class NegativeBinomial(Family):
    """NB2 counts, ``Var(y) = mu + alpha mu^2``, log link, ``alpha`` estimated jointly by
    maximum likelihood (statsmodels' discrete ``NegativeBinomial(loglike_method="nb2")``).

    Examples
    --------
    >>> import numpy as np
    >>> NegativeBinomial().irls_weights(np.array([1.0]), 1.0)
    array([0.5])
    """

    name: str = "negbin"
    display_name: str = "negative binomial (NB2)"
    description: str = "negative binomial NB2 (log link)"
    link: Link = LogLink()
    ratio_label: str | None = "rate ratio"
    offsets_allowed: bool = True
    counts: bool = True
    dispersion_name: str | None = "NB2 alpha"

    def variance(self, mu: np.ndarray, dispersion: float | np.ndarray | None = None
                 ) -> np.ndarray:
        a = 0.0 if dispersion is None else dispersion
        return mu + a * mu * mu

    def irls_weights(self, mu: np.ndarray, dispersion: np.ndarray | float | None = None
                     ) -> np.ndarray:
        a = 0.0 if dispersion is None else dispersion
        return mu / (1.0 + a * mu)

    def simulate(self, mu: np.ndarray, rng: np.random.Generator,
                 dispersion: float | None = None, size: Any = None) -> np.ndarray:
        if dispersion is None or not dispersion > 0:
            return rng.poisson(mu, size=size).astype(float)
        r = 1.0 / dispersion
        return rng.negative_binomial(r, r / (r + mu), size=size).astype(float)

    def draw_replicates(self, mu: np.ndarray, rng: np.random.Generator, *,
                        alpha: float = 0.0, scale: float = 1.0) -> np.ndarray:
        if not alpha > 0:
            return rng.poisson(mu).astype(float)
        return rng.poisson(mu * rng.gamma(1.0 / alpha, alpha, size=mu.shape)).astype(float)

    def loglike(self, y: np.ndarray, mu: np.ndarray,
                dispersion: np.ndarray | float | None = None) -> np.ndarray:
        import numpy as np
        from scipy import special  # not at import: the CLI starts without scipy

        a = np.asarray(dispersion, dtype=float)
        if a.ndim:
            a = a[:, None]
        r = 1.0 / a
        return np.sum(
            special.gammaln(y + r)
            - special.gammaln(r)
            - special.gammaln(y + 1.0)
            + special.xlogy(y, a * mu)
            - (y + r) * np.log1p(a * mu),
            axis=-1,
        )

    def fit(self, y: np.ndarray, X: Any, offset: np.ndarray | None,
            cov_args: Mapping[str, Any], *, k: int) -> FitRecord:
        import numpy as np

        import trends._statsmodels as sm  # not statsmodels.api: no formula interface

        poisson = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(**cov_args)
        if not overdispersed(y, np.asarray(poisson.fittedvalues)):
            # The NB2 likelihood's slope in alpha at alpha = 0 is 1/2 sum((y - mu)^2 - y)
            # (Cameron & Trivedi 2013, sec. 3.4): when it is <= 0 the MLE of alpha is on the
            # boundary, where NB2 is the Poisson model. Optimising log(alpha) towards -inf
            # would be slow and end with a singular Hessian, so report the Poisson fit.
            warnings.warn("no overdispersion: the NB2 alpha estimate is on the boundary 0, "
                          "where NB2 is Poisson; reporting the Poisson fit (alpha = 0)",
                          RuntimeWarning, stacklevel=4)
            return _sm_record(poisson, k, self, alpha_at_boundary=True, dispersion=0.0,
                              scale=1.0)
        model = sm.NegativeBinomial(y, X, loglike_method="nb2", offset=offset)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # BFGS from statsmodels' Poisson start values (Newton from there can step to a
            # negative alpha), then Newton from the BFGS optimum to polish the gradient to ~0.
            first = model.fit(method="bfgs", maxiter=2000, disp=False)
            res = model.fit(start_params=np.asarray(first.params), method="newton",
                            maxiter=100, disp=False, **cov_args)
            if not (np.all(np.isfinite(np.asarray(res.params))) and res.llf >= first.llf - 1e-6):
                res = model.fit(start_params=np.asarray(first.params), method="bfgs",
                                maxiter=2000, disp=False, **cov_args)
        ncp = getattr(res, "normalized_cov_params", None)
        if ncp is None or not np.all(np.isfinite(np.asarray(ncp, dtype=float))):
            from trends.errors import SpecificationError

            raise SpecificationError(
                "the negative binomial (NB2) model could not be estimated on these data: it "
                "did not converge (the optimiser ended where the likelihood has no finite "
                "curvature, so there are no standard errors). Usual causes: a segment without "
                "events, too few observations per term, or large unscaled covariates (rescale "
                "them: --covariate z:COL or log:COL, or divide by 1000)")
        rec = _sm_record(res, k, self, dispersion=float(np.asarray(res.params)[-1]), scale=1.0)
        if not rec.converged:  # Newton's flag can be False at an optimum it cannot improve
            from dataclasses import replace

            from trends.its import gradient_converged

            rec = replace(rec, converged=gradient_converged(model, res))
        # not converged: a result (FitRecord.converged), refused by trends.ITS.fit unless the
        # user keeps it (keep_unconverged=True), and then reported by summary()
        return rec

    def reference_fit(self, y: np.ndarray, X: np.ndarray, offset: np.ndarray | None, *,
                      alpha: float | None = None, scale: float | None = None) -> Any:
        import numpy as np

        import trends._statsmodels as sm  # not statsmodels.api: no formula interface

        if alpha is not None:
            return sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha),
                          offset=offset).fit()
        # as trends.ITS estimates NB2: BFGS from statsmodels' Poisson start, then Newton
        nb = sm.NegativeBinomial(y, X, offset=offset, loglike_method="nb2")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first = nb.fit(method="bfgs", maxiter=2000, disp=0)
            res = nb.fit(start_params=np.asarray(first.params), method="newton",
                         maxiter=100, disp=0)
            if not (np.all(np.isfinite(np.asarray(res.params)))
                    and res.llf >= first.llf - 1e-6):
                res = first
        return res


def overdispersed(y: np.ndarray, mu: np.ndarray) -> bool:
    """True when the NB2 score for alpha at 0, ``1/2 sum((y - mu)^2 - y)``, is positive.

    Parameters
    ----------
    y, mu
        Outcomes and Poisson fitted means.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> overdispersed(np.array([0.0, 10.0]), np.array([5.0, 5.0]))
    True
    """
    import numpy as np
    return bool(np.sum((y - mu) ** 2 - y) > 0)


#: The one list of family names (registry order is the order shown in messages and choices).
FAMILIES: dict[str, Family] = {
    f.name: f for f in (Gaussian(), Poisson(), NegativeBinomial(), QuasiPoisson())
}


def get_family(name: str | Family) -> Family:
    """The registered :class:`Family` called ``name`` (case-insensitive).

    Parameters
    ----------
    name
        A registry key, or a :class:`Family` (returned as is).

    Returns
    -------
    Family

    Raises
    ------
    SpecificationError
        For an unknown name.

    Examples
    --------
    >>> get_family("Poisson").name
    'poisson'
    >>> get_family("binomial")
    Traceback (most recent call last):
    ...
    trends.errors.SpecificationError: family 'binomial' is not valid; expected one of [...]
    """
    if isinstance(name, Family):
        return name
    if isinstance(name, str) and name.lower() in FAMILIES:
        return FAMILIES[name.lower()]
    raise SpecificationError(f"family {name!r} is not valid; expected one of {list(FAMILIES)}")
