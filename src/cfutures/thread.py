"""ThreadPoolExecutor: the compiled core plus its slow paths.

submit(), the work queue and the worker loop are compiled (_core._thread);
starting threads, shutdown and interpreter exit are here.
"""
import itertools
import os
import threading
import weakref
from concurrent.futures import thread as _stdlib_thread

from ._core._thread import (
    ThreadPoolCore,
    cancel_queued,
    fail_queued,
    mark_interpreter_exiting,
    worker_loop,
)
from ._executor import Executor
from ._names import BrokenThreadPool, default_max_workers

__all__ = ["ThreadPoolExecutor", "BrokenThreadPool"]

# Every live worker thread and its queue, for interpreter exit.
_live_workers = weakref.WeakKeyDictionary()


def _finish_at_exit():
    # Runs before the interpreter joins non-daemon threads: queued work still
    # runs, then the workers return.
    mark_interpreter_exiting()
    workers = list(_live_workers.items())
    for _, queue in workers:
        queue.close()
    for thread, _ in workers:
        thread.join()


threading._register_atexit(_finish_at_exit)

if hasattr(os, "register_at_fork"):
    # The parent's workers do not exist in a child; its pools start afresh.
    os.register_at_fork(after_in_child=_live_workers.clear)


def _closer_of(queue):
    # Called when an executor is collected without shutdown().
    def close_queue(_, queue=queue):
        queue.close()
    return close_queue


class ThreadPoolExecutor(ThreadPoolCore, Executor, _stdlib_thread.ThreadPoolExecutor):
    """An Executor that runs calls on a pool of at most max_workers threads."""

    # The stdlib class is a base for isinstance() alone (asyncio's
    # set_default_executor demands it); every method it has is overridden.

    _counter = itertools.count().__next__

    def __init__(self, max_workers=None, thread_name_prefix='',
                 initializer=None, initargs=()):
        if max_workers is None:
            max_workers = default_max_workers()
        if max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        self._max_workers = max_workers
        self._thread_name_prefix = (
            thread_name_prefix or f"ThreadPoolExecutor-{self._counter()}")
        self._initializer = initializer
        self._initargs = tuple(initargs)
        self._shutdown_lock = threading.Lock()
        self._self_ref = weakref.ref(self, _closer_of(self._work_queue))

    def _adjust_thread_count(self):
        with self._shutdown_lock:
            num_threads = len(self._threads)
            queue = self._work_queue
            # A shutdown may have closed the queue since the item went in; it
            # still gets a thread to run it (which then finds the queue closed
            # and returns).
            if num_threads >= self._max_workers or (queue.closed and not len(queue)):
                return
            thread = threading.Thread(
                name=f"{self._thread_name_prefix}_{num_threads}",
                target=worker_loop,
                args=(self._work_queue, self._self_ref, self._initializer,
                      self._initargs),
            )
            thread.start()
            self._threads.add(thread)
            _live_workers[thread] = self._work_queue

    def _initializer_failed(self):
        with self._shutdown_lock:
            self._broken = ("A thread initializer failed, the thread pool "
                            "is not usable anymore")
            fail_queued(self._work_queue, self._broken)
            # Closed, so a submit racing with this refuses its item rather
            # than leaving it in a queue that nobody drains any more.
            self._work_queue.close()

    def shutdown(self, wait=True, *, cancel_futures=False):
        with self._shutdown_lock:
            self._shutdown = True
            if cancel_futures:
                cancel_queued(self._work_queue)
            self._work_queue.close()
            threads = list(self._threads)
        if wait:
            for thread in threads:
                thread.join()

    shutdown.__doc__ = Executor.shutdown.__doc__
