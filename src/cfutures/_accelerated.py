"""The compiled implementation's public classes and functions."""
from ._core._waiting import as_completed, wait
from ._executor import Executor
from ._future import Future
# The process pool first: its interpreter-exit hook then runs first, as it
# always has (see _core/_lifecycle.pyx).
from ._process_pool import ProcessPoolExecutor
from ._thread_pool import ThreadPoolExecutor
