"""The iterator that a process pool's map() in runs returns.

``runs`` holds, in input order, each run's future and its items. A run's
future ends with an Answers (cfutures._core.shared._codec): one value per
item and the encoded exception of each item that raised, or, if its worker
ended mid-run, the items up to the one it was running and the future of a
new run of the rest. This iterator yields those values one by one, as the
stdlib's ``chunksize=1`` map does:

* an item's exception is raised when that item is reached, and the
  iterator is finished from then on;
* a run whose call itself failed (an argument that cannot be pickled) is
  sent again one item per call (``resend``), so only the bad item fails;
* ``timeout`` bounds the whole iteration, from the iterator's creation;
* finishing early, close(), or dropping the iterator cancels every run not
  started, as the stdlib's generator does in its ``finally`` (so, like it,
  an iterator never advanced cancels nothing);
* a value is forgotten once yielded, so none is kept alive after the
  caller dropped it.

Compiled because it runs once per item: a Python generator costs about
three times as much per value.
"""
cimport cython
from cfutures._core.future._future cimport CoreFuture, FINISHED, CANCELLED
from cfutures._core.shared._codec cimport Answers
from cfutures._core.shared._parker cimport cf_monotonic

from cfutures._core.shared._stdlib import BrokenExecutor, CancelledError, TimeoutError


@cython.final
cdef class RunResults:

    def __cinit__(self, runs, resend, timeout):
        self.runs = runs
        self.resend = resend
        self.deadline = -1.0 if timeout is None else cf_monotonic() + timeout
        self.values = None
        self.errors = None
        self.index = 0
        self.closed = False
        self.started = False

    def __iter__(self):
        return self

    def __next__(self):
        cdef Py_ssize_t i = self.index
        self.started = True
        cdef list values = self.values
        if values is not None and i < len(values):
            self.index = i + 1
            if self.errors is not None and i in self.errors:
                error = self.errors.pop(i)   # live (Answers.decode_errors)
                self.close()
                raise error
            value = values[i]
            values[i] = None
            return value
        return self.next_run()

    cdef object next_run(self):
        """The first value of the next run that has any (the slow path)."""
        cdef CoreFuture future
        cdef Answers run
        cdef double left
        self.values = None
        self.errors = None
        try:
            while self.runs and not self.closed:
                future, items = self.runs[0]
                # No spinning: a run takes a worker milliseconds, and on a
                # machine with a core per worker a spin takes one from them.
                if future.state < CANCELLED:
                    if self.deadline < 0:
                        future.wait_until_done(None, 0.0)
                    else:
                        left = self.deadline - cf_monotonic()
                        future.wait_until_done(left if left > 0 else 0.0, 0.0)
                if future.state != FINISHED:
                    raise (CancelledError() if future.state >= CANCELLED
                           else TimeoutError())
                failure = future._exception
                if failure is not None:
                    if len(items) == 1 or isinstance(failure, BrokenExecutor):
                        raise failure
                    # The call itself failed: its items go again one per call.
                    self.runs.popleft()
                    self.runs.extendleft(reversed(self.resend(items)))
                    continue
                self.runs.popleft()
                run = future._result
                if run.rest is not None:
                    # A short run: the items after it went on as a new run.
                    self.runs.appendleft((run.rest, items[len(run.values):]))
                    run.rest = None
                self.values = run.values
                self.errors = run.errors
                self.index = 0
                if self.values:
                    return self.__next__()
        except BaseException:
            self.close()
            raise
        self.close()
        raise StopIteration

    def _progress_futures(self):
        """cfutures.progress(): each run not yet read, its future and size."""
        return [(future, len(items)) for future, items in self.runs]

    def close(self):
        """Stop: cancel every run not started, as closing the stdlib's
        generator does; like it, an iterator never started cancels nothing."""
        if not self.closed:
            self.closed = True
            self.values = None
            self.errors = None
            if self.started:
                self.cancel_rest()
            else:
                self.runs.clear()

    cdef int cancel_rest(self) except -1:
        while self.runs:
            future, _ = self.runs.popleft()
            future.cancel()
        return 0

    def __del__(self):
        self.close()
