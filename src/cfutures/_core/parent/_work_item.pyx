"""One call of the process pool: its future and what to send.

A work item lives from submit() until a worker answers it. The channel of
the worker it went to keeps it (not only its future) so that, if that
worker ends before starting it, the dispatcher can send it to another one.
"""
cimport cython
from cfutures._core.future._future cimport new_future


@cython.final
cdef class ProcessWorkItem:
    pass


cdef ProcessWorkItem new_work_item(object fn, tuple args, dict kwargs,
                                   Py_ssize_t run_length):
    cdef ProcessWorkItem item = ProcessWorkItem.__new__(ProcessWorkItem)
    item.run_length = run_length
    item.future = new_future()
    item.fn = fn
    item.args = args
    item.kwargs = kwargs if kwargs else None
    return item
