"""max_pending and try_submit() (cfutures only; the stdlib has no bound):
at most that many submitted calls are not done, submit() waits for room in
order, try_submit() returns None instead, map() reads lazily, shutdown()
lets no submitter wait forever. Both pools."""
import os
import tempfile
import threading

import pytest

import children
from support import LONG, non_fork_context, wait_until

pytestmark = pytest.mark.timeout(180)


class Submitter(threading.Thread):
    """A thread that submits one call and records what came of it."""

    def __init__(self, pool, fn, *args, order=None, tag=None):
        super().__init__(daemon=True)
        self.pool, self.fn, self.args = pool, fn, args
        self.order, self.tag = order, tag
        self.future = self.error = None
        self.done = threading.Event()

    def run(self):
        try:
            self.future = self.pool.submit(self.fn, *self.args)
            if self.order is not None:
                self.order.append(self.tag)
        except BaseException as exc:
            self.error = exc
        finally:
            self.done.set()


def hold_slots(pool, kind, n):
    """Fill ``n`` slots of ``pool`` with calls that wait; the release."""
    if kind == "thread":
        event = threading.Event()
        futures = [pool.submit(event.wait, LONG) for _ in range(n)]
        return futures, event.set
    folder = tempfile.mkdtemp()
    gate = os.path.join(folder, "open")
    futures = [pool.submit(children.wait_for_file, gate) for _ in range(n)]

    def release():
        with open(gate, "w") as f:
            f.write("1")
    return futures, release


def test_submit_waits_while_full_and_goes_on_when_a_call_ends(make_pool):
    with make_pool(2, max_pending=3) as pool:
        held, release = hold_slots(pool, make_pool.kind, 3)
        waiting = Submitter(pool, children.double, 21)
        waiting.start()
        wait_until(lambda: pool._pending_limit.waiting() == 1)
        assert not waiting.done.is_set()
        release()
        assert waiting.done.wait(LONG)
        assert waiting.error is None and waiting.future.result(LONG) == 42
        for future in held:
            future.result(LONG)
        wait_until(lambda: pool._pending_limit.count == 0)


def test_try_submit_returns_none_when_full(make_pool, accel):
    with make_pool(1, max_pending=2) as pool:
        held, release = hold_slots(pool, make_pool.kind, 2)
        assert pool.try_submit(children.double, 1) is None
        release()
        for future in held:
            future.result(LONG)
        wait_until(lambda: pool._pending_limit.count == 0)
        assert pool.try_submit(children.double, 2).result(LONG) == 4
    with accel.ThreadPoolExecutor(1) as unbounded:
        assert unbounded.try_submit(children.double, 3).result(LONG) == 6


def test_blocked_submitters_go_in_the_order_they_came(make_pool):
    with make_pool(1, max_pending=1) as pool:
        held, release = hold_slots(pool, make_pool.kind, 1)
        order = []
        submitters = []
        for tag in range(4):
            submitter = Submitter(pool, children.double, tag, order=order, tag=tag)
            submitter.start()
            wait_until(lambda: pool._pending_limit.waiting() == tag + 1)
            submitters.append(submitter)
        release()
        for submitter in submitters:
            assert submitter.done.wait(LONG)
            assert submitter.error is None
        assert order == [0, 1, 2, 3]
        assert [s.future.result(LONG) for s in submitters] == [0, 2, 4, 6]


def test_shutdown_while_a_submitter_waits_raises_in_it(make_pool):
    pool = make_pool(1, max_pending=1)
    held, release = hold_slots(pool, make_pool.kind, 1)
    waiting = Submitter(pool, children.double, 1)
    waiting.start()
    wait_until(lambda: pool._pending_limit.waiting() == 1)
    pool.shutdown(wait=False, cancel_futures=True)
    assert waiting.done.wait(LONG)
    assert isinstance(waiting.error, RuntimeError)
    assert "after shutdown" in str(waiting.error)
    release()
    pool.shutdown(wait=True)
    held[0].result(LONG)


def test_map_reads_its_inputs_lazily_under_the_bound(make_pool):
    read = []

    def inputs():
        for i in range(100):
            read.append(i)
            yield i

    with make_pool(2, max_pending=4) as pool:
        results = pool.map(children.double, inputs())
        assert len(read) <= 4
        assert next(results) == 0
        assert list(results) == [2 * i for i in range(1, 100)]
        assert len(read) == 100


def test_a_call_submitting_to_its_own_full_pool_is_let_in(accel):
    """Documented: a call of the pool that submits to it does not wait
    for a slot (only its own end could free one)."""
    with accel.ThreadPoolExecutor(2, max_pending=2) as pool:
        def parent(i):
            return pool.submit(children.double, i).result(LONG) + 1
        futures = [pool.submit(parent, i) for i in range(2)]
        assert [f.result(LONG) for f in futures] == [1, 3]


def test_a_slot_freed_while_a_submitter_decides_to_wait_is_not_lost(accel):
    """A full pool's submitter asks whether it is one of the pool's own
    threads (Python code: other threads may run meanwhile). If every call
    holding a slot ends just then, their releases find no waiter; the
    submitter must see the free slot, not queue for a release that never
    comes (it did: a submit loop with max_pending hung about once in
    600,000 submits). The submitter's thread's __hash__ (which that check
    calls) makes the call end at exactly that moment."""
    with accel.ThreadPoolExecutor(1, max_pending=1) as pool:
        gate = threading.Event()
        held = pool.submit(gate.wait, LONG)
        limit = pool._pending_limit
        submitted = []

        class SubmitterAtTheWorstMoment(threading.Thread):
            submitting = hooked = False

            def __hash__(self):   # threading hashes it too, before run()
                if self.submitting and not self.hooked:
                    self.hooked = True
                    gate.set()
                    held.result(LONG)
                    wait_until(lambda: limit.count == 0)   # released, no waiter
                return object.__hash__(self)

            def run(self):
                self.submitting = True
                submitted.append(pool.submit(children.double, 21))

        submitter = SubmitterAtTheWorstMoment(daemon=True)
        submitter.start()
        submitter.join(LONG)
        assert submitter.hooked, "the check of the pool's own threads changed"
        assert not submitter.is_alive(), "submit() waits for a slot that is free"
        assert submitted[0].result(LONG) == 42
        assert limit.count in (0, 1) and limit.waiting() == 0


def test_a_million_submits_keep_memory_bounded(accel):
    bound = 64
    with accel.ThreadPoolExecutor(1, max_pending=bound) as pool:
        limit = pool._pending_limit
        most = 0
        for i in range(1_000_000):
            pool.submit(abs, i)
            if i % 1000 == 0:
                most = max(most, limit.count, len(pool._work_queue))
        assert most <= bound
        assert len(pool._work_queue) <= bound


def test_a_process_pool_bounds_a_fast_producer(accel):
    bound = 16
    with accel.ProcessPoolExecutor(2, mp_context=non_fork_context(), max_pending=bound) as pool:
        limit = pool._pending_limit
        futures = []
        for i in range(3000):
            futures.append(pool.submit(abs, -i))
            assert limit.count <= bound
        assert [f.result(LONG) for f in futures] == list(range(3000))


@pytest.mark.parametrize("value, error", [
    (0, ValueError), (-3, ValueError), (1.5, TypeError), (True, TypeError),
    ("4", TypeError)])
def test_bad_bounds_are_refused(accel, value, error):
    with pytest.raises(error, match="max_pending"):
        accel.ThreadPoolExecutor(1, max_pending=value)
    with pytest.raises(error, match="max_pending"):
        accel.ProcessPoolExecutor(1, max_pending=value)
