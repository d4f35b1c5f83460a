"""InterpreterPoolExecutor (3.14+): cfutures' thread pool, each worker
thread running its calls in an interpreter of its own.

The stdlib's design, on cfutures' core: the pool is cfutures'
ThreadPoolExecutor in context mode, and the worker contexts are the
stdlib's own (``concurrent.futures.interpreter.WorkerContext``, through the
stdlib class's ``prepare_context``), so what may be submitted (functions,
and scripts where the stdlib takes them), the initializer, and the errors
(``BrokenInterpreterPool``, the stdlib's) are the stdlib's. The futures are
cfutures'.
"""
import itertools

from ._core.shared._stdlib import StdlibInterpreterPoolExecutor
from ._thread_pool import ThreadPoolExecutor

_pool_numbers = itertools.count().__next__


class InterpreterPoolExecutor(ThreadPoolExecutor, StdlibInterpreterPoolExecutor):
    __doc__ = StdlibInterpreterPoolExecutor.__doc__

    # The stdlib's own: first in the MRO would otherwise be the thread
    # pool's (cfutures' ThreadPoolExecutor inherits the stdlib thread one).
    prepare_context = StdlibInterpreterPoolExecutor.__dict__["prepare_context"]
    BROKEN = StdlibInterpreterPoolExecutor.BROKEN

    def __init__(self, max_workers=None, thread_name_prefix='',
                 initializer=None, initargs=(), **ctxkwargs):
        thread_name_prefix = (thread_name_prefix or
                              f"InterpreterPoolExecutor-{_pool_numbers()}")
        super().__init__(max_workers, thread_name_prefix, initializer,
                         initargs, **ctxkwargs)

    # What the stdlib's signature says (its ctxkwargs, if any, are named):
    # inspect.signature() follows __wrapped__ (no import of inspect here).
    __init__.__wrapped__ = StdlibInterpreterPoolExecutor.__init__
    __init__.__doc__ = StdlibInterpreterPoolExecutor.__init__.__doc__
