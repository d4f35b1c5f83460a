"""The stdlib implementation, served when the compiled core is off or missing.

Only ``Executor.map`` differs: every supported Python gets the 3.14 one
(lazy ``buffersize``; for process pools, ``chunksize`` with it too). The
pools are made on first use (``__getattr__``), as the stdlib loads them.
"""
import threading

from ._executor import Executor, map_in_chunks
from ._core.shared._stdlib import StdlibFuture, stdlib_as_completed, stdlib_wait

Future = StdlibFuture
wait = stdlib_wait
as_completed = stdlib_as_completed


def _thread_pool():
    from ._core.shared._stdlib import StdlibThreadPoolExecutor

    class ThreadPoolExecutor(Executor, StdlibThreadPoolExecutor):
        __doc__ = StdlibThreadPoolExecutor.__doc__

    return ThreadPoolExecutor


def _interpreter_pool():
    from ._core.shared._stdlib import HAS_INTERPRETERS, StdlibInterpreterPoolExecutor
    if not HAS_INTERPRETERS:   # 3.14+, as the stdlib
        raise AttributeError("InterpreterPoolExecutor")

    class InterpreterPoolExecutor(Executor, StdlibInterpreterPoolExecutor):
        __doc__ = StdlibInterpreterPoolExecutor.__doc__

    return InterpreterPoolExecutor


def _process_pool():
    import inspect

    from ._core.shared._stdlib import StdlibProcessPoolExecutor

    # 3.14's stdlib map has buffersize itself.
    stdlib_map_buffers = (
        "buffersize" in inspect.signature(StdlibProcessPoolExecutor.map).parameters)

    class ProcessPoolExecutor(Executor, StdlibProcessPoolExecutor):
        __doc__ = StdlibProcessPoolExecutor.__doc__

        def map(self, fn, *iterables, timeout=None, chunksize=1,
                buffersize=None):
            # The stdlib's own map where it has what is asked for; else
            # 3.14's lazy buffersize over the stdlib's chunking.
            if buffersize is None or stdlib_map_buffers:
                return StdlibProcessPoolExecutor.map(
                    self, fn, *iterables, timeout=timeout, chunksize=chunksize,
                    **({"buffersize": buffersize} if buffersize is not None else {}))
            return map_in_chunks(super().map, fn, iterables, timeout=timeout,
                                 chunksize=chunksize, buffersize=buffersize)

    return ProcessPoolExecutor


# Held while a class is made: every caller gets the same one.
_making = threading.Lock()
_MADE_ON_USE = {"ThreadPoolExecutor": _thread_pool,
                "ProcessPoolExecutor": _process_pool,
                "InterpreterPoolExecutor": _interpreter_pool}


def __getattr__(name):
    make = _MADE_ON_USE.get(name)
    if make is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _making:
        if name not in globals():   # once: later look-ups find it here
            made = make()
            made.__module__ = __name__
            made.__qualname__ = name
            globals()[name] = made
        return globals()[name]
