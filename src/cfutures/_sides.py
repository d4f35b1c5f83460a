"""The compiled modules of cfutures._core (``<subpackage>.<module>``), by
side: setup.py builds them
(``PROCESS_SIDE`` only where the process transport can be built) and
cfutures._accelerated checks that they are there.

Plain data, read by setup.py without importing cfutures.
"""

# The Future, waiting, the work queue and the thread pool: portable C.
THREAD_SIDE = (
    "future._future", "future._waiting",
    "shared._lifecycle", "shared._pending", "shared._statistics",
    "thread._thread_executor", "thread._workqueue")

# The process pool's parent and worker: pipes, poll(), fork and spawn.
PROCESS_SIDE = (
    "parent._batch_sender", "parent._batching", "parent._channel",
    "parent._dispatcher", "parent._manager", "parent._map_results",
    "parent._poller", "parent._pool_state", "parent._process_executor",
    "parent._recovery", "parent._result_reader", "parent._supervisor",
    "parent._work_item", "parent._worker_ends",
    "shared._call_record", "shared._codec", "shared._frames",
    "shared._serializer",
    "worker._results", "worker._worker")

# setup.py's switch: "0" leaves the process side out, "1" builds it; unset,
# it is built where the platform has poll() (not on Windows).
TRANSPORT_ENV = "CFUTURES_PROCESS_TRANSPORT"
