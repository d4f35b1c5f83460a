"""Process-pool workloads: whole jobs on 2 worker processes, timed end to end.

Each workload is a job a program hands a process pool, run on the stdlib's
ProcessPoolExecutor and on cfutures' (the table's two columns) and, as
references in the notes, on multiprocessing.Pool and on loky, pebble and
mpire where they are installed (peers.py wraps each pool). What is timed:
the pool's whole life, as a program's ``with`` block has it: creating the
pool, starting its workers (each pool starts them when it wants to), the
job, and the shutdown. Nothing is started or warmed before that region; the
inputs (ints, payloads, durations) are made before it.

- map of a no-op, and of a ~10 us pure-Python function, over N ints, with
  each pool's default arguments (no chunksize: the stdlib and cfutures send
  one item per call, multiprocessing.Pool and mpire chunk on their own);
- map of a no-op over N payloads of 1 MiB each (bytes both ways);
- mixed durations: N calls of which 1 in 10 (seeded, shuffled) sleeps 5 ms
  and the rest return at once, all submitted one after another, then
  waited for with as_completed (callbacks for the pools without futures).
  Besides the wall time it reports the p50 and p99 of the latency from each
  submit to the caller seeing it done (queueing behind earlier calls
  included), as extra rows.

The worker functions are in worktasks.py. ``SECTION`` lists the workloads,
with their sizes at scale 1.
"""
import math
import random

import peers
import worktasks
from casekit import Case, Section, Timer

WORKERS = 2
PAYLOAD_BYTES = 1 << 20
SLOW_SHARE = 0.1
SLOW_SECONDS = 0.005
RANDOM_SEED = 20240901


def _check(condition, message):
    if not condition:
        raise AssertionError(message)


def process_map(impl, n, workers, task, payload_bytes=0):
    """pool.map(worktasks.<task>, items) over the pool's life.

    Items are range(n), or n distinct zero-filled bytes objects of
    ``payload_bytes`` when given (distinct, so no pool's pickler can send
    one object once for many items).
    """
    fn = getattr(worktasks, task)
    if payload_bytes:
        items = [bytes(payload_bytes) for _ in range(n)]
    else:
        items = range(n)
    pool = peers.process_pool(impl)
    with Timer() as timer:
        results = pool.map(workers, fn, items)
    _check(len(results) == n, f"map returned {len(results)} of {n} results")
    return timer.measurement(n)


def percentile(ordered, fraction):
    """The nearest-rank percentile of an ascending list."""
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def mixed_durations(impl, n, workers, slow_share, slow_seconds):
    """n calls of worktasks.pause: a share sleep ``slow_seconds``, the rest 0.

    extra: latency_p50 / latency_p99 (seconds from a call's submit to the
    caller seeing it done) and ideal_seconds (the slow calls' sleep spread
    over the workers: what no pool can beat).
    """
    slow = round(n * slow_share)
    durations = [slow_seconds] * slow + [0.0] * (n - slow)
    random.Random(RANDOM_SEED).shuffle(durations)
    pool = peers.process_pool(impl)
    with Timer() as timer:
        latencies = pool.latencies(workers, worktasks.pause, durations)
    _check(len(latencies) == n, "calls lost")
    latencies.sort()
    return timer.measurement(n, latency_p50=percentile(latencies, 0.50),
                             latency_p99=percentile(latencies, 0.99),
                             ideal_seconds=slow * slow_seconds / workers)


_MAP_LABELS = peers.labels("map")
_LATENCY_NOTE = ("from submit until seen done (as_completed; the callback "
                 "for Pool and mpire)")

SECTION = Section(
    "workloads-processes", "process-pool workloads, timed whole", (
        Case("proc_map_noop",
             "processes: map(no-op) of N ints, default args, 2 workers",
             process_map, 20_000, {"workers": WORKERS, "task": "echo"},
             impls=peers.PROCESS_IMPLS, unit="item", metric="wall",
             labels=_MAP_LABELS),
        Case("proc_map_spin",
             "processes: map(10 us fn) of N ints, default args, 2 workers",
             process_map, 20_000, {"workers": WORKERS, "task": "spin"},
             impls=peers.PROCESS_IMPLS, unit="item", metric="wall",
             labels=_MAP_LABELS),
        Case("proc_map_1mb",
             "processes: map(no-op) of N 1 MiB payloads, 2 workers",
             process_map, 200,
             {"workers": WORKERS, "task": "echo",
              "payload_bytes": PAYLOAD_BYTES},
             impls=peers.PROCESS_IMPLS, unit="item", metric="wall",
             labels=_MAP_LABELS),
        Case("proc_mixed",
             "processes: N mixed calls (1 in 10 sleeps 5 ms), 2 workers",
             mixed_durations, 2_000,
             {"workers": WORKERS, "slow_share": SLOW_SHARE,
              "slow_seconds": SLOW_SECONDS},
             impls=peers.PROCESS_IMPLS, unit="call", metric="wall",
             extra_rows=(("p50 latency", "latency_p50", _LATENCY_NOTE),
                         ("p99 latency", "latency_p99", _LATENCY_NOTE)),
             labels=peers.labels("submit")),
    ))
