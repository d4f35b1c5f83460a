"""get_reusable_executor(): one process pool shared by every caller in the
process, kept warm between uses (as loky's, on the standard API).

Called again with the same arguments it returns the same pool, while that
pool is usable; with different ones (or after the pool broke or was shut
down) it makes a new pool and shuts the old one down without waiting, so
the old one finishes what was submitted to it and then stops: it is
replaced once idle, and no caller's work is lost. The arguments are those
of cfutures.ProcessPoolExecutor, keyword-only but max_workers, compared
with ``==``.
"""
import threading

_lock = threading.Lock()
_shared = None   # (executor, its arguments), or None


def get_reusable_executor(max_workers=None, **options):
    """The process pool shared in this process, made or replaced as needed.

    ``options`` are ProcessPoolExecutor's keyword arguments (mp_context,
    initializer, initargs, max_tasks_per_child, task_timeout,
    on_worker_death, max_worker_memory, idle_timeout). ``idle_timeout``
    lets workers that wait that many seconds for a call exit; they start
    again when work comes.
    """
    global _shared
    from . import ProcessPoolExecutor
    arguments = (max_workers, options)
    with _lock:
        if _shared is not None:
            executor, made_with = _shared
            if made_with == arguments and usable(executor):
                return executor
        replacement = ProcessPoolExecutor(max_workers, **options)
        if _shared is not None:
            _shared[0].shutdown(wait=False)
        _shared = (replacement, arguments)
        return replacement


def usable(executor):
    """Neither broken nor shut down."""
    if getattr(executor, "_broken", False):
        return False
    dispatcher = getattr(executor, "_dispatcher", None)
    if dispatcher is not None:   # the compiled pool
        return not dispatcher.state.shutdown_requested
    return not getattr(executor, "_shutdown_thread", False)
