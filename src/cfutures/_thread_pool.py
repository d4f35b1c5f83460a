"""ThreadPoolExecutor: the compiled thread pool as the stdlib's class.

Everything runs in the compiled base (cfutures._core._thread_executor); the
stdlib class is a base for isinstance() alone (asyncio's
set_default_executor demands it), and every method it has is overridden.
"""
from ._compat import ThreadPoolCompat
from ._core._thread_executor import ThreadExecutorBase
from ._executor import Executor
from ._stdlib import StdlibExecutor, StdlibThreadPoolExecutor


class ThreadPoolExecutor(ThreadExecutorBase, ThreadPoolCompat, Executor,
                         StdlibThreadPoolExecutor):
    """An Executor that runs calls on a pool of at most max_workers threads."""

    def __init__(self, max_workers=None, thread_name_prefix='',
                 initializer=None, initargs=()):
        """Initializes a new ThreadPoolExecutor instance.

        Args:
            max_workers: The maximum number of threads that can be used to
                execute the given calls.
            thread_name_prefix: An optional name prefix to give our threads.
            initializer: A callable used to initialize worker threads.
            initargs: A tuple of arguments to pass to the initializer.
        """
        self.configure(max_workers, thread_name_prefix, initializer, initargs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        super().shutdown(wait, cancel_futures=cancel_futures)

    shutdown.__doc__ = StdlibExecutor.shutdown.__doc__
