"""The process pool's wire format: pickling, frames and pipe I/O.

Parent and worker talk over two pipes per worker, in frames::

    kind:u32 count:u32 nbufs:u32 0:u32 body_len:u64  (nbufs x u64 buffer lengths)
    body (a pickle)  buffer 1 ... buffer n           (pickle protocol 5 buffers)

Integers are in the machine's byte order (both ends are one machine). A
buffer length with its top bit set is a read-only buffer (rebuilt as
``bytes``), otherwise writable (``bytearray``).

* ``FRAME_CALLS``: ``count`` calls, one pickled list of ``(fn, args,
  kwargs)``, ``kwargs`` None when empty.
* ``FRAME_RESULTS``: answers the oldest ``count`` unanswered calls, in
  order, with ``(values, errors, busy_seconds)``: ``errors`` maps an index
  to ``encode_exception()`` of what that call raised (None if none did).
* ``FRAME_STOP``: empty; the worker returns once it has read it.
* ``FRAME_READY``: empty, the worker's first frame once its initializer
  ran: the parent sends a worker calls only from then on, so that no call
  waits for a worker still starting while another could run it.
* ``FRAME_INIT_FAILED``: the pickled traceback text of the initializer's
  exception; the worker then exits.
* ``FRAME_RUN_PART``: ``count`` items of the oldest unanswered call, a map
  run still running: a pickled ``_item_run.ItemRun`` of the items it
  finished since its last part, sent while the run goes on; the run's
  FRAME_RESULTS answer then carries only the items after its parts.
* ``FRAME_RETIRING``: empty, after the answers of the calls it ran: the
  worker is above max_worker_memory and exits (0) without starting another
  call. The parent learns why from this frame, not from the exit code (two
  threads polling a forkserver child can read 255 instead).

Large byte strings and objects that export pickle-5 buffers travel beside
the pickle, so they are written straight from the object and read straight
into the new one. A reader raises ValueError on a header no writer makes;
``read_frame`` (the worker's blocking read) raises EOFError when the pipe
ends inside a frame (the parent sees such a worker exit instead).
"""
cimport cython
from cfutures._core._parker cimport cf_monotonic, cf_yield_thread
from cfutures._core._syscalls cimport POLLIN, poll, pollfd
from cfutures._core._tuning cimport (
    CF_DIRECT_READ, CF_MAX_BUFFERS, CF_MAX_IOV, CF_OOB_MIN_BYTES,
    CF_PIPE_DEFAULT, CF_PIPE_MAX, CF_READ_BUFFER)
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_FromStringAndSize
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.exc cimport PyErr_CheckSignals
from cpython.pyport cimport PY_SSIZE_T_MAX
from libc.errno cimport EAGAIN, ECONNRESET, EINTR, errno
from libc.stdint cimport uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memmove
from posix.uio cimport iovec, writev
from posix.unistd cimport read

import os
import pickle
# From multiprocessing itself, not cfutures._stdlib: a worker process loads
# this module, and never concurrent.futures (nor logging, nor traceback
# until a call raises), so that it starts sooner than the stdlib's worker.
from multiprocessing.reduction import ForkingPickler


cdef object remote_traceback(str text):
    """The stdlib's _RemoteTraceback of ``text``; looked up when first
    needed, in the parent: a worker never imports concurrent.futures.process."""
    from cfutures._stdlib import RemoteTraceback
    return RemoteTraceback(text)

cdef uint64_t READ_ONLY_BIT = (<uint64_t>1) << 63


# Header fields go through memcpy: a frame starts anywhere in the read
# buffer, and a misaligned integer load is undefined behaviour in C.
cdef inline uint32_t load_u32(const char *p) noexcept nogil:
    cdef uint32_t value
    memcpy(&value, p, 4)
    return value


cdef inline uint64_t load_u64(const char *p) noexcept nogil:
    cdef uint64_t value
    memcpy(&value, p, 8)
    return value


cdef inline void store_u32(char *p, uint32_t value) noexcept nogil:
    memcpy(p, &value, 4)


cdef inline void store_u64(char *p, uint64_t value) noexcept nogil:
    memcpy(p, &value, 8)
cdef object _dumps = pickle.dumps
cdef object _loads = pickle.loads
cdef object _PickleBuffer = pickle.PickleBuffer


# -- pickling -----------------------------------------------------------------

@cython.final
cdef class BufferCollector:
    """pickle's buffer_callback: large contiguous buffers go out of band."""

    def __cinit__(self):
        self.views = []

    def __call__(self, buffer):
        try:
            view = buffer.raw()
        except BufferError:
            return True
        if view.nbytes < CF_OOB_MIN_BYTES or len(self.views) >= CF_MAX_BUFFERS:
            return True
        self.views.append(view)
        return False

    @property
    def buffers(self):
        """The buffers the last dumps() left out of its pickle."""
        return self.views

    cdef int reset(self) except -1:
        if self.views:
            self.views = []
        return 0


cpdef object dumps(object obj, BufferCollector collector):
    """Pickle ``obj``, large buffers into ``collector``: the plain pickler
    first, multiprocessing's (which knows connections, sockets and what was
    registered with it) if that fails."""
    if collector is None:
        raise TypeError("dumps() needs a BufferCollector")
    collector.reset()
    if collector.serializer is not None:
        return collector.serializer.dumps(obj, collector)
    try:
        return _dumps(obj, PROTOCOL, buffer_callback=collector)
    except Exception:
        collector.reset()
    buf = ForkingPickler.dumps(obj, PROTOCOL)
    return buf.tobytes() if isinstance(buf, memoryview) else buf


cpdef object loads(object body, list buffers, Serializer serializer=None):
    if serializer is not None:
        return serializer.loads(body, buffers)
    return _loads(body, buffers=buffers)


cdef object out_of_band(object value):
    """``value``, or a PickleBuffer over it if it should travel beside the pickle."""
    if type(value) is bytes and len(<bytes>value) >= CF_OOB_MIN_BYTES:
        return _PickleBuffer(value)
    return value


cdef tuple oob_args(tuple args):
    cdef Py_ssize_t i, n = len(args)
    cdef list copy = None
    for i in range(n):
        value = out_of_band(args[i])
        if value is not args[i]:
            if copy is None:
                copy = list(args)
            copy[i] = value
    return args if copy is None else tuple(copy)


cdef dict oob_kwargs(dict kwargs):
    cdef dict copy = None
    for key, value in kwargs.items():
        wrapped = out_of_band(value)
        if wrapped is not value:
            if copy is None:
                copy = dict(kwargs)
            copy[key] = wrapped
    return kwargs if copy is None else copy


cpdef list out_of_band_items(list items, bint rows):
    """A map run's ``items`` (argument tuples if ``rows``, else single
    arguments), with large byte strings marked to travel beside the
    pickle, as call_tuple() does for a call's own arguments; the same list
    if none is."""
    cdef Py_ssize_t i, n = len(items)
    cdef list copy = None
    for i in range(n):
        item = oob_args(<tuple>items[i]) if rows else out_of_band(items[i])
        if item is not items[i]:
            if copy is None:
                copy = list(items)
            copy[i] = item
    return items if copy is None else copy


cdef tuple call_tuple(object fn, tuple args, dict kwargs):
    """A call as FRAME_CALLS carries it."""
    return (fn, oob_args(args) if args else args,
            oob_kwargs(kwargs) if kwargs is not None else None)


cpdef str traceback_text(BaseException exc):
    from traceback import format_exception
    return '\n"""\n%s"""' % ''.join(format_exception(type(exc), exc, exc.__traceback__))


cpdef tuple encode_exception(BaseException exc):
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


cpdef object decode_exception(tuple encoded):
    """The exception of an encode_exception() result, with its remote
    traceback as ``__cause__``."""
    text, blob = encoded
    try:
        exc = _loads(blob)
    except BaseException as error:
        exc = error
    if not isinstance(exc, BaseException):
        exc = TypeError(f"worker sent a non-exception: {exc!r}")
    exc.__cause__ = remote_traceback(text)
    return exc


cdef object local_failure(BaseException exc):
    """``exc``, raised in the parent, dressed like the stdlib's feeder errors."""
    exc.__cause__ = remote_traceback(traceback_text(exc))
    exc.__traceback__ = None
    return exc


# -- writing frames -------------------------------------------------------------

cdef bytes frame_header(uint32_t kind, uint32_t count, Py_ssize_t body_len,
                        list views):
    cdef Py_ssize_t nbufs = len(views) if views else 0
    cdef bytes header = PyBytes_FromStringAndSize(NULL, HEADER_SIZE + 8 * nbufs)
    cdef char *p = PyBytes_AS_STRING(header)
    cdef Py_ssize_t i
    cdef uint64_t size
    store_u32(p, kind)
    store_u32(p + 4, count)
    store_u32(p + 8, <uint32_t>nbufs)
    store_u32(p + 12, 0)
    store_u64(p + 16, <uint64_t>body_len)
    for i in range(nbufs):
        view = views[i]
        size = <uint64_t>view.nbytes
        if view.readonly:
            size |= READ_ONLY_BIT
        store_u64(p + 24 + 8 * i, size)
    return header


cpdef list frame_parts(uint32_t kind, uint32_t count, object body, list views):
    """The parts to write, in order, for one frame (``views`` may be None)."""
    cdef list parts = [frame_header(kind, count, len(body), views), body]
    if views:
        parts.extend(views)
    return parts


cdef Py_ssize_t payload_size(object body, list views) except -1:
    """The bytes of a frame's body and buffers (its header left out)."""
    cdef Py_ssize_t size = len(body)
    for view in views:
        size += view.nbytes
    return size


cdef Py_ssize_t writev_parts(int fd, list parts, Py_ssize_t offset) except -2:
    """One writev() of ``parts`` (the first from ``offset``).

    Returns the bytes written, -1 if the pipe is full (EAGAIN) or the call
    was interrupted; raises OSError otherwise.
    """
    cdef Py_buffer views[CF_MAX_IOV]
    cdef iovec iov[CF_MAX_IOV]
    cdef Py_ssize_t n = len(parts), i, got = 0, result
    cdef int err = 0
    if n > CF_MAX_IOV:
        n = CF_MAX_IOV
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


cdef Py_ssize_t drop_written(list parts, Py_ssize_t offset) except -1:
    """Drop the parts that ``offset`` bytes written cover; the offset
    into the first part left."""
    cdef Py_ssize_t size
    while parts:
        size = part_size(parts[0])
        if offset < size:
            break
        offset -= size
        del parts[0]
    return offset


cpdef int write_all(int fd, list parts) except -1:
    """Write every part to a blocking fd (``parts`` is consumed)."""
    cdef Py_ssize_t offset = 0, written
    while parts:
        written = writev_parts(fd, parts, offset)
        if written < 0:
            PyErr_CheckSignals()
            continue
        offset = drop_written(parts, offset + written)
    return 0


cdef Py_ssize_t grow_pipe(int fd, Py_ssize_t frame_bytes):
    """Ask for a pipe (Linux) that holds ``frame_bytes``, at most
    CF_PIPE_MAX; its new size, or 0 if it cannot grow. Releases the GIL."""
    cdef Py_ssize_t size = CF_PIPE_DEFAULT
    while size < frame_bytes and size < CF_PIPE_MAX:
        size *= 2
    try:
        import fcntl
        return fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)
    except (ImportError, AttributeError, OSError):
        return 0


# -- reading frames -------------------------------------------------------------

@cython.final
cdef class Frame:
    """One frame as read: its kind, count, pickle and out-of-band buffers."""

    def __repr__(self):
        return (f"<Frame kind={self.kind} count={self.count} "
                f"body={len(self.body)}B buffers={len(self.buffers)}>")


@cython.final
cdef class FrameReader:
    """Reassembles frames from a pipe, blocking or not."""

    def __cinit__(self):
        self.buf = <char*>malloc(CF_READ_BUFFER)
        if self.buf == NULL:
            raise MemoryError()

    def __dealloc__(self):
        free(self.buf)

    cdef char *segment_ptr(self, Py_ssize_t index):
        target = self.segments[index]
        if type(target) is bytes:
            return PyBytes_AS_STRING(target)
        return PyByteArray_AS_STRING(target)

    cdef int begin_frame(self) except -1:
        """Take the header (whole in the buffer) and allocate the segments."""
        cdef const char *header = self.buf + self.start
        # Segment i's length (i = 0: the body) with its read-only bit.
        cdef const char *lengths = header + 16
        cdef Py_ssize_t nbufs = load_u32(header + 8), i, total = 0
        cdef uint64_t size
        cdef list segments = []
        # Check every size before allocating any.
        for i in range(nbufs + 1):
            size = load_u64(lengths + 8 * i) & ~READ_ONLY_BIT if i else load_u64(lengths)
            if size > <uint64_t>(PY_SSIZE_T_MAX - total):
                raise ValueError(f"corrupt frame header: {size} bytes in a segment")
            total += <Py_ssize_t>size
        for i in range(nbufs + 1):
            size = load_u64(lengths + 8 * i) & ~READ_ONLY_BIT if i else load_u64(lengths)
            if i == 0 or load_u64(lengths + 8 * i) & READ_ONLY_BIT:
                segments.append(PyBytes_FromStringAndSize(NULL, <Py_ssize_t>size))
            else:
                segments.append(PyByteArray_FromStringAndSize(NULL, <Py_ssize_t>size))
        self.kind = load_u32(header)
        self.count = load_u32(header + 4)
        if total > self.largest:
            self.largest = total
        self.segments = segments
        self.seg_index = 0
        self.seg_filled = 0
        self.in_frame = True
        self.start += HEADER_SIZE + 8 * nbufs
        return 0

    cpdef Frame next_frame(self):
        """A complete frame from what was read, or None."""
        cdef Py_ssize_t avail, nbufs, take, seg_len
        cdef const char *header
        cdef Frame frame
        if not self.in_frame:
            avail = self.end - self.start
            if avail < HEADER_SIZE:
                return None
            header = self.buf + self.start
            nbufs = load_u32(header + 8)
            if nbufs > CF_MAX_BUFFERS or load_u32(header + 12) != 0:
                raise ValueError(f"corrupt frame header: {nbufs} buffers, "
                                 f"reserved field {load_u32(header + 12)}")
            if avail < HEADER_SIZE + 8 * nbufs:
                return None
            self.begin_frame()
        while self.seg_index < len(self.segments):
            seg_len = len(self.segments[self.seg_index])
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
        frame = Frame.__new__(Frame)
        frame.kind = self.kind
        frame.count = self.count
        frame.body = self.segments[0]
        frame.buffers = self.segments[1:]
        self.segments = None
        return frame

    @property
    def inside_frame(self):
        """True while part of a frame has been read and not the rest."""
        return self.in_frame or self.end > self.start

    cpdef Py_ssize_t fill(self, int fd) except -3:
        """One read(); bytes read, 0 at end of file, -1 if none were ready
        (non-blocking fd) or the read was interrupted."""
        cdef Py_ssize_t got, want
        if (self.in_frame and self.start == self.end
                and self.seg_index < len(self.segments)):
            want = len(self.segments[self.seg_index]) - self.seg_filled
            if want >= CF_DIRECT_READ:
                # Straight into the object: a large segment is copied once.
                got = read_into(fd, self.segment_ptr(self.seg_index)
                                + self.seg_filled, want)
                if got > 0:
                    self.seg_filled += got
                return got
        if self.start == self.end:
            self.start = self.end = 0
        elif self.end == CF_READ_BUFFER:
            memmove(self.buf, self.buf + self.start, self.end - self.start)
            self.end -= self.start
            self.start = 0
        got = read_into(fd, self.buf + self.end, CF_READ_BUFFER - self.end)
        if got > 0:
            self.end += got
        return got

    cpdef Frame read_frame(self, int fd, double spin=0.0):
        """The next frame from a blocking fd; None at end of file between
        frames. Before sleeping in read(), poll for up to ``spin`` seconds."""
        cdef Py_ssize_t got
        cdef Frame frame
        while True:
            frame = self.next_frame()
            if frame is not None:
                return frame
            if spin > 0.0:
                spin_until_readable(fd, spin)
            got = self.fill(fd)
            if got == 0:
                if self.inside_frame:
                    raise EOFError("the pipe ended inside a frame")
                return None
            if got < 0:
                PyErr_CheckSignals()


cdef Py_ssize_t read_into(int fd, char *target, Py_ssize_t want) except -3:
    """One read() without the GIL: bytes read, 0 at end of file, -1 if none
    were ready or it was interrupted; OSError otherwise."""
    cdef Py_ssize_t got
    cdef int err = 0
    with nogil:
        got = read(fd, target, want)
        if got < 0:
            err = errno
    if got >= 0:
        return got
    if err == EAGAIN or err == EINTR:
        return -1
    if err == ECONNRESET:   # cannot happen on a pipe; the peer is gone
        return 0
    raise OSError(err, os.strerror(err))


cdef void spin_until_readable(int fd, double spin) noexcept nogil:
    # A sleeping process takes tens of microseconds to wake on a VM; a
    # worker that polls for a moment after answering catches the next call
    # of a caller that waits for each result. cf_yield_thread() lets a thread
    # or process that shares this CPU run meanwhile.
    cdef pollfd pfd
    cdef double until = cf_monotonic() + spin
    pfd.fd = fd
    pfd.events = POLLIN
    while True:
        pfd.revents = 0
        if poll(&pfd, 1, 0) != 0 or cf_monotonic() >= until:
            return
        cf_yield_thread()
