# What one map run's call answers; see _item_run.pyx.
from cfutures._core.shared._codec cimport BufferCollector


cdef class ItemRun:
    cdef public list values
    cdef public dict errors      # index -> encoded exception; None if none
    cdef public object rest      # parent only: the future of the items after a short run

    cdef int isolate_unpicklable(self, BufferCollector collector) except -1
    cdef ItemRun slice(self, Py_ssize_t start, Py_ssize_t stop)
    cdef int extend(self, ItemRun more) except -1


cdef ItemRun new_item_run(list values, dict errors)
