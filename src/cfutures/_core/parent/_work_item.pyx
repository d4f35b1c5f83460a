"""One call of the process pool: its future and what to send.

A work item lives from submit() until a worker answers it. The channel of
the worker it went to keeps it (not only its future) so that, if that
worker ends before starting it, the dispatcher can send it to another one.
"""
cimport cython
from cfutures._core.future._future cimport new_future


@cython.final
cdef class ProcessWorkItem:

    cdef ProcessWorkItem split_run(self, Py_ssize_t first):
        """Keep this map run's ``first`` items; the run of the others, a
        new work item, is returned (and is its answer's ``rest``)."""
        fn, items, rows = self.args
        cdef ProcessWorkItem rest = new_work_item(
            self.fn, (fn, items[first:], rows), None, self.run_length - first)
        rest.time_limit = self.time_limit
        rest.submitted_at = self.submitted_at
        rest.rest_item = self.rest_item
        self.args = (fn, items[:first], rows)
        self.run_length = first
        self.rest_item = rest
        return rest


cdef ProcessWorkItem new_work_item(object fn, tuple args, dict kwargs,
                                   Py_ssize_t run_length):
    cdef ProcessWorkItem item = ProcessWorkItem.__new__(ProcessWorkItem)
    item.run_length = run_length
    item.future = new_future()
    item.fn = fn
    item.args = args
    item.kwargs = kwargs if kwargs else None
    return item
