# The parent's end of one worker process; see _channel.pyx.
from cfutures._core.shared._call_record cimport WorkerProgress
from cfutures._core.shared._statistics cimport CallCounts
from cfutures._core.shared._frames cimport Frame, FrameReader
from cfutures._core.parent._work_item cimport ProcessWorkItem


# A worker's lifecycle, as the parent sees it (transitions: _channel.pyx).
cpdef enum WorkerState:
    STARTING = 0   # spawned; takes calls once it says FRAME_READY
    RUNNING = 1    # takes calls
    RETIRING = 2   # takes no more; ends by itself after those it has
                   # (max_tasks_per_child) or on the stop frame (idle)
    LEAVING = 3    # said FRAME_RETIRING (over max_worker_memory): exits
                   # without starting the calls it has
    TIMED_OUT = 4  # killed by the pool for a call past its time limit
    STOPPING = 5   # the pool ends it: told to stop, or signalled
    EXITED = 6     # its process ended; what it wrote is still read
    CLOSED = 7     # its pipes are closed


cdef class SentBatch:
    """One batch of calls sent to a worker, as its books keep it."""
    cdef list items           # its ProcessWorkItems, in order
    cdef Py_ssize_t answered  # how many of them were answered (oldest first)
    cdef Py_ssize_t weight    # map items each call stands for (1, or a run's length; the items kept once it gave back)
    cdef bint short           # its calls were known short when it was sent (a run: until it gave back)


cdef class WorkerChannel:
    cdef readonly object process
    cdef readonly int pid
    cdef object call_conn        # multiprocessing Connections owning the fds
    cdef object result_conn
    cdef readonly int call_fd, result_fd, sentinel
    cdef FrameReader reader
    cdef list out                # frame parts not yet written
    cdef Py_ssize_t out_offset
    cdef readonly WorkerProgress progress  # the calls it has started
    cdef readonly WorkerState state
    cdef readonly WorkerState ended_from   # the state it left when it exited
    cdef object batches          # deque of SentBatch it has not fully answered, oldest first
    cdef readonly Py_ssize_t owed  # calls sent and not answered
    cdef readonly double last_progress  # when it started, last answered, or got work while idle
    cdef readonly Py_ssize_t sent
    cdef Py_ssize_t call_pipe, result_pipe
    cdef readonly bint eof       # its result pipe reached end of file
    cdef readonly bint writing   # a thread is in flush()
    cdef readonly Py_ssize_t timed_out_call  # the call it was killed for (TIMED_OUT), or -1
    cdef double seen_call, seen_items  # a running map run's progress, when last read (_recovery)
    cdef double seen_at                # when that was first read so

    # -- the lifecycle
    cdef bint is_live(self) noexcept
    cdef bint takes_calls(self) noexcept
    cdef int became_ready(self) except -1
    cdef int retire(self) except -1
    cdef int stop_as_idle(self) except -1
    cdef int said_leaving(self) except -1
    cdef int killed_for_time(self, Py_ssize_t call) except -1
    cdef int stop(self) except -1
    cdef int signalled(self) except -1
    cdef int exited(self) except -1
    cdef int close(self) except -1
    # -- writing
    cdef bint has_output(self) noexcept
    cdef int enqueue(self, list parts, Py_ssize_t frame_bytes) except -1
    cdef int flush(self) except -1
    cdef int end_writing(self) except -1
    cdef int write_out(self) except -1
    cdef int send_stop(self) except -1
    # -- the books
    cdef bint can_take(self, Py_ssize_t max_tasks, Py_ssize_t depth, double now)
    cdef int record_sent(self, list items, bint short, Py_ssize_t weight,
                         Py_ssize_t max_tasks) except -1
    cdef ProcessWorkItem owed_item(self, Py_ssize_t index)
    cdef Py_ssize_t complete(self, list values, dict errors, CallCounts counts) except -1
    cdef int add_run_part(self, object part) except -1
    cdef ProcessWorkItem run_rest_back(self, Py_ssize_t kept)
    cdef Py_ssize_t answered_count(self) noexcept
    cdef list take_owed(self)
    # -- reading
    cdef Py_ssize_t read_some(self) except -3
    cdef Frame next_frame(self)
    cdef int fit_result_pipe(self) except -1
