"""The thread pool's hot path: submit, the work item and the worker loop.

Also the slow and rare paths that need the pool's state: starting threads,
shutdown, a failed initializer, interpreter exit. cfutures/_thread_pool.py
makes the public class of it.
"""
cimport cython
from cfutures._core._future cimport CoreFuture, Waiter, new_future
from cfutures._core._lifecycle cimport THREAD_POOL, raise_if_closed
from cfutures._core._workqueue cimport QueueNode, WorkQueue

from cpython.pyport cimport PY_SSIZE_T_MAX

import itertools
import math
import threading

from cfutures._core._lifecycle import (
    at_interpreter_exit, check_initializer, on_collect, thread_workers, track)
from cfutures._stdlib import LOGGER, BrokenThreadPool


@cython.final
cdef class ThreadWorkItem(QueueNode):
    cdef CoreFuture future
    cdef object fn
    cdef tuple args
    cdef dict kwargs   # None when the call has no keyword arguments
    cdef object task   # what a worker context runs (context mode), else None

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

    cdef int run_in(self, context) except -1:
        """Run the resolved task in a worker context (3.14's WorkerContext
        protocol: ``context.run(task)``)."""
        cdef CoreFuture future = self.future
        if not future.start_or_notify_cancel():
            return 0
        try:
            result = context.run(self.task)
        except BaseException as exc:
            future.finish(exc, True)
        else:
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


cdef int take_and_run(WorkQueue queue, object context) except -1:
    """Run queued items, in ``context`` unless it is None, until the queue
    closes: the loop of both worker bodies."""
    cdef QueueNode item
    cdef Waiter parking = _IdleWorker.__new__(_IdleWorker)
    while True:
        item = queue.get(parking)
        if item is None:
            return 0
        if context is None:
            (<ThreadWorkItem>item).run()
        else:
            (<ThreadWorkItem>item).run_in(context)
        item = None


def worker_loop(WorkQueue queue, executor_ref, initializer, object initargs):
    """A worker thread's body: run queued items until the queue closes."""
    if initializer is not None and not set_up(initializer, initargs, executor_ref):
        return
    try:
        take_and_run(queue, None)
    except BaseException:
        LOGGER.critical('Exception in worker', exc_info=True)


def context_worker_loop(WorkQueue queue, executor_ref, context):
    """A worker thread's body in context mode (a subclass's prepare_context,
    or ctxkwargs, as InterpreterPoolExecutor has): initialize the context,
    run queued tasks in it, finalize it."""
    if not set_up(context.initialize, (), executor_ref):
        return
    try:
        take_and_run(queue, context)
    except BaseException:
        LOGGER.critical('Exception in worker', exc_info=True)
    finally:
        context.finalize()


def cancel_queued(WorkQueue queue):
    """Cancel every queued item's future (shutdown(cancel_futures=True))."""
    for item in queue.drain():
        (<ThreadWorkItem>item).future.cancel()


def fail_queued(WorkQueue queue, broken_type, str message):
    """Fail every queued item's future with broken_type(message)."""
    for item in queue.drain():
        (<ThreadWorkItem>item).future.finish(broken_type(message), True)


at_interpreter_exit(THREAD_POOL)

_pool_numbers = itertools.count().__next__


cdef class ThreadExecutorBase:
    """A ThreadPoolExecutor's state, submit() and threads; the public class
    is cfutures._thread_pool.ThreadPoolExecutor."""
    cdef readonly WorkQueue work_queue
    cdef public object broken         # False, or why submit() refuses
    cdef public bint shut_down
    cdef public set threads
    cdef readonly object max_workers  # as given: the stdlib accepts a float too
    cdef Py_ssize_t max_threads       # how many threads that allows
    cdef public object thread_name_prefix
    cdef public object initializer
    cdef public object initargs   # as given: a bad one fails the initializer, as in the stdlib
    cdef readonly object shutdown_lock  # guards starting threads and shutdown
    cdef object self_ref              # closes the queue once collected
    # Context mode (3.14+, see use_contexts()); both None otherwise.
    cdef public object create_context
    cdef public object resolve_task

    def __cinit__(self, *args, **kwargs):
        self.work_queue = WorkQueue()
        self.broken = False
        self.threads = set()
        self.shutdown_lock = threading.Lock()

    def configure(self, max_workers, thread_name_prefix, initializer, initargs):
        """What ThreadPoolExecutor(...) sets up, with the stdlib's checks."""
        max_workers = thread_workers(max_workers)
        check_initializer(initializer)
        self.set_max_workers(max_workers)
        self.thread_name_prefix = (
            thread_name_prefix or f"ThreadPoolExecutor-{_pool_numbers()}")
        self.initializer = initializer
        self.initargs = initargs
        self.self_ref = on_collect(self, self.work_queue.close)

    def use_contexts(self, create_context, resolve_task):
        """Run calls through worker contexts, as 3.14's ThreadPoolExecutor
        does: each thread gets ``create_context()`` (initialized when it
        starts, finalized when it ends) and runs ``resolve_task(fn, args,
        kwargs)`` in it. Used only when prepare_context is not the default
        one or has ctxkwargs: the default context is the direct path."""
        self.create_context = create_context
        self.resolve_task = resolve_task

    def set_max_workers(self, value):
        # As the stdlib's `len(threads) < max_workers`: 2.5 allows 3 threads.
        limit = math.ceil(value) if value < PY_SSIZE_T_MAX else PY_SSIZE_T_MAX
        self.max_threads = limit
        self.max_workers = value

    def submit(self, fn, /, *args, **kwargs):
        """Schedule ``fn(*args, **kwargs)``; return its Future."""
        cdef ThreadWorkItem item
        cdef CoreFuture future
        self.check_open()
        future = new_future()
        item = ThreadWorkItem.__new__(ThreadWorkItem)
        item.future = future
        item.fn = fn
        item.args = args
        item.kwargs = kwargs if kwargs else None
        if self.resolve_task is not None:
            item.task = self.resolve_task(fn, args, kwargs)
        if self.work_queue.put(item):
            self.check_open()
            raise RuntimeError('cannot schedule new futures after shutdown')
        if (len(self.threads) < self.max_threads
                and self.work_queue.short_of_workers()):
            # After the put, as the stdlib: the new thread's first act is to
            # take the item, so it is running before shutdown() can cancel it.
            self._adjust_thread_count()
        return future

    def _adjust_thread_count(self):
        # The stdlib's name: a subclass may override it, as the stdlib's.
        cdef WorkQueue queue = self.work_queue
        with self.shutdown_lock:
            num_threads = len(self.threads)
            # A shutdown may have closed the queue since the item went in; it
            # still gets a thread to run it (which then finds the queue closed
            # and returns).
            if num_threads >= self.max_threads or (queue.closed and not len(queue)):
                return
            if self.create_context is None:
                target = worker_loop
                args = (queue, self.self_ref, self.initializer, self.initargs)
            else:
                target = context_worker_loop
                args = (queue, self.self_ref, self.create_context())
            thread = threading.Thread(
                name=f"{self.thread_name_prefix}_{num_threads}",
                target=target, args=args)
            thread.start()
            self.threads.add(thread)
            # At exit it ends what is queued, then finds the queue closed.
            track(THREAD_POOL, thread, queue.close)

    cdef int check_open(self) except -1:
        if self.broken:
            raise self.broken_type()(self.broken)
        return raise_if_closed(False, self.shut_down, THREAD_POOL)

    cdef object broken_type(self):
        # 3.14's BROKEN: BrokenInterpreterPool for an interpreter pool.
        return getattr(self, "BROKEN", BrokenThreadPool)

    def _initializer_failed(self):
        with self.shutdown_lock:
            self.broken = ("A thread initializer failed, the thread pool "
                           "is not usable anymore")
            fail_queued(self.work_queue, self.broken_type(), self.broken)
            # Closed, so a submit racing with this refuses its item rather
            # than leaving it in a queue that nobody drains any more.
            self.work_queue.close()

    def shutdown(self, wait=True, *, cancel_futures=False):
        """As concurrent.futures.Executor.shutdown()."""
        with self.shutdown_lock:
            self.shut_down = True
            if cancel_futures:
                cancel_queued(self.work_queue)
            self.work_queue.close()
            threads = list(self.threads)
        if wait:
            for thread in threads:
                thread.join()
