from concurrent.futures.process import (
    EXTRA_QUEUED_CALLS as EXTRA_QUEUED_CALLS,
    BrokenProcessPool as BrokenProcessPool,
    _ExceptionWithTraceback as _ExceptionWithTraceback,
    _RemoteTraceback as _RemoteTraceback,
    _check_system_limits as _check_system_limits,
)

from cfutures import ProcessPoolExecutor as ProcessPoolExecutor

__all__ = ["ProcessPoolExecutor", "BrokenProcessPool"]
