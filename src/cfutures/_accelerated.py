"""The compiled implementation's public classes and functions.

The pools load on first use (``__getattr__``), as the stdlib's
``concurrent.futures`` loads its pools: a program that runs threads only
never imports multiprocessing.
"""
import sys

from . import _core
from ._core._waiting import as_completed, wait
from ._executor import Executor
from ._future import Future

# The compiled modules the pools load on first use: each must be there now,
# so that a partial build serves the stdlib everywhere (_implementation),
# as a core that fails to import does, not a pool that fails later.
_LOADED_ON_USE = (
    "_batching", "_channel", "_dispatcher", "_item_run", "_lifecycle",
    "_map_results", "_pending", "_poller", "_process_executor", "_progress",
    "_recovery", "_serializer", "_statistics", "_supervisor",
    "_thread_executor", "_wire", "_work_item", "_worker", "_workqueue")


def _found(name):
    """Whether the import system finds module ``name`` (not imported)."""
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        if find is not None and find(name, _core.__path__) is not None:
            return True
    return False


for _module in _LOADED_ON_USE:
    if not _found(f"{_core.__name__}.{_module}"):
        raise ImportError(f"No module named '{_core.__name__}.{_module}'")
del _module


def __getattr__(name):
    if name == "ThreadPoolExecutor":
        from ._thread_pool import ThreadPoolExecutor as found
    elif name == "ProcessPoolExecutor":
        from ._process_pool import ProcessPoolExecutor as found
    elif name == "InterpreterPoolExecutor":
        from ._stdlib import HAS_INTERPRETERS
        if not HAS_INTERPRETERS:   # 3.14+, as the stdlib
            raise AttributeError(name)
        from ._interpreter_pool import InterpreterPoolExecutor as found
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = found
    return found
