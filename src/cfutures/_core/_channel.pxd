# The parent's end of one worker process; see _channel.pyx.
from cfutures._core._progress cimport WorkerProgress
from cfutures._core._statistics cimport CallCounts
from cfutures._core._wire cimport Frame, FrameReader


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
    cdef object inflight         # deque of the ProcessWorkItems sent, oldest first
    cdef object batches          # deque: calls unanswered in each sent batch
    cdef object shorts           # deque: whether each batch's calls were known short
    cdef object weights          # deque: map items each call of a batch stands for
    cdef readonly double last_progress  # when it started, last answered, or got work while idle
    cdef readonly Py_ssize_t sent
    cdef Py_ssize_t call_pipe, result_pipe
    cdef readonly bint ready     # said FRAME_READY: started, takes calls
    cdef readonly bint stopping  # told to stop, or terminated on purpose
    cdef readonly bint retiring  # reached max_tasks_per_child
    cdef readonly bint over_memory  # said FRAME_RETIRING: exits above max_worker_memory
    cdef readonly bint eof       # its result pipe reached end of file
    cdef readonly bint gone      # its sentinel fired, or it was closed
    cdef readonly bint writing   # a thread is in flush()
    cdef readonly bint closed
    cdef Py_ssize_t timed_out_call  # the call it was killed for running too long, or -1
    cdef double seen_call, seen_items  # a running map run's progress, when last read
    cdef double seen_at                # when that was first read so

    cdef bint has_output(self) noexcept
    cdef Py_ssize_t inflight_count(self) noexcept
    cdef int enqueue(self, list parts, Py_ssize_t frame_bytes) except -1
    cdef int flush(self) except -1
    cdef int end_writing(self) except -1
    cdef int write_out(self) except -1
    cdef bint can_take(self, Py_ssize_t max_tasks, Py_ssize_t depth, double now)
    cdef int record_sent(self, list items, bint short, Py_ssize_t weight,
                         Py_ssize_t max_tasks) except -1
    cdef Py_ssize_t read_some(self) except -3
    cdef Frame next_frame(self)
    cdef int fit_result_pipe(self) except -1
    cdef Py_ssize_t complete(self, list values, dict errors, CallCounts counts) except -1
    cdef int add_run_part(self, object part) except -1
    cdef Py_ssize_t answered_count(self) noexcept
    cdef list take_inflight(self)
    cdef int send_stop(self) except -1
    cdef int mark_stopping(self) except -1
    cdef int mark_gone(self) except -1
    cdef int close(self) except -1
