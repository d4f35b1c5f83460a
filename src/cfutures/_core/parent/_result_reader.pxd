# The frames a process pool's workers send; see _result_reader.pyx.
from cfutures._core.parent._channel cimport WorkerChannel
from cfutures._core.parent._pool_state cimport PoolState
from cfutures._core.shared._frames cimport Frame


cdef class ResultReader:
    cdef PoolState state

    cdef Py_ssize_t read_results(self, WorkerChannel w) except -1
    cdef int handle_frame(self, WorkerChannel w, Frame frame) except -1
    cdef int unreadable_result(self, WorkerChannel w, BaseException exc) except -1
    cdef int answered(self, WorkerChannel w, Py_ssize_t n) except -1
