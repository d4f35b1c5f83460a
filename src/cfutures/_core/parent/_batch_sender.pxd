# Which calls go to which worker, pickled how; see _batch_sender.pyx.
from cfutures._core.parent._channel cimport WorkerChannel
from cfutures._core.parent._pool_state cimport PoolState
from cfutures._core.parent._work_item cimport ProcessWorkItem
from cfutures._core.shared._codec cimport BufferCollector


cdef class BatchSender:
    cdef PoolState state
    cdef Py_ssize_t next_worker       # where the next round starts (round robin)

    cdef int dispatch(self) except -1
    cdef bint dispatch_round(self) except -1
    cdef int send_batch(self, WorkerChannel w, Py_ssize_t k) except -1
    cdef int cut_run(self, ProcessWorkItem run) except -1
    cdef int send_calls(self, WorkerChannel w, list calls, list items,
                        Py_ssize_t weight) except -1
    cdef object pickle_each(self, list calls, list items, BufferCollector collector)
    cdef WorkerChannel idle_worker(self)
