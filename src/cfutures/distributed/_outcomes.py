"""What the client makes of a dask task's outcome, for the futures in it.

A task answers with the bytes of ``_remote`` (per-call values and errors);
an exception raised in a worker comes back with its traceback text, which
becomes its ``__cause__`` as a ``_RemoteTraceback``, as the stdlib's process
pool gives it. A task that fails as a whole (its worker died, its input did
not unpickle there) fails every call in it: a dead worker with
``DaskWorkerDied``, anything else with the exception dask reports.
"""
import pickle

from .._core.shared._codec import decode_exception
from .._core.shared._stdlib import BrokenExecutor


class DaskWorkerDied(BrokenExecutor):
    """The dask worker running a call died (killed, ``os._exit``, out of
    memory). ``worker`` is its address. The executor goes on: the cluster's
    nanny starts a new worker, and other calls are not affected."""

    def __init__(self, message, worker=None):
        super().__init__(message)
        self.worker = worker

    def __reduce__(self):
        return (type(self), (self.args[0] if self.args else "", self.worker))


def decode_answer(answer):
    """(seconds, values, errors) of a task's answer bytes."""
    return pickle.loads(answer)


# The exception of an ``errors`` entry, with its remote traceback: as the
# process pool decodes its workers' (_codec).
decode_error = decode_exception


def task_failure(exc):
    """The exception a whole failed task gives each of its calls."""
    from distributed import KilledWorker  # type: ignore[import-not-found,unused-ignore]
    if isinstance(exc, KilledWorker):
        worker = getattr(exc, "last_worker", None)
        worker = getattr(worker, "address", worker)
        return DaskWorkerDied(
            "the dask worker %s died while running this call (task %s)"
            % (worker, getattr(exc, "task", "?")), worker)
    return exc
