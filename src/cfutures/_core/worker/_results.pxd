# The results a worker process has not sent yet; see _results.pyx.
cimport cython
from cfutures._core.shared._call_record cimport WorkerProgress
from cfutures._core.shared._codec cimport Answers, BufferCollector
from cfutures._core.shared._parker cimport cf_atomic_int, cf_parker
from cpython.pythread cimport PyThread_type_lock


@cython.final
cdef class ResultBatch:
    cdef int fd
    cdef Answers answers          # not sent yet: the calls' values and errors
    cdef double busy
    cdef double since
    cdef Py_ssize_t big_bytes
    cdef BufferCollector collector
    # Held from taking the results out until they are written, so that
    # frames leave in the order their calls ran.
    cdef PyThread_type_lock send_lock
    cdef cf_parker alarm          # wakes the flusher
    cdef bint in_batch            # a batch of more than one call is running
    cdef bint flusher_started
    cdef bint flusher_idle        # the flusher sleeps until alarm is signalled
    cdef WorkerProgress progress  # set where runs are watched
    cdef Answers run              # the watched map run running now, or None
    cdef Py_ssize_t run_sent      # its items sent in parts
    cdef double seen_items        # its items started when the flusher last looked
    cdef Py_ssize_t slice_items   # items per slice of a run (run_in_slices), learnt
    cdef Py_ssize_t slices_begun  # slices begun, all runs together
    cdef Py_ssize_t run_claimed   # items of the sliced run started so far
    cdef Py_ssize_t run_limit     # items it will answer: all, or fewer once it gave the rest back
    cdef int stalled_slice        # run_slices when the flusher last saw a slice stall (flusher's own)
    cdef bint watch_slices        # the flusher watches sliced runs (until it lingered)
    cdef cf_atomic_int run_slices # slices_begun, as a nonzero int; 0: no sliced run
    cdef cf_atomic_int batch_going   # in_batch, for the flusher without the GIL

    cdef int add_value(self, object value) except -1
    cdef int add_error(self, tuple encoded) except -1
    cdef int begin_batch(self, Py_ssize_t n) except -1
    cdef int wake_flusher(self) except -1
    cdef int end_batch(self) except -1
    cdef int begin_run(self, Answers run) except -1
    cdef Py_ssize_t end_run(self) except -1
    cdef Answers run_watched(self, Answers run, object fn, object items, bint rows)
    cdef Answers run_in_slices(self, Answers run, object call_loop, object fn,
                               object items)
    cdef int learn_slice(self, Py_ssize_t done, double seconds) except -1
    cdef int slice_stalled(self) noexcept nogil
    cdef int give_back_rest(self) except -1
    cdef int lock_sending(self) except -1
    cdef int flush(self) except -1
    cdef int send_stalled_run(self) except -1
    cdef int send_run_part(self) except -1
    cdef int say_retiring(self) except -1
    cdef int send(self) except -1
