"""Thread-pool workloads: whole jobs as a program runs them, timed end to end.

Where cases.py times one operation on a pool whose workers are all started,
each workload here is a job a program hands a ThreadPoolExecutor, and the
table shows its wall time (median over the repeats) for the stdlib and for
cfutures, with the ratio. What is timed, for every workload: from the first
submit (or map, or the asyncio coroutine starting) to the last result in
hand. The pool is created just before, untimed, and no worker thread is
started ahead of the timed region: threads start as the job asks for them,
as in a program. Only ``sleep_warm`` runs something first, and says what.
Shutting the pool down comes after, untimed.

``SECTION`` lists them, with their sizes at scale 1 (N is the number of
calls); ``ideal_seconds`` (N x delay / workers, or the sum of the delays /
workers) goes to the notes.
"""
import asyncio
import hashlib
import itertools
import random
import time

from casekit import Case, Section, Timer

# A pool's workers in the sleep workloads; the quick work before the warm
# one (a few threads start for it, far fewer than the pool's maximum).
SLEEP_WORKERS = 32
WARM_UP_CALLS = 64

# The fan-out: each of FAN_PARENTS parent calls submits FAN_CHILDREN
# children to the same pool and waits for them, round after round. It cannot
# deadlock: at most FAN_PARENTS workers block in a parent, and the pool has
# room for every parent and all their children at once
# (16 + 16 x 4 = 80 <= 96 workers).
FAN_PARENTS = 16
FAN_CHILDREN = 4
FAN_WORKERS = 96

HASH_BLOCK_BYTES = 256 * 1024
HASH_DISTINCT_BLOCKS = 8

RANDOM_SEED = 20240901


def _check(condition, message):
    if not condition:
        raise AssertionError(message)


def _with_ideal(measurement, ideal_seconds):
    measurement.extra["ideal_seconds"] = ideal_seconds
    return measurement


def sleep_calls(impl, n, workers, delay, warm):
    """n calls of time.sleep(delay) through executor.map on ``workers``.

    ``warm``: first (untimed) list(executor.map(int, range(64))), as a
    program that used its pool a little before, so only a few threads exist
    when the burst comes; otherwise the pool is as constructed (no threads).
    """
    with impl.ThreadPoolExecutor(workers) as executor:
        if warm:
            list(executor.map(int, range(WARM_UP_CALLS)))
        with Timer() as timer:
            results = list(executor.map(time.sleep, itertools.repeat(delay,
                                                                     n)))
    _check(len(results) == n, "map lost results")
    return _with_ideal(timer.measurement(n), n * delay / workers)


def random_sleeps(impl, n, workers, max_delay):
    """n calls sleeping a seeded random 0..max_delay s each, on ``workers``."""
    rng = random.Random(RANDOM_SEED)
    delays = [rng.uniform(0.0, max_delay) for _ in range(n)]
    with impl.ThreadPoolExecutor(workers) as executor:
        with Timer() as timer:
            results = list(executor.map(time.sleep, delays))
    _check(len(results) == n, "map lost results")
    return _with_ideal(timer.measurement(n), sum(delays) / workers)


def fan_out(impl, n, parents, children, workers, delay):
    """Parents that submit children to their own pool and wait for them.

    ``parents`` parent calls run at once; each, round after round, submits
    ``children`` calls of time.sleep(delay) to the same pool and waits for
    their results, until the children add up to n (rounds = n / (parents x
    children)). N counts the children.
    """
    _check(workers >= parents * (children + 1),
           "fan-out pool too small to run every parent and child at once")
    rounds = max(1, n // (parents * children))

    def parent():
        for _ in range(rounds):
            for future in [executor.submit(time.sleep, delay)
                           for _ in range(children)]:
                future.result()
        return rounds * children

    with impl.ThreadPoolExecutor(workers) as executor:
        with Timer() as timer:
            done = sum(future.result() for future in
                       [executor.submit(parent) for _ in range(parents)])
    _check(done == parents * rounds * children, "fan-out lost children")
    return _with_ideal(timer.measurement(done), rounds * delay)


_hash_blocks = []


def hash_blocks():
    """HASH_DISTINCT_BLOCKS seeded random blocks of HASH_BLOCK_BYTES."""
    if not _hash_blocks:
        rng = random.Random(RANDOM_SEED)
        _hash_blocks.extend(rng.randbytes(HASH_BLOCK_BYTES)
                            for _ in range(HASH_DISTINCT_BLOCKS))
    return _hash_blocks


def sha256_hex(block):
    return hashlib.sha256(block).hexdigest()


def hash_calls(impl, n, workers):
    """hashlib.sha256 of n 256 KiB blocks through executor.map.

    hashlib releases the GIL for data this large, so the hashing itself runs
    in parallel; the blocks (8 distinct ones, cycled) exist before the pool.
    """
    blocks = itertools.islice(itertools.cycle(hash_blocks()), n)
    with impl.ThreadPoolExecutor(workers) as executor:
        with Timer() as timer:
            digests = list(executor.map(sha256_hex, blocks))
    _check(len(digests) == n, "map lost results")
    return timer.measurement(n)


def small_call(value):
    return value * 2 + 1


def asyncio_default_executor(impl, n):
    """n loop.run_in_executor(None, small_call, i), gathered, on asyncio.

    The loop's default executor is impl.ThreadPoolExecutor() with its
    default size (loop.set_default_executor), as a program that swaps the
    executor would set it. Timed: run_until_complete of the coroutine that
    schedules every call and gathers them; making the loop and shutting the
    executor down are not.
    """
    loop = asyncio.new_event_loop()
    try:
        loop.set_default_executor(impl.ThreadPoolExecutor())

        async def gather_calls():
            return await asyncio.gather(*[
                loop.run_in_executor(None, small_call, i) for i in range(n)])

        with Timer() as timer:
            results = loop.run_until_complete(gather_calls())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
    _check(len(results) == n and results[-1] == small_call(n - 1),
           "run_in_executor lost results")
    return timer.measurement(n)


SECTION = Section("workloads-threads", "thread-pool workloads, timed whole", (
    Case("sleep_warm",
         "threads: N x sleep(1ms), 32 workers, after 64 quick calls",
         sleep_calls, 3_000,
         {"workers": SLEEP_WORKERS, "delay": 0.001, "warm": True},
         unit="call", metric="wall"),
    Case("sleep_cold", "threads: N x sleep(1ms), 32 workers, fresh pool",
         sleep_calls, 3_000,
         {"workers": SLEEP_WORKERS, "delay": 0.001, "warm": False},
         unit="call", metric="wall"),
    Case("sleep_random", "threads: N x sleep(random 0-4 ms), 48 workers",
         random_sleeps, 1_500, {"workers": 48, "max_delay": 0.004},
         unit="call", metric="wall"),
    Case("fan_out",
         "threads: fan-out, 16 parents x 4 children of sleep(1ms), "
         "96 workers",
         fan_out, 3_200,
         {"parents": FAN_PARENTS, "children": FAN_CHILDREN,
          "workers": FAN_WORKERS, "delay": 0.001},
         unit="child call", metric="wall"),
    Case("sha256", "threads: sha256 of N 256 KiB blocks, 4 workers",
         hash_calls, 2_000, {"workers": 4}, unit="block", metric="wall"),
    Case("asyncio_executor",
         "threads: asyncio, N x run_in_executor(None, ...), gathered",
         asyncio_default_executor, 20_000, unit="call", metric="wall"),
))
