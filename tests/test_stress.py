"""Stress: nothing lost, nothing run twice, no hang, under load and faults.

* Thread pool: 8 threads submit to one pool, in all STRESS_THREAD_TASKS
  calls, of which some raise and some are cancelled right after submit.
  Every future ends; results + exceptions + cancels add up exactly to what
  was submitted, and a per-call record shows each call ran once (or, when
  cancel() succeeded, never).
* Process pool: rounds of calls on fresh pools in which some calls kill
  their worker (SIGKILL, ``os._exit``, a segfault through ctypes), as the
  stdlib's pool does, such a death breaks the pool: every future of the
  round ends, with its result or ``BrokenProcessPool``, and a record in
  shared memory shows no call ran twice.

A watchdog (faulthandler) dumps every thread's stack and ends the run if a
form takes too long: a hang is a failure with the stacks, never a pass.
The short form runs in the test command; ``CFUTURES_STRESS=full`` runs the
full one (1,000,000 thread-pool calls, 200,000 process-pool calls; minutes
on 2 cores).
"""
import faulthandler
import multiprocessing
import os
import random
import sys
import threading

import pytest

from concurrent.futures import CancelledError
from concurrent.futures.process import BrokenProcessPool

from children import record_into, run_and_record
from support import LONG

FULL = os.environ.get("CFUTURES_STRESS", "") == "full"
STRESS_THREAD_TASKS = 1_000_000 if FULL else 200_000
STRESS_PROCESS_TASKS = 200_000 if FULL else 20_000
SUBMITTERS = 8
WATCHDOG_SECONDS = 1800 if FULL else 240


@pytest.fixture
def watchdog():
    faulthandler.dump_traceback_later(WATCHDOG_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


class Boom(Exception):
    pass


@pytest.mark.timeout(WATCHDOG_SECONDS + 60)
def test_thread_pool_loses_nothing_under_load(impl, watchdog):
    runs = bytearray(STRESS_THREAD_TASKS)   # one slot per call: times it ran
    per_submitter = STRESS_THREAD_TASKS // SUBMITTERS

    def call(i):
        runs[i] += 1
        if i % 13 == 0:
            raise Boom(i)
        return i

    outcomes = [None] * SUBMITTERS
    with impl.ThreadPoolExecutor(4) as pool:
        def submitter(k):
            rng = random.Random(k)
            futures, cancelled = [], []
            for i in range(k * per_submitter, (k + 1) * per_submitter):
                future = pool.submit(call, i)
                if rng.random() < 0.05 and future.cancel():
                    cancelled.append(i)
                futures.append((i, future))
            outcomes[k] = futures, cancelled
        threads = [threading.Thread(target=submitter, args=(k,))
                   for k in range(SUBMITTERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WATCHDOG_SECONDS)
    results = exceptions = cancels = 0
    for futures, cancelled in outcomes:
        cancelled = set(cancelled)
        for i, future in futures:
            assert future.done()
            if i in cancelled:
                assert future.cancelled() and runs[i] == 0
                cancels += 1
            elif i % 13 == 0:
                assert isinstance(future.exception(0), Boom)
                exceptions += 1
            else:
                assert future.result(0) == i
                results += 1
            assert runs[i] == (0 if i in cancelled else 1)
    assert results + exceptions + cancels == per_submitter * SUBMITTERS
    assert cancels > 0 and exceptions > 0


FAULTS = ("sigkill", "exit", "segfault")


@pytest.mark.timeout(WATCHDOG_SECONDS + 60)
def test_process_pool_loses_nothing_when_workers_die(impl, watchdog):
    # Not fork: this process has threads (fork warns of them from 3.12 on).
    context = multiprocessing.get_context(
        "forkserver" if sys.platform != "win32" else "spawn")
    runs = context.Array("i", STRESS_PROCESS_TASKS, lock=False)
    rng = random.Random(2026)
    round_size = 500
    broken_rounds = 0
    for start in range(0, STRESS_PROCESS_TASKS, round_size):
        # One round in three has a call that kills its worker.
        fault_at = start + rng.randrange(round_size) if rng.random() < 1 / 3 else -1
        fault = rng.choice(FAULTS)
        with impl.ProcessPoolExecutor(2, mp_context=context,
                                      initializer=record_into,
                                      initargs=(runs,)) as pool:
            futures = []
            broken = False
            for i in range(start, min(start + round_size, STRESS_PROCESS_TASKS)):
                try:
                    futures.append((i, pool.submit(
                        run_and_record, i, fault if i == fault_at else None)))
                except BrokenProcessPool:
                    # The fault ran and broke the pool before the round
                    # was all submitted: submit() refuses, as the stdlib's.
                    broken = True
                    break
            for i, future in futures:
                try:
                    assert future.result(timeout=LONG) == i
                except BrokenProcessPool:
                    broken = True
                except CancelledError:
                    pass
                assert future.done()
            broken_rounds += broken
            assert broken == (fault_at >= 0)
    assert all(count <= 1 for count in runs), "a call ran twice"
    assert broken_rounds > 0
