"""A worker process of the process pool: its main loop and its results.

The worker reads FRAME_CALLS frames (see _frames.pyx for the format), runs
each call in order and answers with FRAME_RESULTS frames, until a
FRAME_STOP frame, end of file (the parent is gone), max_tasks_per_child
calls, or (with max_worker_memory) a resident set above its bound after a
call: it then sends what it has answered and exits with status 0, and the
parent sends the calls it had not started to other workers. Before each
call it counts it in its call record (_call_record.pyx), which tells the
parent which calls it started should it end mid-batch, and, where the pool
watches time limits, which items of a map run (run_items()). Of cfutures'
compiled modules it uses the codec and frames, the call record and the
pool's serializer, none of the parent's side.
"""
cimport cython
from cfutures._core.shared._call_record cimport WorkerProgress, attach_progress
from cfutures._core.shared._serializer cimport Serializer
from cfutures._core.shared._parker cimport (
    cf_atomic_int, cf_atomic_load_acquire, cf_atomic_store_release,
    cf_monotonic, cf_parker, cf_parker_free, cf_parker_init, cf_parker_signal,
    cf_parker_wait, cf_sleep)
from cfutures._core.shared._tuning cimport (
    CF_FLUSH_BYTES, CF_FLUSH_SECONDS, CF_FLUSHER_LINGER, CF_FLUSHER_PERIOD,
    CF_MAP_RUN_MAX,
    CF_RUN_PART_SECONDS, CF_RUN_SLICE_SECONDS, CF_WORKER_SPIN_SECONDS)
from cfutures._core.shared._codec cimport (
    Answers, BufferCollector, dumps, encode_exception, in_band_dumps, loads,
    new_answers, out_of_band, traceback_text)
from cfutures._core.shared._frames cimport (
    FRAME_INIT_FAILED, FRAME_READY, FRAME_RESULTS, FRAME_RETIRING,
    FRAME_RUN_PART, FRAME_STOP, Frame, FrameReader, frame_parts, write_all)
from cpython.pythread cimport (
    NOWAIT_LOCK, WAIT_LOCK, PyThread_acquire_lock, PyThread_allocate_lock,
    PyThread_free_lock, PyThread_release_lock, PyThread_type_lock)
from libc.stdint cimport uint32_t

import os
import sys
import threading
from itertools import islice as _islice

from cfutures._core.worker._item_calls import call_each, call_each_row


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
    the GIL, sends one when a slice has taken a whole period (a slow item,
    which would hold the items before it).

    Threading model: the main thread runs calls and adds results; the
    flusher thread sends what waits too long. Both hold the GIL to touch
    results, and ``send_lock`` from taking results out to writing them.
    ``run_slices`` and ``batch_going`` are atomics: the flusher reads them
    without the GIL, so that watching a map of fast items costs it nothing.
    """
    cdef int fd
    cdef Answers answers          # not sent yet: the calls' values and errors
    cdef double busy
    cdef double since
    cdef Py_ssize_t big_bytes
    cdef BufferCollector collector
    # Held from taking the results out until they are written, so that
    # frames leave in the order their calls ran.
    cdef PyThread_type_lock send_lock
    cdef cf_parker alarm          # wakes the flusher
    cdef bint in_batch            # a batch of more than one call is running
    cdef bint flusher_started
    cdef bint flusher_idle        # the flusher sleeps until alarm is signalled
    cdef WorkerProgress progress  # set where runs are watched
    cdef Answers run              # the watched map run running now, or None
    cdef Py_ssize_t run_sent      # its items sent in parts
    cdef double seen_items        # its items started when the flusher last looked
    cdef Py_ssize_t slice_items   # items per slice of a run (run_in_slices), learnt
    cdef Py_ssize_t slices_begun  # slices of the run going on
    cdef bint watch_slices        # the flusher watches sliced runs (until it lingered)
    cdef cf_atomic_int run_slices # slices_begun, as a nonzero int; 0: no sliced run
    cdef cf_atomic_int batch_going   # in_batch, for the flusher without the GIL

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

    cdef inline int add_value(self, object value) except -1:
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
        remaining = iter(items)
        self.run_sent = 0
        self.run = run
        self.slices_begun = 0
        self.watch_slices = True
        self.wake_flusher()
        started = last_sent = cf_monotonic()
        try:
            while len(values) < n:
                before = len(values)
                self.slices_begun += 1
                cf_atomic_store_release(
                    &self.run_slices, <int>((self.slices_begun & 0x3FFFFFFF) + 1))
                try:
                    call_loop(fn, _islice(remaining, self.slice_items), values)
                except BaseException as exc:
                    # The item at len(values) raised; the next slice goes on.
                    run.fail_next(encode_exception(exc))
                now = cf_monotonic()
                self.learn_slice(len(values) - before, now - started)
                started = now
                if now - last_sent >= CF_RUN_PART_SECONDS and len(values) < n:
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
                        self.send_run_part()
                    elif cf_atomic_load_acquire(&self.run_slices) == 0:
                        self.watch_slices = False
                else:
                    self.flusher_idle = True
                    cf_parker_wait(&self.alarm, -1.0, 0.0)
        except BaseException:
            pass   # the parent is gone; the main thread sees it too

    cdef int slice_stalled(self) noexcept nogil:
        """A period at a time, without the GIL: 1 once a sliced run's
        slice has taken a whole period; 0 once a batch began, or no run
        went on for CF_FLUSHER_LINGER periods (runs that follow one
        another then cost no wake-up signal)."""
        cdef int seen = 0, slices, quiet = 0
        while not cf_atomic_load_acquire(&self.batch_going):
            slices = cf_atomic_load_acquire(&self.run_slices)
            if slices == 0:
                quiet += 1
                if quiet > CF_FLUSHER_LINGER:
                    return 0
            elif slices == seen:
                return 1
            else:
                quiet = 0
            seen = slices
            cf_sleep(CF_FLUSHER_PERIOD)
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


# The results of this worker process where its pool watches time limits:
# run_items() then counts each item in the call record and lets the
# flusher send a long run in parts. None otherwise.
cdef ResultBatch watched_results = None
# The results of this worker process otherwise: run_items() sends a long
# run in parts itself. None outside a worker (a Dask task, say).
cdef ResultBatch sliced_results = None


def run_items(fn, items, bint rows):
    """Call ``fn(*item)`` (``rows``) or ``fn(item)`` for each of ``items``
    (a list, or a range of ints), in order, in one worker call (a run of a
    process pool's map): an Answers of what each returned or raised."""
    cdef Answers run = new_answers([], None)
    cdef list values = run.values
    cdef Py_ssize_t n = len(items)
    if watched_results is not None:
        return watched_results.run_watched(run, fn, items, rows)
    call_loop = call_each_row if rows else call_each
    if sliced_results is not None and n > 1:
        return sliced_results.run_in_slices(run, call_loop, fn, items)
    remaining = iter(items)
    while len(values) < n:
        try:
            call_loop(fn, remaining, values)
        except BaseException as exc:
            # The item at len(values) raised; the loop goes on after it.
            run.fail_next(encode_exception(exc))
    return run


def worker_main(call_conn, result_conn, options, tuple close_fds,
                progress_shared=None):
    """A worker process's body: run calls until told to stop.

    ``options``: its WorkerOptions (the initializer and its arguments, the
    calls it runs before it retires, its memory bound, whether it sends
    each result at once, the pool's pickler); ``close_fds`` are the
    parent's descriptors of this worker's own pipes that a forked child
    inherited (the other pools' it finds itself); ``progress_shared`` its
    call record (None: none kept).
    """
    cdef Py_ssize_t max_memory = options.max_memory
    initializer = options.initializer
    cdef int in_fd = call_conn.fileno(), out_fd = result_conn.fileno()
    # CFUTURES_INSTALL=1 waits for the imports that brought this module in.
    hook = sys.modules.get("_cfutures_autoinstall")
    if hook is not None:
        hook.install_if_asked()
    if close_fds:   # forked: every pool's descriptors, as at the fork
        from cfutures._core.shared._lifecycle import inherited_at_fork
        close_fds = inherited_at_fork() + close_fds
    for fd in close_fds:
        if fd == in_fd or fd == out_fd:
            continue
        try:
            os.close(fd)
        except OSError:
            pass
    if initializer is not None:
        try:
            initializer(*options.initargs)
        except BaseException as exc:
            from cfutures._core.shared._stdlib import LOGGER   # only here: see _codec.py
            LOGGER.critical('Exception in initializer:', exc_info=True)
            body = in_band_dumps(traceback_text(exc))
            try:
                write_all(out_fd, frame_parts(FRAME_INIT_FAILED, 0, body, None))
            except OSError:
                pass
            return
    try:
        write_all(out_fd, frame_parts(FRAME_READY, 0, b"", None))
        run_calls(in_fd, out_fd, options.max_tasks,
                  None if progress_shared is None else attach_progress(progress_shared),
                  ResidentMemory(max_memory) if max_memory > 0 else None,
                  options.eager_results, options.serializer)
    except (BrokenPipeError, EOFError):
        return   # the parent is gone: nobody wants the results
    # The connections own the descriptors: keep them alive until here.
    call_conn.close()
    result_conn.close()


@cython.final
cdef class ResidentMemory:
    """Whether this process's resident set is above a bound (Linux reads
    /proc/self/statm; elsewhere the peak from getrusage stands in)."""
    cdef Py_ssize_t bound
    cdef int statm
    cdef Py_ssize_t page

    def __cinit__(self, Py_ssize_t bound):
        self.bound = bound
        self.page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        try:
            self.statm = os.open("/proc/self/statm", os.O_RDONLY)
        except OSError:
            self.statm = -1

    cdef bint above(self) except -1:
        if self.statm >= 0:
            fields = os.pread(self.statm, 128, 0).split()
            return int(fields[1]) * self.page > self.bound
        import resource, sys
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak * (1 if sys.platform == "darwin" else 1024) > self.bound


cdef int run_calls(int in_fd, int out_fd, Py_ssize_t max_tasks,
                   WorkerProgress progress, ResidentMemory memory,
                   bint eager_results, Serializer serializer) except -1:
    cdef FrameReader reader = FrameReader.__new__(FrameReader)
    cdef ResultBatch results = ResultBatch.__new__(ResultBatch, out_fd)
    cdef Py_ssize_t done = 0, i, n
    cdef double t0, t1
    cdef list calls
    cdef tuple call
    cdef Frame frame
    global watched_results, sliced_results
    results.collector.serializer = serializer
    if eager_results and progress is not None:
        results.progress = progress
        watched_results = results
    else:
        sliced_results = results
    while True:
        frame = reader.read_frame(in_fd, CF_WORKER_SPIN_SECONDS)
        if frame is None or frame.kind == FRAME_STOP:
            return 0
        # A call that cannot be unpickled here ends this worker, as in the
        # stdlib: the parent sees it die and breaks the pool, naming it.
        calls = loads(frame.body, frame.buffers, serializer)
        frame = None
        n = len(calls)
        results.begin_batch(n)
        for i in range(n):
            call = calls[i]
            calls[i] = None
            fn, args, kwargs = call
            call = None
            t0 = cf_monotonic()
            if progress is not None:
                progress.call_starting(t0)
            try:
                if kwargs is None:
                    value = fn(*args)
                else:
                    value = fn(*args, **kwargs)
            except BaseException as exc:
                t1 = cf_monotonic()
                results.add_error(encode_exception(exc))
            else:
                t1 = cf_monotonic()
                results.add_value(value)
            value = fn = args = kwargs = None
            results.busy += t1 - t0
            if (eager_results or t1 - results.since >= CF_FLUSH_SECONDS
                    or results.big_bytes >= CF_FLUSH_BYTES):
                results.flush()
            if memory is not None and memory.above():
                # Retire: what it answered goes out; the parent gives the
                # calls it did not start to other workers.
                calls = None
                results.end_batch()
                results.say_retiring()
                return 0
        calls = None
        results.end_batch()
        done += n
        if max_tasks and done >= max_tasks:
            return 0
