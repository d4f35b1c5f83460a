"""The compiled implementation's public classes and functions."""
from ._core._waiting import as_completed, wait
from ._executor import Executor
from ._future import Future
from .thread import ThreadPoolExecutor

# cfutures' own process pool (cfutures.process) is opt-in until it passes
# CPython's process-pool conformance tests; until then the default is the
# stdlib's, with 3.14's map.
from ._fallback import ProcessPoolExecutor

__all__ = ["Future", "Executor", "ThreadPoolExecutor", "ProcessPoolExecutor",
           "wait", "as_completed"]
