"""The process pool's hot paths: framing, dispatch, results and the worker loop.

Parent and worker talk over two pipes per worker, in frames::

    kind:u32 count:u32 nbufs:u32 0:u32 body_len:u64  (nbufs x u64 buffer lengths)
    body (a pickle)  buffer 1 ... buffer n           (pickle protocol 5 buffers)

A CALLS frame carries ``count`` calls as one pickled list of ``(fn, args,
kwargs)``; a RESULTS frame answers the oldest ``count`` unanswered calls, in
order, with ``(values, errors, busy_seconds)``. Large byte strings and
objects that export pickle-5 buffers travel beside the pickle, so they are
written straight from the object and read straight into the new one.

In the parent one manager thread (ProcessPoolCore.run) polls the wake-up pipe,
every worker's result pipe and process sentinel, and the call pipes that have
output queued. It sends pending calls in batches sized from the measured cost
of a call (one for slow or unmeasured calls, up to BATCH_MAX tiny ones) and
completes futures through the CoreFuture cdef API. A worker has one batch
outstanding, or two while its calls are known to be short and it makes
progress, so no call waits behind a slow one while another worker idles.
submit() hands a call straight to an idle worker; otherwise it appends to a
deque and writes to the wake-up pipe only when the manager sleeps.
Everything here runs with the GIL held except the poll, read and write
syscalls. The slow paths (starting and stopping processes) are
cfutures/process.py.
"""
cimport cython
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_FromStringAndSize
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.exc cimport PyErr_CheckSignals
from cpython.pythread cimport (
    NOWAIT_LOCK, WAIT_LOCK, PyThread_acquire_lock, PyThread_allocate_lock,
    PyThread_free_lock, PyThread_release_lock, PyThread_type_lock)
from libc.errno cimport EAGAIN, EINTR, errno
from libc.stdint cimport uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memmove
from posix.uio cimport iovec, writev
from posix.unistd cimport close, read

from cfutures._core._future cimport CoreFuture, new_future
from cfutures._core._parker cimport (
    cf_monotonic, cf_parker, cf_parker_free, cf_parker_init, cf_parker_signal,
    cf_parker_wait)

import collections
import os
import pickle
import threading
from concurrent.futures.process import _RemoteTraceback
from multiprocessing.reduction import ForkingPickler
from traceback import format_exception

from cfutures._names import LOGGER, BrokenProcessPool, InvalidStateError

cdef extern from "<sched.h>" nogil:
    int sched_yield()

cdef extern from "<poll.h>" nogil:
    struct pollfd:
        int fd
        short events
        short revents
    int poll(pollfd *fds, unsigned long nfds, int timeout)
    enum:
        POLLIN
        POLLOUT
        POLLERR
        POLLHUP
        POLLNVAL


# -- tuning -------------------------------------------------------------------

# Frame kinds.
DEF K_CALLS = 1
DEF K_STOP = 2
DEF K_RESULTS = 3
DEF K_INIT_FAILED = 4

# Seconds a worker whose initializer failed gets to exit on its own.
cdef double WORKER_EXIT_GRACE = 2.0

DEF HEADER_SIZE = 24
# Out-of-band buffers per frame (their sizes must fit the read buffer).
DEF MAX_BUFFERS = 1024
DEF MAX_IOV = 64
DEF READ_BUFFER = 65536
# A segment with at least this much left to read is read straight into its
# object instead of through the read buffer.
DEF DIRECT_READ = 16384

# Buffers of at least this size travel beside the pickle (pickle protocol 5).
cdef Py_ssize_t OOB_MIN_BYTES = 65536
# Aim for batches of about this much work, within [1, BATCH_MAX] calls and
# about BATCH_BYTES pickled bytes.
cdef double BATCH_SECONDS = 0.001
cdef Py_ssize_t BATCH_MAX = 256
cdef double BATCH_BYTES = 1048576.0
# Batches outstanding per worker: one running, one waiting in the pipe, for
# calls known to be short; one for slow or not yet measured calls, so that a
# call never waits behind a slow one while another worker idles.
cdef Py_ssize_t DEPTH = 2
cdef double DEEP_MAX_SECONDS = 0.005
# A worker that answered nothing for this long is busy with a slow call:
# nothing more queues behind it.
cdef double STALL_SECONDS = 0.005
# A worker sends what it has after this long, even mid-batch.
cdef double FLUSH_SECONDS = 0.001
cdef Py_ssize_t FLUSH_BYTES = 1048576
# While a batch runs, a worker's flusher thread checks this often for
# results held back by a call that turned out slow.
cdef double FLUSHER_PERIOD = 0.005
# An idle worker polls for the next call this long before it sleeps.
cdef double WORKER_SPIN_SECONDS = 100e-6
# Pipes that carry a frame larger than their capacity grow up to this.
cdef Py_ssize_t PIPE_MAX = 1048576
cdef Py_ssize_t PIPE_DEFAULT = 65536

cdef int PROTOCOL = 5
cdef object _dumps = pickle.dumps
cdef object _loads = pickle.loads
cdef object _PickleBuffer = pickle.PickleBuffer
cdef object _deque = collections.deque

# Set once the interpreter starts to exit; submit() refuses from then on.
cdef bint interpreter_exiting = False


def mark_interpreter_exiting():
    global interpreter_exiting
    interpreter_exiting = True


def _set_tuning(**values):
    """Change tuning constants (tests and experiments only)."""
    global OOB_MIN_BYTES, BATCH_SECONDS, BATCH_MAX, BATCH_BYTES, DEPTH
    global DEEP_MAX_SECONDS, STALL_SECONDS
    global FLUSH_SECONDS, FLUSH_BYTES, PIPE_MAX
    old = dict(OOB_MIN_BYTES=OOB_MIN_BYTES, BATCH_SECONDS=BATCH_SECONDS,
               BATCH_MAX=BATCH_MAX, BATCH_BYTES=BATCH_BYTES, DEPTH=DEPTH,
               DEEP_MAX_SECONDS=DEEP_MAX_SECONDS, STALL_SECONDS=STALL_SECONDS,
               FLUSH_SECONDS=FLUSH_SECONDS, FLUSH_BYTES=FLUSH_BYTES,
               PIPE_MAX=PIPE_MAX)
    for name, value in values.items():
        if name not in old:
            raise KeyError(name)
    OOB_MIN_BYTES = values.get("OOB_MIN_BYTES", OOB_MIN_BYTES)
    BATCH_SECONDS = values.get("BATCH_SECONDS", BATCH_SECONDS)
    BATCH_MAX = values.get("BATCH_MAX", BATCH_MAX)
    BATCH_BYTES = values.get("BATCH_BYTES", BATCH_BYTES)
    DEPTH = values.get("DEPTH", DEPTH)
    DEEP_MAX_SECONDS = values.get("DEEP_MAX_SECONDS", DEEP_MAX_SECONDS)
    STALL_SECONDS = values.get("STALL_SECONDS", STALL_SECONDS)
    FLUSH_SECONDS = values.get("FLUSH_SECONDS", FLUSH_SECONDS)
    FLUSH_BYTES = values.get("FLUSH_BYTES", FLUSH_BYTES)
    PIPE_MAX = values.get("PIPE_MAX", PIPE_MAX)
    return old


# -- pickling -----------------------------------------------------------------

@cython.final
cdef class BufferCollector:
    """pickle's buffer_callback: large contiguous buffers go out of band."""
    cdef list views

    def __cinit__(self):
        self.views = []

    def __call__(self, buffer):
        try:
            view = buffer.raw()
        except BufferError:
            return True
        if view.nbytes < OOB_MIN_BYTES or len(self.views) >= MAX_BUFFERS:
            return True
        self.views.append(view)
        return False

    cdef void reset(self):
        if self.views:
            self.views = []


cdef object dumps(object obj, BufferCollector collector):
    """Pickle ``obj``: the plain pickler first, multiprocessing's (which
    knows connections, sockets and what was registered with it) if that fails.
    """
    collector.reset()
    try:
        return _dumps(obj, PROTOCOL, buffer_callback=collector)
    except Exception:
        collector.reset()
    buf = ForkingPickler.dumps(obj, PROTOCOL)
    return buf.tobytes() if isinstance(buf, memoryview) else buf


cdef tuple oob_args(tuple args):
    cdef Py_ssize_t i, n = len(args)
    cdef list copy = None
    for i in range(n):
        value = args[i]
        if type(value) is bytes and len(<bytes>value) >= OOB_MIN_BYTES:
            if copy is None:
                copy = list(args)
            copy[i] = _PickleBuffer(value)
    return args if copy is None else tuple(copy)


cdef dict oob_kwargs(dict kwargs):
    cdef dict copy = None
    for key, value in kwargs.items():
        if type(value) is bytes and len(<bytes>value) >= OOB_MIN_BYTES:
            if copy is None:
                copy = dict(kwargs)
            copy[key] = _PickleBuffer(value)
    return kwargs if copy is None else copy


cdef inline tuple call_tuple(object fn, tuple args, dict kwargs):
    return (fn, oob_args(args) if args else args,
            oob_kwargs(kwargs) if kwargs is not None else None)


cdef str traceback_text(BaseException exc):
    return '\n"""\n%s"""' % ''.join(format_exception(type(exc), exc, exc.__traceback__))


cdef tuple encode_exception(BaseException exc):
    """(traceback text, pickled exception) of an exception raised here."""
    cdef str text = traceback_text(exc)
    cdef BufferCollector collector = BufferCollector.__new__(BufferCollector)
    exc.__traceback__ = None
    try:
        blob = dumps(exc, collector)
        if collector.views:
            blob = ForkingPickler.dumps(exc, PROTOCOL).tobytes()
    except BaseException as error:
        # As the stdlib does: the pickling error stands in for the exception.
        text = traceback_text(error)
        error.__traceback__ = None
        try:
            blob = _dumps(error, PROTOCOL)
        except BaseException:
            blob = _dumps(RuntimeError(repr(error)), PROTOCOL)
    return (text, blob)


cdef object decode_exception(tuple encoded):
    """The exception of an encode_exception() result, with its remote
    traceback as ``__cause__``."""
    text, blob = encoded
    try:
        exc = _loads(blob)
    except BaseException as error:
        exc = error
    if not isinstance(exc, BaseException):
        exc = TypeError(f"worker sent a non-exception: {exc!r}")
    exc.__cause__ = _RemoteTraceback(text)
    return exc


cdef object local_failure(BaseException exc):
    """``exc``, raised in the parent, dressed like the stdlib's feeder errors."""
    exc.__cause__ = _RemoteTraceback(traceback_text(exc))
    exc.__traceback__ = None
    return exc


# -- frames -------------------------------------------------------------------

cdef bytes frame_header(uint32_t kind, uint32_t count, Py_ssize_t body_len,
                        list views):
    cdef Py_ssize_t nbufs = len(views) if views else 0
    cdef bytes header = PyBytes_FromStringAndSize(NULL, HEADER_SIZE + 8 * nbufs)
    cdef char *p = PyBytes_AS_STRING(header)
    cdef uint32_t *h32 = <uint32_t*>p
    cdef uint64_t *h64 = <uint64_t*>(p + 16)
    cdef Py_ssize_t i
    cdef uint64_t size
    h32[0] = kind
    h32[1] = count
    h32[2] = <uint32_t>nbufs
    h32[3] = 0
    h64[0] = <uint64_t>body_len
    for i in range(nbufs):
        view = views[i]
        size = <uint64_t>view.nbytes
        if view.readonly:
            size |= (<uint64_t>1) << 63
        h64[1 + i] = size
    return header


cdef list frame_parts(uint32_t kind, uint32_t count, object body, list views):
    cdef list parts = [frame_header(kind, count, len(body), views), body]
    if views:
        parts.extend(views)
    return parts


cdef Py_ssize_t writev_parts(int fd, list parts, Py_ssize_t offset) except -2:
    """One writev() of ``parts`` (the first from ``offset``).

    Returns the bytes written, -1 if the pipe is full (EAGAIN) or the call
    was interrupted; raises OSError otherwise.
    """
    cdef Py_buffer views[MAX_IOV]
    cdef iovec iov[MAX_IOV]
    cdef Py_ssize_t n = len(parts), i, got = 0, result
    cdef int err = 0
    if n > MAX_IOV:
        n = MAX_IOV
    try:
        for i in range(n):
            PyObject_GetBuffer(parts[i], &views[i], PyBUF_SIMPLE)
            got += 1
            iov[i].iov_base = <char*>views[i].buf + (offset if i == 0 else 0)
            iov[i].iov_len = views[i].len - (offset if i == 0 else 0)
        with nogil:
            result = writev(fd, iov, <int>n)
            if result < 0:
                err = errno
    finally:
        for i in range(got):
            PyBuffer_Release(&views[i])
    if result >= 0:
        return result
    if err == EAGAIN or err == EINTR:
        return -1
    raise OSError(err, os.strerror(err))


cdef inline Py_ssize_t part_size(object part) except -1:
    if type(part) is bytes:
        return len(<bytes>part)
    return memoryview(part).nbytes


cdef int write_all(int fd, list parts) except -1:
    """Write every part to a blocking fd."""
    cdef Py_ssize_t offset = 0, written, size
    while parts:
        written = writev_parts(fd, parts, offset)
        if written < 0:
            PyErr_CheckSignals()
            continue
        offset += written
        while parts:
            size = part_size(parts[0])
            if offset < size:
                break
            offset -= size
            del parts[0]
    return 0


@cython.final
cdef class FrameReader:
    """Reassembles frames from a pipe, blocking or not."""
    cdef char *buf
    cdef Py_ssize_t start, end
    # The frame being read: its segments (body, then buffers) and progress.
    cdef bint in_frame
    cdef uint32_t kind, count
    cdef list segments
    cdef Py_ssize_t seg_index, seg_filled
    cdef public Py_ssize_t largest   # largest frame seen (pipe sizing)

    def __cinit__(self):
        self.buf = <char*>malloc(READ_BUFFER)
        if self.buf == NULL:
            raise MemoryError()

    def __dealloc__(self):
        free(self.buf)

    cdef char *segment_ptr(self, Py_ssize_t index):
        target = self.segments[index]
        if type(target) is bytes:
            return PyBytes_AS_STRING(target)
        return PyByteArray_AS_STRING(target)

    cdef Py_ssize_t segment_len(self, Py_ssize_t index):
        return len(self.segments[index])

    cdef object next_frame(self):
        """A complete (kind, count, body, buffers) from what was read, or None."""
        cdef Py_ssize_t avail, nbufs, i, take, seg_len, total
        cdef uint32_t *h32
        cdef uint64_t *h64
        cdef uint64_t size
        cdef list segments
        if not self.in_frame:
            avail = self.end - self.start
            if avail < HEADER_SIZE:
                return None
            h32 = <uint32_t*>(self.buf + self.start)
            h64 = <uint64_t*>(self.buf + self.start + 16)
            nbufs = h32[2]
            if avail < HEADER_SIZE + 8 * nbufs:
                return None
            self.kind = h32[0]
            self.count = h32[1]
            segments = [PyBytes_FromStringAndSize(NULL, <Py_ssize_t>h64[0])]
            total = <Py_ssize_t>h64[0]
            for i in range(nbufs):
                size = h64[1 + i]
                if size >> 63:
                    segments.append(PyBytes_FromStringAndSize(
                        NULL, <Py_ssize_t>(size & ~((<uint64_t>1) << 63))))
                else:
                    segments.append(PyByteArray_FromStringAndSize(NULL, <Py_ssize_t>size))
                total += len(segments[i + 1])
            if total > self.largest:
                self.largest = total
            self.segments = segments
            self.seg_index = 0
            self.seg_filled = 0
            self.in_frame = True
            self.start += HEADER_SIZE + 8 * nbufs
        while self.seg_index < len(self.segments):
            seg_len = self.segment_len(self.seg_index)
            take = min(seg_len - self.seg_filled, self.end - self.start)
            if take > 0:
                memcpy(self.segment_ptr(self.seg_index) + self.seg_filled,
                       self.buf + self.start, take)
                self.start += take
                self.seg_filled += take
            if self.seg_filled < seg_len:
                return None
            self.seg_index += 1
            self.seg_filled = 0
        self.in_frame = False
        segments = self.segments
        self.segments = None
        return (self.kind, self.count, segments[0], segments[1:])

    cdef Py_ssize_t fill(self, int fd, bint blocking) except -3:
        """One read(); bytes read, 0 at end of file, -1 if none were ready
        (non-blocking) or the read was interrupted (blocking)."""
        cdef Py_ssize_t got, want, seg_len
        cdef char *target
        cdef int err = 0
        if (self.in_frame and self.start == self.end
                and self.seg_index < len(self.segments)):
            seg_len = self.segment_len(self.seg_index)
            want = seg_len - self.seg_filled
            if want >= DIRECT_READ:
                target = self.segment_ptr(self.seg_index) + self.seg_filled
                with nogil:
                    got = read(fd, target, want)
                    if got < 0:
                        err = errno
                if got > 0:
                    self.seg_filled += got
                    return got
                return self.read_result(got, err)
        if self.start == self.end:
            self.start = self.end = 0
        elif self.end == READ_BUFFER:
            memmove(self.buf, self.buf + self.start, self.end - self.start)
            self.end -= self.start
            self.start = 0
        target = self.buf + self.end
        want = READ_BUFFER - self.end
        with nogil:
            got = read(fd, target, want)
            if got < 0:
                err = errno
        if got > 0:
            self.end += got
            return got
        return self.read_result(got, err)

    cdef Py_ssize_t read_result(self, Py_ssize_t got, int err) except -3:
        if got == 0:
            return 0
        if err == EAGAIN or err == EINTR:
            return -1
        if err == 104:   # ECONNRESET cannot happen on a pipe; treat as EOF
            return 0
        raise OSError(err, os.strerror(err))

    cdef object read_frame(self, int fd, double spin):
        """The next frame from a blocking fd; None at end of file. Before
        sleeping in read(), poll for up to ``spin`` seconds."""
        cdef Py_ssize_t got
        while True:
            frame = self.next_frame()
            if frame is not None:
                return frame
            if spin > 0.0:
                spin_until_readable(fd, spin)
            got = self.fill(fd, True)
            if got == 0:
                return None
            if got < 0:
                PyErr_CheckSignals()


cdef void spin_until_readable(int fd, double spin) noexcept nogil:
    # A sleeping process takes tens of microseconds to wake on a VM; a
    # worker that polls for a moment after answering catches the next call
    # of a caller that waits for each result. sched_yield() lets a thread
    # or process that shares this CPU run meanwhile.
    cdef pollfd pfd
    cdef double until = cf_monotonic() + spin
    pfd.fd = fd
    pfd.events = POLLIN
    while True:
        pfd.revents = 0
        if poll(&pfd, 1, 0) != 0 or cf_monotonic() >= until:
            return
        sched_yield()


def _grow_pipe(int fd, Py_ssize_t size):
    """Ask for a pipe of at least ``size`` bytes (Linux); returns the new size."""
    try:
        import fcntl
        return fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)
    except (ImportError, AttributeError, OSError):
        return 0


cdef Py_ssize_t pipe_size_for(Py_ssize_t frame_bytes):
    cdef Py_ssize_t size = PIPE_DEFAULT
    while size < frame_bytes and size < PIPE_MAX:
        size *= 2
    return size


# -- the parent -----------------------------------------------------------------

@cython.final
cdef class WorkItem:
    cdef CoreFuture future
    cdef object fn
    cdef tuple args
    cdef dict kwargs   # None when the call has no keyword arguments


@cython.final
cdef class WorkerChannel:
    """The parent's end of one worker process."""
    cdef readonly object process
    cdef readonly int pid
    cdef object call_conn        # multiprocessing Connections owning the fds
    cdef object result_conn
    cdef int call_fd, result_fd, sentinel
    cdef FrameReader reader
    cdef list out                # frame parts not yet written
    cdef Py_ssize_t out_offset
    cdef object inflight         # deque of the futures sent, oldest first
    cdef object batches          # deque: calls unanswered in each sent batch
    cdef object shorts           # deque: whether each batch's calls were known short
    cdef double last_progress    # when it last answered, or got work while idle
    cdef readonly Py_ssize_t sent
    cdef Py_ssize_t call_pipe, result_pipe
    cdef readonly bint stopping  # told to stop, or terminated on purpose
    cdef readonly bint retiring  # reached max_tasks_per_child
    cdef bint eof                # its result pipe reached end of file
    cdef bint gone               # its sentinel fired
    cdef bint writing            # a thread is in flush()
    cdef bint closed

    def __cinit__(self, process, call_conn, result_conn):
        self.process = process
        self.pid = process.pid
        self.call_conn = call_conn
        self.result_conn = result_conn
        self.call_fd = call_conn.fileno()
        self.result_fd = result_conn.fileno()
        self.sentinel = process.sentinel
        os.set_blocking(self.call_fd, False)
        os.set_blocking(self.result_fd, False)
        self.reader = FrameReader.__new__(FrameReader)
        self.out = []
        self.inflight = _deque()
        self.batches = _deque()
        self.shorts = _deque()
        self.call_pipe = self.result_pipe = PIPE_DEFAULT

    def parent_fds(self):
        return () if self.closed else (self.call_fd, self.result_fd)

    def close(self):
        self.closed = True
        self.gone = True
        self.out = []
        self.call_conn.close()
        self.result_conn.close()

    cdef int enqueue(self, list parts, Py_ssize_t frame_bytes) except -1:
        cdef Py_ssize_t size
        if frame_bytes > self.call_pipe and self.call_pipe < PIPE_MAX:
            size = _grow_pipe(self.call_fd, pipe_size_for(frame_bytes))
            if size > 0:
                self.call_pipe = size
        self.out.extend(parts)
        return self.flush()

    cdef int flush(self) except -1:
        """Write what the pipe takes; 1 once everything queued is written.

        The write releases the GIL: a second thread that flushes meanwhile
        leaves the rest to the one writing.
        """
        if self.writing:
            return 0
        self.writing = True
        try:
            return self.write_out()
        finally:
            self.writing = False

    cdef int write_out(self) except -1:
        cdef Py_ssize_t written, size
        if self.closed:
            self.out = []
            return 1
        while self.out:
            try:
                written = writev_parts(self.call_fd, self.out, self.out_offset)
            except (BrokenPipeError, ConnectionResetError):
                # The worker is gone; its sentinel tells the rest.
                self.out = []
                self.out_offset = 0
                return 1
            if written < 0:
                return 0
            self.out_offset += written
            while self.out:
                size = part_size(self.out[0])
                if self.out_offset < size:
                    break
                self.out_offset -= size
                del self.out[0]
        return 1

    cdef bint can_take(self, Py_ssize_t max_tasks, Py_ssize_t depth, double now):
        cdef Py_ssize_t outstanding = len(self.batches)
        if (self.out or self.stopping or self.retiring or self.gone
                or (max_tasks and self.sent >= max_tasks)):
            return False
        if outstanding == 0:
            return True
        if outstanding >= depth:
            return False
        # Queue behind a batch only if its calls were known to be short when
        # it was sent and it is making progress.
        return self.shorts[0] and now - self.last_progress < STALL_SECONDS


cdef class ProcessPoolCore:
    """State, submit() and manager loop of a process pool; see cfutures.process.

    The Python subclass there supplies the slow paths: ``start()`` (first
    submit), ``spawn_worker()``, ``stop_workers()``, ``terminate_workers()``.
    """
    cdef object pending               # deque of WorkItem, oldest first
    cdef public list workers          # WorkerChannel
    # pid -> Process of every worker started and not retired (what the
    # stdlib's executor._processes holds, the same dict for the pool's life)
    cdef public dict processes
    cdef int wake_r, wake_w
    cdef bint sleeping, wake_sent
    cdef public object broken         # False, or the reason submit() refuses
    cdef public bint shutdown_requested
    cdef public bint started
    cdef public bint spawn_on_demand  # False with fork: all start up front
    cdef public Py_ssize_t max_workers
    cdef public Py_ssize_t max_tasks  # 0: unlimited
    cdef Py_ssize_t inflight_total
    cdef Py_ssize_t reserved          # sends being pickled
    cdef Py_ssize_t local_failures    # calls that failed to pickle here
    cdef double task_seconds          # estimated cost of a call; <0 unknown
    cdef double call_bytes            # estimated pickled size of a call
    cdef Py_ssize_t next_worker       # round robin
    cdef pollfd *fds
    cdef Py_ssize_t fds_capacity

    def __cinit__(self, *args, **kwargs):
        self.pending = _deque()
        self.workers = []
        self.processes = {}
        self.broken = False
        self.task_seconds = -1.0
        self.call_bytes = -1.0
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)

    def __dealloc__(self):
        free(self.fds)
        if self.wake_r >= 0:
            close(self.wake_r)
            close(self.wake_w)

    def close_wakeup(self):
        if self.wake_r >= 0:
            os.close(self.wake_r)
            os.close(self.wake_w)
            self.wake_r = self.wake_w = -1

    def wakeup_fds(self):
        return (self.wake_r, self.wake_w)

    # -- the caller's side ---------------------------------------------------

    cdef int check_open(self) except -1:
        if self.broken:
            raise BrokenProcessPool(self.broken)
        if self.shutdown_requested:
            raise RuntimeError('cannot schedule new futures after shutdown')
        if interpreter_exiting:
            raise RuntimeError('cannot schedule new futures after '
                               'interpreter shutdown')
        return 0

    cdef CoreFuture submit(self, object fn, tuple args, dict kwargs):
        cdef WorkItem item
        cdef WorkerChannel w
        cdef CoreFuture future
        self.check_open()
        item = WorkItem.__new__(WorkItem)
        item.future = future = new_future()
        item.fn = fn
        item.args = args
        item.kwargs = kwargs if kwargs else None
        if self.started and self.spawn_on_demand:
            if (len(self.workers) < self.max_workers
                    and self.outstanding() + 1 > self.capacity()):
                # As the stdlib does: no idle worker, so start one now.
                self.spawn_if_needed(1)
        if self.started and not self.pending:
            w = self.idle_worker()
            if w is not None:
                # Straight to an idle worker: no manager round trip. The
                # check and the reservation (which keeps the manager from
                # stopping) run with nothing between them that could let
                # another thread in; so do the check and the append below.
                self.check_open()
                self.reserved += 1
                try:
                    future.start_or_notify_cancel()
                    self.send_calls(w, [call_tuple(fn, args, item.kwargs)], [future])
                finally:
                    self.release_reservation()
                if w.out and self.sleeping:
                    self.wake()   # the manager must watch the rest go out
                return future
        self.check_open()
        self.pending.append(item)
        if not self.started:
            try:
                self.start()
            except BaseException:
                # No pool to run it: the caller gets the error, not a future.
                try:
                    self.pending.remove(item)
                except ValueError:
                    pass
                raise
        elif self.sleeping:
            self.wake()
        return future

    cdef int release_reservation(self) except -1:
        self.reserved -= 1
        if self.sleeping and (self.shutdown_requested or interpreter_exiting):
            self.wake()   # it may be waiting for this to stop
        return 0

    cdef int wake(self) except -1:
        if not self.wake_sent and self.wake_w >= 0:
            self.wake_sent = True
            try:
                os.write(self.wake_w, b"\0")
            except BlockingIOError:
                pass
        return 0

    def wakeup(self):
        """Make the manager look at its state again."""
        self.wake_sent = False
        self.wake()

    def request_shutdown(self, bint cancel_futures=False):
        cdef WorkItem item
        cdef Py_ssize_t keep
        cdef list kept
        self.shutdown_requested = True
        if cancel_futures:
            # As the stdlib, whose call queue holds max_workers + 1 calls
            # already marked running: the oldest calls up to that many in
            # flight still run, the rest are cancelled.
            keep = max(0, self.max_workers + 1 - self.inflight_total)
            kept = [self.pending.popleft()
                    for _ in range(min(keep, len(self.pending)))]
            while self.pending:
                item = self.pending.popleft()
                item.future.cancel()
            self.pending.extend(kept)
        self.wakeup()

    def pending_count(self):
        return len(self.pending)

    # -- the manager ---------------------------------------------------------

    def run(self):
        """The manager thread's body."""
        try:
            while not self.broken:
                self.adjust_workers()
                if self.broken:
                    break
                self.dispatch()
                if ((self.shutdown_requested or interpreter_exiting)
                        and not self.pending and self.inflight_total == 0
                        and self.reserved == 0):
                    self.stop_workers()
                    break
                self.wait_once()
        except BaseException as exc:
            if not self.broken:
                self.break_pool(
                    f"The process pool's manager failed: {exc!r}", exc,
                    f"The process pool's manager failed ({exc!r}), the "
                    f"process pool is not usable anymore")
            if not isinstance(exc, Exception):
                raise

    cdef int adjust_workers(self) except -1:
        """Start a worker when work waits and no worker is idle (one that
        reached max_tasks_per_child left, say)."""
        if not self.spawn_on_demand or not self.pending:
            return 0
        if len(self.workers) >= self.max_workers or self.outstanding() <= self.capacity():
            return 0
        self.spawn_if_needed(0)
        return 0

    cdef Py_ssize_t outstanding(self):
        """Calls submitted and not answered by a worker yet.

        Calls that failed to pickle count too, forever, as in the stdlib
        (whose idle-worker count only grows with results): such a pool may
        start a worker more, never more than max_workers.
        """
        return (len(self.pending) + self.inflight_total + self.reserved
                + self.local_failures)

    cdef Py_ssize_t capacity(self):
        """Workers that can take calls (not retiring nor stopping)."""
        cdef WorkerChannel w
        cdef Py_ssize_t n = 0
        for w in self.workers:
            if not (w.retiring or w.stopping or w.gone):
                n += 1
        return n

    def needs_worker(self, Py_ssize_t extra=0):
        """True if more calls are outstanding (counting ``extra`` about to
        be) than workers can take, and there is room for another worker."""
        return (not self.broken and len(self.workers) < self.max_workers
                and self.outstanding() + extra > self.capacity())

    cdef Py_ssize_t depth(self):
        if 0 <= self.task_seconds <= DEEP_MAX_SECONDS:
            return DEPTH
        return 1

    cdef Py_ssize_t batch_size(self):
        cdef double k
        if self.task_seconds < 0:
            return 1
        k = BATCH_SECONDS / (self.task_seconds if self.task_seconds > 1e-7 else 1e-7)
        if self.call_bytes > 0 and k > BATCH_BYTES / self.call_bytes:
            k = BATCH_BYTES / self.call_bytes
        if k < 1:
            return 1
        if k > BATCH_MAX:
            return BATCH_MAX
        return <Py_ssize_t>k

    cdef int dispatch(self) except -1:
        """Send what waits to the workers that can take it, in rounds."""
        while self.pending and self.dispatch_round():
            pass
        return 0

    cdef bint dispatch_round(self) except -1:
        """One batch to each worker that can take one; False if none could."""
        cdef Py_ssize_t n = len(self.workers), i, k, eligible, share, left
        cdef Py_ssize_t depth = self.depth()
        cdef double now = cf_monotonic()
        cdef WorkerChannel w
        cdef list workers = self.workers
        if n == 0:
            return False
        eligible = 0
        for w in workers:
            if w.can_take(self.max_tasks, depth, now):
                eligible += 1
        if eligible == 0:
            return False
        k = self.batch_size()
        for i in range(n):
            if not self.pending or eligible == 0:
                break
            w = workers[(self.next_worker + i) % n]
            if not w.can_take(self.max_tasks, depth, now):
                continue
            # Share what waits evenly among the workers that can take it.
            share = (len(self.pending) + eligible - 1) // eligible
            eligible -= 1
            left = k if k < share else share
            if self.max_tasks and left > self.max_tasks - w.sent:
                left = self.max_tasks - w.sent
            self.send_batch(w, left)
        self.next_worker = (self.next_worker + 1) % n
        return True

    cdef int send_batch(self, WorkerChannel w, Py_ssize_t k) except -1:
        cdef list calls = []
        cdef list futures = []
        cdef WorkItem item
        while len(calls) < k and self.pending:
            item = self.pending.popleft()
            if not item.future.start_or_notify_cancel():
                continue
            calls.append(call_tuple(item.fn, item.args, item.kwargs))
            futures.append(item.future)
        if calls:
            self.send_calls(w, calls, futures)
        return 0

    cdef int send_calls(self, WorkerChannel w, list calls, list futures) except -1:
        """Pickle ``calls`` (their futures already running) and queue them
        for ``w``. May run in the manager or, for an idle worker, in submit().
        """
        cdef BufferCollector collector = BufferCollector.__new__(BufferCollector)
        cdef Py_ssize_t n, frame_bytes
        cdef CoreFuture future
        cdef list views
        # Pickling runs Python code that may let other threads in: the
        # manager must not stop while these calls are in nobody's books.
        self.reserved += 1
        try:
            try:
                body = dumps(calls, collector)
            except Exception:
                body = None
            if body is None:
                # Outside the handler: the failures must not chain to this
                # thread's frames (through __context__), which would keep
                # them, and the caller's locals, alive.
                body = self.pickle_each(calls, futures, collector)
        finally:
            self.release_reservation()
        if body is None:
            return 0
        if self.broken or w.gone or w.stopping:
            exc = BrokenProcessPool(self.broken or
                                    f"worker {w.pid} exited before the call was sent")
            for future in futures:
                try:
                    future.finish(exc, True)
                except InvalidStateError:
                    pass
            return 0
        views = collector.views
        n = len(calls)
        frame_bytes = len(body)
        for view in views:
            frame_bytes += view.nbytes
        self.call_bytes = (frame_bytes / n if self.call_bytes < 0
                           else 0.5 * self.call_bytes + 0.5 * frame_bytes / n)
        # The futures join the worker's books in the order their frames go
        # out: these two updates and the enqueue happen without a GIL release.
        if not w.batches:
            w.last_progress = cf_monotonic()
        w.inflight.extend(futures)
        w.batches.append(n)
        w.shorts.append(0 <= self.task_seconds <= DEEP_MAX_SECONDS)
        w.sent += n
        self.inflight_total += n
        if self.max_tasks and w.sent >= self.max_tasks:
            w.retiring = True
        w.enqueue(frame_parts(K_CALLS, <uint32_t>n, body, views), frame_bytes)
        return 0

    cdef object pickle_each(self, list calls, list futures, BufferCollector collector):
        """Fail the calls that do not pickle; the rest's pickle, or None."""
        cdef Py_ssize_t i
        cdef CoreFuture future
        good_calls = []
        good_futures = []
        for i in range(len(calls)):
            try:
                dumps(calls[i], collector)
            except Exception as exc:
                future = futures[i]
                self.local_failures += 1
                future.finish(local_failure(exc), True)
            else:
                good_calls.append(calls[i])
                good_futures.append(futures[i])
        calls[:] = good_calls
        futures[:] = good_futures
        if not calls:
            return None
        return dumps(calls, collector)

    cdef WorkerChannel idle_worker(self):
        cdef WorkerChannel w
        for w in self.workers:
            if not w.writing and w.can_take(self.max_tasks, 1, 0.0):
                return w
        return None

    cdef int wait_once(self) except -1:
        cdef Py_ssize_t n = len(self.workers), i, nfds = 1
        cdef WorkerChannel w
        cdef int rc, err = 0
        cdef pollfd *fds
        cdef list workers = list(self.workers)
        if 1 + 3 * n > self.fds_capacity:
            free(self.fds)
            self.fds = <pollfd*>malloc(sizeof(pollfd) * (1 + 3 * n))
            if self.fds == NULL:
                self.fds_capacity = 0
                raise MemoryError()
            self.fds_capacity = 1 + 3 * n
        fds = self.fds
        fds[0].fd = self.wake_r
        fds[0].events = POLLIN
        fds[0].revents = 0
        for i in range(n):
            w = workers[i]
            fds[1 + 3 * i].fd = -1 if w.eof else w.result_fd
            fds[1 + 3 * i].events = POLLIN
            fds[1 + 3 * i].revents = 0
            fds[2 + 3 * i].fd = -1 if w.gone else w.sentinel
            fds[2 + 3 * i].events = POLLIN
            fds[2 + 3 * i].revents = 0
            fds[3 + 3 * i].fd = w.call_fd if w.out else -1
            fds[3 + 3 * i].events = POLLOUT
            fds[3 + 3 * i].revents = 0
        nfds = 1 + 3 * n
        self.sleeping = True
        with nogil:
            rc = poll(fds, nfds, -1)
            if rc < 0:
                err = errno
        self.sleeping = False
        if rc < 0:
            if err == EINTR:
                return 0
            raise OSError(err, os.strerror(err))
        if fds[0].revents:
            self.drain_wakeup()
        # Results can complete futures whose callbacks do anything (even
        # break or shut down the pool): re-check before each step.
        for i in range(n):
            w = workers[i]
            if self.broken:
                return 0
            if fds[1 + 3 * i].revents and not w.closed:
                self.read_results(w)
            if fds[3 + 3 * i].revents and not w.closed:
                w.flush()
        for i in range(n):
            w = workers[i]
            if self.broken:
                return 0
            if fds[2 + 3 * i].revents and not w.gone:
                self.worker_exited(w)
        return 0

    cdef int drain_wakeup(self) except -1:
        self.wake_sent = False
        try:
            while os.read(self.wake_r, 4096):
                pass
        except BlockingIOError:
            pass
        return 0

    cdef Py_ssize_t read_results(self, WorkerChannel w) except -1:
        """Read and handle what ``w`` sent; the bytes read."""
        cdef Py_ssize_t got, rounds = 0, size, total = 0
        cdef FrameReader reader = w.reader
        while rounds < 64 and not w.eof and not w.closed:
            rounds += 1
            got = reader.fill(w.result_fd, False)
            if got == 0:
                w.eof = True
            elif got > 0:
                total += got
            while True:
                frame = reader.next_frame()
                if frame is None:
                    break
                self.handle_frame(w, frame)
                if self.broken or w.closed:
                    return total
            if got < 0:
                break
        if reader.largest > w.result_pipe and w.result_pipe < PIPE_MAX:
            size = _grow_pipe(w.result_fd, pipe_size_for(reader.largest))
            w.result_pipe = size if size > 0 else PIPE_MAX
        return total

    cdef int handle_frame(self, WorkerChannel w, tuple frame) except -1:
        cdef uint32_t kind = frame[0]
        cdef Py_ssize_t count = frame[1], i, n
        cdef CoreFuture future
        cdef list values
        cdef dict errors
        cdef double busy
        if kind == K_RESULTS:
            try:
                values, errors, busy = _loads(frame[2], buffers=frame[3])
            except BaseException as exc:
                # As the stdlib: a result the parent cannot read breaks the
                # pool (the worker's state is unknown from here on).
                self.break_pool(
                    f"A result from process {w.pid} could not be "
                    f"unpickled: {type(exc).__name__}: {exc}",
                    local_failure(exc),
                    "A result could not be unpickled, the process pool is "
                    "not usable anymore")
                return 0
            del frame
            n = len(values)
            if n:
                sample = busy / n
                self.task_seconds = (sample if self.task_seconds < 0
                                     else 0.5 * self.task_seconds + 0.5 * sample)
            for i in range(n):
                future = w.inflight.popleft()
                try:
                    if errors is not None and i in errors:
                        future.finish(decode_exception(errors[i]), True)
                    else:
                        future.finish(values[i], False)
                except InvalidStateError:
                    pass   # someone completed it by hand
                values[i] = None
            self.answered(w, n)
        elif kind == K_INIT_FAILED:
            cause = _RemoteTraceback(_loads(frame[2]))
            # The worker returns by itself after this frame: let it, so what
            # it logged (often through a multiprocessing queue) is flushed
            # before the pool ends every worker.
            w.process.join(WORKER_EXIT_GRACE)
            self.break_pool(
                f"A process in the process pool failed to initialize "
                f"(pid {w.pid}): its initializer raised",
                cause,
                "A process in the process pool failed to initialize, the "
                "process pool is not usable anymore")
        else:
            raise RuntimeError(f"unexpected frame kind {kind} from worker {w.pid}")
        return 0

    cdef int fail_oldest(self, WorkerChannel w, Py_ssize_t count, object exc) except -1:
        cdef Py_ssize_t i
        cdef CoreFuture future
        count = min(count, len(w.inflight))
        for i in range(count):
            future = w.inflight.popleft()
            try:
                future.finish(exc, True)
            except InvalidStateError:
                pass
        self.answered(w, count)
        return 0

    cdef int answered(self, WorkerChannel w, Py_ssize_t n) except -1:
        cdef Py_ssize_t first
        self.inflight_total -= n
        if n > 0:
            w.last_progress = cf_monotonic()
        while n > 0 and w.batches:
            first = w.batches[0]
            if first <= n:
                n -= first
                w.batches.popleft()
                w.shorts.popleft()
            else:
                w.batches[0] = first - n
                n = 0
        if not w.batches and self.inflight_total == 0 and not self.pending:
            # Idle: the next burst measures its calls afresh.
            self.task_seconds = -1.0
        return 0

    cdef int worker_exited(self, WorkerChannel w) except -1:
        w.gone = True
        # Results it wrote before exiting are still in the pipe.
        while not w.eof and not w.closed:
            if self.read_results(w) <= 0 or self.broken:
                break
        if self.broken:
            return 0
        w.process.join(5.0)
        exitcode = w.process.exitcode
        expected = (w.stopping or (w.retiring and not w.inflight)
                    or (self.shutdown_requested and not w.inflight))
        if expected and not w.inflight:
            self.workers.remove(w)
            if w.retiring and not self.shutdown_requested:
                # Replaced, as the stdlib forgets a worker that retired.
                self.processes.pop(w.pid, None)
            w.close()
            return 0
        self.break_pool(
            f"A process in the process pool was terminated abruptly while "
            f"the future was running or pending (pid {w.pid}, "
            f"{describe_exit(exitcode)})", None,
            f"A child process terminated abruptly, the process pool is not "
            f"usable anymore (pid {w.pid}, {describe_exit(exitcode)})")
        return 0

    cdef int break_pool(self, str message, object cause, str reason) except -1:
        """Mark the pool broken, fail everything, end every worker.

        ``message`` is what the futures raise, ``reason`` what submit() does.
        """
        cdef WorkerChannel w
        cdef WorkItem item
        cdef CoreFuture future
        self.broken = reason
        exc = BrokenProcessPool(message)
        if cause is not None:
            exc.__cause__ = cause
        self.terminate_workers()
        for w in list(self.workers):
            while w.inflight:
                future = w.inflight.popleft()
                try:
                    future.finish(exc, True)
                except InvalidStateError:
                    pass
            w.batches.clear()
            w.shorts.clear()
        self.inflight_total = 0
        while self.pending:
            item = self.pending.popleft()
            try:
                item.future.finish(exc, True)
            except InvalidStateError:
                pass   # cancelled meanwhile
        self.join_workers()
        return 0

    cdef int send_stop(self, WorkerChannel w) except -1:
        w.stopping = True
        w.enqueue(frame_parts(K_STOP, 0, b"", None), 0)
        return 0

    def _send_stop_to_all(self):
        cdef WorkerChannel w
        for w in self.workers:
            if not w.gone:
                self.send_stop(w)

    def _flush_all(self):
        cdef WorkerChannel w
        for w in self.workers:
            w.flush()

    def _has_output(self):
        cdef WorkerChannel w
        for w in self.workers:
            if w.out and not w.gone:
                return True
        return False

    def _mark_stopping(self):
        cdef WorkerChannel w
        for w in self.workers:
            w.stopping = True


def describe_exit(exitcode):
    if exitcode is None:
        return "exit code unknown"
    if exitcode < 0:
        try:
            import signal
            return f"exit code {exitcode}, killed by {signal.Signals(-exitcode).name}"
        except (ValueError, ImportError):
            pass
    return f"exit code {exitcode}"


cdef class ProcessPoolBase:
    """submit() of a ProcessPoolExecutor; see cfutures.process."""
    cdef public ProcessPoolCore _core

    def submit(self, fn, /, *args, **kwargs):
        """Schedule ``fn(*args, **kwargs)`` in a worker process; return its Future."""
        return self._core.submit(fn, args, kwargs)


# -- the worker -----------------------------------------------------------------

@cython.final
cdef class ResultBatch:
    """The results a worker has not sent yet.

    The worker's main thread adds results and sends them when its batch ends
    or FLUSH_SECONDS after the last send. A call that runs long would hold
    back the results before it in its batch, so while a batch runs a
    flusher thread wakes every FLUSHER_PERIOD and sends what has waited
    longer than FLUSH_SECONDS.
    """
    cdef int fd
    cdef list values
    cdef dict errors
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

    def __cinit__(self, int fd):
        self.fd = fd
        self.values = []
        self.errors = None
        self.collector = BufferCollector.__new__(BufferCollector)
        self.send_lock = PyThread_allocate_lock()
        if self.send_lock == NULL:
            raise MemoryError()
        cf_parker_init(&self.alarm)

    def __dealloc__(self):
        if self.send_lock != NULL:
            PyThread_free_lock(self.send_lock)
        cf_parker_free(&self.alarm)

    cdef inline int add_value(self, object value) except -1:
        if type(value) is bytes and len(<bytes>value) >= OOB_MIN_BYTES:
            self.big_bytes += len(<bytes>value)
            value = _PickleBuffer(value)
        self.values.append(value)
        return 0

    cdef int add_error(self, tuple encoded) except -1:
        if self.errors is None:
            self.errors = {}
        self.errors[len(self.values)] = encoded
        self.values.append(None)
        return 0

    cdef int begin_batch(self, Py_ssize_t n) except -1:
        self.since = cf_monotonic()
        if n < 2:
            return 0
        self.in_batch = True
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
        return self.flush()

    def run_flusher(self):
        try:
            while True:
                if not self.in_batch:
                    self.flusher_idle = True
                    cf_parker_wait(&self.alarm, -1.0, 0.0)
                    continue
                cf_parker_wait(&self.alarm, FLUSHER_PERIOD, 0.0)
                if (self.in_batch and self.values
                        and cf_monotonic() - self.since >= FLUSH_SECONDS):
                    self.flush()
        except BaseException:
            pass   # the parent is gone; the main thread sees it too

    cdef int flush(self) except -1:
        if not PyThread_acquire_lock(self.send_lock, NOWAIT_LOCK):
            with nogil:
                PyThread_acquire_lock(self.send_lock, WAIT_LOCK)
        try:
            self.send()
        finally:
            PyThread_release_lock(self.send_lock)
        return 0

    cdef int send(self) except -1:
        # Take the results out first: pickling can run Python code, which
        # lets the other thread in to add more.
        cdef list values = self.values
        cdef dict errors = self.errors
        cdef Py_ssize_t n = len(values), i
        cdef list views
        if n == 0:
            return 0
        payload = (values, errors, self.busy)
        self.values = []
        self.errors = None
        self.busy = 0.0
        self.big_bytes = 0
        try:
            body = dumps(payload, self.collector)
        except BaseException:
            body = None
        if body is None:
            # Find the results that do not pickle; each becomes its error
            # (SystemExit from a __reduce__ too, as in the stdlib). Outside
            # the handler, so that their tracebacks do not chain to it.
            for i in range(n):
                if errors is not None and i in errors:
                    continue
                try:
                    dumps(values[i], self.collector)
                except BaseException as exc:
                    values[i] = None
                    if errors is None:
                        errors = {}
                    errors[i] = encode_exception(exc)
            payload = (values, errors, payload[2])
            body = dumps(payload, self.collector)
        views = self.collector.views
        self.collector.views = []
        payload = values = errors = None
        write_all(self.fd, frame_parts(K_RESULTS, <uint32_t>n, body, views))
        self.since = cf_monotonic()
        return 0


def worker_main(call_conn, result_conn, initializer, tuple initargs,
                Py_ssize_t max_tasks, tuple close_fds):
    """A worker process's body: run calls until told to stop.

    ``close_fds`` are the parent's descriptors a forked child inherited.
    """
    cdef int in_fd = call_conn.fileno(), out_fd = result_conn.fileno()
    for fd in close_fds:
        try:
            os.close(fd)
        except OSError:
            pass
    if initializer is not None:
        try:
            initializer(*initargs)
        except BaseException as exc:
            LOGGER.critical('Exception in initializer:', exc_info=True)
            body = _dumps(traceback_text(exc), PROTOCOL)
            try:
                write_all(out_fd, frame_parts(K_INIT_FAILED, 0, body, None))
            except OSError:
                pass
            return
    try:
        run_worker(in_fd, out_fd, max_tasks)
    except BrokenPipeError:
        return   # the parent is gone: nobody wants the results
    # The connections own the descriptors: keep them alive until here.
    call_conn.close()
    result_conn.close()


cdef int run_worker(int in_fd, int out_fd, Py_ssize_t max_tasks) except -1:
    cdef FrameReader reader = FrameReader.__new__(FrameReader)
    cdef ResultBatch results = ResultBatch.__new__(ResultBatch, out_fd)
    cdef Py_ssize_t done = 0, count, i, n
    cdef double t0, t1
    cdef list calls
    cdef tuple call, encoded
    while True:
        frame = reader.read_frame(in_fd, WORKER_SPIN_SECONDS)
        if frame is None or frame[0] == K_STOP:
            return 0
        count = frame[1]
        # A call that cannot be unpickled here ends this worker, as in the
        # stdlib: the parent sees it die and breaks the pool, naming it.
        calls = _loads(frame[2], buffers=frame[3])
        frame = None
        n = len(calls)
        results.begin_batch(n)
        for i in range(n):
            call = calls[i]
            calls[i] = None
            fn, args, kwargs = call
            call = None
            t0 = cf_monotonic()
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
            if t1 - results.since >= FLUSH_SECONDS or results.big_bytes >= FLUSH_BYTES:
                results.flush()
        calls = None
        results.end_batch()
        done += n
        if max_tasks and done >= max_tasks:
            return 0
