from cfutures._core.future._future cimport Waiter


cdef class QueueNode:
    """Anything a WorkQueue carries: the queue links nodes, no boxes."""
    cdef QueueNode next_node


cdef class WorkQueue:
    # FIFO of nodes plus the workers parked waiting for one. Every method
    # runs with the GIL held, which is the queue's only lock.
    cdef QueueNode head
    cdef QueueNode tail
    cdef Py_ssize_t length
    cdef list idle_workers
    cdef Py_ssize_t waking      # workers signalled that have not resumed yet
    cdef readonly bint closed

    cdef int put(self, QueueNode node) except -1
    cdef int wake_one(self) except -1
    cdef QueueNode pop(self)
    cdef QueueNode get(self, Waiter worker)
    cdef list drain(self)
    cdef bint short_of_workers(self) noexcept
