"""The work queue between submitters and worker threads.

A put hands the node to the queue and wakes one parked worker, if any; a
worker that finds the queue empty parks until a put or close wakes it.
Closing lets workers finish what is queued and then return.
"""
cimport cython
from cfutures._core.future._future cimport EVENT_RESULT
from cfutures._core.shared._tuning cimport CF_SPIN_IDLE_WORKER


cdef class QueueNode:
    pass


@cython.final
cdef class WorkQueue:

    def __cinit__(self):
        self.idle_workers = []

    def __len__(self):
        return self.length

    cdef int put(self, QueueNode node) except -1:
        """0 if queued; 1 if the queue is closed (the node was not taken)."""
        if self.closed:
            return 1
        if self.tail is None:
            self.head = node
        else:
            self.tail.next_node = node
        self.tail = node
        self.length += 1
        self.wake_one()
        return 0

    cdef int wake_one(self) except -1:
        # One wake-up in flight at a time: a burst of puts costs one signal,
        # and each woken worker brings in the next (see get), so a flood of
        # short tasks does not wake every worker into a fight for the GIL.
        if self.idle_workers and self.waking == 0:
            self.waking += 1
            (<Waiter>self.idle_workers.pop()).on_event(None, EVENT_RESULT)
        return 0

    cdef QueueNode pop(self):
        cdef QueueNode node = self.head
        if node is None:
            return None
        self.head = node.next_node
        if self.head is None:
            self.tail = None
        node.next_node = None
        self.length -= 1
        return node

    cdef QueueNode get(self, Waiter worker):
        """The next node, parking while empty; None once closed and empty."""
        cdef QueueNode node
        while True:
            node = self.pop()
            if node is not None:
                if self.head is not None:
                    self.wake_one()
                return node
            if self.closed:
                return None
            self.idle_workers.append(worker)
            try:
                worker.park(-1.0, CF_SPIN_IDLE_WORKER)
            finally:
                # Still listed only if interrupted; else a put or close woke us.
                if worker in self.idle_workers:
                    self.idle_workers.remove(worker)
                else:
                    self.waking -= 1

    cdef list drain(self):
        """Remove and return every queued node, oldest first."""
        cdef list nodes = []
        cdef QueueNode node = self.pop()
        while node is not None:
            nodes.append(node)
            node = self.pop()
        return nodes

    cdef bint short_of_workers(self) noexcept:
        """More nodes wait than parked or waking workers will take: each
        idle worker is claimed by one node only, as the stdlib's idle
        semaphore is by one submit (a running worker is not counted)."""
        return self.length > len(self.idle_workers) + self.waking

    def close(self):
        """No more puts; parked workers wake, finish the queue and return."""
        self.closed = True
        self.waking += len(self.idle_workers)
        while self.idle_workers:
            (<Waiter>self.idle_workers.pop()).on_event(None, EVENT_RESULT)
