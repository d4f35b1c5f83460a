"""A pool's options, all checked here, in the order the stdlib's and
cfutures' raise, and made one frozen value (cfutures._core.shared._options)
that the pool carries: thread_pool_options() makes ThreadPoolOptions,
process_pool_options() ProcessPoolOptions.

cfutures' own options are keyword-only, and each default keeps the
stdlib's behaviour exactly. Both pools take ``max_pending`` (a bound on
calls not done, _pending.pyx) and ``time_statistics``; a process pool also:

- ``task_timeout``: seconds a call may run in a worker (None: no limit).
- ``on_worker_death``: ``"break"`` (the stdlib's) or ``"replace"``.
- ``max_worker_memory``: bytes of resident memory after which a worker
  retires (None: no bound).
- ``idle_timeout``: seconds a worker may wait for a call before it stops
  (None: for the pool's life); workers start again on demand.

What each does is in cfutures/_core/parent/_recovery.pyx. Any of them needs a
start method other than fork (the manager thread starts replacements while
the program's threads run, and a fork then can copy a held lock): given
without mp_context, forkserver is used where the platform has it, else
spawn; with an explicit fork context they are refused, as the stdlib
refuses max_tasks_per_child there.

The thread pool's import of this module loads no multiprocessing: the
process pool's checks import it where they run.
"""
import math
import sys

from ._core.shared._lifecycle import check_initializer, cpu_count, thread_workers
from ._core.shared._options import ProcessPoolOptions, ThreadPoolOptions
from ._core.shared._pending import check_max_pending

DEATH_POLICIES = ("break", "replace")


def thread_pool_options(max_workers, thread_name_prefix, initializer,
                        initargs, max_pending, time_statistics,
                        prepare_context=None, ctxkwargs=None):
    """ThreadPoolExecutor(...)'s arguments, every one checked, as one
    ThreadPoolOptions; raises what the stdlib raises for its own.
    ``prepare_context`` (3.14+, given when it is not the default or
    ``ctxkwargs`` are given): calls run in the worker contexts it makes,
    and it checks the initializer, as in the stdlib."""
    max_pending = check_max_pending(max_pending)
    max_workers = thread_workers(max_workers)
    if prepare_context is None:
        check_initializer(initializer)
        worker_context = None
    else:
        worker_context = tuple(
            prepare_context(initializer, initargs, **(ctxkwargs or {})))
    return ThreadPoolOptions(
        max_workers, thread_name_prefix, initializer, initargs,
        worker_context, max_pending, bool(time_statistics))


def time_limit_seconds(value, name="task_timeout"):
    """Seconds of a time limit, 0.0 for none (None, or infinity)."""
    if value is None:
        return 0.0
    import numbers   # here: only a given option pays its import
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number of seconds or None, "
                        f"not {type(value).__name__}")
    seconds = float(value)
    if math.isnan(seconds) or seconds <= 0:
        raise ValueError(f"{name} must be greater than 0, got {value!r}")
    return 0.0 if math.isinf(seconds) else seconds


def memory_bound(value):
    """Bytes of max_worker_memory, 0 for none."""
    if value is None:
        return 0
    import numbers
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"max_worker_memory must be an integer number of "
                        f"bytes or None, not {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"max_worker_memory must be >= 1, got {value!r}")
    return int(value)


def replaces_dead(on_worker_death):
    if not isinstance(on_worker_death, str):
        raise TypeError(f"on_worker_death must be 'break' or 'replace', "
                        f"not {type(on_worker_death).__name__}")
    if on_worker_death not in DEATH_POLICIES:
        raise ValueError(f"on_worker_death must be 'break' or 'replace', "
                         f"got {on_worker_death!r}")
    return on_worker_death == "replace"


def safe_context():
    """The start method used for these options when none is given."""
    import multiprocessing
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context(
        "forkserver" if "forkserver" in methods else "spawn")


def check_not_fork(mp_context, what):
    if mp_context.get_start_method(allow_none=False) == "fork":
        raise ValueError(f"{what} is incompatible with the 'fork' "
                         f"multiprocessing start method; supply a different "
                         f"mp_context (forkserver or spawn).")


def recovery_options(task_timeout, on_worker_death, max_worker_memory,
                     idle_timeout, mp_context):
    """(replace_dead, task_timeout seconds, memory bytes, idle seconds,
    mp_context)."""
    seconds = time_limit_seconds(task_timeout)
    replace = replaces_dead(on_worker_death)
    memory = memory_bound(max_worker_memory)
    idle = time_limit_seconds(idle_timeout, "idle_timeout")
    if seconds or replace or memory or idle:
        if mp_context is None:
            mp_context = safe_context()
        check_not_fork(mp_context, "task_timeout, on_worker_death='replace', "
                                   "max_worker_memory and idle_timeout each")
    return replace, seconds, memory, idle, mp_context


def process_workers(max_workers):
    """``max_workers`` for a process pool, as the stdlib checks and defaults it."""
    from ._core.shared._stdlib import PROCESS_MODULE_EXTRAS
    windows_limit = PROCESS_MODULE_EXTRAS.get("_MAX_WINDOWS_WORKERS", 61)
    if max_workers is None:
        max_workers = cpu_count() or 1
        if sys.platform == "win32":
            max_workers = min(windows_limit, max_workers)
        return max_workers
    # `not > 0` rather than the stdlib's `<= 0`: NaN is refused too (the
    # stdlib takes it and then never starts a worker).
    if not max_workers > 0:
        raise ValueError("max_workers must be greater than 0")
    if sys.platform == "win32" and max_workers > windows_limit:
        raise ValueError(f"max_workers must be <= {windows_limit}")
    return max_workers


def stdlib_arguments(max_workers, mp_context, initializer,
                     max_tasks_per_child):
    """(max_workers, mp_context), checked and defaulted in the stdlib's
    order: ``max_tasks_per_child`` needs a start method other than fork,
    and defaults the context to spawn."""
    import multiprocessing
    max_workers = process_workers(max_workers)
    if mp_context is None:
        if max_tasks_per_child is not None:
            mp_context = multiprocessing.get_context("spawn")
        else:
            mp_context = multiprocessing.get_context()
    check_initializer(initializer)
    if max_tasks_per_child is not None:
        if not isinstance(max_tasks_per_child, int):
            raise TypeError("max_tasks_per_child must be an integer")
        if max_tasks_per_child <= 0:
            raise ValueError("max_tasks_per_child must be >= 1")
        if mp_context.get_start_method(allow_none=False) == "fork":
            raise ValueError("max_tasks_per_child is incompatible with"
                             " the 'fork' multiprocessing start method;"
                             " supply a different mp_context.")
    return max_workers, mp_context


def pool_pickler(pickler):
    """The pickler option's Serializer (the process side's: imported only
    when one is given)."""
    from ._core.shared._serializer import Serializer
    return Serializer(pickler)


def process_pool_options(max_workers, mp_context, initializer, initargs,
                         max_tasks_per_child, task_timeout, on_worker_death,
                         max_worker_memory, idle_timeout, pickler,
                         max_pending, time_statistics):
    """ProcessPoolExecutor(...)'s arguments, every one checked, as one
    ProcessPoolOptions; raises what the stdlib raises for its own."""
    from ._core.shared._stdlib import check_system_limits
    max_pending = check_max_pending(max_pending)
    replace_dead, seconds, memory, idle, mp_context = recovery_options(
        task_timeout, on_worker_death, max_worker_memory, idle_timeout,
        mp_context)
    check_system_limits()
    max_workers, mp_context = stdlib_arguments(
        max_workers, mp_context, initializer, max_tasks_per_child)
    return ProcessPoolOptions(
        max_workers, mp_context, initializer, initargs, max_tasks_per_child,
        replace_dead, seconds, memory, idle,
        None if pickler is None else pool_pickler(pickler), max_pending,
        bool(time_statistics))
