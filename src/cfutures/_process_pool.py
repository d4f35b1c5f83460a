"""ProcessPoolExecutor: the compiled process pool as the stdlib's class.

The pool keeps the stdlib's semantics: futures run in the order submitted,
a call that cannot be pickled fails only its own future, an exception raised
in a worker carries the worker's traceback as ``__cause__``, and a worker
that dies unexpectedly breaks the pool (``BrokenProcessPool``, naming the
worker's pid and exit code).

How one call travels: ``submit()`` (_core/parent/_process_executor.pyx) makes a
work item and hands it to the dispatcher (_core/parent/_dispatcher.pyx), which
sends it, batched with others, to a worker's channel
(_core/parent/_channel.pyx) as a frame (_core/shared/_frames.pyx; its body pickled by
_core/shared/_codec.py); the worker (_core/worker/_worker.pyx) runs it and answers with
a results frame, which the pool's manager thread (_core/parent/_manager.pyx)
reads to finish the future. The supervisor
(_core/parent/_supervisor.pyx) starts and ends the worker processes.
"""
from ._compat import ProcessPoolCompat
from ._core.parent._process_executor import ProcessExecutorBase
from ._executor import Executor, map_in_chunks
from ._pool_options import check_not_fork, process_pool_options, time_limit_seconds
from ._process_map import map_in_runs
from ._core.shared._stdlib import StdlibExecutor, StdlibProcessPoolExecutor

# What a worker process imports first (and, with it, cfutures).
_WORKER_MODULE = "cfutures._core.worker._worker"


def preload_in_forkserver(ctx):
    """Have a forkserver not started yet import what each of its workers
    would otherwise import on its own (tens of ms each), beside what it
    preloads already: the workers' module and, where each worker runs the
    program's main module again (as the stdlib's workers do), this module,
    which that run imports to make the pool, and pkgutil, which runs it.

    A running forkserver, a start method other than forkserver, or a
    multiprocessing without these (private) attributes is left alone; the
    server ignores a module it cannot import, as it does by default.
    """
    if ctx.get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver
    server = getattr(forkserver, "_forkserver", None)
    modules = getattr(server, "_preload_modules", None)
    if (not isinstance(modules, list) or _WORKER_MODULE in modules
            or getattr(server, "_forkserver_pid", 0) is not None):
        return
    extra = (_WORKER_MODULE,) + _main_rerun_imports()
    wanted = modules + [name for name in extra if name not in modules]
    on_error = getattr(server, "_preload_on_error", None)
    if on_error is None:   # before 3.15: no on_error argument
        ctx.set_forkserver_preload(wanted)
    else:
        ctx.set_forkserver_preload(wanted, on_error=on_error)


def _main_rerun_imports():
    """The modules a worker imports to run the program's main module again.

    The stdlib's workers run it again (``spawn.prepare``) unless it is
    interactive, ``-c`` or a package's ``__main__``: from its path through
    runpy.run_path, which imports pkgutil, or by its name. From 3.14 a
    forkserver preloading ``__main__`` (its default) runs it once itself
    and its workers skip it; before, that preload looks for a key the
    preparation data lacks, so every worker runs it. Preloading what such
    a run is sure to import makes those imports once, in the server,
    without moving where the program's top-level code runs.
    """
    from multiprocessing import spawn
    try:
        data = spawn.get_preparation_data("cfutures")
    except Exception:   # a main module multiprocessing cannot describe
        return ()
    if "init_main_from_path" in data:
        return ("pkgutil", __name__)
    if "init_main_from_name" in data:
        return (__name__,)
    return ()


class ProcessPoolExecutor(ProcessExecutorBase, ProcessPoolCompat, Executor,
                          StdlibProcessPoolExecutor):
    """An Executor that runs calls in a pool of at most max_workers processes."""

    def __init__(self, max_workers=None, mp_context=None,
                 initializer=None, initargs=(), *, max_tasks_per_child=None,
                 task_timeout=None, on_worker_death="break",
                 max_worker_memory=None, idle_timeout=None, pickler=None,
                 max_pending=None, time_statistics=False):
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

        cfutures' options (keyword-only; the defaults are the stdlib's
        behaviour; each needs a start method other than fork, and without
        mp_context uses forkserver, or spawn where there is none):
            task_timeout: Seconds a call may run in a worker. Past it the
                worker is killed and replaced, the call fails with
                TimeoutError, and every other call carries on. None: no
                limit. submit_with() sets one call's limit.
            on_worker_death: "break" (the stdlib's: a worker that dies
                breaks the pool) or "replace": only the calls it was
                running fail (WorkerProcessDied, a BrokenProcessPool naming
                its pid and exit code), the calls it had not started run
                elsewhere, and a new worker takes its place. Deaths in a
                crash loop still break the pool.
            max_worker_memory: Bytes of resident memory; a worker above it
                after a call retires and is replaced, losing no call.
            idle_timeout: Seconds a worker may wait for a call before it
                stops; workers start again on demand. None: never.
            pickler: What pickles calls and results: None (pickle, as the
                stdlib), "cloudpickle" (lambdas, closures and __main__'s
                functions under spawn and forkserver; pip install
                'cfutures[cloudpickle]'), or any module or object with
                dumps() and loads(). Works with every start method.
            max_pending: At most this many submitted calls not done
                (queued or running); submit() waits for room, in order,
                try_submit() returns None instead, map() reads its inputs
                lazily. Works with every start method. None: no bound.
            time_statistics: statistics() also gives the calls' queue
                waits and run times (a few clock reads per call).
        """
        options = process_pool_options(
            max_workers, mp_context, initializer, initargs,
            max_tasks_per_child, task_timeout, on_worker_death,
            max_worker_memory, idle_timeout, pickler, max_pending,
            time_statistics)
        # A death can come between two items of a map run, before the
        # worker sent the first one's result: with "replace" every item is a
        # call of its own (time limits watch a run's items, _recovery.pyx).
        self._calls_recover = options.replace_dead
        self._configure(options)
        preload_in_forkserver(self._mp_context)

    def shutdown(self, wait=True, *, cancel_futures=False):
        super().shutdown(wait, cancel_futures=cancel_futures)

    shutdown.__doc__ = StdlibExecutor.shutdown.__doc__

    def map(self, fn, *iterables, timeout=None, chunksize=1, buffersize=None):
        """Return an iterator equivalent to ``map(fn, *iterables)``.

        With the default ``chunksize`` (1) and no ``buffersize``, items
        travel in runs of up to thousands per call (see cfutures._process_map)
        with every visible behaviour of the stdlib's per-item map;
        ``chunksize`` > 1 groups items as the stdlib does (one future per
        chunk, so an exception fails its whole chunk).
        ``buffersize`` bounds how many results are pending at once and makes
        the inputs consumed lazily. ``timeout`` bounds the whole iteration.
        """
        # Runs count as one task each: with max_tasks_per_child every item
        # stays a task of its own, as in the stdlib. A submit() replaced on
        # a subclass or on the instance (tracing, progress bars: tqdm's
        # process_map) sees every call, as the stdlib's map makes them.
        if (chunksize == 1 and buffersize is None and not self._submit_replaced()
                and self._max_tasks_per_child is None
                and not self._calls_recover and self._pending_limit is None):
            return map_in_runs(self, fn, iterables, timeout)
        if buffersize is None and self._pending_limit is not None:
            # Under max_pending the inputs are read lazily, as the bound allows.
            buffersize = self._pending_limit.bound
        return map_in_chunks(super().map, fn, iterables, timeout=timeout,
                             chunksize=chunksize, buffersize=buffersize)

    def _submit_replaced(self):
        """Whether submit() is another than the pool's own."""
        return (type(self).submit is not _POOL_SUBMIT
                or "submit" in self.__dict__)

    def submit_with(self, fn, /, *args, task_timeout=None, **kwargs):
        """submit(fn, *args, **kwargs) with a time limit of its own:
        ``task_timeout`` seconds (None: the pool's task_timeout) in its
        worker, past which the worker is killed and replaced and the
        future fails with TimeoutError. Needs a start method other than
        fork."""
        seconds = time_limit_seconds(task_timeout)
        if not seconds:
            return self.submit(fn, *args, **kwargs)
        check_not_fork(self._mp_context, "a call's task_timeout")
        return self._submit_limited(seconds, fn, args, kwargs)

    def terminate_workers(self):
        """Terminate (SIGTERM) every worker process still alive.

        Pending calls are cancelled and running ones fail with
        BrokenProcessPool; the pool accepts no new work afterwards.
        """
        self._end_workers(False)

    def kill_workers(self):
        """Kill (SIGKILL) every worker process still alive.

        Pending calls are cancelled and running ones fail with
        BrokenProcessPool; the pool accepts no new work afterwards.
        """
        self._end_workers(True)


# The pool's own submit(): map() sends runs past it only while it is the one.
_POOL_SUBMIT = ProcessPoolExecutor.submit
