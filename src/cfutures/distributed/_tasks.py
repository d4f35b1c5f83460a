"""The dask tasks in flight, and the thread that settles their futures.

Protocol: whoever sends a task (the submit sender, a map's feeder) wraps it
in an object with ``dask_future``, ``deliver(answer)`` and ``fail(exc)``
and hands it to ``InFlight.add``. Dask calls the done-callback on a thread
of its own; it only queues the task. One completer thread takes what is
queued, fetches every finished answer in one ``gather`` (a round trip to
the cluster per wake-up, not per task), and calls ``deliver`` or ``fail``.
So the callbacks of our futures run on that thread, never on the client's
event loop, and a slow callback holds up no dask machinery.
"""
import queue
import threading

from .._core.shared._stdlib import BrokenExecutor
from ._outcomes import task_failure

_STOP = object()


class InFlight:
    """The tasks sent and not yet settled, and their completer thread."""

    def __init__(self, client):
        self._client = client
        self._settled = queue.SimpleQueue()
        self._count = 0
        self.changed = threading.Condition()
        self.thread = threading.Thread(
            target=self._complete, name="cfutures-dask-completer", daemon=True)
        self.thread.start()

    def __len__(self):
        return self._count

    def add(self, task):
        with self.changed:
            self._count += 1
        task.dask_future.add_done_callback(
            lambda _, task=task: self._settled.put(task))

    def wait_below(self, bound):
        """Block while ``bound`` or more tasks are in flight."""
        with self.changed:
            while self._count >= bound:
                self.changed.wait()

    def wait_empty(self):
        with self.changed:
            while self._count:
                self.changed.wait()

    def stop(self):
        """End the completer once nothing is in flight (wait_empty first)."""
        self._settled.put(_STOP)
        if threading.current_thread() is not self.thread:
            self.thread.join()

    def _complete(self):
        while True:
            first = self._settled.get()
            if first is _STOP:
                return
            tasks = [first]
            while True:
                try:
                    task = self._settled.get_nowait()
                except queue.Empty:
                    break
                if task is _STOP:
                    self._settled.put(_STOP)   # after this round
                    break
                tasks.append(task)
            self._settle(tasks)
            with self.changed:
                self._count -= len(tasks)
                self.changed.notify_all()

    def _settle(self, tasks):
        finished = [t for t in tasks if t.dask_future.status == "finished"]
        if finished:
            try:
                answers = self._client.gather([t.dask_future for t in finished])
            except BaseException:
                pass   # one at a time below, so each gets its own error
            else:
                for task, answer in zip(finished, answers):
                    _settle_one(task, lambda answer=answer: answer)
                delivered = set(map(id, finished))
                tasks = [t for t in tasks if id(t) not in delivered]
        for task in tasks:
            if task.dask_future.status == "cancelled":
                _settle_one(task, _cancelled)
            else:
                _settle_one(task, task.dask_future.result)


def _cancelled():
    raise BrokenExecutor("the dask task of this call was cancelled "
                         "(its client or cluster closed)")


def _settle_one(task, get_answer):
    try:
        try:
            answer = get_answer()
        except BaseException as exc:
            task.fail(task_failure(exc))
        else:
            task.deliver(answer)
    except BaseException:   # one broken task must not end the completer
        import traceback
        traceback.print_exc()
