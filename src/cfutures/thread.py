"""cfutures.thread: what ``concurrent.futures.thread`` offers, from the
implementation cfutures serves (see cfutures._implementation)."""
from ._implementation import implementation as _implementation
from ._stdlib import BrokenThreadPool

ThreadPoolExecutor = _implementation.ThreadPoolExecutor

__all__ = ["ThreadPoolExecutor", "BrokenThreadPool"]
