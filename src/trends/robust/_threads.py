"""BLAS threading of the batched engine: one thread, whatever the environment says.

The engine's work is thousands of small matrix products (``B x n`` by ``n x 25``) and
elementwise passes. OpenBLAS splits each product over every core by default; on a machine whose
other cores are busy (a shared 2-core laptop or CI runner) the threads wait for each other and
a grid runs 2.6-4.3x slower than with one thread, and even on an idle machine the products are
too small to gain from a second thread. :func:`single_blas_thread` limits BLAS to one thread
for the duration of an engine call (with :mod:`threadpoolctl`, so the user's own setting is
restored afterwards and nothing is changed for the rest of the program); calls nest cheaply.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_controller: Any = None
_state = threading.local()


def _get_controller() -> Any:
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()  # inspects the loaded BLAS libraries once
    return _controller


@contextmanager
def blas_threads_limited() -> Iterator[None]:
    """Run the block with one BLAS thread (re-entrant: only the outermost call switches)."""
    depth = getattr(_state, "depth", 0)
    if depth:
        _state.depth = depth + 1
        try:
            yield
        finally:
            _state.depth -= 1
        return
    ctl = _get_controller()
    limiter = ctl.limit(limits=1, user_api="blas")
    _state.depth = 1
    try:
        yield
    finally:
        _state.depth = 0
        limiter.restore_original_limits()


def single_blas_thread(func: F) -> F:
    """Decorator: run ``func`` inside :func:`blas_threads_limited`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with blas_threads_limited():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
