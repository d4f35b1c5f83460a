# The manager thread's wake-up pipe and poll set; see _poller.pyx.
from cfutures._core.shared._syscalls cimport pollfd


cdef class Wakeup:
    cdef readonly int read_fd, write_fd
    cdef bint sent              # a byte is in the pipe, not drained yet
    cdef int wake(self) except -1
    cdef int rearm(self) except -1
    cdef int drain(self) except -1


cdef class PollSet:
    cdef pollfd *fds
    cdef Py_ssize_t capacity, count
    cdef int resize(self, Py_ssize_t count) except -1
    cdef int watch(self, Py_ssize_t i, int fd, short events) noexcept
    cdef int watch_pool(self, int wakeup_fd, list channels) except -1
    cdef bint woken(self) noexcept
    cdef bint results_ready(self, Py_ssize_t worker) noexcept
    cdef bint exited(self, Py_ssize_t worker) noexcept
    cdef bint writable(self, Py_ssize_t worker) noexcept
    cdef int wait(self, int timeout_ms) except -1
