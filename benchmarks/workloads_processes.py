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
- mixed durations: bursts of N calls of which 1 in 10 (seeded, shuffled)
  sleeps 5 ms, or 1 in 50 spins 20 ms of CPU, and the rest return at once,
  all submitted one after another, then waited for with as_completed
  (callbacks for the pools without futures). Besides the wall time it
  reports the p50 and p99 of the latency from each submit to the caller
  seeing it done (queueing behind earlier calls included), as extra rows.
  The same durations also go through each pool's map (and
  multiprocessing.Pool's imap), with the p50 and p99 of the latency from
  the map call to each result reaching the caller. These run at fixed
  burst sizes (50, 100, 200, 500, 2,000; --quick and --scale leave them):
  how a pool splits a burst it has not measured yet is what they show.

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
SPIN_SHARE = 0.02
SPIN_SECONDS = 0.020
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


def mixed_list(n, slow_share, slow_seconds):
    """n durations: a share (seeded, shuffled) of ``slow_seconds``, the rest
    0; and the ideal for ``workers`` = 1 (their sum)."""
    slow = round(n * slow_share)
    durations = [slow_seconds] * slow + [0.0] * (n - slow)
    random.Random(RANDOM_SEED).shuffle(durations)
    return durations, slow * slow_seconds


def mixed_durations(impl, n, workers, slow_share, slow_seconds,
                    task="pause"):
    """n calls of worktasks.<task> (pause sleeps, burn spins the CPU): a
    share take ``slow_seconds``, the rest 0.

    extra: latency_p50 / latency_p99 (seconds from a call's submit to the
    caller seeing it done) and ideal_seconds (the slow calls' time spread
    over the workers: what no pool can beat).
    """
    durations, total = mixed_list(n, slow_share, slow_seconds)
    pool = peers.process_pool(impl)
    with Timer() as timer:
        latencies = pool.latencies(workers, getattr(worktasks, task), durations)
    _check(len(latencies) == n, "calls lost")
    latencies.sort()
    return timer.measurement(n, latency_p50=percentile(latencies, 0.50),
                             latency_p99=percentile(latencies, 0.99),
                             ideal_seconds=total / workers)


def mixed_map(impl, n, workers, slow_share, slow_seconds, task="pause"):
    """The durations of mixed_durations() through each pool's map, default
    arguments.

    extra: latency_p50 / latency_p99 (seconds from the map call to each
    result reaching the caller, in order) and ideal_seconds.
    """
    durations, total = mixed_list(n, slow_share, slow_seconds)
    pool = peers.process_pool(impl)
    with Timer() as timer:
        results, latencies = pool.map_latencies(
            workers, getattr(worktasks, task), durations)
    _check(results == durations, "map lost or reordered results")
    latencies.sort()
    return timer.measurement(n, latency_p50=percentile(latencies, 0.50),
                             latency_p99=percentile(latencies, 0.99),
                             ideal_seconds=total / workers)


_MAP_LABELS = peers.labels("map")
_SLEEPS = {"workers": WORKERS, "slow_share": SLOW_SHARE,
           "slow_seconds": SLOW_SECONDS}
_SPINS = {"workers": WORKERS, "slow_share": SPIN_SHARE,
          "slow_seconds": SPIN_SECONDS, "task": "burn"}
_LATENCY_NOTE = ("from submit until seen done (as_completed; the callback "
                 "for Pool and mpire)")
_MAP_LATENCY_NOTE = ("from the map call until the result reaches the caller "
                     "(Pool.map's all at its end)")

_BURSTS = (("50", 50), ("100", 100), ("200", 200), ("500", 500), ("", 2_000))


def _mixed_cases():
    """The mixed bursts, at fixed sizes (see the module docstring): each
    size submitted (as_completed) and through map, 1 in 10 sleeping 5 ms;
    and 500 calls of which 1 in 50 spins 20 ms, both ways."""
    latency_rows = (("p50 latency", "latency_p50", _LATENCY_NOTE),
                    ("p99 latency", "latency_p99", _LATENCY_NOTE))
    map_latency_rows = (("p50 latency", "latency_p50", _MAP_LATENCY_NOTE),
                        ("p99 latency", "latency_p99", _MAP_LATENCY_NOTE))
    sleeps = [(size, n, _SLEEPS, "1 in 10 sleeps 5 ms") for size, n in _BURSTS]
    spins = [("spin_500", 500, _SPINS, "1 in 50 spins 20 ms")]
    ways = (("", "N mixed calls", mixed_durations, peers.PROCESS_IMPLS,
             latency_rows, peers.labels("submit")),
            ("_map", "map of N mixed calls", mixed_map, peers.PROCESS_MAP_IMPLS,
             map_latency_rows, _MAP_LABELS))
    for way, title, workload, impls, rows, labels in ways:
        for size, n, durations, what in sleeps + spins:
            yield Case(f"proc_mixed{way}" + (f"_{size}" if size else ""),
                       f"processes: {title} ({what}), 2 workers",
                       workload, n, durations, impls=impls, unit="call",
                       metric="wall", extra_rows=rows, labels=labels,
                       scaled=False)


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
        *_mixed_cases(),
    ))

