"""wait() and as_completed() over cfutures futures, stdlib futures or both.

A cfutures future is checked and given a waiter in one step with the GIL
held; a stdlib future the same way under its own ``_condition``, as the
stdlib does. So no global lock ordering is needed and nothing is missed.
"""
cimport cython

import time

from cfutures._core.future._future cimport (
    CANCELLED, CANCELLED_AND_NOTIFIED, FINISHED, CoreFuture, EVENT_CANCELLED,
    EVENT_EXCEPTION, WaitEvent, Waiter, check_wait_seconds, timeout_seconds)
from cfutures._core.shared._tuning cimport CF_SPIN_RESULT

from cfutures._core.shared._stdlib import (
    ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, FUTURE_STATES,
    DoneAndNotDoneFutures, TimeoutError)

# A stdlib future's _state strings for "done" (the C enum's order).
_STDLIB_CANCELLED_AND_NOTIFIED = FUTURE_STATES[CANCELLED_AND_NOTIFIED]
_STDLIB_FINISHED = FUTURE_STATES[FINISHED]

cdef enum WakeRule:
    WAKE_ON_ANY = 0        # FIRST_COMPLETED, and each step of as_completed
    WAKE_ON_EXCEPTION = 1  # FIRST_EXCEPTION
    WAKE_ON_ALL = 2        # ALL_COMPLETED


cdef class CollectingWaiter(Waiter):
    """Collects the futures that finish and wakes its thread per its rule.

    Also answers the stdlib's waiter protocol (add_result, add_exception,
    add_cancelled) so stdlib futures can hold it in their ``_waiters``.
    """
    cdef list finished
    cdef WakeRule rule
    cdef Py_ssize_t needed   # for WAKE_ON_ALL and WAKE_ON_EXCEPTION

    def __cinit__(self):
        self.finished = []
        self.needed = -1

    cdef int record(self, object future, bint raised) except -1:
        self.finished.append(future)
        if (self.rule == WAKE_ON_ANY
                or (self.rule == WAKE_ON_EXCEPTION and raised)
                or (self.needed >= 0 and len(self.finished) >= self.needed)):
            Waiter.on_event(self, None, EVENT_CANCELLED)
        return 0

    cdef int expect(self, Py_ssize_t count) except -1:
        """Set how many futures must finish; wakes at once if they have."""
        self.needed = count
        if self.rule != WAKE_ON_ANY and len(self.finished) >= count:
            Waiter.on_event(self, None, EVENT_CANCELLED)
        return 0

    cdef list take(self):
        cdef list finished = self.finished
        self.finished = []
        return finished

    cdef int on_event(self, CoreFuture future, WaitEvent event) except -1:
        if event != EVENT_CANCELLED:
            self.record(future, event == EVENT_EXCEPTION)
        return 0

    def add_result(self, future):
        self.record(future, False)

    def add_exception(self, future):
        self.record(future, True)

    def add_cancelled(self, future):
        self.record(future, False)


cdef bint install(object future, CollectingWaiter waiter) except -1:
    """True if ``future`` is already done; else give it ``waiter``, False."""
    cdef CoreFuture core
    if isinstance(future, CoreFuture):
        core = <CoreFuture>future
        if core.state == FINISHED or core.state == CANCELLED_AND_NOTIFIED:
            return True
        core.add_waiter(waiter)
        return False
    with future._condition:
        state = future._state
        if state == _STDLIB_FINISHED or state == _STDLIB_CANCELLED_AND_NOTIFIED:
            return True
        future._waiters.append(waiter)
        return False


cdef int uninstall(object future, CollectingWaiter waiter) except -1:
    if isinstance(future, CoreFuture):
        (<CoreFuture>future).remove_waiter(waiter)
        return 0
    with future._condition:
        try:
            future._waiters.remove(waiter)
        except ValueError:
            pass
    return 0


cdef bint raised(object future) except -1:
    return not future.cancelled() and future.exception() is not None


def wait(fs, timeout=None, return_when=ALL_COMPLETED):
    """Wait for the futures in ``fs`` to complete.

    ``return_when`` is FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED.
    Returns a named 2-tuple of sets ``(done, not_done)``; duplicates in
    ``fs`` appear once.
    """
    cdef set futures = set(fs)
    cdef set done
    cdef set not_done = set()
    cdef CollectingWaiter waiter = CollectingWaiter.__new__(CollectingWaiter)
    if return_when == FIRST_COMPLETED:
        waiter.rule = WAKE_ON_ANY
    elif return_when == FIRST_EXCEPTION:
        waiter.rule = WAKE_ON_EXCEPTION
    else:
        waiter.rule = WAKE_ON_ALL

    for future in futures:
        if not install(future, waiter):
            not_done.add(future)
    try:
        if not not_done:
            # All done (the common case of a wait after the fact): the set
            # made from fs is the answer, with no second set to fill.
            return DoneAndNotDoneFutures(futures, not_done)
        done = futures - not_done
        if return_when == FIRST_COMPLETED and done:
            return DoneAndNotDoneFutures(done, not_done)
        if return_when == FIRST_EXCEPTION and done and any(raised(f) for f in done):
            return DoneAndNotDoneFutures(done, not_done)
        if return_when not in (FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED):
            raise ValueError("Invalid return condition: %r" % (return_when,))
        waiter.expect(len(not_done))
        waiter.park(timeout_seconds(timeout), CF_SPIN_RESULT)
    finally:
        for future in not_done:
            uninstall(future, waiter)
    done.update(waiter.take())
    return DoneAndNotDoneFutures(done, futures - done)


def as_completed(fs, timeout=None):
    """Yield the futures in ``fs`` as they complete (finish or are cancelled).

    Duplicates are yielded once. Raises TimeoutError if ``timeout`` seconds
    pass before all are done. A yielded future is not referenced here.
    """
    cdef AsCompleted iterator = AsCompleted.__new__(AsCompleted)
    iterator._futures = fs
    iterator.steps = _as_completed_steps(fs, timeout)
    return iterator


@cython.final
cdef class AsCompleted:
    """The iterator as_completed() returns: its generator's steps, and
    until the first step the futures it was given (``_futures``), which
    cfutures.progress() reads to follow them as they finish."""
    cdef object steps
    cdef readonly object _futures   # ``fs`` as given; None once started

    def __iter__(self):
        return self

    def __next__(self):
        self._futures = None   # yielded futures must not be kept alive here
        return next(self.steps)

    def close(self):
        self._futures = None
        self.steps.close()


def _as_completed_steps(fs, timeout):
    cdef double deadline = -1.0
    cdef double left
    # Every future not yielded yet; each is told to the waiter once, so a
    # count of those still running is all the bookkeeping needed.
    cdef set futures = set(fs)
    cdef Py_ssize_t running = 0
    fs = None  # the caller's sequence must not keep yielded futures alive
    cdef list finished = []
    cdef Py_ssize_t total = len(futures)
    cdef CollectingWaiter waiter = CollectingWaiter.__new__(CollectingWaiter)
    waiter.rule = WAKE_ON_ANY
    if timeout is not None:
        deadline = time.monotonic() + timeout

    for future in futures:
        if install(future, waiter):
            finished.append(future)
        else:
            running += 1
    future = None
    try:
        while True:
            while finished:
                futures.discard(finished[-1])
                uninstall(finished[-1], waiter)
                # Yield straight from the list: no local keeps it alive.
                yield finished.pop()
            if running == 0:
                return
            if deadline >= 0.0:
                left = deadline - time.monotonic()
                if left < 0.0:
                    raise TimeoutError('%d (of %d) futures unfinished' % (running, total))
                check_wait_seconds(left)
                waiter.park(left, CF_SPIN_RESULT)
            else:
                waiter.park(-1.0, CF_SPIN_RESULT)
            finished = waiter.take()
            running -= len(finished)
            # Oldest first: take() lists them in the order they finished.
            finished.reverse()
    finally:
        for future in futures:
            uninstall(future, waiter)
