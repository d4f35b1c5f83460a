/* cf_portable: what the C helpers need of the compiler and the OS, behind
 * one small header: atomic int loads and stores, a monotonic clock, a CPU
 * pause for spin loops, a yield of the CPU to another thread and a sleep.
 *
 * GCC and Clang use their __atomic builtins; MSVC its Interlocked
 * intrinsics (which are full barriers: stronger than asked, never weaker).
 * The clock is CLOCK_MONOTONIC on POSIX and QueryPerformanceCounter on
 * Windows. Needs nothing of Python, so that tests/test_portable_c.py can
 * compile it alone with -std=c11 -Wall -Wextra -pedantic under GCC and
 * Clang, and for Windows with MinGW-w64.
 */
#ifndef CF_PORTABLE_H
#define CF_PORTABLE_H

/* clock_gettime and sched_yield under strict C (-std=c11); a no-op after
 * Python.h, which asks for them already. Must come before any system
 * header. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#  define _POSIX_C_SOURCE 200809L
#endif

#if defined(_WIN32)
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  include <windows.h>
#else
#  include <sched.h>
#  include <time.h>
#endif
#if defined(_MSC_VER)
#  include <intrin.h>
#endif
#if (defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || \
     defined(_M_IX86))
#  include <immintrin.h>
#  define CF_HAVE_MM_PAUSE 1
#endif

/* An int that threads read and write without the GIL. */
#if defined(_MSC_VER) && !defined(__clang__)
typedef volatile long cf_atomic_int;

static __inline int cf_atomic_load_acquire(cf_atomic_int *v)
{
    return (int)_InterlockedOr(v, 0);
}

static __inline void cf_atomic_store_release(cf_atomic_int *v, int value)
{
    _InterlockedExchange(v, (long)value);
}

#define cf_atomic_store_relaxed cf_atomic_store_release
#else
typedef int cf_atomic_int;

static inline int cf_atomic_load_acquire(cf_atomic_int *v)
{
    return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

static inline void cf_atomic_store_release(cf_atomic_int *v, int value)
{
    __atomic_store_n(v, value, __ATOMIC_RELEASE);
}

static inline void cf_atomic_store_relaxed(cf_atomic_int *v, int value)
{
    __atomic_store_n(v, value, __ATOMIC_RELAXED);
}
#endif

/* Seconds from an arbitrary start; never goes back. */
static inline double cf_monotonic(void)
{
#if defined(_WIN32)
    static double seconds_per_tick = 0.0;
    LARGE_INTEGER now;
    if (seconds_per_tick == 0.0) {
        LARGE_INTEGER frequency;
        QueryPerformanceFrequency(&frequency);
        seconds_per_tick = 1.0 / (double)frequency.QuadPart;
    }
    QueryPerformanceCounter(&now);
    return (double)now.QuadPart * seconds_per_tick;
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#endif
}

/* One step of a spin loop: tells the CPU (and a hyperthread sibling). */
static inline void cf_cpu_relax(void)
{
#if defined(CF_HAVE_MM_PAUSE)
    _mm_pause();
#elif defined(_MSC_VER) && defined(_M_ARM64)
    __yield();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

/* Lets another runnable thread have this CPU now. */
static inline void cf_yield_thread(void)
{
#if defined(_WIN32)
    SwitchToThread();
#else
    sched_yield();
#endif
}

/* Sleeps about `seconds` (no wake-up early); needs no GIL. */
static inline void cf_sleep(double seconds)
{
#if defined(_WIN32)
    Sleep((DWORD)(seconds * 1000.0 + 0.5));
#else
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
#endif
}

#endif /* CF_PORTABLE_H */
