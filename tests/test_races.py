"""Completion racing with waiting, from two threads started together;
and cancel() racing a worker that starts the task.

Each round of race() starts both sides at a Barrier so that they overlap as
much as possible; every round must end with the waiter seeing the
completion (a lost wake-up shows as a TimeoutError after LONG, never as a
pass). Nothing here depends on timing.
"""
import concurrent.futures as STDLIB
import threading

import pytest

from support import LONG

ROUNDS = 200


def race(complete, wait_for, rounds=ROUNDS):
    """Run ``complete(i)`` in a helper thread and ``wait_for(i)`` here,
    released together each round; returns the waiter's results."""
    barrier = threading.Barrier(2, timeout=LONG)
    errors = []

    def completer():
        try:
            for i in range(rounds):
                barrier.wait()
                complete(i)
                barrier.wait()
        except BaseException as exc:   # reported by the main thread
            errors.append(exc)
            barrier.abort()
    thread = threading.Thread(target=completer)
    thread.start()
    results = []
    try:
        for i in range(rounds):
            barrier.wait()
            results.append(wait_for(i))
            barrier.wait()
    except BaseException:
        barrier.abort()
        raise
    finally:
        thread.join(LONG)
    assert not errors, errors
    return results


def race_wait(wait, fs, complete):
    """race() ``complete(i)`` against wait([fs[i]]); every wait() must
    return with fs[i] done."""
    results = race(complete,
                   lambda i: wait([fs[i]], timeout=LONG).done == {fs[i]})
    assert all(results)


@pytest.fixture(params=["same", "stdlib-future", "stdlib-wait"])
def setup(request, impl):
    """(future factory, wait, as_completed) to race: all impl's, stdlib
    futures under impl's wait functions, or impl's futures under the
    stdlib's."""
    if request.param == "same":
        return impl.Future, impl.wait, impl.as_completed
    if request.param == "stdlib-future":
        return STDLIB.Future, impl.wait, impl.as_completed
    return impl.Future, STDLIB.wait, STDLIB.as_completed


def test_result_vs_set_result(impl):
    fs = [impl.Future() for _ in range(ROUNDS)]
    results = race(lambda i: fs[i].set_result(i),
                   lambda i: fs[i].result(LONG))
    assert results == list(range(ROUNDS))


def test_result_vs_cancel(impl):
    fs = [impl.Future() for _ in range(ROUNDS)]

    def wait_for(i):
        with pytest.raises(STDLIB.CancelledError):
            fs[i].result(LONG)
        return True
    assert all(race(lambda i: fs[i].cancel(), wait_for))


def test_wait_vs_set_result(setup):
    make, wait, _ = setup
    fs = [make() for _ in range(ROUNDS)]
    race_wait(wait, fs, lambda i: fs[i].set_result(i))


def test_wait_first_completed_vs_set_exception(setup):
    make, wait, _ = setup
    pairs = [(make(), make()) for _ in range(ROUNDS)]

    def wait_for(i):
        done, not_done = wait(pairs[i], timeout=LONG,
                              return_when=STDLIB.FIRST_COMPLETED)
        return done == {pairs[i][1]} and not_done == {pairs[i][0]}
    assert all(race(lambda i: pairs[i][1].set_exception(OSError()),
                    wait_for))


def test_wait_vs_notified_cancel(setup):
    make, wait, _ = setup
    fs = [make() for _ in range(ROUNDS)]
    for f in fs:
        f.cancel()
    race_wait(wait, fs, lambda i: fs[i].set_running_or_notify_cancel())


def test_as_completed_vs_set_result(setup):
    make, _, as_completed = setup
    pairs = [(make(), make()) for _ in range(ROUNDS)]

    def complete(i):
        pairs[i][0].set_result(0)
        pairs[i][1].set_result(1)

    def wait_for(i):
        return sorted(f.result() for f in
                      as_completed(pairs[i], timeout=LONG))
    assert race(complete, wait_for) == [[0, 1]] * ROUNDS


def test_callback_vs_set_result(impl):
    # A callback added while the future completes runs exactly once.
    fs = [impl.Future() for _ in range(ROUNDS)]
    calls = [[] for _ in range(ROUNDS)]

    def add(i):
        fs[i].add_done_callback(lambda f, i=i: calls[i].append(f))
        return True
    race(lambda i: fs[i].set_result(i), add)
    assert all(len(c) == 1 and c[0] is fs[i] for i, c in enumerate(calls))


def test_cancel_vs_worker_start(impl):
    # Each task either runs (cancel() False) or never runs (cancel() True).
    ran = []
    with impl.ThreadPoolExecutor(max_workers=1) as ex:
        fs = []
        outcomes = []
        for i in range(ROUNDS):
            f = ex.submit(ran.append, i)
            outcomes.append(f.cancel())
            fs.append(f)
    for i, (f, cancelled) in enumerate(zip(fs, outcomes)):
        assert f.done()
        assert f.cancelled() is cancelled
        assert (i in ran) is (not cancelled)
