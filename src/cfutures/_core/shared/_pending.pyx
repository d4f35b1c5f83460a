"""max_pending: a bound on a pool's calls that are not done.

A call holds a slot from submit() until its future is done (finished,
failed or cancelled: the limit is one of the future's done-callbacks).
submit() takes a slot, or, when all ``bound`` are held, parks (GIL
released) in a queue: a slot set free goes straight to the oldest
submitter waiting, so submitters go in the order they came, and a newcomer
never takes a slot ahead of one that waits. try_submit() never waits.

shutdown() wakes every waiting submitter, which then raises the stdlib's
RuntimeError. A call running in one of the pool's own threads that submits
to its full pool is let in over the bound instead of waiting: it could
wait for a slot that only its own end would free (a deadlock once every
thread does so).

All state changes with the GIL held; only the park releases it. A
submitter decides to queue and queues with nothing in between that could
let another thread in (a Python call can): else a release in between would
find no waiter, and the submitter would wait for a release that never
comes.
"""
cimport cython
from cfutures._core.shared._parker cimport (
    cf_parker_free, cf_parker_init, cf_parker_signal, cf_parker_wait)

import collections
import threading

cdef object _current_thread = threading.current_thread


@cython.final
cdef class PendingTicket:
    """One submitter's place in the queue."""

    def __cinit__(self):
        cf_parker_init(&self.parker)

    def __dealloc__(self):
        cf_parker_free(&self.parker)


def check_max_pending(value):
    """``value`` as a bound (None: no bound), with the checks buffersize has."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("max_pending must be an integer or None")
    if value < 1:
        raise ValueError("max_pending must be None or > 0")
    return value


@cython.final
cdef class PendingLimit:
    """At most ``bound`` calls not done; see the module's docstring."""

    def __cinit__(self, Py_ssize_t bound, own_threads=None):
        self.bound = bound
        self.waiters = collections.deque()
        self.own_threads = own_threads

    cdef bint acquire(self, bint block) except -1:
        """Take a slot: True, or False if none is free and not ``block``."""
        cdef PendingTicket ticket
        if self.count < self.bound and not self.waiters:
            self.count += 1
            return True
        if not block:
            return False
        if self.closed:
            raise RuntimeError('cannot schedule new futures after shutdown')
        if self.own_threads is not None and _current_thread() in self.own_threads:
            self.count += 1   # a call of this pool: waiting could deadlock
            return True
        ticket = PendingTicket.__new__(PendingTicket)
        # The Python calls above can let other threads in, and the calls
        # holding every slot may all have ended meanwhile (then no release
        # would ever come for this ticket): look again, with nothing
        # between this look and the append that can let a thread in.
        if self.count < self.bound and not self.waiters:
            self.count += 1
            return True
        self.waiters.append(ticket)
        try:
            while not ticket.granted and not self.closed:
                cf_parker_wait(&ticket.parker, -1.0, 0.0)
        except BaseException:
            # Ctrl-C while waiting: give back what came, or leave the queue.
            if ticket.granted:
                self.release()
            else:
                self.waiters.remove(ticket)
            raise
        if not ticket.granted:
            raise RuntimeError('cannot schedule new futures after shutdown')
        return True

    cdef int release(self) except -1:
        """A slot is free: the oldest waiter gets it, or it is kept."""
        cdef PendingTicket ticket
        if self.waiters:
            ticket = self.waiters.popleft()
            ticket.granted = True   # the count stays: the slot changes hands
            cf_parker_signal(&ticket.parker)
        elif self.count > 0:
            self.count -= 1
        return 0

    cdef int close(self) except -1:
        """shutdown(): every waiting submitter raises RuntimeError."""
        cdef PendingTicket ticket
        self.closed = True
        while self.waiters:
            ticket = self.waiters.popleft()
            cf_parker_signal(&ticket.parker)
        return 0

    def __call__(self, future):
        # The done-callback of every future holding a slot.
        self.release()

    def waiting(self):
        """How many submitters wait for a slot."""
        return len(self.waiters)
