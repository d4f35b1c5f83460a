"""The benchmark cases: what is measured, shared by compare.py and the
pytest-benchmark suite.

Each case is a function ``run(impl, n, **params) -> Measurement`` that builds
what it needs (a pool with its workers already started, futures to wait on),
times only the region it is about, tears everything down and returns the
measurement. ``impl`` is the module under test: ``concurrent.futures`` or
``cfutures`` (both have the same names), or ``THREADPOOL`` / ``MPPOOL`` for
the multiprocessing reference of a map case.

``SECTIONS`` groups them, with their sizes at scale 1, and adds the workload
sections (workloads_threads.py, workloads_processes.py: whole jobs, timed
from the first submit with no worker started before); ``CASES`` lists them
all in table order. How they are run, repeated and reported is harness.py's.
"""
import gc
import itertools
import os
import statistics
import sys
import threading
import time
import tracemalloc
from multiprocessing.pool import ThreadPool

import startup
import workloads_processes
from cases_processes import (
    pool_options, process_map, process_map_work, start_processes)
import workloads_threads
from casekit import THREADPOOL, Case, Section, Timer

# How long the warm-up barrier waits for all of a pool's workers to start
# before it gives up (and the measurement goes on with those that did).
WORKER_START_TIMEOUT = 10.0

# How long the idle-pool case watches an idle pool.
IDLE_SECONDS = 0.5


def noop():
    pass


def identity(x):
    return x


def start_workers(executor, workers):
    """Make ``executor`` start all ``workers`` threads before timing begins.

    Each warm-up task waits at a barrier until every worker holds one, so no
    worker is idle while another is submitted and both implementations start
    a thread per submit.
    """
    barrier = threading.Barrier(workers)

    def arrive():
        try:
            barrier.wait(WORKER_START_TIMEOUT)
        except threading.BrokenBarrierError:
            pass

    for future in [executor.submit(arrive) for _ in range(workers)]:
        future.result()


def _check(condition, message):
    if not condition:
        raise AssertionError(message)


# -- the cases ---------------------------------------------------------------

def future_lifecycle(impl, n):
    """Future() + set_running_or_notify_cancel() + set_result() + result()."""
    Future = impl.Future
    with Timer() as timer:
        for _ in range(n):
            future = Future()
            future.set_running_or_notify_cancel()
            future.set_result(None)
            future.result()
    return timer.measurement(n)


def submit_all_then_results(executor, n, fn, args=None):
    """Time n submits of fn (fn() each, or fn(arg) for arg in args), then
    result() of each; the futures are dropped before the pool shuts down."""
    submit = executor.submit
    with Timer() as timer:
        if args is None:
            futures = [submit(fn) for _ in range(n)]
        else:
            futures = [submit(fn, arg) for arg in args]
        for future in futures:
            future.result()
    del futures
    return timer.measurement(n)


def submit_and_result(impl, n, workers, options=None):
    """Submit n no-op tasks, then result() each. ``options``: cfutures'
    pool options (the stdlib runs its plain pool)."""
    with impl.ThreadPoolExecutor(workers, **pool_options(impl, options)) as executor:
        start_workers(executor, workers)
        return submit_all_then_results(executor, n, noop)


def roundtrip(impl, n):
    """submit(noop).result(), one at a time, on one worker."""
    with impl.ThreadPoolExecutor(1) as executor:
        start_workers(executor, 1)
        submit = executor.submit
        with Timer() as timer:
            for _ in range(n):
                submit(noop).result()
    return timer.measurement(n)


def one_cpu_available():
    return (hasattr(os, "sched_setaffinity")
            and hasattr(os, "sched_getaffinity"))


def roundtrip_one_cpu(impl, n):
    """The roundtrip with the caller and the worker pinned to one CPU.

    As on a busy or a one-CPU machine: whatever one thread does while the
    other waits for it (a spin, say) delays the other directly. Linux only
    (os.sched_setaffinity); the affinity is the calling thread's, which the
    pool's worker inherits, and it is restored afterwards.
    """
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(saved)})
    try:
        return roundtrip(impl, n)
    finally:
        os.sched_setaffinity(0, saved)


def map_noop(impl, n, workers):
    """list(executor.map(identity, range(n))); ThreadPool.map(chunksize=1)."""
    if impl is THREADPOOL:
        pool = ThreadPool(workers)
        try:
            with Timer() as timer:
                results = pool.map(identity, range(n), chunksize=1)
        finally:
            pool.close()
            pool.join()
    else:
        with impl.ThreadPoolExecutor(workers) as executor:
            start_workers(executor, workers)
            with Timer() as timer:
                results = list(executor.map(identity, range(n)))
    _check(len(results) == n and results[-1] == n - 1, "map lost results")
    return timer.measurement(n)


def _gated_pool(impl, n, workers):
    """A pool whose workers are held at a gate, with n no-ops queued behind.

    Returns (executor, gate, futures of the no-ops); set the gate to let the
    no-ops run.
    """
    executor = impl.ThreadPoolExecutor(workers)
    gate = threading.Event()
    try:
        start_workers(executor, workers)
        for _ in range(workers):
            executor.submit(gate.wait)
        futures = [executor.submit(noop) for _ in range(n)]
    except BaseException:
        gate.set()
        executor.shutdown()
        raise
    return executor, gate, futures


def as_completed_running(impl, n, workers):
    """as_completed() over n futures that complete while it iterates."""
    executor, gate, futures = _gated_pool(impl, n, workers)
    try:
        count = 0
        with Timer() as timer:
            iterator = impl.as_completed(futures)
            gate.set()
            for _ in iterator:
                count += 1
    finally:
        gate.set()
        executor.shutdown()
    _check(count == n, f"as_completed yielded {count} of {n} futures")
    return timer.measurement(n)


def wait_all_running(impl, n, workers):
    """wait(ALL_COMPLETED) over n futures that complete while it waits."""
    executor, gate, futures = _gated_pool(impl, n, workers)
    try:
        with Timer() as timer:
            gate.set()
            done, not_done = impl.wait(futures,
                                       return_when=impl.ALL_COMPLETED)
    finally:
        gate.set()
        executor.shutdown()
    _check(len(done) == n and not not_done, "wait() returned early")
    return timer.measurement(n)


def _done_futures(impl, n):
    futures = []
    for i in range(n):
        future = impl.Future()
        future.set_result(i)
        futures.append(future)
    return futures


def as_completed_done(impl, n):
    """as_completed() over n futures that are all done already."""
    futures = _done_futures(impl, n)
    count = 0
    with Timer() as timer:
        for _ in impl.as_completed(futures):
            count += 1
    _check(count == n, f"as_completed yielded {count} of {n} futures")
    return timer.measurement(n)


def wait_all_done(impl, n):
    """wait(ALL_COMPLETED) over n futures that are all done already."""
    futures = _done_futures(impl, n)
    with Timer() as timer:
        done, not_done = impl.wait(futures, return_when=impl.ALL_COMPLETED)
    _check(len(done) == n and not not_done, "wait() lost futures")
    return timer.measurement(n)


def sleep_tasks(impl, n, workers, delay, prestart=True):
    """n tasks that each time.sleep(delay), on many workers.

    With ``prestart`` every worker is started before the timed region;
    without, the pool is as constructed and starts its threads while the
    tasks are submitted, as in a program.
    extra: the ideal wall time (n * delay / workers) and wall / ideal.
    """
    with impl.ThreadPoolExecutor(workers) as executor:
        if prestart:
            start_workers(executor, workers)
        measurement = submit_all_then_results(
            executor, n, time.sleep, itertools.repeat(delay, n))
    ideal = n * delay / workers
    # What sleep(delay) itself takes here (timer slack, wake-up latency):
    # no executor can beat n * that / workers.
    floor = n * measured_sleep(delay) / workers
    measurement.extra.update(ideal_seconds=ideal,
                             wall_over_ideal=measurement.seconds / ideal,
                             floor_seconds=floor,
                             wall_over_floor=measurement.seconds / floor)
    return measurement


def measured_sleep(delay, samples=100):
    """Median wall time of time.sleep(delay) on a fresh thread."""
    durations = []

    def sample():
        for _ in range(samples):
            started = time.perf_counter()
            time.sleep(delay)
            durations.append(time.perf_counter() - started)

    thread = threading.Thread(target=sample)
    thread.start()
    thread.join()
    return statistics.median(durations)


def idle_pool_cpu(impl, n, workers):
    """CPU the process burns while a warmed-up pool sits idle.

    n tasks run first (so every worker has just gone idle), then the caller
    blocks for IDLE_SECONDS. extra: idle_cpu_fraction, CPU seconds per
    idle second across all threads (0 = free; 1 = a whole core).
    """
    with impl.ThreadPoolExecutor(workers) as executor:
        start_workers(executor, workers)
        for future in [executor.submit(noop) for _ in range(n)]:
            future.result()
        cpu_before = time.process_time()
        with Timer(collect=False) as timer:
            threading.Event().wait(IDLE_SECONDS)
        cpu = time.process_time() - cpu_before
    return timer.measurement(1, idle_cpu_fraction=cpu / timer.seconds)


def queued_memory(impl, n):
    """Traced bytes per task queued behind a blocked worker.

    The single worker is held on an Event, n no-ops are submitted under
    tracemalloc, then the worker is released. The list that holds the
    returned futures is not counted (it costs the same for both). The timed
    region is the submits, slowed down by tracemalloc.
    extra: bytes_per_task.
    """
    started = threading.Event()
    gate = threading.Event()

    def blocker():
        started.set()
        gate.wait()

    with impl.ThreadPoolExecutor(1) as executor:
        try:
            executor.submit(blocker)
            _check(started.wait(WORKER_START_TIMEOUT), "worker never started")
            submit = executor.submit
            futures = []
            append = futures.append
            gc.collect()
            tracemalloc.start()
            try:
                before = tracemalloc.get_traced_memory()[0]
                with Timer(collect=False) as timer:
                    for _ in range(n):
                        append(submit(noop))
                after = tracemalloc.get_traced_memory()[0]
            finally:
                tracemalloc.stop()
            traced = after - before - sys.getsizeof(futures)
        finally:
            gate.set()
        for future in futures:
            future.result()
        del futures
    return timer.measurement(n, bytes_per_task=traced / n)


# -- process pools -----------------------------------------------------------
# Tasks are builtins, so every start method can unpickle them.

def process_submit(impl, n, workers):
    """Submit n no-op tasks to a warmed-up process pool, then result() each."""
    with impl.ProcessPoolExecutor(workers) as executor:
        start_processes(executor, workers)
        return submit_all_then_results(executor, n, abs, range(n))


def process_roundtrip(impl, n, options=None):
    """submit(abs, 1).result(), one at a time, on one warmed-up worker
    (``options``: cfutures' pool options, cases_processes.pool_options)."""
    with impl.ProcessPoolExecutor(1, **pool_options(impl, options)) as executor:
        executor.submit(abs, 1).result()
        submit = executor.submit
        with Timer() as timer:
            for _ in range(n):
                submit(abs, 1).result()
    return timer.measurement(n)


def process_start_stop(impl, n, workers):
    """Start a pool, run one task on each worker, shut it down; n times."""
    with Timer() as timer:
        for _ in range(n):
            with impl.ProcessPoolExecutor(workers) as executor:
                list(executor.map(abs, range(workers)))
    return timer.measurement(n)


def interpreter_pool_calls(impl, n, workers):
    """Start an InterpreterPoolExecutor, submit n abs() calls, result() each,
    shut it down: the whole life of a pool, as a program has it (3.14+)."""
    with Timer() as timer:
        with impl.InterpreterPoolExecutor(workers) as executor:
            futures = [executor.submit(abs, -i) for i in range(n)]
            for future in futures:
                future.result()
    del futures
    return timer.measurement(n)


def interpreters_available():
    import concurrent.futures
    return hasattr(concurrent.futures, "InterpreterPoolExecutor")


def cloudpickle_available():
    try:
        import cloudpickle  # noqa: F401
    except ImportError:
        return False
    return True


# (tag, label, options, available) of the options section's map rows.
OPTION_ROWS = (
    ("timeout", "task_timeout=60", {"task_timeout": 60}, None),
    ("replace", "on_worker_death='replace'", {"on_worker_death": "replace"}, None),
    ("memory", "max_worker_memory=4 GiB", {"max_worker_memory": 4 << 30}, None),
    ("idle", "idle_timeout=300", {"idle_timeout": 300}, None),
    ("cloudpickle", "pickler='cloudpickle'", {"pickler": "cloudpickle"},
     cloudpickle_available),
    ("pending", "max_pending=1000", {"max_pending": 1000}, None),
    ("timed", "time_statistics=True", {"time_statistics": True}, None),
)

# The options both pools have, on the thread pool's submit.
THREAD_OPTION_ROWS = (
    ("pending", "max_pending=1000", {"max_pending": 1000}),
    ("timed", "time_statistics=True", {"time_statistics": True}),
)


# -- the registry ------------------------------------------------------------

SECTIONS = (
    Section("threads", "futures and the thread pool", (
        Case("future", "Future create+run+set_result+result",
             future_lifecycle, 100_000, unit="future"),
        Case("submit_1w", "submit N no-ops + result(), 1 worker",
             submit_and_result, 100_000, {"workers": 1}, unit="task"),
        Case("submit_2w", "submit N no-ops + result(), 2 workers",
             submit_and_result, 100_000, {"workers": 2}, unit="task"),
        Case("submit_4w", "submit N no-ops + result(), 4 workers",
             submit_and_result, 100_000, {"workers": 4}, unit="task"),
        Case("roundtrip", "one-task roundtrip, 1 worker", roundtrip, 20_000,
             unit="roundtrip", cpu_row=True),
        Case("roundtrip_1cpu",
             "one-task roundtrip, 1 worker, pinned to 1 CPU",
             roundtrip_one_cpu, 10_000, unit="roundtrip", cpu_row=True,
             available=one_cpu_available),
        Case("map_4w", "map(no-op) over N items, 4 workers", map_noop,
             100_000, {"workers": 4},
             impls=("stdlib", "cfutures", "ThreadPool"), unit="item"),
        Case("as_completed_running", "as_completed, futures completing",
             as_completed_running, 50_000, {"workers": 2}, unit="future"),
        Case("as_completed_done", "as_completed, futures already done",
             as_completed_done, 50_000, unit="future"),
        Case("wait_all_running", "wait(ALL_COMPLETED), futures completing",
             wait_all_running, 50_000, {"workers": 2}, unit="future"),
        Case("wait_all_done", "wait(ALL_COMPLETED), futures already done",
             wait_all_done, 50_000, unit="future"),
        Case("sleep_32w", "N tasks of sleep(1ms), 32 workers", sleep_tasks,
             10_000, {"workers": 32, "delay": 0.001}, unit="task"),
        Case("sleep_32w_lazy",
             "N tasks of sleep(1ms), 32 workers, none started before",
             sleep_tasks, 10_000,
             {"workers": 32, "delay": 0.001, "prestart": False},
             unit="task"),
        Case("memory", "memory per queued task (tracemalloc)",
             queued_memory, 50_000, unit="task", metric="bytes_per_task"),
        Case("interpreters_2w",
             "interpreter pool (3.14+): start, N abs() calls, shutdown, 2 workers",
             interpreter_pool_calls, 5_000, {"workers": 2}, unit="call",
             available=interpreters_available),
    )),
    Section("processes", "the process pool", (
        Case("process_map_2w", "process pool: map(no-op), 2 workers",
             process_map, 20_000, {"workers": 2},
             impls=("stdlib", "cfutures", "Pool"), unit="item"),
        Case("process_map_spin_2w",
             "process pool: map(10 us fn), 2 workers",
             process_map_work, 20_000, {"workers": 2},
             impls=("stdlib", "cfutures", "Pool"), unit="item",
             labels={"Pool": "multiprocessing.Pool({workers}).map"}),
        Case("process_map_2w_list",
             "process pool: map(no-op) over a list of ints, 2 workers",
             process_map, 20_000, {"workers": 2, "as_list": True},
             impls=("stdlib", "cfutures", "Pool"), unit="item"),
        Case("process_submit_2w",
             "process pool: submit N + result(), 2 workers",
             process_submit, 20_000, {"workers": 2}, unit="task"),
        Case("process_roundtrip",
             "process pool: one-task roundtrip, 1 worker",
             process_roundtrip, 2_000, unit="roundtrip", cpu_row=True),
        Case("process_map_1mb",
             "process pool: map over 1 MB payloads, 2 workers",
             process_map, 200, {"workers": 2, "payload_bytes": 1 << 20},
             unit="item"),
        Case("process_start_stop",
             "process pool: start + shutdown, 2 workers",
             process_start_stop, 10, {"workers": 2}, unit="pool"),
    )),
    # cfutures' process-pool options, each turned on alone (the stdlib has
    # none: its column is its plain pool, the same as the rows above).
    Section("options", "the pools with one of cfutures' options on", (
        *(Case(f"process_map_2w_{tag}",
               f"process pool: map(no-op), 2 workers, {label}",
               process_map, 20_000, {"workers": 2, "options": options},
               unit="item", available=available)
          for tag, label, options, available in OPTION_ROWS),
        Case("process_roundtrip_timeout",
             "process pool: one-task roundtrip, 1 worker, task_timeout=60",
             process_roundtrip, 2_000, {"options": {"task_timeout": 60}},
             unit="roundtrip"),
        *(Case(f"submit_2w_{tag}",
               f"thread pool: submit N no-ops + result(), 2 workers, {label}",
               submit_and_result, 100_000, {"workers": 2, "options": options},
               unit="task")
          for tag, label, options in THREAD_OPTION_ROWS),
    )),
    # What a pool costs while it does nothing; before the workloads, whose
    # third-party pools might leave threads behind in this process.
    Section("idle", "idle pools", (
        Case("idle_cpu", "idle pool of 4 workers: CPU per idle second",
             idle_pool_cpu, 1_000, {"workers": 4}, unit="second",
             metric="idle_cpu_fraction"),
    )),
    workloads_threads.SECTION,
    workloads_processes.SECTION,
    startup.SECTION,
)

CASES = tuple(case for section in SECTIONS for case in section.cases)

CASES_BY_NAME = {case.name: case for case in CASES}

SECTION_OF = {case.name: section
              for section in SECTIONS for case in section.cases}

__all__ = ["CASES", "CASES_BY_NAME", "SECTIONS", "SECTION_OF"]
