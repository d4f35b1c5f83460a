"""The iterator that a process pool's map() in runs returns.

``runs`` holds, in input order, each run's work item and its items. A run's
future ends with an Answers (cfutures._core.shared._codec): one value per
item and the encoded exception of each item that raised, or, if its worker
ended mid-run, the items up to the one it was running and the work item of
a new run of the rest; so does a run that the pool sent in pieces
(_batch_sender.cut_run), whose future answers its first piece, and one
whose worker gave back the items after a slow one (FRAME_RUN_REST,
_channel.run_rest_back). Before it
ends, the parts of that answer the worker sent as it went are the work
item's ``partial``, the same Answers the future ends with, growing: the
head run's finished items are yielded from it as they come, not when the
run ends. This iterator yields those values one by
one, as the stdlib's ``chunksize=1`` map does:

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

Threading model: the caller's thread iterates; the pool's manager thread
adds parts to the head run's ``partial`` and completes its future, both
with the GIL held, and wakes the iterator through the work item's
``part_waiter`` (a part) or the future's waiters (the end). The iterator
registers its waiter before it looks again, so no wake-up falls between.

Compiled because it runs once per item: a Python generator costs about
three times as much per value.
"""
cimport cython
from cfutures._core.future._future cimport (
    CANCELLED, FINISHED, CoreFuture, Waiter, check_wait_seconds)
from cfutures._core.parent._work_item cimport ProcessWorkItem
from cfutures._core.shared._codec cimport Answers
from cfutures._core.shared._parker cimport cf_monotonic

from cfutures._core.shared._stdlib import BrokenExecutor, CancelledError, TimeoutError


@cython.final
cdef class RunResults:

    def __cinit__(self, runs, resend, timeout):
        self.runs = runs
        self.resend = resend
        self.deadline = -1.0 if timeout is None else cf_monotonic() + timeout
        self.answers = None
        self.answers_final = False
        self.index = 0
        self.closed = False
        self.started = False

    def __iter__(self):
        return self

    def __next__(self):
        cdef Py_ssize_t i = self.index
        cdef Answers answers = self.answers
        self.started = True
        if answers is not None and i < len(answers.values):
            self.index = i + 1
            if answers.errors is not None and i in answers.errors:
                # Live (Answers.decode_errors); left in place: a run read
                # from its parts is counted (statistics) when it ends.
                error = answers.errors[i]
                self.close()
                raise error
            value = answers.values[i]
            answers.values[i] = None
            return value
        return self.next_run()

    cdef object next_run(self):
        """The next value once the current answers are read (the slow
        path): from the head run's next part, or its end, or the next run.
        ``index`` counts the head run's items read so far."""
        cdef ProcessWorkItem item
        cdef CoreFuture future
        cdef Answers run
        try:
            while not self.closed:
                if self.answers_final:
                    # The head run was read to its end.
                    self.answers = None
                    self.answers_final = False
                    self.index = 0
                if not self.runs:
                    break
                item, items = self.runs[0]
                future = item.future
                if future.state < CANCELLED:
                    if (item.partial is not None
                            and self.index < len(item.partial.values)):
                        self.answers = item.partial
                        return self.__next__()
                    self.wait_for_part(item)
                    continue
                if future.state != FINISHED:
                    raise CancelledError()
                failure = future._exception
                if failure is not None:
                    if (len(items) - self.index == 1
                            or isinstance(failure, BrokenExecutor)):
                        raise failure
                    # The call itself failed: its items go again one per
                    # call (those of its piece, if it was sent in pieces:
                    # the next piece is under way).
                    self.runs.popleft()
                    if item.rest_item is not None:
                        self.runs.appendleft(
                            (item.rest_item, items[item.run_length:]))
                        items = items[:item.run_length]
                    self.runs.extendleft(reversed(self.resend(items[self.index:])))
                    self.answers = None
                    self.index = 0
                    continue
                self.runs.popleft()
                run = future._result
                if run.rest is not None:
                    # A short run: the items after it went on as a new run.
                    self.runs.appendleft((run.rest, items[len(run.values):]))
                    run.rest = None
                # The same Answers as its parts, if any came: reading goes
                # on at ``index``.
                self.answers = run
                self.answers_final = True
                if self.index < len(run.values):
                    return self.__next__()
        except BaseException:
            self.close()
            raise
        self.close()
        raise StopIteration

    cdef int wait_for_part(self, ProcessWorkItem item) except -1:
        """Block until ``item``'s run sends a part or ends; TimeoutError
        past the deadline."""
        cdef CoreFuture future = item.future
        cdef Waiter waiter
        cdef double left = -1.0
        if not self.deadline < 0:   # a timeout (a NaN one too: it has passed)
            left = self.deadline - cf_monotonic()
            if not left > 0:
                raise TimeoutError()
            check_wait_seconds(left)   # what the stdlib's wait raises
        waiter = Waiter.__new__(Waiter)
        # No spinning: a run takes a worker milliseconds, and on a machine
        # with a core per worker a spin takes one from them.
        future.add_waiter(waiter)
        item.part_waiter = waiter
        try:
            if (future.state < CANCELLED
                    and (item.partial is None
                         or self.index >= len(item.partial.values))):
                waiter.park(left, 0.0)
        finally:
            item.part_waiter = None
            future.remove_waiter(waiter)
        if future.condition is not None:
            # Whoever holds _condition may still be filling in the result.
            with future.condition:
                pass
        return 0

    def _progress_futures(self):
        """cfutures.progress(): each run not yet read, its future and size."""
        return [((<ProcessWorkItem>item).future, len(items))
                for item, items in self.runs]

    def close(self):
        """Stop: cancel every run not started, as closing the stdlib's
        generator does; like it, an iterator never started cancels nothing."""
        if not self.closed:
            self.closed = True
            self.answers = None
            if self.started:
                self.cancel_rest()
            else:
                self.runs.clear()

    cdef int cancel_rest(self) except -1:
        cdef ProcessWorkItem piece
        while self.runs:
            item, _ = self.runs.popleft()
            # A run sent in pieces: the pieces after the one running.
            piece = <ProcessWorkItem>item
            while piece is not None:
                piece.future.cancel()
                piece = piece.rest_item
        return 0

    def __del__(self):
        self.close()
