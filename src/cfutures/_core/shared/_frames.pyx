"""The process pool's frames: their layout, and their writing to a pipe and
reading back. What their bodies hold is made by the codec (_codec.py).

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
  run still running: a pickled ``_codec.Answers`` of the items it
  finished since its last part, sent while the run goes on; the run's
  FRAME_RESULTS answer then carries only the items after its parts.
* ``FRAME_RUN_REST``: empty: the oldest unanswered call, a map run, has
  met a slow item and will answer only its first ``count`` items (its
  parts and its FRAME_RESULTS together, the slow one last); the parent
  sends the items after them to whichever worker is free.
* ``FRAME_RETIRING``: empty, after the answers of the calls it ran: the
  worker is above max_worker_memory and exits (0) without starting another
  call. The parent learns why from this frame, not from the exit code (two
  threads polling a forkserver child can read 255 instead).

Large byte strings and objects that export pickle-5 buffers travel beside
the pickle, so they are written straight from the object and read straight
into the new one. A reader raises ValueError on a header no writer makes;
``read_frame`` (the worker's blocking read) raises EOFError when the pipe
ends inside a frame (the parent sees such a worker exit instead).

Threading model: a FrameReader belongs to one reading thread (the manager,
or the worker's main thread); a pipe is written by one thread at a time
(the channel's ``writing``, the worker's send lock).
"""
cimport cython
from cfutures._core.shared._parker cimport cf_monotonic, cf_yield_thread
from cfutures._core.shared._syscalls cimport POLLIN, poll, pollfd
from cfutures._core.shared._tuning cimport (
    CF_DIRECT_READ, CF_MAX_BUFFERS, CF_MAX_IOV, CF_PIPE_DEFAULT, CF_PIPE_MAX, CF_READ_BUFFER)
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
