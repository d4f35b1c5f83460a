"""The process-pool map cases of cases.py: a map on a pool whose workers
are started before the timed region (the workloads in
workloads_processes.py time a pool's whole life instead).

multiprocessing.Pool is the reference: ``imap(chunksize=1)`` beside a map
of a no-op (the same one-item calls the stdlib makes), its own ``map`` (its
own chunks) beside a map of real work, where what matters is how close a
pool comes to the ideal: the work's single-core time spread over the
workers.
"""
import multiprocessing
import time

import worktasks
from casekit import MPPOOL, Timer


def _check(condition, message):
    if not condition:
        raise AssertionError(message)


def start_processes(executor, workers):
    """Start the pool's worker processes (and their pipes) before timing."""
    list(executor.map(abs, range(workers * 4)))


def pool_options(impl, options):
    """cfutures' keyword options for ``impl``'s pool: only cfutures has
    them; the others run their plain pool (the reference a row compares
    with)."""
    if options and getattr(impl, "__name__", "") == "cfutures":
        return dict(options)
    return {}


def process_map(impl, n, workers, payload_bytes=0, as_list=False,
                options=None):
    """list(map(bytes, items)) on a warmed-up process pool.

    With payload_bytes, each item is that many bytes (travelling both ways);
    otherwise the items are small ints (range(n), or a list of them with
    ``as_list``) and the task a no-op (``abs``). ``options``: cfutures'
    pool options (pool_options()).
    """
    if payload_bytes:
        items = [bytes(payload_bytes) for _ in range(n)]
        fn = bytes
    else:
        items = list(range(n)) if as_list else range(n)
        fn = abs
    if impl is MPPOOL:
        with multiprocessing.Pool(workers) as pool:
            pool.map(abs, range(workers * 4))
            with Timer() as timer:
                results = list(pool.imap(fn, items, chunksize=1))
    else:
        with impl.ProcessPoolExecutor(workers, **pool_options(impl, options)) as executor:
            start_processes(executor, workers)
            with Timer() as timer:
                results = list(executor.map(fn, items))
    _check(len(results) == n, "map lost results")
    return timer.measurement(n)


def single_core_seconds(fn, items):
    """What ``fn`` over ``items`` takes in this process, with no pool."""
    start = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - start


def process_map_work(impl, n, workers):
    """list(map(worktasks.spin, range(n))) on a warmed-up pool, default args.

    extra: the ideal (single-core time of the same calls, measured here just
    before the pool is made, / workers) and wall / ideal.
    """
    items = range(n)
    ideal = single_core_seconds(worktasks.spin, items) / workers
    if impl is MPPOOL:
        with multiprocessing.Pool(workers) as pool:
            pool.map(abs, range(workers * 4))
            with Timer() as timer:
                results = pool.map(worktasks.spin, items)
    else:
        with impl.ProcessPoolExecutor(workers) as executor:
            start_processes(executor, workers)
            with Timer() as timer:
                results = list(executor.map(worktasks.spin, items))
    _check(len(results) == n, "map lost results")
    measurement = timer.measurement(n)
    measurement.extra.update(ideal_seconds=ideal,
                             wall_over_ideal=measurement.seconds / ideal)
    return measurement
