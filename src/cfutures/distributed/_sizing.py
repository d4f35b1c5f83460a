"""How many calls go into one dask task.

A dask task costs about a millisecond of scheduling, so small calls are sent
many to a task; a long call must go alone, or the calls behind it in its
batch would wait for it while other worker threads sit idle. The executor
learns the cost of a call from the batches it gets back (each answer says
how long its calls ran) and sizes the next ones so that a batch runs about
``TARGET_BATCH_SECONDS``, split so that every worker thread gets a share of
what is waiting. Until the first answer, a burst is sent in small batches
that grow, so a few long calls still spread over the threads.
"""
import math

# About what a batch should take in its worker: long enough to amortize the
# scheduler's per-task cost, short enough to balance the load.
TARGET_BATCH_SECONDS = 0.02
MAX_BATCH = 50_000
# The first batches of a map, before any answer: grown by GROWTH each.
FIRST_MAP_CHUNK = 16
GROWTH = 4


class CallCost:
    """The mean seconds a call takes in a worker, as measured so far."""

    def __init__(self):
        self.seconds = None   # per call; None until a batch has answered
        self._calls = 0

    def measured(self, seconds, calls):
        """A batch of ``calls`` calls ran for ``seconds``."""
        if calls <= 0:
            return
        per_call = seconds / calls
        if self.seconds is None:
            self.seconds = per_call
        else:
            # Recent batches count most, so a change of workload shows soon.
            weight = min(0.5, calls / (self._calls + calls))
            self.seconds += weight * (per_call - self.seconds)
        self._calls = min(self._calls + calls, 1_000_000)

    def limit(self):
        """The most calls a batch should have by cost (None: not known)."""
        if self.seconds is None:
            return None
        return max(1, min(MAX_BATCH, int(TARGET_BATCH_SECONDS / max(self.seconds, 1e-7))))


def tasks_in_flight(threads, cost=None):
    """How many dask tasks a sender keeps in flight: enough that every
    thread has the next one queued while answers travel back. While the
    cost of a call is unknown (``cost`` given and not measured yet), one
    per thread and one more: the first calls may be long, and what is not
    sent can still be cancelled."""
    if cost is not None and cost.seconds is None:
        return threads + 1
    return 4 * threads + 4


def share(waiting, threads):
    """Calls per batch that give each of ``threads`` a part of ``waiting``."""
    return max(1, math.ceil(waiting / max(1, threads)))


def burst_batch(cost, waiting, threads, sent_unmeasured):
    """The size of the next batch of submitted calls, ``waiting`` queued.
    Before any answer it starts at 1 and doubles per batch sent
    (``sent_unmeasured`` of them so far)."""
    limit = cost.limit()
    if limit is None:
        limit = 2 ** min(sent_unmeasured, 16)
    return max(1, min(limit, share(waiting, threads), waiting))


def map_chunk(cost, length, threads, chunks_sent):
    """The size of map's next chunk; ``length`` the number of items in the
    input (None: unknown)."""
    limit = cost.limit()
    if limit is None:
        limit = FIRST_MAP_CHUNK * GROWTH ** min(chunks_sent, 8)
    if length is not None:
        # At least two chunks per thread, so the threads finish together;
        # a chunk runs TARGET_BATCH_SECONDS at most, so the end is even.
        limit = min(limit, share(length, 2 * threads))
    return max(1, min(limit, MAX_BATCH))
