"""The pool lifecycle both pools share.

One module for what every pool kind needs around its work:

* **Interpreter exit.** A pool kind calls ``track(kind, thread, wake)``
  for each thread it starts (``forget`` when one returns early). At exit,
  before the interpreter joins non-daemon threads (where the stdlib's pools
  finish theirs), in one hook registered when this module is imported, each
  kind is marked exiting, so its ``submit()`` refuses from then on; every
  tracked thread of the kind is woken (``wake()`` makes it notice) and
  joined, after it ends the work already submitted. The thread pools exit
  first, then the process pools, whichever was imported first (the process
  pool loads on first use): work still running in a thread pool may submit
  to a process pool not exiting yet.
* **Fork.** A forked child has none of the parent's threads: it forgets
  every tracked thread; ``after_fork_in_child(hook)`` lets a kind disown
  the rest.
* **A collected executor.** ``on_collect(executor, action)``: an executor
  dropped without ``shutdown()`` still lets its work finish and its threads
  end; ``action`` must not refer to the executor.
* **The open check** of every ``submit()``, with the stdlib's messages.
* **Arguments and defaults**: the stdlib's validation and default worker
  counts, on the running Python.
"""
import os
import sys
import weakref

from cfutures._core.shared._stdlib import register_atexit

# Set per kind once the interpreter starts to exit.
cdef bint exiting[2]


cdef object broken_error(PoolKind kind):
    """The stdlib's Broken*Pool of ``kind``, looked up when first raised
    (the process one's module imports multiprocessing)."""
    if kind == THREAD_POOL:
        from cfutures._core.shared._stdlib import BrokenThreadPool
        return BrokenThreadPool
    from cfutures._core.shared._stdlib import BrokenProcessPool
    return BrokenProcessPool


cdef bint is_exiting(PoolKind kind) noexcept:
    return exiting[<int>kind]


cdef int raise_if_closed(object broken, bint shut_down, PoolKind kind) except -1:
    """Raise what the stdlib's submit() raises on a pool that takes no work."""
    if broken:
        raise broken_error(kind)(broken)
    if shut_down:
        raise RuntimeError('cannot schedule new futures after shutdown')
    if exiting[<int>kind]:
        raise RuntimeError('cannot schedule new futures after '
                           'interpreter shutdown')
    return 0


# Per kind: every live thread of that kind's pools -> what wakes it at exit.
_live_threads = (weakref.WeakKeyDictionary(), weakref.WeakKeyDictionary())


def track(PoolKind kind, thread, wake):
    """``thread`` (started) works for a pool of ``kind``; at exit, ``wake()``
    makes it notice, then it is joined."""
    _live_threads[<int>kind][thread] = wake


def forget(PoolKind kind, thread):
    _live_threads[<int>kind].pop(thread, None)


def _exit_pools_of_each_kind():
    """At exit: mark each kind exiting, wake and join its threads; the
    thread pools first (their work may still submit to process pools)."""
    cdef PoolKind kind
    for kind in (THREAD_POOL, PROCESS_POOL):
        exiting[<int>kind] = True
        threads = list(_live_threads[<int>kind].items())
        for _, wake in threads:
            wake()
        for thread, _ in threads:
            if thread.ident is not None:
                thread.join()


register_atexit(_exit_pools_of_each_kind)


def _forget_all_threads():
    for threads in _live_threads:
        threads.clear()


def after_fork_in_child(hook):
    """Call ``hook()`` in every child forked from now on."""
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=hook)


after_fork_in_child(_forget_all_threads)


# The parent's pool descriptors a forked child holds: noted in the child at
# the fork by the process pool's parent (_supervisor.pyx), read by the
# child's worker (_worker.pyx), which closes them; kept here so that the
# worker side never imports the parent's.
_inherited_fds = ()


def note_inherited_at_fork(fds):
    global _inherited_fds
    _inherited_fds = tuple(fds)


def inherited_at_fork():
    """The parent's pool descriptors this forked child holds."""
    return _inherited_fds


def on_collect(executor, action):
    """A weak reference to ``executor`` that calls ``action()`` once the
    executor is collected; keep it as long as the executor lives."""
    def executor_collected(_, action=action):
        action()
    return weakref.ref(executor, executor_collected)


# -- arguments ------------------------------------------------------------------

# os.process_cpu_count is 3.13+; older Pythons count all CPUs, as their stdlib does.
# Both pools' default sizes use it (the process pool's in _pool_options.py).
cpu_count = getattr(os, "process_cpu_count", os.cpu_count)


def default_thread_workers():
    """The stdlib's default thread-pool size on the running Python."""
    return min(32, (cpu_count() or 1) + 4)


def thread_workers(max_workers):
    """``max_workers`` for a thread pool, as the stdlib checks and defaults it."""
    if max_workers is None:
        max_workers = default_thread_workers()
    # `not > 0` rather than the stdlib's `<= 0`: NaN is refused too (the
    # stdlib takes it and then never starts a worker).
    if not max_workers > 0:
        raise ValueError("max_workers must be greater than 0")
    return max_workers


def check_initializer(initializer):
    if initializer is not None and not callable(initializer):
        raise TypeError("initializer must be a callable")

