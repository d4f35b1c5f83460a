"""What a benchmark case is made of: the pieces cases.py builds on.

``Case`` describes one case (its function, N, parameters, how the table
shows it) and ``Section`` groups cases under a heading. A case's function
times its own region with ``Timer`` and returns a ``Measurement``.
``THREADPOOL`` and ``MPPOOL`` stand in for a module under test when a case
should run its third-party reference instead (see harness.REFERENCE_LABELS).
"""
import dataclasses
import gc
import time

# Handed to a case, in place of concurrent.futures or cfutures, to make it
# run its multiprocessing reference.
THREADPOOL = "multiprocessing.pool.ThreadPool"
MPPOOL = "multiprocessing.Pool"


@dataclasses.dataclass
class Measurement:
    """One run of one case on one implementation."""

    seconds: float          # wall time of the measured region
    ops: int                # tasks / futures / operations in that region
    cpu_seconds: float      # process CPU time (all threads) in that region
    extra: dict = dataclasses.field(default_factory=dict)

    @property
    def per_op(self):
        return self.seconds / self.ops

    @property
    def cpu_per_op(self):
        return self.cpu_seconds / self.ops


class Timer:
    """Wall and process CPU time of a ``with`` block.

    A gc.collect() runs first (outside the timed region) unless
    ``collect=False``, so garbage left by the setup is not charged to it.
    """

    def __init__(self, collect=True):
        self.collect = collect

    def __enter__(self):
        if self.collect:
            gc.collect()
        self.cpu0 = time.process_time()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self.cpu_seconds = time.process_time() - self.cpu0
        return False

    def measurement(self, ops, **extra):
        return Measurement(self.seconds, ops, self.cpu_seconds, extra)


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark case: ``func(impl, n, **params) -> Measurement``."""

    name: str           # short id (pytest id, --case, JSON key)
    title: str          # what the table says
    func: object
    n: int              # size at scale 1
    params: dict = dataclasses.field(default_factory=dict)
    impls: tuple = ("stdlib", "cfutures")
    unit: str = "op"    # what one of the n is, for "per ..." labels
    # What the comparison table shows for the case: "time" (wall per op),
    # "wall" (wall time of the whole measured region) or the name of a
    # Measurement.extra entry (e.g. "bytes_per_task").
    metric: str = "time"
    # Whether the table also gets a row of CPU time per op.
    cpu_row: bool = False
    # More rows, each (title suffix, Measurement.extra key, note), shown
    # as times.
    extra_rows: tuple = ()
    # impl name -> what the notes call that reference ("{workers}" is
    # filled in), where it differs from harness.REFERENCE_LABELS.
    labels: dict = dataclasses.field(default_factory=dict)
    # Whether the case can run here (e.g. it needs os.sched_setaffinity).
    available: object = None
    # Whether --scale and --quick scale N (not where N is what the case
    # is about: a burst size, say).
    scaled: bool = True

    def is_available(self):
        return self.available is None or bool(self.available())

    def run(self, impl, n):
        return self.func(impl, n, **self.params)


@dataclasses.dataclass(frozen=True)
class Section:
    """Cases that belong together, in the order the table lists them."""

    name: str           # short id
    title: str          # what the cases have in common
    cases: tuple
