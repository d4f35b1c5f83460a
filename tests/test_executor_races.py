"""Executors under races: shutdown against submits from other threads,
callbacks that submit work or shut the pool down, and as_completed()/wait()
while other threads make and complete futures.

What must hold whatever the interleaving: every submit either returns a
future that ends or raises the stdlib's RuntimeError; nothing runs twice;
nothing hangs (every wait has a timeout, and pytest-timeout is the last
resort). Both implementations, thread and process pools.
"""
import random
import threading
from concurrent.futures import FIRST_COMPLETED

import pytest

from children import identity
from support import LONG

SUBMITTERS = 4
PER_SUBMITTER = 300


def submit_against_shutdown(pool, fn):
    """SUBMITTERS threads submit ``fn(i)`` while this one shuts ``pool``
    down; the futures they got and the submits that were refused."""
    start = threading.Barrier(SUBMITTERS + 1, timeout=LONG)
    got, refused = [], []
    lock = threading.Lock()

    def submitter(k):
        start.wait()
        for i in range(PER_SUBMITTER):
            try:
                future = pool.submit(fn, k * PER_SUBMITTER + i)
            except RuntimeError as exc:
                with lock:
                    refused.append(str(exc))
                return
            with lock:
                got.append(future)
    threads = [threading.Thread(target=submitter, args=(k,))
               for k in range(SUBMITTERS)]
    for thread in threads:
        thread.start()
    start.wait()
    pool.shutdown(wait=True)
    for thread in threads:
        thread.join(LONG)
        assert not thread.is_alive()
    return got, refused


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", ["thread", "process"])
def test_shutdown_against_submits_from_other_threads(impl, kind):
    ran = []
    if kind == "thread":
        pool, fn = impl.ThreadPoolExecutor(4), lambda i: ran.append(i) or i
    else:
        pool, fn = impl.ProcessPoolExecutor(2), identity
    got, refused = submit_against_shutdown(pool, fn)
    # Every future a submit returned ends, with its own value; a refused
    # submit says why, as the stdlib does.
    values = [future.result(timeout=LONG) for future in got]
    assert len(set(values)) == len(values) == len(got)
    assert all("shutdown" in why for why in refused)
    if kind == "thread":
        assert sorted(ran) == sorted(values)
    with pytest.raises(RuntimeError):
        pool.submit(abs, 1)


@pytest.mark.timeout(120)
def test_callbacks_that_submit_more_work(impl):
    # Each done-callback submits the next link of a chain to the same
    # pool; every link runs once, in order, and the last one is seen.
    links = 200
    seen = []
    finished = threading.Event()
    with impl.ThreadPoolExecutor(3) as pool:
        def link(i):
            seen.append(i)
            return i

        def chain(future):
            i = future.result() + 1
            if i < links:
                pool.submit(link, i).add_done_callback(chain)
            else:
                finished.set()
        pool.submit(link, 0).add_done_callback(chain)
        assert finished.wait(LONG)
    assert seen == list(range(links))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("cancel_futures", [False, True])
def test_a_callback_that_shuts_the_pool_down(impl, cancel_futures):
    # shutdown() from a worker's callback (wait=False: a worker cannot wait
    # for itself) ends the pool: later submits are refused, everything
    # submitted ends (run, or cancelled with cancel_futures), no hang.
    pool = impl.ThreadPoolExecutor(2)
    gate = threading.Event()
    shut = threading.Event()
    first = pool.submit(gate.wait, LONG)
    queued = [pool.submit(abs, -i) for i in range(50)]

    def shut_down(future):
        pool.shutdown(wait=False, cancel_futures=cancel_futures)
        shut.set()
    first.add_done_callback(shut_down)
    gate.set()
    assert shut.wait(LONG)
    with pytest.raises(RuntimeError):
        pool.submit(abs, 1)
    pool.shutdown(wait=True)
    # Cancelled ones are not notified (the stdlib's shutdown only cancels
    # them), so done() is the check here, not wait().
    for i, future in enumerate(queued):
        assert future.done()
        assert future.cancelled() or future.result(timeout=0) == i
    assert cancel_futures or not any(f.cancelled() for f in queued)


@pytest.mark.timeout(120)
def test_as_completed_while_other_threads_complete_in_any_order(impl):
    rounds, per_round = 20, 50
    rng = random.Random(7)
    for _ in range(rounds):
        futures = [impl.Future() for _ in range(per_round)]
        order = list(range(per_round))
        rng.shuffle(order)
        halves = order[:per_round // 2], order[per_round // 2:]

        def complete(indexes):
            for i in indexes:
                if i % 7 == 0:
                    futures[i].set_exception(ValueError(i))
                elif i % 11 == 0:
                    # As an executor does: cancelled, then notified.
                    futures[i].cancel()
                    futures[i].set_running_or_notify_cancel()
                else:
                    futures[i].set_result(i)
        threads = [threading.Thread(target=complete, args=(half,))
                   for half in halves]
        for thread in threads:
            thread.start()
        yielded = list(impl.as_completed(futures, timeout=LONG))
        for thread in threads:
            thread.join(LONG)
        assert sorted(map(id, yielded)) == sorted(map(id, futures))


@pytest.mark.timeout(120)
def test_wait_while_other_threads_make_and_complete_futures(impl):
    # wait(FIRST_COMPLETED) over snapshots of a list that other threads grow
    # with futures they complete: each call returns a done future, and in
    # the end wait() sees every one done.
    made = []
    lock = threading.Lock()
    stop = threading.Event()

    def producer():
        while not stop.is_set() and len(made) < 20_000:
            future = impl.Future()
            with lock:
                made.append(future)
            future.set_result(len(made))
    threads = [threading.Thread(target=producer) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(200):
            with lock:
                snapshot = list(made)
            if snapshot:
                done, _ = impl.wait(snapshot, timeout=LONG,
                                    return_when=FIRST_COMPLETED)
                assert done
    finally:
        stop.set()
        for thread in threads:
            thread.join(LONG)
    done, not_done = impl.wait(made, timeout=LONG)
    assert not not_done and len(done) == len(made)
