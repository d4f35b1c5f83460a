"""cfutures.Future: the compiled core, seen as a concurrent.futures.Future.

The stdlib class is a second base only so that isinstance() holds and the
stdlib's generic alias support (``Future[int]``) is inherited; every method
comes from the core, which is first in the MRO.
"""
from ._core.future._future import CoreFuture, register_future_type
from ._core.shared._stdlib import StdlibFuture


class _NoParameters:
    """``Future.__signature__``, made when asked for: importing inspect
    costs about 10 ms, which every process-pool worker would pay."""

    def __get__(self, instance, owner):
        import inspect
        return inspect.Signature()


class Future(CoreFuture, StdlibFuture):
    """Represents the result of an asynchronous computation."""

    __slots__ = ()
    # The compiled __init__ has no introspectable signature; this is its own.
    __signature__ = _NoParameters()


register_future_type(Future)
