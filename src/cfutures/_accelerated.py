"""The compiled implementation's public classes and functions."""
from ._core._waiting import as_completed, wait
from ._executor import Executor
from ._future import Future
from .process import ProcessPoolExecutor
from .thread import ThreadPoolExecutor

__all__ = ["Future", "Executor", "ThreadPoolExecutor", "ProcessPoolExecutor",
           "wait", "as_completed"]
