"""The stdlib ProcessPoolExecutor's private attributes, for code that reads them.

The process pool keeps its state in its dispatcher and supervisor; the
mixin below gives the stdlib's names the same meaning where cfutures has
the thing. Each comment names the stdlib code or CPython test that reads
the attribute (a subclass of the stdlib class that calls or copies that
code reads it too). The thread pool needs no mixin: its compiled base
(cfutures/_core/thread/_thread_executor.pyx) keeps its state under the stdlib's
private names.
"""


class _NoCallQueue:
    """Stands in for the stdlib's call queue: there is nothing to join."""

    def close(self):
        pass

    def join_thread(self):
        pass

    def cancel_join_thread(self):
        pass


_NO_CALL_QUEUE = _NoCallQueue()


class ProcessPoolCompat:
    """The stdlib ProcessPoolExecutor's privates, over ``self._dispatcher``
    and its supervisor."""

    # test_init's initializer tests check executor._broken.
    _broken = property(lambda self: self._dispatcher.state.broken)
    # test_process_pool and test_shutdown count and join executor._processes
    # (pid -> Process of every worker started and not retired; one dict
    # until shutdown(), which sets it to None, as in the stdlib).
    _processes = property(
        lambda self: None if self._dispatcher.state.shutdown_requested
        else self._dispatcher.state.supervisor.processes)
    # test_shutdown and test_deadlock join executor._executor_manager_thread
    # (the pool's manager thread while it runs, else None).
    _executor_manager_thread = property(
        lambda self: self._dispatcher.manager_thread)
    # test_shutdown joins executor._call_queue's feeder thread; cfutures has
    # no call queue (nor feeder thread), so there is nothing to join.
    _call_queue = property(lambda self: _NO_CALL_QUEUE)
    # test_process_pool's test_idle_process_reuse_* and
    # test_max_tasks_per_child_defaults_to_spawn_context.
    _max_workers = property(lambda self: self._dispatcher.state.supervisor.max_workers)
    _mp_context = property(lambda self: self._dispatcher.state.supervisor.ctx)
    # The stdlib's _spawn_process() starts workers with these.
    _initializer = property(lambda self: self._dispatcher.state.supervisor.options.initializer)
    _initargs = property(lambda self: self._dispatcher.state.supervisor.options.initargs)
    _max_tasks_per_child = property(
        lambda self: self._dispatcher.state.supervisor.options.max_tasks_per_child)
