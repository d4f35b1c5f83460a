"""executor.statistics(): what a pool has done and is doing, as one value."""
import dataclasses


@dataclasses.dataclass(frozen=True)
class PoolStatistics:
    """A pool's counts at one moment (see cfutures._core.shared._statistics).

    The times are None unless the pool was made with
    ``time_statistics=True`` (and then None until a call was timed).
    """

    submitted: int          # calls submitted (map items included)
    started: int            # of them, started (process pool: sent to a worker)
    completed: int          # ended with a result
    failed: int             # ended with an exception
    cancelled: int          # dropped, cancelled before they started
    queued: int             # waiting for a worker now
    running: int            # started and not ended now
    workers_alive: int      # threads or processes alive now
    workers_started: int    # threads or processes started in all
    busy_seconds: float | None     # seconds calls ran, in all
    mean_queue_wait: float | None  # seconds from submit() to start, mean
    max_queue_wait: float | None   # and the longest
    mean_run_time: float | None    # seconds a call ran, mean
