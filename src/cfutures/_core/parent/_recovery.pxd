# What a process pool does when a worker dies, runs a call too long or retires
# for memory; see _recovery.pyx.
from cfutures._core.parent._channel cimport WorkerChannel
from cfutures._core.shared._statistics cimport CallCounts
from cfutures._core.parent._supervisor cimport ProcessSupervisor
from cfutures._core.parent._work_item cimport ProcessWorkItem


# What a worker's end means for the pool (RecoveryPolicy.decide_end).
cpdef enum WorkerEnd:
    END_RETIRED = 0    # expected: it retired; replaced when work waits
    END_STOPPED = 1    # expected: the pool ends its workers (its record stays)
    END_RECOVERED = 2  # it ended owing calls and the pool goes on without it
    END_BROKEN = 3     # a death the pool does not survive


cdef class RecoveryPolicy:
    cdef readonly bint replace_dead      # on_worker_death="replace"
    cdef readonly double task_timeout    # seconds; 0: none
    cdef readonly double idle_timeout    # seconds a worker may idle; 0: forever
    cdef readonly bint time_limits       # some call may have a limit
    cdef Py_ssize_t crash_limit          # deaths within CF_CRASH_WINDOW that break the pool
    cdef bint stopped                    # the workers were ended on purpose
    cdef bint answered_since_death       # a worker answered since the last death
    cdef object deaths                   # deque: when recent workers died
    cdef CallCounts counts               # the pool's, counting what fails here
    cdef ProcessSupervisor supervisor    # the pool's: kills for time, stops the idle

    cdef WorkerEnd decide_end(self, WorkerChannel w, bint shutdown_requested)
    cdef bint ended_by_pool(self, WorkerChannel w)
    cdef bint recovers(self, WorkerChannel w)
    cdef bint crash_loop(self, double now) except -1
    cdef double enforce_time_limits(self, list channels, double now) except -2.0
    cdef double stop_idle_workers(self, list channels, double now) except -2.0
    cdef double limit_of(self, ProcessWorkItem item)
    cdef bint parts_missing(self, ProcessWorkItem run, double items_started)
    cdef list split_owed(self, WorkerChannel w, object exitcode, list unstarted)
    cdef int split_run(self, WorkerChannel w, ProcessWorkItem run, bint timed_out,
                       object exitcode, list unstarted) except -1
    cdef object timeout_error(self, WorkerChannel w, ProcessWorkItem item)
    cdef object death_error(self, WorkerChannel w, object exitcode, str when)
