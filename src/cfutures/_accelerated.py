"""The compiled implementation's public classes and functions."""
from ._core._waiting import as_completed, wait
from ._executor import Executor
from ._future import Future
# The process pool first, as always: threading runs exit hooks in reverse,
# so thread pools finish first and their work may still use process pools
# (see _core/_lifecycle.pyx).
from ._process_pool import ProcessPoolExecutor
from ._thread_pool import ThreadPoolExecutor

from ._stdlib import HAS_INTERPRETERS

if HAS_INTERPRETERS:   # 3.14+, as the stdlib
    from ._interpreter_pool import InterpreterPoolExecutor
