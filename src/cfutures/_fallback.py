"""The stdlib implementation, served when the compiled core is off or missing.

Only ``Executor.map`` differs: every supported Python gets the 3.14 one
(lazy ``buffersize``; for process pools, ``chunksize`` with it too).
"""
import inspect

from ._executor import Executor, map_in_chunks
from ._stdlib import (
    HAS_INTERPRETERS, StdlibInterpreterPoolExecutor, StdlibProcessPoolExecutor,
    StdlibThreadPoolExecutor, StdlibFuture, stdlib_as_completed, stdlib_wait)

Future = StdlibFuture
wait = stdlib_wait
as_completed = stdlib_as_completed

# 3.14's stdlib map has buffersize itself.
_STDLIB_MAP_BUFFERS = (
    "buffersize" in inspect.signature(StdlibProcessPoolExecutor.map).parameters)


class ThreadPoolExecutor(Executor, StdlibThreadPoolExecutor):
    __doc__ = StdlibThreadPoolExecutor.__doc__


if HAS_INTERPRETERS:   # 3.14+
    class InterpreterPoolExecutor(Executor, StdlibInterpreterPoolExecutor):
        __doc__ = StdlibInterpreterPoolExecutor.__doc__


class ProcessPoolExecutor(Executor, StdlibProcessPoolExecutor):
    __doc__ = StdlibProcessPoolExecutor.__doc__

    def map(self, fn, *iterables, timeout=None, chunksize=1, buffersize=None):
        # The stdlib's own map where it has what is asked for; else 3.14's
        # lazy buffersize over the stdlib's chunking.
        if buffersize is None or _STDLIB_MAP_BUFFERS:
            return StdlibProcessPoolExecutor.map(
                self, fn, *iterables, timeout=timeout, chunksize=chunksize,
                **({"buffersize": buffersize} if buffersize is not None else {}))
        return map_in_chunks(super().map, fn, iterables, timeout=timeout,
                             chunksize=chunksize, buffersize=buffersize)
