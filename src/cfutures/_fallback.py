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


# The process pool is the stdlib's until cfutures has its own.
ProcessPoolExecutor = _stdlib.ProcessPoolExecutor
