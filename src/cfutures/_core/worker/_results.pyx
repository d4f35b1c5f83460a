"""The results a worker process has not sent yet, and their sending.

A worker's main thread (_worker.pyx) adds each call's result here; they go
to the parent as FRAME_RESULTS frames (_frames.pyx), and a map run's items
also as FRAME_RUN_PART frames while the run goes on. See ResultBatch.
"""
cimport cython
from cfutures._core.shared._parker cimport (
    cf_atomic_load_acquire, cf_atomic_store_release, cf_monotonic,
    cf_parker_free, cf_parker_init, cf_parker_signal, cf_parker_wait, cf_sleep)
from cfutures._core.shared._tuning cimport (
    CF_FLUSH_SECONDS, CF_FLUSHER_LINGER, CF_FLUSHER_PERIOD, CF_MAP_RUN_MAX,
    CF_RUN_LOOK_SECONDS, CF_RUN_PART_SECONDS, CF_RUN_SLICE_SECONDS)
from cfutures._core.shared._codec cimport (
    dumps, encode_exception, new_answers, out_of_band)
from cfutures._core.shared._frames cimport (
    FRAME_RESULTS, FRAME_RETIRING, FRAME_RUN_PART, FRAME_RUN_REST, frame_parts,
    write_all)
from cpython.pythread cimport (
    NOWAIT_LOCK, WAIT_LOCK, PyThread_acquire_lock, PyThread_allocate_lock,
    PyThread_free_lock, PyThread_release_lock)
from libc.stdint cimport uint32_t

import threading


@cython.final
cdef class RunSlice:
    """The items of a sliced run's slice, as call_each's loop takes them:
    at most ``left`` more, and none past the run's ``run_limit``, counted
    in its ``run_claimed`` as each is taken (see ResultBatch)."""
    cdef object source
    cdef Py_ssize_t left
    cdef ResultBatch results

    def __iter__(self):
        return self

    def __next__(self):
        cdef ResultBatch results = self.results
        if self.left <= 0 or results.run_claimed >= results.run_limit:
            raise StopIteration
        self.left -= 1
        results.run_claimed += 1
        return next(self.source)


@cython.final
cdef class ResultBatch:
    """The results a worker has not sent yet.

    The worker's main thread adds results and sends them when its batch ends
    or CF_FLUSH_SECONDS after the last send. A call that runs long would hold
    back the results before it in its batch, so while a batch runs a
    flusher thread wakes every CF_FLUSHER_PERIOD and sends what has waited
    longer than CF_FLUSH_SECONDS.

    A map run of several items sends what it finished as a FRAME_RUN_PART
    as it goes; the run's own answer then carries only the items after its
    parts. Where the pool watches time limits, the flusher watches the run
    (``run``) and sends a part when an item has run a whole period, so
    that a kill for time loses no result. Elsewhere (``run_in_slices``) the
    main thread sends one every CF_RUN_PART_SECONDS, so that the parent's
    map yields a long run's results as they come, and the flusher, without
    the GIL, looks every CF_RUN_LOOK_SECONDS for a slice that has taken a
    whole look (a slow item). It then sends what finished before it, and
    gives the parent back the run's items not started (FRAME_RUN_REST):
    the run ends after the slow item, and the other workers, if free, run
    the rest meanwhile (no item waits behind a slow one while a worker
    idles, whatever the items measured before it said).

    Threading model: the main thread runs calls and adds results; the
    flusher thread sends what waits too long. Both hold the GIL to touch
    results, and ``send_lock`` from taking results out to writing them.
    ``run_slices`` and ``batch_going`` are atomics: the flusher reads them
    without the GIL, so that watching a map of fast items costs it nothing.
    ``run_claimed`` and ``run_limit`` are read and written with the GIL
    only: the main thread takes each item (RunSlice) with it held, so the
    flusher, holding it, sees no item half taken when it lowers the limit.
    """

    def __cinit__(self, int fd):
        self.fd = fd
        self.answers = new_answers([], None)
        self.slice_items = 1
        self.collector = BufferCollector()
        self.send_lock = PyThread_allocate_lock()
        if self.send_lock == NULL:
            raise MemoryError()
        cf_parker_init(&self.alarm)

    def __dealloc__(self):
        if self.send_lock != NULL:
            PyThread_free_lock(self.send_lock)
        cf_parker_free(&self.alarm)

    cdef int add_value(self, object value) except -1:
        cdef object wrapped = out_of_band(value)
        if wrapped is not value:
            self.big_bytes += len(<bytes>value)
        self.answers.values.append(wrapped)
        return 0

    cdef int add_error(self, tuple encoded) except -1:
        return self.answers.fail_next(encoded)

    cdef int begin_batch(self, Py_ssize_t n) except -1:
        self.since = cf_monotonic()
        if n < 2:
            return 0
        self.in_batch = True
        cf_atomic_store_release(&self.batch_going, 1)
        return self.wake_flusher()

    cdef int wake_flusher(self) except -1:
        if not self.flusher_started:
            self.flusher_started = True
            threading.Thread(target=self.run_flusher, daemon=True,
                             name="cfutures-worker-flusher").start()
        elif self.flusher_idle:
            self.flusher_idle = False
            cf_parker_signal(&self.alarm)
        return 0

    cdef int end_batch(self) except -1:
        self.in_batch = False
        cf_atomic_store_release(&self.batch_going, 0)
        return self.flush()

    cdef int begin_run(self, Answers run) except -1:
        self.run_sent = 0
        self.seen_items = -1.0
        self.run = run
        return self.wake_flusher()

    cdef Py_ssize_t end_run(self) except -1:
        """The run is over: its items sent in parts."""
        self.lock_sending()
        self.run = None
        cf_atomic_store_release(&self.run_slices, 0)
        PyThread_release_lock(self.send_lock)
        return self.run_sent

    cdef Answers run_watched(self, Answers run, object fn, object items, bint rows):
        """run_items() where runs are watched: each item counted as it
        starts; what the flusher sent in parts left out of the answer."""
        cdef list values = run.values
        cdef Py_ssize_t n = len(items), sent
        cdef double *started = &self.progress.slots[2]
        remaining = iter(items)
        self.begin_run(run)
        try:
            while len(values) < n:
                try:
                    if rows:
                        for item in remaining:
                            started[0] = len(values) + 1
                            values.append(fn(*item))
                    else:
                        for item in remaining:
                            started[0] = len(values) + 1
                            values.append(fn(item))
                except BaseException as exc:
                    run.fail_next(encode_exception(exc))
        finally:
            sent = self.end_run()
        return run.slice(sent, len(values)) if sent else run

    cdef Answers run_in_slices(self, Answers run, object call_loop, object fn,
                               object items):
        """run_items() in a worker whose runs are not watched: the items in
        slices of about CF_RUN_SLICE_SECONDS, after each of which what
        finished goes out as a part if CF_RUN_PART_SECONDS passed since the
        last send. The main thread sends, so a run costs no thread wake-up,
        and a run of fast items is one slice (the size is learnt, and kept
        from run to run)."""
        cdef list values = run.values
        cdef Py_ssize_t n = len(items), before, sent
        cdef double started, now, last_sent
        cdef RunSlice items_of_slice = RunSlice.__new__(RunSlice)
        items_of_slice.source = iter(items)
        items_of_slice.results = self
        self.run_claimed = 0
        self.run_limit = n
        self.watch_slices = True   # before the flusher wakes to the run
        self.begin_run(run)
        started = last_sent = cf_monotonic()
        try:
            # run_limit drops if the flusher gives the rest back.
            while len(values) < self.run_limit:
                before = len(values)
                self.slices_begun += 1
                cf_atomic_store_release(
                    &self.run_slices, <int>((self.slices_begun & 0x3FFFFFFF) + 1))
                items_of_slice.left = self.slice_items
                try:
                    call_loop(fn, items_of_slice, values)
                except BaseException as exc:
                    # The item at len(values) raised; the next slice goes on.
                    run.fail_next(encode_exception(exc))
                now = cf_monotonic()
                self.learn_slice(len(values) - before, now - started)
                started = now
                if (now - last_sent >= CF_RUN_PART_SECONDS
                        and len(values) < self.run_limit):
                    self.send_run_part()
                    last_sent = now
        finally:
            sent = self.end_run()
        return run.slice(sent, len(values)) if sent else run

    cdef int learn_slice(self, Py_ssize_t done, double seconds) except -1:
        """The next slice's size from the last one's ``done`` items taking
        ``seconds``: about CF_RUN_SLICE_SECONDS of items, growing at most
        twofold (one slow item does not make the next slices long)."""
        cdef Py_ssize_t size = self.slice_items * 2
        if seconds > 0 and done * CF_RUN_SLICE_SECONDS < size * seconds:
            size = <Py_ssize_t>(done * CF_RUN_SLICE_SECONDS / seconds)
        self.slice_items = 1 if size < 1 else (
            CF_MAP_RUN_MAX if size > CF_MAP_RUN_MAX else size)
        return 0

    def run_flusher(self):
        cdef int stalled
        try:
            while True:
                if self.in_batch or (self.run is not None
                                     and self.progress is not None):
                    # A batch, or a watched run: a look every period.
                    cf_parker_wait(&self.alarm, CF_FLUSHER_PERIOD, 0.0)
                    if (self.in_batch and self.answers.values
                            and cf_monotonic() - self.since >= CF_FLUSH_SECONDS):
                        self.flush()
                    if self.run is not None and self.progress is not None:
                        self.send_stalled_run()
                elif self.watch_slices:
                    with nogil:
                        stalled = self.slice_stalled()
                    if stalled:
                        self.give_back_rest()
                    elif cf_atomic_load_acquire(&self.run_slices) == 0:
                        self.watch_slices = False
                else:
                    self.flusher_idle = True
                    cf_parker_wait(&self.alarm, -1.0, 0.0)
        except BaseException:
            pass   # the parent is gone; the main thread sees it too

    cdef int slice_stalled(self) noexcept nogil:
        """A look every CF_RUN_LOOK_SECONDS, without the GIL: 1 once a
        sliced run's slice has taken a whole look's time (it holds a slow
        item: while it runs, what finished goes out at the cadence the
        main thread keeps between slices); 0 once a batch began, or no run
        went on for CF_FLUSHER_LINGER looks (runs that follow one another
        then cost no wake-up signal)."""
        cdef int seen = 0, slices, quiet = 0
        while not cf_atomic_load_acquire(&self.batch_going):
            slices = cf_atomic_load_acquire(&self.run_slices)
            if slices == 0:
                quiet += 1
                if quiet > CF_FLUSHER_LINGER:
                    return 0
            elif slices == seen:
                self.stalled_slice = slices
                return 1
            else:
                quiet = 0
            seen = slices
            cf_sleep(CF_RUN_LOOK_SECONDS)
        return 0

    cdef int give_back_rest(self) except -1:
        """A slice stalled (slice_stalled): send what the run finished, and,
        if that slice still runs and items of the run are not started, end
        the run after the item running and give those back to the parent
        (FRAME_RUN_REST, after the part). With the GIL: the main thread is
        between two items' takings (RunSlice)."""
        self.send_run_part()
        self.lock_sending()
        try:
            # (Nothing taken yet: the main thread was held up between the
            # slice's start and its first item, not by a slow one.)
            if (self.run is None or self.run_claimed < 1
                    or self.run_claimed >= self.run_limit
                    or cf_atomic_load_acquire(&self.run_slices) != self.stalled_slice):
                return 0
            self.run_limit = self.run_claimed
            write_all(self.fd, frame_parts(FRAME_RUN_REST, <uint32_t>self.run_claimed,
                                           b"", None))
        finally:
            PyThread_release_lock(self.send_lock)
        return 0

    cdef int lock_sending(self) except -1:
        if not PyThread_acquire_lock(self.send_lock, NOWAIT_LOCK):
            with nogil:
                PyThread_acquire_lock(self.send_lock, WAIT_LOCK)
        return 0

    cdef int flush(self) except -1:
        self.lock_sending()
        try:
            self.send()
        finally:
            PyThread_release_lock(self.send_lock)
        return 0

    cdef int send_stalled_run(self) except -1:
        """If the run's running item started a period ago or more, send
        the items finished before it."""
        cdef double items = self.progress.items_started()
        if items != self.seen_items:
            self.seen_items = items
            return 0
        return self.send_run_part()

    cdef int send_run_part(self) except -1:
        """Send the items of the run finished and not sent yet, if any."""
        cdef Answers part
        self.lock_sending()
        try:
            if self.run is None or len(self.run.values) <= self.run_sent:
                return 0
            part = self.run.slice(self.run_sent, len(self.run.values))
            try:
                body = dumps(part, self.collector)
            except BaseException:
                body = None
            if body is None:
                part.isolate_unpicklable(self.collector.pickled)
                body = dumps(part, self.collector)
            views = self.collector.views
            self.collector.views = []
            write_all(self.fd, frame_parts(FRAME_RUN_PART, <uint32_t>len(part.values),
                                           body, views))
            self.run_sent += len(part.values)
            self.since = cf_monotonic()
        finally:
            PyThread_release_lock(self.send_lock)
        return 0

    cdef int say_retiring(self) except -1:
        """After the last answers: FRAME_RETIRING (see _frames.pyx)."""
        self.lock_sending()
        try:
            write_all(self.fd, frame_parts(FRAME_RETIRING, 0, b"", None))
        finally:
            PyThread_release_lock(self.send_lock)
        return 0

    cdef int send(self) except -1:
        # Take the answers out first: pickling can run Python code, which
        # lets the other thread in to add more.
        cdef Answers answers = self.answers
        cdef Py_ssize_t n = len(answers.values)
        cdef list views
        if n == 0:
            return 0
        busy = self.busy
        self.answers = new_answers([], None)
        self.busy = 0.0
        self.big_bytes = 0
        try:
            body = dumps((answers.values, answers.errors, busy), self.collector)
        except BaseException:
            body = None
        if body is None:
            # Find the results that do not pickle; each becomes its error
            # (a map run's item by item). Outside the handler, so that their
            # tracebacks do not chain to it.
            answers.isolate_unpicklable(self.collector.pickled)
            body = dumps((answers.values, answers.errors, busy), self.collector)
        views = self.collector.views
        self.collector.views = []
        answers = None
        write_all(self.fd, frame_parts(FRAME_RESULTS, <uint32_t>n, body, views))
        self.since = cf_monotonic()
        return 0
