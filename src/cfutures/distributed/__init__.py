"""cfutures.distributed: the concurrent.futures API on a Dask cluster.

``DaskExecutor()`` starts a loopback ``LocalCluster`` of its own;
``DaskExecutor("tcp://scheduler:8786")`` or ``DaskExecutor(client)`` uses a
cluster already running. Calls are batched into dask tasks, so small calls
cost microseconds, not the milliseconds of a dask task each. Needs
``distributed``: ``pip install cfutures[dask]``.
"""
try:
    import distributed as _distributed   # noqa: F401  (checked here, used lazily)
except ImportError as exc:   # pragma: no cover - depends on the environment
    raise ImportError(
        "cfutures.distributed needs Dask distributed: "
        "pip install cfutures[dask]") from exc

from ._executor import DaskExecutor
from ._outcomes import DaskWorkerDied

__all__ = ("DaskExecutor", "DaskWorkerDied")
