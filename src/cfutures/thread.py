"""cfutures.thread: what ``concurrent.futures.thread`` offers, from the
implementation cfutures serves (see cfutures._implementation)."""
from ._implementation import implementation as _implementation
from ._core.shared._stdlib import BrokenThreadPool

ThreadPoolExecutor = _implementation.ThreadPoolExecutor

__all__ = ["ThreadPoolExecutor", "BrokenThreadPool"]

# CFUTURES_INSTALL=1 waits for an import that brought concurrent.futures in.
from . import _install_if_asked  # noqa: E402
_install_if_asked(__name__)
del _install_if_asked
