# Starts, stops, terminates and joins a process pool's workers; see _supervisor.pyx.
from cfutures._core.parent._channel cimport WorkerChannel

cdef int signal_processes(object processes, bint kill) except -1
cpdef bint join_within(object process, double seconds) except -1
cdef int join_or_kill(object process, double seconds) except -1
cpdef str describe_exit(object exitcode)


cdef class ProcessSupervisor:
    cdef object __weakref__
    cdef readonly object ctx
    cdef readonly Py_ssize_t max_workers
    cdef readonly object options        # the pool's ProcessPoolOptions
    cdef readonly object worker_options # each new worker's WorkerOptions
    cdef readonly Py_ssize_t max_tasks  # 0: unlimited
    cdef readonly bint spawn_on_demand  # False with fork: all start up front
    cdef readonly list channels         # WorkerChannel of every worker not closed
    cdef readonly dict processes        # pid -> Process; see __init__
    cdef object pool_wakeup             # the pool's wake-up pipe, whose fds a forked
                                        # child closes (held: open while listed)
    cdef object spawn_lock
    cdef bint done                      # stopped or terminated: no more workers
    cdef readonly Py_ssize_t spawned    # workers started in all

    cdef Py_ssize_t capacity(self)
    cdef bint has_room(self) noexcept
    cdef bint spawn_if_short(self, object count_demand, Py_ssize_t extra) except -1
    cdef int start_workers(self, Py_ssize_t demand) except -1
    cdef int stop_all(self) except -1
    cdef int flush_all(self) except -1
    cdef bint has_output(self)
    cdef int terminate_all(self, bint for_good) except -1
    cdef int join_all(self) except -1
    cdef int retire(self, WorkerChannel w, bint forget) except -1
    cdef int kill_for_time(self, WorkerChannel w, Py_ssize_t call) except -1
    cdef int reap(self, WorkerChannel w) except -1
    cdef int let_exit(self, WorkerChannel w, double grace) except -1
