"""The thread pool's hot path: submit, the work item and the worker loop.

Also the slow and rare paths that need the pool's state: starting threads,
shutdown, a failed initializer, interpreter exit. cfutures/_thread_pool.py
makes the public class of it.
"""
cimport cython
from cfutures._core.future._future cimport CoreFuture, Waiter, new_future
from cfutures._core.shared._lifecycle cimport THREAD_POOL, raise_if_closed
from cfutures._core.shared._pending cimport PendingLimit
from cfutures._core.shared._parker cimport cf_monotonic
from cfutures._core.shared._statistics cimport CallCounts
from cfutures._core.thread._workqueue cimport QueueNode, WorkQueue

from cpython.pyport cimport PY_SSIZE_T_MAX

import itertools
import math
import threading

from cfutures._core.shared._lifecycle import on_collect, track
from cfutures._core.shared._stdlib import LOGGER, BrokenThreadPool


@cython.final
cdef class ThreadWorkItem(QueueNode):
    cdef CoreFuture future
    cdef object fn
    cdef tuple args
    cdef dict kwargs   # None when the call has no keyword arguments
    cdef object task   # what a worker context runs (context mode), else None
    cdef double submitted_at   # when submitted (time_statistics only)

    cdef int run(self, CallCounts counts, object context) except -1:
        """Run the call, directly or (``context`` not None) in a worker
        context (3.14's WorkerContext protocol: ``context.run(task)``);
        counted before its future finishes, so a caller sees it counted."""
        cdef CoreFuture future = self.future
        cdef double started_at = 0.0
        if not future.start_or_notify_cancel():
            counts.cancelled += 1
            return 0
        counts.started += 1
        if counts.timed:
            started_at = cf_monotonic()
            counts.waited(started_at - self.submitted_at)
        try:
            if context is not None:
                result = context.run(self.task)
            elif self.kwargs is None:
                result = self.fn(*self.args)
            else:
                result = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:
            counts.failed += 1
            if counts.timed:
                counts.ran_for(cf_monotonic() - started_at, 1)
            future.finish(exc, True)
        else:
            counts.completed += 1
            if counts.timed:
                counts.ran_for(cf_monotonic() - started_at, 1)
            future.finish(result, False)
        return 0


@cython.final
cdef class _IdleWorker(Waiter):
    pass


cdef bint set_up(initialize, object args, executor_ref) except -1:
    """Run a worker's initializer; if it raises, log it, break the pool
    (as the stdlib's worker does) and return False."""
    try:
        initialize(*args)
    except BaseException:
        LOGGER.critical('Exception in initializer:', exc_info=True)
        executor = executor_ref()
        if executor is not None:
            executor._initializer_failed()
        return False
    return True


cdef int take_and_run(WorkQueue queue, CallCounts counts, object context) except -1:
    """Run queued items, in ``context`` unless it is None, until the queue
    closes: the loop of both worker bodies."""
    cdef QueueNode item
    cdef Waiter parking = _IdleWorker.__new__(_IdleWorker)
    while True:
        item = queue.get(parking)
        if item is None:
            return 0
        (<ThreadWorkItem>item).run(counts, context)
        item = None


def worker_loop(WorkQueue queue, executor_ref, initializer, object initargs,
                CallCounts counts):
    """A worker thread's body: run queued items until the queue closes."""
    if initializer is not None and not set_up(initializer, initargs, executor_ref):
        return
    try:
        take_and_run(queue, counts, None)
    except BaseException:
        LOGGER.critical('Exception in worker', exc_info=True)


def context_worker_loop(WorkQueue queue, executor_ref, context, CallCounts counts):
    """A worker thread's body in context mode (a subclass's prepare_context,
    or ctxkwargs, as InterpreterPoolExecutor has): initialize the context,
    run queued tasks in it, finalize it."""
    if not set_up(context.initialize, (), executor_ref):
        return
    try:
        take_and_run(queue, counts, context)
    except BaseException:
        LOGGER.critical('Exception in worker', exc_info=True)
    finally:
        context.finalize()


def cancel_queued(WorkQueue queue, CallCounts counts):
    """Cancel every queued item's future (shutdown(cancel_futures=True))."""
    for item in queue.drain():
        counts.cancelled += 1
        (<ThreadWorkItem>item).future.cancel()


def fail_queued(WorkQueue queue, CallCounts counts, broken_type, str message):
    """Fail every queued item's future with broken_type(message)."""
    for item in queue.drain():
        counts.failed += 1
        (<ThreadWorkItem>item).future.finish(broken_type(message), True)



_pool_numbers = itertools.count().__next__


cdef class ThreadExecutorBase:
    """A ThreadPoolExecutor's state, submit() and threads; the public class
    is cfutures._thread_pool.ThreadPoolExecutor."""
    # Nothing here is public: dir() of the pool shows the stdlib's names
    # and cfutures' documented extras only. Where the stdlib has the thing,
    # the attribute has the stdlib's private name, for code that reads it
    # (each comment names who); cfutures' own are underscored too.
    # The stdlib's submit() puts work items on it; len() works, but it is
    # cfutures' queue, not a SimpleQueue.
    cdef readonly WorkQueue _work_queue
    # False, or why submit() refuses: test_init checks it after an
    # initializer failed; the stdlib's submit() raises BrokenThreadPool(it).
    cdef public object _broken
    cdef public bint _shutdown        # the stdlib's submit() and shutdown() read and set it
    # test_thread_pool's test_idle_thread_reuse and test_shutdown count and
    # join them.
    cdef public set _threads
    cdef object max_workers           # as given (the stdlib accepts a float): _max_workers
    cdef Py_ssize_t max_threads       # how many threads that allows
    # The stdlib's _adjust_thread_count() names and starts threads with these.
    cdef public object _thread_name_prefix
    cdef public object _initializer
    cdef public object _initargs  # as given: a bad one fails the initializer, as in the stdlib
    # Guards starting threads and shutdown; the stdlib's submit(),
    # shutdown() and _initializer_failed() take it.
    cdef readonly object _shutdown_lock
    cdef object self_ref              # closes the queue once collected
    # Context mode (3.14+, see _configure()); both None otherwise.
    cdef readonly object _create_context
    cdef readonly object _resolve_task
    cdef readonly PendingLimit _pending_limit  # max_pending's, or None
    cdef CallCounts counts                     # statistics(): the pool's own counts
    cdef list worker_counts                    # and each worker thread's
    cdef Py_ssize_t submitted_calls            # counted by submit(), here

    def __cinit__(self, *args, **kwargs):
        self.counts = CallCounts(False)
        self.worker_counts = []
        self._work_queue = WorkQueue()
        self._broken = False
        self._threads = set()
        self._shutdown_lock = threading.Lock()

    def _configure(self, options):
        """What ThreadPoolExecutor(...) sets up from its ThreadPoolOptions
        (cfutures._pool_options: checked already). With a worker context
        (3.14's prepare_context, when not the default one), each thread gets
        ``create_context()`` (initialized when it starts, finalized when it
        ends) and runs ``resolve_task(fn, args, kwargs)`` in it; the default
        context is the direct path."""
        self.set_max_workers(options.max_workers)
        self._thread_name_prefix = (
            options.thread_name_prefix or f"ThreadPoolExecutor-{_pool_numbers()}")
        self._initializer = options.initializer
        self._initargs = options.initargs
        if options.worker_context is not None:
            self._create_context, self._resolve_task = options.worker_context
        if options.max_pending is not None:
            self._pending_limit = PendingLimit(options.max_pending, self._threads)
        if options.time_statistics:
            self.counts = CallCounts(True)
        self.self_ref = on_collect(self, self._work_queue.close)

    cdef int set_max_workers(self, value) except -1:
        # As the stdlib's `len(threads) < max_workers`: 2.5 allows 3 threads.
        limit = math.ceil(value) if value < PY_SSIZE_T_MAX else PY_SSIZE_T_MAX
        self.max_threads = limit
        self.max_workers = value
        return 0

    @property
    def _max_workers(self):
        # The stdlib's name: its _adjust_thread_count() and CPython's
        # test_default_workers read it; setting it moves the thread limit.
        return self.max_workers

    @_max_workers.setter
    def _max_workers(self, value):
        self.set_max_workers(value)

    def statistics(self):
        """What the pool has done and is doing (cfutures.PoolStatistics)."""
        cdef CallCounts counts = self.counts.total(self.worker_counts)
        counts.submitted += self.submitted_calls
        alive = sum(1 for thread in list(self._threads) if thread.is_alive())
        return counts.snapshot(
            len(self._work_queue),
            counts.started - counts.completed - counts.failed, alive,
            counts.workers_started)

    def submit(self, fn, /, *args, **kwargs):
        """Schedule ``fn(*args, **kwargs)``; return its Future."""
        if self._pending_limit is not None:
            return self.submit_bounded(fn, args, kwargs, True)
        return self.submit_call(fn, args, kwargs)

    def try_submit(self, fn, /, *args, **kwargs):
        """submit(), or None without waiting if max_pending calls are not
        done (never None without max_pending)."""
        if self._pending_limit is not None:
            return self.submit_bounded(fn, args, kwargs, False)
        return self.submit_call(fn, args, kwargs)

    cdef object submit_bounded(self, fn, tuple args, dict kwargs, bint block):
        cdef PendingLimit limit = self._pending_limit
        self.check_open()
        if not limit.acquire(block):
            return None
        try:
            future = self.submit_call(fn, args, kwargs)
        except BaseException:
            limit.release()
            raise
        future.add_done_callback(limit)
        return future

    cdef object submit_call(self, fn, tuple args, dict kwargs):
        cdef ThreadWorkItem item
        cdef CoreFuture future
        self.check_open()
        future = new_future()
        item = ThreadWorkItem.__new__(ThreadWorkItem)
        item.future = future
        item.fn = fn
        item.args = args
        item.kwargs = kwargs if kwargs else None
        if self.counts.timed:
            item.submitted_at = cf_monotonic()
        if self._resolve_task is not None:
            item.task = self._resolve_task(fn, args, kwargs)
        self.submitted_calls += 1   # before a worker can start it
        if self._work_queue.put(item):
            self.submitted_calls -= 1
            self.check_open()
            raise RuntimeError('cannot schedule new futures after shutdown')
        if (len(self._threads) < self.max_threads
                and self._work_queue.short_of_workers()):
            # After the put, as the stdlib: the new thread's first act is to
            # take the item, so it is running before shutdown() can cancel it.
            self._adjust_thread_count()
        return future

    def _adjust_thread_count(self):
        # The stdlib's name: a subclass may override it, as the stdlib's.
        cdef WorkQueue queue = self._work_queue
        with self._shutdown_lock:
            num_threads = len(self._threads)
            # A shutdown may have closed the queue since the item went in; it
            # still gets a thread to run it (which then finds the queue closed
            # and returns).
            if num_threads >= self.max_threads or (queue.closed and not len(queue)):
                return
            counts = CallCounts(self.counts.timed)
            if self._create_context is None:
                target = worker_loop
                args = (queue, self.self_ref, self._initializer, self._initargs,
                        counts)
            else:
                target = context_worker_loop
                args = (queue, self.self_ref, self._create_context(), counts)
            thread = threading.Thread(
                name=f"{self._thread_name_prefix}_{num_threads}",
                target=target, args=args)
            thread.start()
            self._threads.add(thread)
            self.worker_counts.append(counts)
            self.counts.workers_started += 1
            # At exit it ends what is queued, then finds the queue closed.
            track(THREAD_POOL, thread, queue.close)

    cdef int check_open(self) except -1:
        if self._broken:
            raise self.broken_type()(self._broken)
        return raise_if_closed(False, self._shutdown, THREAD_POOL)

    cdef object broken_type(self):
        # 3.14's BROKEN: BrokenInterpreterPool for an interpreter pool.
        return getattr(self, "BROKEN", BrokenThreadPool)

    def _initializer_failed(self):
        with self._shutdown_lock:
            self._broken = ("A thread initializer failed, the thread pool "
                           "is not usable anymore")
            fail_queued(self._work_queue, self.counts, self.broken_type(), self._broken)
            # Closed, so a submit racing with this refuses its item rather
            # than leaving it in a queue that nobody drains any more.
            self._work_queue.close()

    def shutdown(self, wait=True, *, cancel_futures=False):
        """As concurrent.futures.Executor.shutdown()."""
        with self._shutdown_lock:
            self._shutdown = True
            if self._pending_limit is not None:
                self._pending_limit.close()   # waiting submitters raise
            if cancel_futures:
                cancel_queued(self._work_queue, self.counts)
            self._work_queue.close()
            threads = list(self._threads)
        if wait:
            for thread in threads:
                thread.join()
