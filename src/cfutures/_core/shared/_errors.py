"""The exceptions cfutures adds to the stdlib's (which it re-exports, never
redefines): each subclasses the stdlib class a caller already catches."""
from ._stdlib import BrokenProcessPool


class WorkerProcessDied(BrokenProcessPool):
    """A call's worker process died while running it (SIGKILL, os._exit,
    a crash, the out-of-memory killer) in a pool with
    ``on_worker_death="replace"``, which replaced the worker and goes on.

    ``pid`` and ``exitcode`` (negative: the signal that ended it) name the
    worker; the pool's other calls are not affected.
    """

    def __init__(self, message, pid=None, exitcode=None):
        super().__init__(message)
        self.pid = pid
        self.exitcode = exitcode

    def __reduce__(self):
        return (type(self), (self.args[0] if self.args else "", self.pid,
                             self.exitcode))
