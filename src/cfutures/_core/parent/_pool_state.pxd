# What a process pool's parent shares between its parts; see _pool_state.pyx.
from cfutures._core.parent._batching cimport BatchPolicy
from cfutures._core.parent._poller cimport Wakeup
from cfutures._core.parent._recovery cimport RecoveryPolicy
from cfutures._core.shared._serializer cimport Serializer
from cfutures._core.shared._statistics cimport CallCounts
from cfutures._core.parent._supervisor cimport ProcessSupervisor
from cfutures._core.parent._work_item cimport ProcessWorkItem


cdef class PoolState:
    cdef readonly ProcessSupervisor supervisor
    cdef readonly RecoveryPolicy recovery
    cdef readonly Serializer serializer   # the pool's pickler; None: pickle
    cdef readonly CallCounts counts       # for statistics()
    cdef BatchPolicy batching
    cdef Wakeup wakeups                   # wakes the manager from poll()
    cdef readonly object pending          # deque of ProcessWorkItem, oldest first
    cdef readonly object broken           # False, or the reason submit() refuses
    cdef readonly bint shutdown_requested
    cdef readonly bint owner_collected    # the executor was garbage collected
    cdef readonly bint started            # the workers and the manager were started
    cdef bint sleeping                    # the manager is in poll()
    cdef Py_ssize_t max_tasks             # calls a worker runs; 0: unlimited
    cdef Py_ssize_t inflight_total        # calls sent and not answered
    cdef Py_ssize_t reserved              # sends being pickled
    cdef Py_ssize_t local_failures        # calls that failed to pickle here

    cdef int check_open(self) except -1
    cdef bint stopping(self) noexcept
    cdef Py_ssize_t outstanding(self)
    cdef int wake(self, bint look_again=*) except -1
    cdef int release_reservation(self) except -1
    cdef int count_start(self, ProcessWorkItem item, double now) except -1
    cdef int fail(self, ProcessWorkItem item, object exc) except -1
    cdef int add_worker_if_short(self, Py_ssize_t extra) except -1
    cdef int replace_workers(self) except -1
    cdef int break_pool(self, str message, object cause, str reason,
                        str cause_text=*) except -1
