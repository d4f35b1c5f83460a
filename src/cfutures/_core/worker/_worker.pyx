"""A worker process of the process pool: its main loop.

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
pool's serializer, none of the parent's side; its results wait and go out
through _results.pyx.
"""
cimport cython
from cfutures._core.shared._call_record cimport WorkerProgress, attach_progress
from cfutures._core.shared._serializer cimport Serializer
from cfutures._core.shared._parker cimport cf_monotonic
from cfutures._core.shared._tuning cimport (
    CF_FLUSH_BYTES, CF_FLUSH_SECONDS, CF_WORKER_SPIN_SECONDS)
from cfutures._core.shared._codec cimport (
    Answers, dumps, encode_exception, in_band_dumps, loads, new_answers,
    traceback_text)
from cfutures._core.shared._frames cimport (
    FRAME_INIT_FAILED, FRAME_READY, FRAME_STOP, Frame, FrameReader,
    frame_parts, write_all)
from cfutures._core.worker._results cimport ResultBatch

import os
import sys

from cfutures._core.worker._item_calls import call_each, call_each_row


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
