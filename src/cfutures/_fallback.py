"""The stdlib implementation, served when the compiled core is off or missing.

Only ``Executor.map`` differs: every supported Python gets the 3.14 one.
"""
import concurrent.futures as _stdlib

from ._executor import Executor

Future = _stdlib.Future
wait = _stdlib.wait
as_completed = _stdlib.as_completed


class ThreadPoolExecutor(Executor, _stdlib.ThreadPoolExecutor):
    __doc__ = _stdlib.ThreadPoolExecutor.__doc__



class ProcessPoolExecutor(Executor, _stdlib.ProcessPoolExecutor):
    __doc__ = _stdlib.ProcessPoolExecutor.__doc__

    def map(self, fn, *iterables, timeout=None, chunksize=1, buffersize=None):
        # The stdlib's chunking where it can; 3.14's lazy buffersize (with a
        # chunk per task) where the running stdlib has no buffersize.
        if buffersize is None:
            return _stdlib.ProcessPoolExecutor.map(
                self, fn, *iterables, timeout=timeout, chunksize=chunksize)
        if chunksize < 1:
            raise ValueError("chunksize must be >= 1.")
        return Executor.map(self, fn, *iterables, timeout=timeout,
                            buffersize=buffersize)
