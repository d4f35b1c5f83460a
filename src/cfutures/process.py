"""ProcessPoolExecutor: the compiled core plus its slow paths.

submit(), batching calls into frames, the manager thread's loop (dispatch,
results, completing futures) and the worker loop are compiled
(_core._process). Here: validation, multiprocessing contexts, starting and
stopping worker processes, shutdown, terminate/kill and interpreter exit.

The pool keeps the stdlib's semantics: futures run in the order submitted,
a call that cannot be pickled fails only its own future, an exception raised
in a worker carries the worker's traceback as ``__cause__``, and a worker
that dies unexpectedly breaks the pool (``BrokenProcessPool``, naming the
worker's pid and exit code).
"""
import functools
import itertools
import multiprocessing as mp
import os
import threading
import weakref
from concurrent.futures import process as _stdlib_process

from ._core._process import (
    ProcessPoolBase,
    ProcessPoolCore,
    WorkerChannel,
    mark_interpreter_exiting,
    worker_main,
)
from ._executor import Executor
from ._names import BrokenProcessPool

__all__ = ["ProcessPoolExecutor", "BrokenProcessPool"]

# os.process_cpu_count is 3.13+; older Pythons count all CPUs, as their stdlib does.
_cpu_count = getattr(os, "process_cpu_count", os.cpu_count)

# Every running manager thread and its pool, for interpreter exit; a
# manager removes itself when it returns.
_live_managers = {}
# Every pool, for forked children (workers or not).
_all_pools = weakref.WeakSet()


def _python_exit():
    # Runs before the interpreter joins non-daemon threads: submitted work
    # still runs, then every manager stops its workers and returns.
    mark_interpreter_exiting()
    managers = list(_live_managers.items())
    for _, pool in managers:
        pool.wakeup()
    for thread, _ in managers:
        if thread.ident is not None:
            thread.join()


threading._register_atexit(_python_exit)


def _after_fork_in_child():
    # A forked child (a worker included) has none of the parent's managers
    # and must not write to the parent's workers.
    _live_managers.clear()
    for pool in list(_all_pools):
        pool.broken = ("the process pool belongs to the parent process; it "
                       "cannot be used in a forked child")
    _all_pools.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class _PoolManager(ProcessPoolCore):
    """The pool's state shared by the executor and its manager thread.

    Holds no reference to the executor, so that an executor dropped without
    shutdown() is collected; its manager then finishes the work and stops.
    """

    def __init__(self, ctx, max_workers, initializer, initargs, max_tasks):
        self.ctx = ctx
        self.max_workers = max_workers
        self.initializer = initializer
        self.initargs = tuple(initargs)
        self.max_tasks = max_tasks or 0
        # https://github.com/python/cpython/issues/90622: never fork while
        # the manager thread runs; with fork every worker starts up front.
        self.spawn_on_demand = ctx.get_start_method(allow_none=False) != "fork"
        self.thread = None
        self._start_lock = threading.Lock()
        self._spawn_lock = threading.Lock()
        _all_pools.add(self)

    # -- called by the compiled core ---------------------------------------

    def start(self):
        """First submit(): start the manager (and, with fork, the workers)."""
        with self._start_lock:
            if not self.started:
                if not self.spawn_on_demand:
                    while len(self.workers) < self.max_workers:
                        self.spawn_worker()
                else:
                    self.spawn_if_needed(0)
                thread = threading.Thread(
                    target=_manage, args=(self,),
                    name="cfutures-process-pool-manager")
                _live_managers[thread] = self
                try:
                    thread.start()
                except BaseException:
                    del _live_managers[thread]
                    self.terminate_workers()
                    self.join_workers()
                    raise
                self.thread = thread
                self.started = True
        # A submit that raced with the start must not wait for a wake-up.
        self.wakeup()

    def spawn_if_needed(self, extra):
        """Start a worker if more calls are outstanding (counting ``extra``
        about to be) than workers, and there is room.

        Called by submit() (as the stdlib's, it starts workers on demand)
        and by the manager (replacing workers that reached
        max_tasks_per_child).
        """
        with self._spawn_lock:
            if self.needs_worker(extra):
                self.spawn_worker()
        self.wakeup()

    def spawn_worker(self):
        ctx = self.ctx
        call_reader, call_writer = ctx.Pipe(duplex=False)
        result_reader, result_writer = ctx.Pipe(duplex=False)
        try:
            inherited = ()
            if not self.spawn_on_demand:
                # A forked child inherits every descriptor: it closes the
                # parent's ends of every pool's pipes, so that each worker
                # sees end of file once its own parent is gone.
                inherited = _parent_fds() + (call_writer.fileno(),
                                             result_reader.fileno())
            process = ctx.Process(
                target=worker_main,
                args=(call_reader, result_writer, self.initializer,
                      self.initargs, self.max_tasks, inherited))
            process.start()
        except BaseException:
            call_writer.close()
            result_reader.close()
            raise
        finally:
            call_reader.close()
            result_writer.close()
        self.workers.append(WorkerChannel(process, call_writer, result_reader))
        self.processes[process.pid] = process

    def stop_workers(self):
        """Nothing is pending or running: tell every worker to stop, join it."""
        self._send_stop_to_all()
        for worker in list(self.workers):
            process = worker.process
            while process.exitcode is None:
                # The stop frame is tiny and the pipe empty, but keep writing
                # until it is out, in case the pipe was full.
                self._flush_all()
                process.join(0.05 if self._has_output() else None)
            worker.close()
        self.workers.clear()

    def terminate_workers(self):
        """Send SIGTERM to every live worker (the pool broke)."""
        self._mark_stopping()
        for worker in self.workers:
            process = worker.process
            try:
                if process.exitcode is None:
                    process.terminate()
            except (ProcessLookupError, ValueError):
                pass

    def join_workers(self):
        for worker in list(self.workers):
            process = worker.process
            process.join(1.0)
            if process.exitcode is None:
                try:
                    process.kill()
                except (ProcessLookupError, ValueError):
                    pass
                process.join()
            worker.close()
        self.workers.clear()


def _manage(pool):
    """The manager thread's body."""
    try:
        pool.run()
    finally:
        # Forget the finished thread (as the stdlib's shutdown() does).
        with pool._start_lock:
            pool.thread = None
        _live_managers.pop(threading.current_thread(), None)


def _parent_fds():
    fds = []
    for pool in list(_all_pools):
        fds.extend(fd for fd in pool.wakeup_fds() if fd >= 0)
        for worker in list(pool.workers):
            fds.extend(worker.parent_fds())
    return tuple(fds)


def _request_shutdown_of(pool):
    # Called when the executor is collected without shutdown().
    def executor_collected(_, pool=pool):
        pool.request_shutdown()
    return executor_collected


def _process_chunk(fn, chunk):
    """Run ``fn`` on every argument tuple of a chunk (map with chunksize > 1)."""
    return [fn(*args) for args in chunk]


def _batched(iterable, n):
    iterator = iter(iterable)
    while batch := tuple(itertools.islice(iterator, n)):
        yield batch


def _chain_from_iterable_of_lists(iterable):
    # Like itertools.chain.from_iterable, but drops each item as it goes.
    for element in iterable:
        element.reverse()
        while element:
            yield element.pop()


class _NoCallQueue:
    """Stands in for the stdlib's call queue: there is nothing to join."""

    def close(self):
        pass

    def join_thread(self):
        pass

    def cancel_join_thread(self):
        pass


_NO_CALL_QUEUE = _NoCallQueue()

_TERMINATE = "terminate"
_KILL = "kill"


class ProcessPoolExecutor(ProcessPoolBase, Executor,
                          _stdlib_process.ProcessPoolExecutor):
    """An Executor that runs calls in a pool of at most max_workers processes."""

    def __init__(self, max_workers=None, mp_context=None,
                 initializer=None, initargs=(), *, max_tasks_per_child=None):
        """Initialize a new ProcessPoolExecutor instance.

        Args:
            max_workers: The maximum number of processes that can be used to
                execute the given calls. If None or not given then as many
                worker processes will be created as the machine has processors.
            mp_context: A multiprocessing context to launch the workers
                (``multiprocessing.get_context('start method')``); the
                default is the running Python's default context.
            initializer: A callable used to initialize worker processes.
            initargs: A tuple of arguments to pass to the initializer.
            max_tasks_per_child: The maximum number of tasks a worker process
                can complete before it exits and is replaced by a fresh one.
                None (the default) keeps workers for the executor's lifetime.
                Incompatible with the 'fork' start method; when given without
                mp_context, 'spawn' is used.
        """
        _stdlib_process._check_system_limits()
        if max_workers is None:
            max_workers = _cpu_count() or 1
        elif max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        if mp_context is None:
            if max_tasks_per_child is not None:
                mp_context = mp.get_context("spawn")
            else:
                mp_context = mp.get_context()
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        if max_tasks_per_child is not None:
            if not isinstance(max_tasks_per_child, int):
                raise TypeError("max_tasks_per_child must be an integer")
            if max_tasks_per_child <= 0:
                raise ValueError("max_tasks_per_child must be >= 1")
            if mp_context.get_start_method(allow_none=False) == "fork":
                raise ValueError("max_tasks_per_child is incompatible with"
                                 " the 'fork' multiprocessing start method;"
                                 " supply a different mp_context.")
        self._max_workers = max_workers
        self._mp_context = mp_context
        self._initializer = initializer
        self._initargs = initargs
        self._max_tasks_per_child = max_tasks_per_child
        self._core = _PoolManager(mp_context, max_workers, initializer,
                                  initargs, max_tasks_per_child)
        self._self_ref = weakref.ref(self, _request_shutdown_of(self._core))

    @property
    def _broken(self):
        return self._core.broken

    # The stdlib's private attributes that code (CPython's tests among it)
    # reads: the same meaning where cfutures has the thing.

    @property
    def _processes(self):
        """pid -> multiprocessing.Process of every worker started and not
        retired (the same dict for the pool's life, as in the stdlib)."""
        return self._core.processes

    @property
    def _executor_manager_thread(self):
        """The pool's manager thread while it runs, else None."""
        return self._core.thread

    @property
    def _call_queue(self):
        """cfutures has no call queue (nor its feeder thread)."""
        return _NO_CALL_QUEUE

    def map(self, fn, *iterables, timeout=None, chunksize=1, buffersize=None):
        """Return an iterator equivalent to ``map(fn, *iterables)``.

        Small calls travel to the workers in batches whatever ``chunksize``
        is; ``chunksize`` > 1 still groups items as the stdlib does (one
        future per chunk, so an exception fails its whole chunk).
        ``buffersize`` bounds how many results are pending at once and makes
        the inputs consumed lazily. ``timeout`` bounds the whole iteration.
        """
        if chunksize < 1:
            raise ValueError("chunksize must be >= 1.")
        if chunksize == 1:
            return super().map(fn, *iterables, timeout=timeout,
                               buffersize=buffersize)
        results = super().map(functools.partial(_process_chunk, fn),
                              _batched(zip(*iterables), chunksize),
                              timeout=timeout, buffersize=buffersize)
        return _chain_from_iterable_of_lists(results)

    def shutdown(self, wait=True, *, cancel_futures=False):
        core = self._core
        core.request_shutdown(cancel_futures)
        with core._start_lock:   # a start in progress completes first
            thread = core.thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join()

    shutdown.__doc__ = Executor.shutdown.__doc__

    def _force_shutdown(self, operation):
        processes = [worker.process for worker in list(self._core.workers)]
        self.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            try:
                if process.exitcode is not None:
                    continue
                if operation == _TERMINATE:
                    process.terminate()
                else:
                    process.kill()
            except (ProcessLookupError, ValueError):
                continue

    def terminate_workers(self):
        """Terminate (SIGTERM) every worker process still alive.

        Pending calls are cancelled and running ones fail with
        BrokenProcessPool; the pool accepts no new work afterwards.
        """
        self._force_shutdown(_TERMINATE)

    def kill_workers(self):
        """Kill (SIGKILL) every worker process still alive.

        Pending calls are cancelled and running ones fail with
        BrokenProcessPool; the pool accepts no new work afterwards.
        """
        self._force_shutdown(_KILL)
