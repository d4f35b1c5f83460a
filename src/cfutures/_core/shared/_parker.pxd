# Declarations of csrc/cf_parker.h: the wake-up a blocked thread parks on.

cdef extern from "cf_portable.h":
    double cf_monotonic() noexcept nogil
    void cf_yield_thread() noexcept nogil
    void cf_sleep(double seconds) noexcept nogil
    ctypedef int cf_atomic_int
    int cf_atomic_load_acquire(cf_atomic_int *v) noexcept nogil
    void cf_atomic_store_release(cf_atomic_int *v, int value) noexcept nogil

cdef extern from "cf_parker.h":
    ctypedef struct cf_parker:
        pass
    int cf_parker_init(cf_parker *p) except -1
    void cf_parker_free(cf_parker *p)
    void cf_parker_signal(cf_parker *p)
    # 1: woken (and rearmed), 0: timed out; timeout < 0 waits forever;
    # spins (GIL released) up to `spin` seconds before sleeping.
    int cf_parker_wait(cf_parker *p, double timeout, double spin) except -1
