# Types of cfutures.distributed: an Executor handing out cfutures futures.
from concurrent.futures import BrokenExecutor
from typing import Any

from cfutures import Executor

__all__ = ("DaskExecutor", "DaskWorkerDied")

class DaskWorkerDied(BrokenExecutor):
    worker: str | None
    def __init__(self, message: str, worker: str | None = None) -> None: ...

class DaskExecutor(Executor):
    client: Any   # a distributed.Client
    def __init__(self, address_or_client: Any = None, **options: Any) -> None: ...
    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None: ...
