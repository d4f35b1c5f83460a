"""cfutures.process: what ``concurrent.futures.process`` offers, from the
implementation cfutures serves (see cfutures._implementation).

Besides the executor and ``BrokenProcessPool``, the stdlib names that code
imports from ``concurrent.futures.process`` (``_RemoteTraceback``,
``_ExceptionWithTraceback``, ``_check_system_limits``,
``EXTRA_QUEUED_CALLS``, ``_MAX_WINDOWS_WORKERS``) are the stdlib's own.
"""
from ._implementation import implementation as _implementation
from ._core.shared._stdlib import PROCESS_MODULE_EXTRAS as _EXTRAS
from ._core.shared._stdlib import BrokenProcessPool

ProcessPoolExecutor = _implementation.ProcessPoolExecutor
globals().update(_EXTRAS)

__all__ = ["ProcessPoolExecutor", "BrokenProcessPool"]

# CFUTURES_INSTALL=1 waits for an import that brought concurrent.futures in.
from . import _install_if_asked  # noqa: E402
_install_if_asked(__name__)
del _install_if_asked
