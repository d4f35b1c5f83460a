# The process pool's parent, as its executor sees it; see _dispatcher.pyx.
from cfutures._core.parent._batch_sender cimport BatchSender
from cfutures._core.parent._manager cimport Manager
from cfutures._core.parent._pool_state cimport PoolState
from cfutures._core.parent._work_item cimport ProcessWorkItem


cdef class ProcessDispatcher:
    cdef object __weakref__
    cdef readonly PoolState state
    cdef Manager manager
    cdef BatchSender sender            # the manager's: submit() sends through it too
    cdef readonly object manager_thread
    cdef object start_lock             # guards starting and forgetting it

    # The executor's submit() path.
    cdef int check_open(self) except -1
    cdef int add_worker_if_short(self, Py_ssize_t extra) except -1
    cdef bint send_to_idle_worker(self, ProcessWorkItem item) except -1
    cdef int enqueue(self, ProcessWorkItem item) except -1
    cdef int start(self) except -1
