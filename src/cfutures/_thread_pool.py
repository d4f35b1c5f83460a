"""ThreadPoolExecutor: the compiled thread pool as the stdlib's class.

Everything runs in the compiled base (cfutures._core.thread._thread_executor); the
stdlib class is a base for isinstance() alone (asyncio's
set_default_executor demands it), and every method it has is overridden.

On 3.14+ the constructor takes ``**ctxkwargs`` for ``prepare_context()``,
as the stdlib's. ``prepare_context``, ``BROKEN`` and the worker context
classes are the stdlib's own (inherited): when a subclass replaces
``prepare_context`` (InterpreterPoolExecutor does) or ctxkwargs are given,
every call runs through the contexts it makes; otherwise calls run directly,
which is what the default context does.
"""
from ._core.thread._thread_executor import ThreadExecutorBase
from ._executor import Executor
from ._pool_options import thread_pool_options
from ._core.shared._stdlib import StdlibExecutor, StdlibThreadPoolExecutor


# 3.14+: the stdlib's pool runs calls through worker contexts.
HAS_WORKER_CONTEXTS = hasattr(StdlibThreadPoolExecutor, "prepare_context")


# The stdlib's docstring; 3.14+ adds the ctxkwargs line.
_INIT_DOC = """Initializes a new ThreadPoolExecutor instance.

        Args:
            max_workers: The maximum number of threads that can be used to
                execute the given calls.
            thread_name_prefix: An optional name prefix to give our threads.
            initializer: A callable used to initialize worker threads.
            initargs: A tuple of arguments to pass to the initializer.
"""
_OPTIONS_DOC = """
        cfutures' options (keyword-only; the defaults are the stdlib's behaviour):
            max_pending: At most this many submitted calls not done;
                submit() waits for room, in order, try_submit() returns
                None instead, map() reads its inputs lazily. A call of this
                pool that submits to it is let in over the bound. None: no
                bound.
            time_statistics: statistics() also gives the calls' queue
                waits and run times (a few clock reads per call).
"""
_CTXKWARGS_DOC = """            ctxkwargs: Additional arguments to cls.prepare_context().
"""


class ThreadPoolExecutor(ThreadExecutorBase, Executor, StdlibThreadPoolExecutor):
    """An Executor that runs calls on a pool of at most max_workers threads."""

    if HAS_WORKER_CONTEXTS:
        def __init__(self, max_workers=None, thread_name_prefix='',
                     initializer=None, initargs=(), *, max_pending=None,
                     time_statistics=False, **ctxkwargs):
            prepare = type(self).prepare_context
            if not ctxkwargs and prepare.__func__ is _DEFAULT_PREPARE:
                prepare = None   # the default context: calls run directly
            self._configure(thread_pool_options(
                max_workers, thread_name_prefix, initializer, initargs,
                max_pending, time_statistics, prepare, ctxkwargs))
        __init__.__doc__ = _INIT_DOC + _OPTIONS_DOC + _CTXKWARGS_DOC
    else:
        def __init__(self, max_workers=None, thread_name_prefix='',
                     initializer=None, initargs=(), *, max_pending=None,
                     time_statistics=False):
            self._configure(thread_pool_options(
                max_workers, thread_name_prefix, initializer, initargs,
                max_pending, time_statistics))
        __init__.__doc__ = _INIT_DOC + _OPTIONS_DOC

    def shutdown(self, wait=True, *, cancel_futures=False):
        super().shutdown(wait, cancel_futures=cancel_futures)

    shutdown.__doc__ = StdlibExecutor.shutdown.__doc__

    if HAS_WORKER_CONTEXTS:
        # The stdlib's names for what prepare_context() returned.
        _create_worker_context = property(
            lambda self: self._create_context or self._default_context()[0])
        _resolve_work_item_task = property(
            lambda self: self._resolve_task or self._default_context()[1])

        def _default_context(self):
            return StdlibThreadPoolExecutor.prepare_context(
                self._initializer, self._initargs)


_DEFAULT_PREPARE = (StdlibThreadPoolExecutor.prepare_context.__func__
                    if HAS_WORKER_CONTEXTS else None)
