# The process pool's batch policy; see _batching.pyx.

cdef class BatchPolicy:
    cdef double task_seconds   # estimated cost of a call; < 0: unknown
    cdef double call_bytes     # estimated pickled size of a call; < 0: unknown
    cdef Py_ssize_t measured   # calls measured since the pool was last idle
    cdef double measured_busy  # the seconds those calls ran, in all

    cdef int forget(self) except -1
    cdef int measured_calls(self, double busy_seconds, Py_ssize_t n) except -1
    cdef int measured_frame(self, Py_ssize_t frame_bytes, Py_ssize_t n) except -1
    cdef bint calls_are_short(self) noexcept
    cdef bint frame_is_short(self, Py_ssize_t run_length) noexcept
    cdef bint mean_is_trusted(self) noexcept
    cdef Py_ssize_t depth(self, Py_ssize_t waiting, Py_ssize_t workers,
                          Py_ssize_t batch)
    cdef Py_ssize_t batch_size(self, Py_ssize_t waiting, Py_ssize_t workers)
    cdef Py_ssize_t run_piece(self, Py_ssize_t run_length) noexcept
