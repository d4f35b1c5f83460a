# The process pool's frames, written to and read from pipes; see _frames.pyx.
from libc.stdint cimport uint32_t

cpdef enum FrameKind:
    FRAME_CALLS = 1        # parent -> worker: `count` calls
    FRAME_STOP = 2         # parent -> worker: return once idle
    FRAME_RESULTS = 3      # worker -> parent: the oldest `count` answers
    FRAME_INIT_FAILED = 4  # worker -> parent: its initializer raised
    FRAME_RUN_PART = 5     # worker -> parent: `count` finished items of a map run
    FRAME_READY = 6        # worker -> parent: started, initializer done
    FRAME_RETIRING = 7     # worker -> parent: above its memory bound, it exits now
    FRAME_RUN_REST = 8     # worker -> parent: a map run answers only its first `count` items

cdef enum:
    HEADER_SIZE = 24       # kind, count, nbufs, reserved: u32; body_len: u64


cdef class Frame:
    cdef readonly uint32_t kind
    cdef readonly uint32_t count
    cdef readonly bytes body
    cdef readonly list buffers


cdef class FrameReader:
    cdef char *buf
    cdef Py_ssize_t start, end
    # The frame being read: its segments (body, then buffers) and progress.
    cdef bint in_frame
    cdef uint32_t kind, count
    cdef list segments
    cdef Py_ssize_t seg_index, seg_filled
    cdef readonly Py_ssize_t largest   # largest frame seen (pipe sizing)

    cdef int begin_frame(self) except -1
    cdef char *segment_ptr(self, Py_ssize_t index)
    cpdef Frame next_frame(self)
    cpdef Py_ssize_t fill(self, int fd) except -3
    cpdef Frame read_frame(self, int fd, double spin=*)


cpdef list frame_parts(uint32_t kind, uint32_t count, object body, list views)
cdef Py_ssize_t payload_size(object body, list views) except -1
cdef Py_ssize_t writev_parts(int fd, list parts, Py_ssize_t offset) except -2
cdef Py_ssize_t drop_written(list parts, Py_ssize_t offset) except -1
cpdef int write_all(int fd, list parts) except -1
cdef Py_ssize_t grow_pipe(int fd, Py_ssize_t frame_bytes)
