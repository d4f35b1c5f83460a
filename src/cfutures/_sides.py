"""The compiled modules of cfutures._core, by side: setup.py builds them
(``PROCESS_SIDE`` only where the process transport can be built) and
cfutures._accelerated checks that they are there.

Plain data, read by setup.py without importing cfutures.
"""

# The Future, waiting, the work queue and the thread pool: portable C.
THREAD_SIDE = (
    "_future", "_lifecycle", "_pending", "_statistics", "_thread_executor",
    "_waiting", "_workqueue")

# The process pool's parent and worker: pipes, poll(), fork and spawn.
PROCESS_SIDE = (
    "_batch_sender", "_batching", "_channel", "_codec", "_dispatcher",
    "_frames", "_item_run", "_manager", "_map_results", "_poller",
    "_pool_state", "_process_executor", "_progress", "_recovery",
    "_result_reader", "_serializer", "_supervisor", "_work_item", "_worker",
    "_worker_ends")

# setup.py's switch: "0" leaves the process side out, "1" builds it; unset,
# it is built where the platform has poll() (not on Windows).
TRANSPORT_ENV = "CFUTURES_PROCESS_TRANSPORT"
