"""The thread pool's hot path: submit, the work item and the worker loop.

The slow and rare paths (starting threads, shutdown, a failed initializer)
stay in cfutures/thread.py.
"""
cimport cython
from cfutures._core._future cimport CoreFuture, Waiter, new_future
from cfutures._core._workqueue cimport QueueNode, WorkQueue

from cpython.pyport cimport PY_SSIZE_T_MAX

import math

from cfutures._names import LOGGER, BrokenThreadPool

# Set once the interpreter starts to exit; submit() refuses from then on.
cdef bint interpreter_exiting = False


def mark_interpreter_exiting():
    global interpreter_exiting
    interpreter_exiting = True


@cython.final
cdef class WorkItem(QueueNode):
    cdef CoreFuture future
    cdef object fn
    cdef tuple args
    cdef dict kwargs   # None when the call has no keyword arguments

    cdef int run(self) except -1:
        cdef CoreFuture future = self.future
        if not future.start_or_notify_cancel():
            return 0
        try:
            if self.kwargs is None:
                result = self.fn(*self.args)
            else:
                result = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:
            future.finish(exc, True)
        else:
            future.finish(result, False)
        return 0


@cython.final
cdef class _IdleWorker(Waiter):
    pass


def worker_loop(WorkQueue queue, executor_ref, initializer, tuple initargs):
    """A worker thread's body: run queued items until the queue closes."""
    cdef QueueNode item
    cdef Waiter parking = _IdleWorker.__new__(_IdleWorker)
    if initializer is not None:
        try:
            initializer(*initargs)
        except BaseException:
            LOGGER.critical('Exception in initializer:', exc_info=True)
            executor = executor_ref()
            if executor is not None:
                executor._initializer_failed()
            return
    try:
        while True:
            item = queue.get(parking)
            if item is None:
                return
            (<WorkItem>item).run()
            item = None
    except BaseException:
        LOGGER.critical('Exception in worker', exc_info=True)


def cancel_queued(WorkQueue queue):
    """Cancel every queued item's future (shutdown(cancel_futures=True))."""
    for item in queue.drain():
        (<WorkItem>item).future.cancel()


def fail_queued(WorkQueue queue, str message):
    """Fail every queued item's future with BrokenThreadPool(message)."""
    for item in queue.drain():
        (<WorkItem>item).future.finish(BrokenThreadPool(message), True)


cdef class ThreadPoolCore:
    """State and submit() of a ThreadPoolExecutor; see cfutures.thread."""
    cdef readonly WorkQueue _work_queue
    cdef public object _broken
    cdef public bint _shutdown
    cdef public set _threads
    cdef object max_workers     # as given: the stdlib accepts a float too
    cdef Py_ssize_t max_threads # how many threads that allows

    def __cinit__(self, *args, **kwargs):
        self._work_queue = WorkQueue()
        self._broken = False
        self._threads = set()

    @property
    def _max_workers(self):
        return self.max_workers

    @_max_workers.setter
    def _max_workers(self, value):
        # As the stdlib's `len(threads) < max_workers`: 2.5 allows 3 threads.
        limit = math.ceil(value) if value < PY_SSIZE_T_MAX else PY_SSIZE_T_MAX
        self.max_threads = limit
        self.max_workers = value

    def submit(self, fn, /, *args, **kwargs):
        """Schedule ``fn(*args, **kwargs)``; return its Future."""
        cdef WorkItem item
        cdef CoreFuture future
        cdef bint needs_thread
        self._check_open()
        needs_thread = (not self._work_queue.has_idle_worker()
                        and len(self._threads) < self.max_threads)
        future = new_future()
        item = WorkItem.__new__(WorkItem)
        item.future = future
        item.fn = fn
        item.args = args
        item.kwargs = kwargs if kwargs else None
        if self._work_queue.put(item):
            self._check_open()
            raise RuntimeError('cannot schedule new futures after shutdown')
        if needs_thread:
            # After the put, as the stdlib: the new thread's first act is to
            # take the item, so it is running before shutdown() can cancel it.
            self._adjust_thread_count()
        return future

    cdef int _check_open(self) except -1:
        if self._broken:
            raise BrokenThreadPool(self._broken)
        if self._shutdown:
            raise RuntimeError('cannot schedule new futures after shutdown')
        if interpreter_exiting:
            raise RuntimeError('cannot schedule new futures after '
                               'interpreter shutdown')
        return 0
