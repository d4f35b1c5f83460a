"""The compiled implementation's public classes and functions."""
import concurrent.futures as _stdlib

from ._core._waiting import as_completed, wait
from ._executor import Executor
from ._future import Future
from .thread import ThreadPoolExecutor

# The process pool is the stdlib's until cfutures has its own.
ProcessPoolExecutor = _stdlib.ProcessPoolExecutor

__all__ = ["Future", "Executor", "ThreadPoolExecutor", "ProcessPoolExecutor",
           "wait", "as_completed"]
