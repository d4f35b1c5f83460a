# What one map run's call answers; see _item_run.pyx.
from cfutures._core.shared._codec cimport BufferCollector


cdef class ItemRun:
    cdef public list values
    cdef public dict errors      # index -> its error; None if none: in the worker
                                 # encode_exception()'s, in the parent live
                                 # exceptions (decode_errors() as it arrives)
    cdef public object rest      # parent only: the future of the items after a short run

    cdef int fail_next(self, object error) except -1
    cdef int set_error(self, Py_ssize_t index, object error) except -1
    cdef int decode_errors(self) except -1
    cdef int isolate_unpicklable(self, BufferCollector collector) except -1
    cdef ItemRun slice(self, Py_ssize_t start, Py_ssize_t stop)
    cdef int extend(self, ItemRun more) except -1


cdef ItemRun new_item_run(list values, dict errors)
