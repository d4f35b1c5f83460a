"""The process pool manager's means of sleeping: a wake-up pipe and a poll set.

The manager sleeps in poll() on every worker's pipes and sentinel plus the
read end of ``Wakeup``; a submit() that queued work for it, a shutdown or
interpreter exit writes one byte to wake it. ``wake()`` writes only while
no byte is in the pipe (``sent``), so a burst of submits costs one write;
``rearm()`` writes regardless, for callers that changed what the manager
must look at. Both ends are non-blocking.
"""
cimport cython
from cfutures._core.parent._channel cimport WorkerChannel
from cfutures._core.shared._syscalls cimport POLLIN, POLLOUT, poll
from libc.errno cimport EINTR, errno
from libc.stdlib cimport free, malloc
from posix.unistd cimport close

import os


@cython.final
cdef class Wakeup:
    """A pipe that wakes a thread sleeping in poll() on ``read_fd``."""

    def __cinit__(self):
        self.read_fd = self.write_fd = -1
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        os.set_blocking(self.write_fd, False)

    def __dealloc__(self):
        if self.read_fd >= 0:
            close(self.read_fd)
            close(self.write_fd)

    def fds(self):
        return (self.read_fd, self.write_fd)

    cdef int wake(self) except -1:
        """Write the byte, unless one is already in the pipe."""
        if not self.sent:
            self.sent = True
            try:
                os.write(self.write_fd, b"\0")
            except BlockingIOError:
                pass   # full: the sleeper wakes anyway
        return 0

    cdef int rearm(self) except -1:
        """Write the byte even if one was sent (the sleeper must look again)."""
        self.sent = False
        return self.wake()

    cdef int drain(self) except -1:
        """Empty the pipe, then let wake() write again. In this order: a
        wake() while the pipe is read (os.read lets other threads in) must
        not leave ``sent`` set over an empty pipe, or every later wake()
        would skip its write and the manager sleep through them. A wake()
        skipped meanwhile is seen anyway: the caller looks at its state
        after draining."""
        try:
            while os.read(self.read_fd, 4096):
                pass
        except BlockingIOError:
            pass
        self.sent = False
        return 0


# The poll set's layout: the wake-up pipe, then each worker's entries.
cdef enum:
    WAKEUP_ENTRY = 0
    FIRST_WORKER_ENTRY = 1
    RESULTS = 0           # a worker's entries, in this order
    EXIT = 1
    ROOM = 2
    ENTRIES_PER_WORKER = 3


cdef inline Py_ssize_t worker_entry(Py_ssize_t worker, int which) noexcept:
    return FIRST_WORKER_ENTRY + ENTRIES_PER_WORKER * worker + which


@cython.final
cdef class PollSet:
    """An array of pollfd entries, reused from one poll() to the next."""

    def __dealloc__(self):
        free(self.fds)

    cdef int resize(self, Py_ssize_t count) except -1:
        if count > self.capacity:
            free(self.fds)
            self.fds = <pollfd*>malloc(sizeof(pollfd) * count)
            if self.fds == NULL:
                self.capacity = 0
                raise MemoryError()
            self.capacity = count
        self.count = count
        return 0

    cdef int watch(self, Py_ssize_t i, int fd, short events) noexcept:
        """Entry ``i`` watches ``fd`` (-1: nothing) for ``events``."""
        self.fds[i].fd = fd
        self.fds[i].events = events
        self.fds[i].revents = 0
        return 0

    cdef int watch_pool(self, int wakeup_fd, list channels) except -1:
        """The wake-up pipe; then per worker (``channels[i]``): its
        results, its exit, and its call pipe while output waits for room
        in it. Read back with woken(), results_ready(i), exited(i) and
        writable(i)."""
        cdef Py_ssize_t i, n = len(channels)
        cdef WorkerChannel w
        self.resize(FIRST_WORKER_ENTRY + ENTRIES_PER_WORKER * n)
        self.watch(WAKEUP_ENTRY, wakeup_fd, POLLIN)
        for i in range(n):
            w = channels[i]
            self.watch(worker_entry(i, RESULTS), -1 if w.eof else w.result_fd,
                       POLLIN)
            self.watch(worker_entry(i, EXIT), w.sentinel if w.is_live() else -1,
                       POLLIN)
            self.watch(worker_entry(i, ROOM), w.call_fd if w.out else -1,
                       POLLOUT)
        return 0

    cdef bint woken(self) noexcept:
        """The wake-up pipe has a byte."""
        return self.fds[WAKEUP_ENTRY].revents != 0

    cdef bint results_ready(self, Py_ssize_t worker) noexcept:
        """Worker ``worker``'s result pipe has bytes, or reached its end."""
        return self.fds[worker_entry(worker, RESULTS)].revents != 0

    cdef bint exited(self, Py_ssize_t worker) noexcept:
        """Worker ``worker``'s sentinel fired."""
        return self.fds[worker_entry(worker, EXIT)].revents != 0

    cdef bint writable(self, Py_ssize_t worker) noexcept:
        """Worker ``worker``'s call pipe has room for its waiting output."""
        return self.fds[worker_entry(worker, ROOM)].revents != 0

    cdef int wait(self, int timeout_ms) except -1:
        """poll() without the GIL until an entry is ready or ``timeout_ms``
        pass (-1: no limit); 0 if interrupted or timed out."""
        cdef int rc, err = 0
        with nogil:
            rc = poll(self.fds, self.count, timeout_ms)
            if rc < 0:
                err = errno
        if rc < 0:
            if err == EINTR:
                return 0
            raise OSError(err, os.strerror(err))
        return rc
