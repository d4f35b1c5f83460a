/* cf_parker: a reusable one-shot wake-up for one waiting thread.
 *
 * A thread that must block (a future's result, an idle worker, wait())
 * parks on its own cf_parker; whoever completes the awaited event unparks it.
 * Built on CPython's own lock so that a blocked main thread still sees
 * signals (Ctrl-C raises KeyboardInterrupt as with threading primitives).
 *
 * Protocol, all with the GIL held except inside cf_parker_wait's sleep:
 *   cf_parker_init     the lock starts acquired, nothing signalled
 *   cf_parker_signal   at most one release per wait, however often called
 *   cf_parker_wait     returns 1 once signalled (and rearms), 0 on timeout,
 *                      -1 with an exception set when a signal handler raised
 *
 * A wait may first spin (GIL released) for a bounded time: a wake-up that
 * arrives within microseconds then costs no sleep and no futex round trip.
 */
#ifndef CF_PARKER_H
#define CF_PARKER_H

#include <Python.h>
#include <pythread.h>

#include "cf_portable.h"

typedef struct {
    PyThread_type_lock lock;
    /* Read while the GIL is released (spinning), so accessed atomically. */
    cf_atomic_int signalled;
} cf_parker;

static inline int cf_parker_init(cf_parker *p)
{
    p->signalled = 0;
    p->lock = PyThread_allocate_lock();
    if (p->lock == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyThread_acquire_lock(p->lock, NOWAIT_LOCK);
    return 0;
}

static inline void cf_parker_free(cf_parker *p)
{
    if (p->lock != NULL) {
        /* A lock must not be freed while held on some platforms. */
        if (!cf_atomic_load_acquire(&p->signalled))
            PyThread_release_lock(p->lock);
        PyThread_free_lock(p->lock);
        p->lock = NULL;
    }
}

static inline void cf_parker_signal(cf_parker *p)
{
    if (!cf_atomic_load_acquire(&p->signalled)) {
        cf_atomic_store_release(&p->signalled, 1);
        PyThread_release_lock(p->lock);
    }
}

/* Busy-wait up to `seconds` for the signal; called without the GIL.
 * It yields the CPU between short bursts: when the thread that will signal
 * shares this CPU (a busy or one-CPU machine), it runs instead of waiting
 * for the spin to run out. */
static inline void cf_parker_spin(cf_parker *p, double seconds)
{
    double until = cf_monotonic() + seconds;
    unsigned int n = 0;
    while (!cf_atomic_load_acquire(&p->signalled)) {
        cf_cpu_relax();
        if ((++n & 31u) == 0) {
            if (cf_monotonic() >= until)
                break;
            cf_yield_thread();
        }
    }
}

/* timeout < 0 waits forever; spin is the most time spent busy-waiting. */
static inline int cf_parker_wait(cf_parker *p, double timeout, double spin)
{
    double deadline = timeout >= 0 ? cf_monotonic() + timeout : 0.0;
    if (timeout >= 0 && spin > timeout)
        spin = timeout;
    if (spin > 0) {
        Py_BEGIN_ALLOW_THREADS
        cf_parker_spin(p, spin);
        Py_END_ALLOW_THREADS
        if (cf_atomic_load_acquire(&p->signalled)) {
            /* The signaller holds the GIL from setting the flag to
             * releasing the lock, so the lock is free now. */
            PyThread_acquire_lock(p->lock, WAIT_LOCK);
            cf_atomic_store_relaxed(&p->signalled, 0);
            return 1;
        }
    }
    /* A Unix signal that arrived since the interpreter last looked (while
     * spinning, or on the way here from a Python call) would not interrupt
     * the sleep below: run its handler now, as the sleep would have. */
    if (Py_MakePendingCalls() < 0)
        return -1;
    for (;;) {
        PY_TIMEOUT_T micros = -1;
        PyLockStatus status;
        Py_BEGIN_ALLOW_THREADS
        if (timeout >= 0) {
            double left = deadline - cf_monotonic();
            if (left < 0)
                left = 0;
            if (left * 1e6 > (double)PY_TIMEOUT_MAX)
                micros = PY_TIMEOUT_MAX;
            else
                micros = (PY_TIMEOUT_T)(left * 1e6);
        }
        status = PyThread_acquire_lock_timed(p->lock, micros, 1);
        Py_END_ALLOW_THREADS
        if (status == PY_LOCK_ACQUIRED) {
            cf_atomic_store_relaxed(&p->signalled, 0);
            return 1;
        }
        if (status == PY_LOCK_INTR) {
            if (Py_MakePendingCalls() < 0)
                return -1;
            continue;
        }
        /* Timed out; a signal may have landed after the sleep ended. */
        if (cf_atomic_load_acquire(&p->signalled)) {
            PyThread_acquire_lock(p->lock, WAIT_LOCK);
            cf_atomic_store_relaxed(&p->signalled, 0);
            return 1;
        }
        if (timeout >= 0 && cf_monotonic() >= deadline)
            return 0;
    }
}

#endif /* CF_PARKER_H */
