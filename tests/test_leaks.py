"""Memory and resources: long runs stay flat, and a shut-down pool leaves
nothing behind.

* SUBMIT_CYCLES submit/result cycles on a thread pool, and CYCLES Future
  create/set_result/result cycles: after a warm-up, tracemalloc's count of
  live bytes grows by less than LEAK_BOUND and the resident set by less
  than RSS_BOUND (the least of up to three measurements, as other threads
  of the test process allocate meanwhile), and no Future survives a
  collection (weak references).
* Pools created, used and shut down again and again: afterwards this
  process has the threads, children and file descriptors it had before
  (counted from /proc), and no new POSIX semaphore mapped; as in the
  stdlib, ``shutdown()`` drops ``executor._processes`` (to None).

The million-cycle form runs with ``CFUTURES_STRESS=full``.
"""
import gc
import json
import os
import sys
import tracemalloc
import weakref

import pytest

from support import LONG, run_script

FULL = os.environ.get("CFUTURES_STRESS", "") == "full"
CYCLES = 1_000_000 if FULL else 100_000
SUBMIT_CYCLES = 1_000_000 if FULL else 20_000
WARM_UP = 10_000
LEAK_BOUND = 256 * 1024   # bytes: what the allocator may keep in reserve
RSS_BOUND = 4 * 1024 * 1024   # bytes of resident memory: arenas, caches

# Under AddressSanitizer freed memory waits in its quarantine (up to 256 MiB)
# before reuse, so the resident set says nothing about leaks there; the
# tracemalloc and weak-reference checks still run.
SANITIZED = "libasan" in os.environ.get("LD_PRELOAD", "")
linux = pytest.mark.skipif(not sys.platform.startswith("linux"),
                           reason="counts from /proc")


def resident_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def live_bytes_growth(cycle, n, attempts=3):
    """Bytes tracemalloc sees still allocated after n more cycles; on
    Linux, also checks the resident set grew by less than RSS_BOUND.

    tracemalloc counts every thread's allocations, and other threads of
    this test process (a dask cluster's, say) allocate while it runs; so
    this measures up to ``attempts`` times and gives the least growth: a
    leak grows in every attempt, the noise of another thread does not."""
    for _ in range(WARM_UP):
        cycle()
    least_growth = least_rss_growth = None
    for _ in range(attempts):
        gc.collect()
        rss_before = (resident_bytes() if sys.platform.startswith("linux")
                      and not SANITIZED else None)
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(n):
                cycle()
            gc.collect()
            growth = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        rss_growth = 0 if rss_before is None else resident_bytes() - rss_before
        least_growth = growth if least_growth is None else min(least_growth, growth)
        least_rss_growth = (rss_growth if least_rss_growth is None
                            else min(least_rss_growth, rss_growth))
        if least_growth < LEAK_BOUND and least_rss_growth < RSS_BOUND:
            break
    assert least_rss_growth < RSS_BOUND, least_rss_growth
    return least_growth


@pytest.mark.timeout(600)
def test_submit_and_result_cycles_stay_flat(impl):
    with impl.ThreadPoolExecutor(2) as pool:
        submit = pool.submit
        growth = live_bytes_growth(lambda: submit(abs, -1).result(LONG),
                                   SUBMIT_CYCLES)
    assert growth < LEAK_BOUND, growth


@pytest.mark.timeout(600)
def test_future_cycles_stay_flat_and_leave_no_future(impl):
    alive = []

    def cycle():
        future = impl.Future()
        future.set_running_or_notify_cancel()
        future.set_result(future)   # a cycle through the result, too
        assert future.result() is future
        if len(alive) < 1000:
            alive.append(weakref.ref(future))
    assert live_bytes_growth(cycle, CYCLES) < LEAK_BOUND
    gc.collect()
    assert not [ref for ref in alive if ref() is not None]


# Counted in a fresh interpreter: this test process holds what earlier
# tests left (a dask cluster's sockets and threads, say), and those close
# or open on their own while the pools run, which moved the counts both
# ways in CI; the child holds only what its pools leave.
RESOURCE_PROGRAM = """
import gc, json, os, sys, threading, time

def resources():
    # (threads, child processes, open fds, POSIX semaphores) right now
    children = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == os.getpid():
                        children += 1
            except (OSError, IndexError, ValueError):
                pass
    with open("/proc/self/maps") as maps:   # this process's, not the machine's
        semaphores = sum("/dev/shm/sem." in line for line in maps)
    return [threading.active_count(), children,
            len(os.listdir("/proc/self/fd")), semaphores]

def use_a_pool():
    if KIND == "thread":
        pool = cfutures.ThreadPoolExecutor(4)
    else:
        pool = cfutures.ProcessPoolExecutor(2)
    assert sorted(pool.map(abs, range(-20, 0))) == list(range(1, 21))
    pool.shutdown(wait=True)
    if KIND == "process":
        assert pool._processes is None

if __name__ == "__main__":
    use_a_pool()   # what stays for good (the forkserver, imports) now
    gc.collect()
    before = resources()
    for _ in range(20):
        use_a_pool()
    # Polled: a pool's last references (its finished threads' objects, its
    # Process objects' finalizers) can go a moment after shutdown returns,
    # on a loaded machine; a real leak stays.
    deadline = time.monotonic() + 10
    while True:
        gc.collect()
        after = resources()
        if after == before or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    print(json.dumps({"before": before, "after": after}))
"""


@linux
@pytest.mark.timeout(300)
@pytest.mark.parametrize("kind", ["thread", "process"])
def test_shut_down_pools_leave_nothing_behind(impl, kind):
    proc = run_script(impl, f"KIND = {kind!r}\n" + RESOURCE_PROGRAM,
                      timeout=240)
    assert proc.returncode == 0, proc.stderr
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    # (threads, child processes, open fds, POSIX semaphores)
    assert counts["after"] == counts["before"], counts
