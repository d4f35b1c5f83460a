# cython: embedsignature.format=clinic
"""The Future core: state, result handoff, callbacks and blocking waits.

State lives in a C enum; the stdlib's ``_state`` strings, ``_condition`` and
``_waiters`` stay visible for code (the stdlib's wait(), asyncio, tests) that
reaches into them. No lock object exists until such code asks for one.
"""
cimport cython
from cfutures._core.shared._tuning cimport CF_SPIN_RESULT
from cpython.object cimport PyObject, PyTypeObject

cdef extern from "cf_class_calls.h":
    int cf_install_class_vectorcall(PyTypeObject *type, PyTypeObject *core) except -1
    int cf_own_methods(PyTypeObject *owner, PyTypeObject *base, object names) except -1

import threading
from _thread import allocate_lock

from cfutures._core.shared._stdlib import (
    FUTURE_STATES, LOGGER, STATE_DESCRIPTIONS, CancelledError,
    InvalidStateError, TimeoutError)

cdef tuple STATE_NAMES = FUTURE_STATES
cdef dict STATE_BY_NAME = {name: index for index, name in enumerate(FUTURE_STATES)}
cdef tuple EMPTY_TUPLE = ()
# The methods the future class owns a copy of: plain methods (binding=False),
# whose docstrings carry a text signature (embedsignature.format=clinic).
cdef tuple OWN_METHODS = (
    'cancelled', 'running', 'done', '_get_snapshot', 'result', 'exception',
    'add_done_callback', 'cancel', 'set_running_or_notify_cancel',
    'set_result', 'set_exception')

# The Python subclass (cfutures.Future) that executors hand out.
cdef type future_type = None


def register_future_type(type cls):
    """Make ``cls`` (a CoreFuture subclass) the class executors create."""
    global future_type
    if not issubclass(cls, CoreFuture):
        raise TypeError("future type must derive from CoreFuture")
    # Future() and its hot methods as fast as on the compiled class itself
    # (csrc/cf_class_calls.h says why a class statement makes them slower).
    cf_install_class_vectorcall(<PyTypeObject*>cls, <PyTypeObject*>CoreFuture)
    cf_own_methods(<PyTypeObject*>cls, <PyTypeObject*>CoreFuture, OWN_METHODS)
    future_type = cls


cdef CoreFuture new_future():
    # tp_new only: the Python subclass adds no __init__ work worth running.
    return <CoreFuture>(<PyTypeObject*>future_type).tp_new(future_type, <PyObject*>EMPTY_TUPLE, NULL)


cdef double timeout_seconds(object timeout) except? -2.0:
    """None waits forever (-1); a negative timeout does not wait at all."""
    if timeout is None:
        return -1.0
    cdef double seconds = timeout
    if seconds > 0.0:
        check_wait_seconds(seconds)
        return seconds
    if seconds != seconds:
        check_wait_seconds(seconds)
    return 0.0


cdef int check_wait_seconds(double seconds) except -1:
    """Raise what the stdlib raises for a wait too long for its clock.

    The stdlib's waits end in a lock's acquire(True, timeout), which raises
    OverflowError for a timeout past what its clock holds. Past a day, the
    same acquire is made on a fresh lock, which returns at once or raises.
    A NaN is refused (ValueError) by 3.14's Condition.wait and taken as "do
    not wait" by older ones: a real wait on a fresh Condition says which.
    """
    if seconds > 86400.0:
        allocate_lock().acquire(True, seconds)
    elif seconds != seconds:
        condition = threading.Condition(allocate_lock())
        with condition:
            condition.wait(seconds)
    return 0


@cython.final
cdef class _ResultWaiter(Waiter):
    pass


cdef class Waiter:
    def __cinit__(self):
        cf_parker_init(&self.parker)

    def __dealloc__(self):
        cf_parker_free(&self.parker)

    cdef int on_event(self, CoreFuture future, WaitEvent event) except -1:
        cf_parker_signal(&self.parker)
        return 0

    cdef int park(self, double timeout, double spin) except -1:
        return cf_parker_wait(&self.parker, timeout, spin)


cdef int notify_waiter(CoreFuture future, object waiter, WaitEvent event) except -1:
    if isinstance(waiter, Waiter):
        return (<Waiter>waiter).on_event(future, event)
    # A stdlib waiter (the stdlib's wait() or as_completed() on our future).
    if event == EVENT_RESULT:
        waiter.add_result(future)
    elif event == EVENT_EXCEPTION:
        waiter.add_exception(future)
    elif event == EVENT_CANCELLED_NOTIFIED:
        waiter.add_cancelled(future)
    return 0


cdef class CoreFuture:
    """The compiled part of cfutures.Future."""

    def __cinit__(self):
        self.state = PENDING

    def __init__(self):
        # Deliberately not the stdlib's __init__: it builds a Condition.
        pass

    # -- what stdlib code may reach into ---------------------------------

    @property
    def _state(self):
        return STATE_NAMES[self.state]

    @_state.setter
    def _state(self, name):
        self.state = <FutureState>STATE_BY_NAME[name]
        # Code that drives a future through its private fields (the stdlib's
        # own tests do) then calls _condition.notify_all(): wake whoever
        # blocks in result() or exception(), as that notify would.
        if self.state >= CANCELLED:
            self.notify_waiters(EVENT_CANCELLED)

    @property
    def _done_callbacks(self):
        if self.callbacks is None:
            self.callbacks = []
        return self.callbacks

    @property
    def _waiters(self):
        # From now on a list, which stdlib code may append to and remove from.
        if self.waiters is None:
            self.waiters = []
        elif type(self.waiters) is not list:
            self.waiters = [self.waiters]
        return self.waiters

    @property
    def _condition(self):
        # Built on first use; from then on every transition holds it, so the
        # stdlib's lock-check-install protocol in wait() stays sound.
        if self.condition is None:
            self.condition = threading.Condition()
        return self.condition

    def __repr__(self):
        description = STATE_DESCRIPTIONS[STATE_NAMES[self.state]]
        prefix = '<%s at %#x state=%s' % (type(self).__name__, id(self), description)
        if self.state == FINISHED:
            if self._exception is not None:
                return '%s raised %s>' % (prefix, type(self._exception).__name__)
            return '%s returned %s>' % (prefix, type(self._result).__name__)
        return prefix + '>'

    # -- queries -----------------------------------------------------------

    @cython.binding(False)
    def cancelled(self):
        """Return True if the future was cancelled."""
        return self.state == CANCELLED or self.state == CANCELLED_AND_NOTIFIED

    @cython.binding(False)
    def running(self):
        """Return True if the future is currently executing."""
        return self.state == RUNNING

    @cython.binding(False)
    def done(self):
        """Return True if the future was cancelled or finished executing."""
        return self.state >= CANCELLED

    @cython.binding(False)
    def _get_snapshot(self):
        """(done, cancelled, result, exception), read at one instant.

        The contract of 3.15's Future._get_snapshot, which asyncio calls on
        every future it copies state from (wrap_future, run_in_executor).
        Transitions happen under the GIL, so no lock (and no Condition) is
        needed to read the four together.
        """
        if self.state == FINISHED:
            return (True, False, self._result, self._exception)
        if self.state >= CANCELLED:
            return (True, True, None, None)
        return (False, False, None, None)

    # -- results -----------------------------------------------------------

    cdef object get_result(self):
        if self._exception is not None:
            raise self._exception
        return self._result

    @cython.binding(False)
    def result(self, timeout=None):
        """Return the call's result, waiting up to ``timeout`` seconds.

        Raises CancelledError if cancelled, TimeoutError if not done in time,
        and the call's own exception if it raised.
        """
        if self.state == FINISHED:
            return self.get_result()
        if self.state >= CANCELLED:
            raise CancelledError()
        self.wait_until_done(timeout)
        if self.state == FINISHED:
            return self.get_result()
        if self.state >= CANCELLED:
            raise CancelledError()
        raise TimeoutError()

    @cython.binding(False)
    def exception(self, timeout=None):
        """Return the exception the call raised (None if it returned)."""
        if self.state == FINISHED:
            return self._exception
        if self.state >= CANCELLED:
            raise CancelledError()
        self.wait_until_done(timeout)
        if self.state == FINISHED:
            return self._exception
        if self.state >= CANCELLED:
            raise CancelledError()
        raise TimeoutError()

    cdef int wait_until_done(self, object timeout,
                             double spin=CF_SPIN_RESULT) except -1:
        """Block until done or ``timeout``; ``spin``: seconds to poll
        before sleeping (a handoff between two busy threads is caught
        sooner)."""
        cdef double seconds = timeout_seconds(timeout)
        cdef Waiter waiter
        if self.state >= CANCELLED or seconds == 0.0:
            return 0
        waiter = _ResultWaiter.__new__(_ResultWaiter)
        self.add_waiter(waiter)
        try:
            waiter.park(seconds, spin)
        finally:
            self.remove_waiter(waiter)
        if self.condition is not None:
            # Whoever holds _condition may still be filling in the result.
            with self.condition:
                pass
        return 0

    # -- callbacks ---------------------------------------------------------

    @cython.binding(False)
    def add_done_callback(self, fn):
        """Call ``fn(future)`` once the future is done (now, if it is)."""
        if self.state < CANCELLED:
            if self.callbacks is None:
                self.callbacks = [fn]
            else:
                self.callbacks.append(fn)
            return
        try:
            fn(self)
        except Exception:
            LOGGER.exception('exception calling callback for %r', self)

    cdef int run_callbacks(self) except -1:
        cdef list callbacks = self.callbacks
        # Dropped once run: nothing will read them again, and they often
        # reference the future (asyncio's wrap_future does).
        self.callbacks = None
        for fn in callbacks:
            try:
                fn(self)
            except Exception:
                LOGGER.exception('exception calling callback for %r', self)
        return 0

    cdef int add_waiter(self, Waiter waiter) except -1:
        if self.waiters is None:
            self.waiters = waiter
        elif type(self.waiters) is list:
            (<list>self.waiters).append(waiter)
        else:
            self.waiters = [self.waiters, waiter]
        return 0

    cdef int remove_waiter(self, Waiter waiter) except -1:
        """Forget ``waiter``; nothing if it is not here (any more)."""
        if self.waiters is waiter:
            self.waiters = None
        elif type(self.waiters) is list:
            try:
                (<list>self.waiters).remove(waiter)
            except ValueError:
                pass
        return 0

    cdef int notify_waiters(self, WaitEvent event) except -1:
        cdef object waiters = self.waiters
        if waiters is None:
            return 0
        if type(waiters) is not list:
            return (<Waiter>waiters).on_event(self, event)
        if not waiters:
            return 0
        if len(<list>waiters) == 1:
            return notify_waiter(self, waiters[0], event)
        # A snapshot: a stdlib waiter runs Python code that may let another
        # thread add or remove waiters meanwhile.
        for waiter in list(waiters):
            notify_waiter(self, waiter, event)
        return 0

    # -- transitions -------------------------------------------------------

    @cython.binding(False)
    def cancel(self):
        """Cancel the future unless it is running or done; True if cancelled."""
        cdef object condition = self.condition
        if condition is not None:
            condition.acquire()
        try:
            if self.state == RUNNING or self.state == FINISHED:
                return False
            if self.state == CANCELLED or self.state == CANCELLED_AND_NOTIFIED:
                return True
            self.state = CANCELLED
            self.notify_waiters(EVENT_CANCELLED)
        finally:
            if condition is not None:
                condition.release()
        if self.callbacks is not None:
            self.run_callbacks()
        return True

    cdef int start_or_notify_cancel(self) except -1:
        """1 if the future is now running, 0 if it had been cancelled."""
        cdef object condition = self.condition
        if condition is not None:
            condition.acquire()
        try:
            if self.state == PENDING:
                self.state = RUNNING
                return 1
            if self.state == CANCELLED:
                self.state = CANCELLED_AND_NOTIFIED
                self.notify_waiters(EVENT_CANCELLED_NOTIFIED)
                return 0
            LOGGER.critical('Future %s in unexpected state: %s',
                            id(self), STATE_NAMES[self.state])
            raise RuntimeError('Future in unexpected state')
        finally:
            if condition is not None:
                condition.release()

    @cython.binding(False)
    def set_running_or_notify_cancel(self):
        """Mark the future running, or tell waiters it was cancelled.

        Returns False if the future was cancelled, True otherwise; raises
        RuntimeError if it is already running or done.
        """
        return self.start_or_notify_cancel() == 1

    cdef int finish(self, object value, bint is_exception) except -1:
        cdef object condition = self.condition
        if condition is not None:
            condition.acquire()
        try:
            if self.state >= CANCELLED:
                raise InvalidStateError('{}: {!r}'.format(STATE_NAMES[self.state], self))
            if is_exception:
                self._exception = value
            else:
                self._result = value
            self.state = FINISHED
            if self.waiters is not None:
                self.notify_waiters(EVENT_EXCEPTION if is_exception else EVENT_RESULT)
                if type(self.waiters) is not list:
                    # Done for good: a lone waiter of ours is never told
                    # anything again, and its thread need not remove it.
                    self.waiters = None
        finally:
            if condition is not None:
                condition.release()
        if self.callbacks is not None:
            self.run_callbacks()
        return 0

    cdef bint finish_unless_done(self, object value, bint is_exception) except -1:
        """finish(), unless the future is already done (cancelled, or
        completed by hand): the executor's way to end a future it owns."""
        if self.state >= CANCELLED:
            return False
        try:
            self.finish(value, is_exception)
        except InvalidStateError:
            return False   # completed while finish() waited for _condition
        return True

    @cython.binding(False)
    def set_result(self, result):
        """Set the future's result; InvalidStateError if already done."""
        self.finish(result, False)

    @cython.binding(False)
    def set_exception(self, exception):
        """Set the future's exception; InvalidStateError if already done."""
        self.finish(exception, True)
