"""The process pool's executor base: set-up, submit()'s fast path, shutdown.

``submit()`` makes the work item and picks its way: straight to an idle
worker when nothing waits, otherwise into the dispatcher's queue (which
starts the pool on first use). The public class is
cfutures._process_pool.ProcessPoolExecutor.
"""
from cfutures._core.parent._dispatcher cimport ProcessDispatcher
from cfutures._core.parent._pool_state cimport PoolState
from cfutures._core.parent._channel cimport WorkerChannel
from cfutures._core.shared._pending cimport PendingLimit
from cfutures._core.shared._parker cimport cf_monotonic
from cfutures._core.shared._statistics cimport CallCounts
from cfutures._core.parent._work_item cimport ProcessWorkItem, new_work_item

import weakref

from cfutures._core.shared._lifecycle import (
    after_fork_in_child, on_collect)

# Every pool's dispatcher, for forked children (workers or not), which
# must not write to the parent's workers.
_all_dispatchers = weakref.WeakSet()


def _disown_after_fork():
    for dispatcher in list(_all_dispatchers):
        dispatcher.disown()
    _all_dispatchers.clear()


after_fork_in_child(_disown_after_fork)


cdef class ProcessExecutorBase:
    """A ProcessPoolExecutor's dispatcher (which owns its supervisor)."""
    # Nothing here is public: dir() of the pool shows the stdlib's names
    # and cfutures' documented extras only (cfutures/_compat.py gives the
    # stdlib's private names over the dispatcher).
    cdef readonly ProcessDispatcher _dispatcher
    cdef object self_ref   # asks for shutdown once the executor is collected
    cdef readonly PendingLimit _pending_limit   # max_pending's, or None

    def _configure(self, options):
        """What ProcessPoolExecutor(...) sets up, from its ProcessPoolOptions
        (checked by cfutures._pool_options)."""
        self._dispatcher = ProcessDispatcher(options)
        if options.max_pending is not None:
            self._pending_limit = PendingLimit(options.max_pending, None)
        self.self_ref = on_collect(self, self._dispatcher.executor_collected)
        _all_dispatchers.add(self._dispatcher)

    def statistics(self):
        """What the pool has done and is doing (cfutures.PoolStatistics)."""
        cdef PoolState state = self._dispatcher.state
        cdef CallCounts counts = state.counts
        cdef ProcessWorkItem item
        queued = sum([item.weight() for item in list(state.pending)])
        alive = sum([1 for w in list(state.supervisor.channels)
                     if (<WorkerChannel>w).is_live()])
        return counts.snapshot(
            queued, counts.started - counts.completed - counts.failed, alive,
            state.supervisor.spawned)

    def submit(self, fn, /, *args, **kwargs):
        """Schedule ``fn(*args, **kwargs)`` in a worker process; return its Future."""
        return self.submit_item(new_work_item(fn, args, kwargs, 0))

    def try_submit(self, fn, /, *args, **kwargs):
        """submit(), or None without waiting if max_pending calls are not
        done (never None without max_pending)."""
        cdef ProcessWorkItem item = new_work_item(fn, args, kwargs, 0)
        if self._pending_limit is None:
            return self.submit_now(item)
        return self.submit_bounded(item, False)

    def _submit_limited(self, double time_limit, fn, tuple args, dict kwargs):
        """submit() of a call that may run ``time_limit`` seconds (> 0) in
        its worker (cfutures' submit_with)."""
        cdef ProcessWorkItem item = new_work_item(fn, args, kwargs, 0)
        item.time_limit = time_limit
        self._dispatcher.state.recovery.allow_call_limits()
        self._dispatcher.state.supervisor.send_results_eagerly()   # workers started from now on
        return self.submit_item(item)

    def _submit_run(self, Py_ssize_t run_length, fn, *args):
        """submit() for a run of ``run_length`` map items
        (cfutures._process_map): a call sized already, which travels in a
        frame of its own. Returns its work item, whose answer the map's
        iterator reads as its parts come (_map_results.pyx)."""
        cdef ProcessWorkItem item = new_work_item(fn, args, None, run_length)
        self.submit_item(item)
        return item

    cdef object submit_item(self, ProcessWorkItem item):
        if self._pending_limit is not None:
            return self.submit_bounded(item, True)
        return self.submit_now(item)

    cdef object submit_bounded(self, ProcessWorkItem item, bint block):
        """submit_now() of a call once it holds a slot of max_pending's
        limit (waiting for one if ``block``); None if none is free."""
        cdef PendingLimit limit = self._pending_limit
        if self._dispatcher is not None:
            self._dispatcher.check_open()
        if not limit.acquire(block):
            return None
        try:
            future = self.submit_now(item)
        except BaseException:
            limit.release()
            raise
        future.add_done_callback(limit)
        return future

    cdef object submit_now(self, ProcessWorkItem item):
        cdef ProcessDispatcher dispatcher = self._dispatcher
        cdef CallCounts counts
        if dispatcher is None:
            raise RuntimeError("ProcessPoolExecutor.__init__() was not called")
        dispatcher.check_open()
        counts = dispatcher.state.counts
        if counts.timed:
            item.submitted_at = cf_monotonic()
        if dispatcher.state.started:
            # As the stdlib does: no idle worker, so start one now.
            dispatcher.add_worker_if_short(1)
        counts.submitted += item.weight()   # before a worker can answer it
        try:
            if not dispatcher.send_to_idle_worker(item):
                dispatcher.enqueue(item)
        except BaseException:
            counts.submitted -= item.weight()
            raise
        return item.future

    def shutdown(self, wait=True, *, cancel_futures=False):
        """As concurrent.futures.Executor.shutdown()."""
        if self._pending_limit is not None:
            self._pending_limit.close()   # waiting submitters raise
        self._dispatcher.shutdown(wait, cancel_futures)

    def _end_workers(self, bint kill):
        """terminate_workers() (SIGTERM) or kill_workers() (SIGKILL)."""
        supervisor = self._dispatcher.state.supervisor
        processes = supervisor.live_processes()
        self._dispatcher.state.recovery.stop()   # no worker is replaced from here on
        self.shutdown(wait=False, cancel_futures=True)
        supervisor.end_processes(processes, kill)
