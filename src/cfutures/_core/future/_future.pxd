from cfutures._core.shared._parker cimport (
    cf_parker, cf_parker_free, cf_parker_init, cf_parker_signal, cf_parker_wait)

# Same order as cfutures._core.shared._stdlib.FUTURE_STATES, which gives each its stdlib string.
cdef enum FutureState:
    PENDING = 0
    RUNNING = 1
    CANCELLED = 2
    CANCELLED_AND_NOTIFIED = 3
    FINISHED = 4

# What a waiter is told. A bare cancel() only wakes result()/exception()
# callers: wait() and as_completed() count a cancelled future once the
# executor has seen it (set_running_or_notify_cancel), as the stdlib does.
cdef enum WaitEvent:
    EVENT_CANCELLED = 0
    EVENT_RESULT = 1
    EVENT_EXCEPTION = 2
    EVENT_CANCELLED_NOTIFIED = 3


cdef class Waiter:
    """A thread blocked until futures reach a state; one per blocking call."""
    cdef cf_parker parker
    cdef int on_event(self, CoreFuture future, WaitEvent event) except -1
    cdef int park(self, double timeout, double spin) except -1


cdef class CoreFuture:
    # All fields change only with the GIL held, which makes each transition
    # atomic; `condition` exists only once stdlib code asked for _condition,
    # and from then on every transition also holds it.
    cdef FutureState state
    cdef public object _result       # the stdlib's names: its own code and CPython's tests read and set them
    cdef public object _exception
    cdef list callbacks
    # None, one cfutures Waiter, or a list once there are several or stdlib
    # code asked for _waiters (one waiter per future, as in as_completed(),
    # costs no list).
    cdef object waiters
    cdef object condition

    cdef int start_or_notify_cancel(self) except -1
    cdef int finish(self, object value, bint is_exception) except -1
    cdef bint finish_unless_done(self, object value, bint is_exception) except -1
    cdef int wait_until_done(self, object timeout, double spin=*) except -1
    cdef int add_waiter(self, Waiter waiter) except -1
    cdef int remove_waiter(self, Waiter waiter) except -1
    cdef int notify_waiters(self, WaitEvent event) except -1
    cdef int run_callbacks(self) except -1
    cdef object get_result(self)


cdef CoreFuture new_future()
cdef double timeout_seconds(object timeout) except? -2.0
cdef int check_wait_seconds(double seconds) except -1
