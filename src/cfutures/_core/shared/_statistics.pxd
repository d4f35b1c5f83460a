# What a pool counts of its calls, for executor.statistics(); see _statistics.pyx.

cdef class CallCounts:
    # The counts get cache lines of their own: a worker thread writes them
    # per call, and an object next to them in memory written by another
    # thread (a future, a work item) would move their line between cores.
    cdef char isolation_before[64]
    cdef public Py_ssize_t submitted, started, completed, failed, cancelled
    cdef public Py_ssize_t workers_started   # threads started (a process pool's supervisor counts its own)
    cdef readonly bint timed         # time_statistics=True: the calls are timed too
    cdef double busy                 # seconds of calls run (timed only)
    cdef Py_ssize_t runs_timed
    cdef double wait_total, wait_max # seconds from submit() to start (timed only)
    cdef Py_ssize_t waits_timed

    cdef char isolation_after[64]

    cdef void waited(self, double seconds) noexcept
    cdef void ran_for(self, double seconds, Py_ssize_t calls) noexcept
cdef int count_answer(CallCounts counts, object run) except -1
