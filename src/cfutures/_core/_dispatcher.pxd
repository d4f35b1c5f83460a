# The process pool's dispatcher; see _dispatcher.pyx.
from cfutures._core._batching cimport BatchPolicy
from cfutures._core._channel cimport WorkerChannel
from cfutures._core._future cimport CoreFuture
from cfutures._core._supervisor cimport ProcessSupervisor
from cfutures._core._poller cimport PollSet, Wakeup
from cfutures._core._recovery cimport RecoveryPolicy
from cfutures._core._serializer cimport Serializer
from cfutures._core._statistics cimport CallCounts
from cfutures._core._wire cimport BufferCollector, Frame
from cfutures._core._work_item cimport ProcessWorkItem


cdef class ProcessDispatcher:
    cdef object __weakref__
    cdef readonly ProcessSupervisor supervisor
    cdef object pending               # deque of ProcessWorkItem, oldest first
    cdef Wakeup wakeups               # wakes the manager from poll()
    cdef PollSet poll_set
    cdef bint sleeping                # the manager is in poll()
    cdef readonly object broken       # False, or the reason submit() refuses
    cdef readonly bint shutdown_requested
    cdef readonly bint owner_collected  # the executor was garbage collected
    cdef readonly bint started
    cdef readonly object manager_thread
    cdef object start_lock            # guards starting and forgetting it
    cdef Py_ssize_t max_tasks         # 0: unlimited
    cdef Py_ssize_t inflight_total
    cdef Py_ssize_t reserved          # sends being pickled
    cdef Py_ssize_t local_failures    # calls that failed to pickle here
    cdef BatchPolicy batching
    cdef readonly RecoveryPolicy recovery
    cdef readonly Serializer serializer   # the pool's pickler; None: pickle
    cdef Py_ssize_t next_worker       # round robin
    cdef readonly CallCounts counts   # for statistics()

    # The executor's submit() path.
    cdef int check_open(self) except -1
    cdef int add_worker_if_short(self, Py_ssize_t extra) except -1
    cdef bint send_to_idle_worker(self, ProcessWorkItem item) except -1
    cdef int enqueue(self, ProcessWorkItem item) except -1
    cdef int start(self) except -1
    cdef int count_start(self, ProcessWorkItem item, double now) except -1

    cdef int release_reservation(self) except -1
    cdef int wake(self, bint look_again=*) except -1
    cdef Py_ssize_t outstanding(self)
    cdef int dispatch(self) except -1
    cdef bint dispatch_round(self) except -1
    cdef int send_batch(self, WorkerChannel w, Py_ssize_t k) except -1
    cdef int send_calls(self, WorkerChannel w, list calls, list items,
                        Py_ssize_t weight) except -1
    cdef object pickle_each(self, list calls, list items, BufferCollector collector)
    cdef WorkerChannel idle_worker(self)
    cdef int wait_once(self) except -1
    cdef Py_ssize_t read_results(self, WorkerChannel w) except -1
    cdef int handle_frame(self, WorkerChannel w, Frame frame) except -1
    cdef int unreadable_result(self, WorkerChannel w, BaseException exc) except -1
    cdef int answered(self, WorkerChannel w, Py_ssize_t n) except -1
    cdef int worker_exited(self, WorkerChannel w) except -1
    cdef int break_pool(self, str message, object cause, str reason,
                        str cause_text=*) except -1
    cdef str exits_text(self, WorkerChannel exited)
    cdef int recover_from(self, WorkerChannel w, object exitcode) except -1
    cdef int replace_workers(self) except -1
