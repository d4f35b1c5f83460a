"""What one map run's call answers: the value or the error of each item.

A run of map items (cfutures._process_map) is one call of
``_worker.run_items``; it answers with an ItemRun: one value per item, in
order, and the error of each item that raised, by index: encoded
(_codec.encode_exception()) in the worker, decoded once it reaches the
parent (decode_errors), where recovery adds its own. It travels whole in a FRAME_RESULTS frame, or, when
a pool watches time limits and an item runs long, first in parts
(FRAME_RUN_PART, one per stall: the items finished so far), which the
parent joins in order. A run whose worker ended mid-run answers short: its
values stop after the item that was running, and ``rest`` is the future of
a run of the items it never started, sent again.
"""
cimport cython

from cfutures._core.shared._codec cimport decode_exception, isolate_unpicklable


@cython.final
cdef class ItemRun:

    def __reduce__(self):
        return (_item_run, (self.values, self.errors))

    cdef int fail_next(self, object error) except -1:
        """The next item raised: ``error`` is its error, None its value."""
        self.set_error(len(self.values), error)
        self.values.append(None)
        return 0

    cdef int set_error(self, Py_ssize_t index, object error) except -1:
        """Item ``index``'s error is ``error`` (its value stays None)."""
        if self.errors is None:
            self.errors = {}
        self.errors[index] = error
        return 0

    cdef int decode_errors(self) except -1:
        """In the parent, as the run arrives: each encoded error becomes the
        exception it stands for (with its remote traceback), so that the
        parent's runs hold live exceptions only, as recovery's own do."""
        if self.errors:
            for index, encoded in self.errors.items():
                self.errors[index] = decode_exception(encoded)
        return 0

    cdef int isolate_unpicklable(self, BufferCollector collector) except -1:
        """Make each item that does not pickle an error of its own."""
        self.errors = isolate_unpicklable(self.values, self.errors, collector)
        return 0

    cdef ItemRun slice(self, Py_ssize_t start, Py_ssize_t stop):
        """Items ``start`` to ``stop`` (not included) as a run of their own."""
        cdef dict errors = None
        if self.errors:
            for index, encoded in self.errors.items():
                if start <= index < stop:
                    if errors is None:
                        errors = {}
                    errors[index - start] = encoded
        return new_item_run(self.values[start:stop], errors)

    cdef int extend(self, ItemRun more) except -1:
        """Append the items of ``more``, the part that follows this one."""
        cdef Py_ssize_t base = len(self.values)
        if more.errors:
            if self.errors is None:
                self.errors = {}
            for index, encoded in more.errors.items():
                self.errors[base + index] = encoded
        self.values.extend(more.values)
        return 0


cdef ItemRun new_item_run(list values, dict errors):
    cdef ItemRun run = ItemRun.__new__(ItemRun)
    run.values = values
    run.errors = errors
    return run


def _item_run(list values, dict errors):
    return new_item_run(values, errors)
